"""keras_classics: the classic convolutional networks, faithful to their papers.

Builders (``keras_classics.alexnet``, ``keras_classics.vgg16``, ...) and the
registry load Keras on first use, so ``import keras_classics.arithmetic``
stays free of TensorFlow.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

# Names served lazily from submodules, so that importing the package (and
# its arithmetic) does not import Keras.
_LAZY = {
    "list_models": "keras_classics.registry",
    "build": "keras_classics.registry",
    "get_entry": "keras_classics.registry",
    "UnknownModelError": "keras_classics.registry",
    "load_model": "keras_classics.saving",
}


class _RegisterWhenKerasLoads(importlib.abc.MetaPathFinder):
    """Registers the package's custom classes right after Keras is imported.

    A saved model names classes (the papers' SGD, LRN, ...) that Keras finds
    only once they are registered, and ``import keras_classics`` must stay
    free of Keras. So this finder, consulted for the top-level ``keras``
    module only, wraps that module's loader: once Keras has finished loading,
    `keras_classics.saving.register_with_keras` runs, and plain
    ``keras.saving.load_model`` reads what the package saved.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        sys.meta_path.remove(self)  # once; and find_spec below must not recurse here
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _register_with_keras()

        spec.loader.exec_module = exec_module
        return spec


def _register_with_keras():
    importlib.import_module("keras_classics.saving").register_with_keras()


if "keras" in sys.modules:
    _register_with_keras()
else:
    sys.meta_path.insert(0, _RegisterWhenKerasLoads())


def __getattr__(name: str):
    # PEP 562: resolve builders lazily so that the arithmetic stays importable
    # without TensorFlow.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # A submodule (``from keras_classics import arithmetic``): import it
        # alone, without loading Keras through the models.
        return importlib.import_module(f"{__name__}.{name}")
    if not name.startswith("_"):
        builders = importlib.import_module("keras_classics.models").public_builders()
        if name in builders:
            return builders[name]
    raise AttributeError(f"module 'keras_classics' has no attribute {name!r}")


def __dir__():
    builders = importlib.import_module("keras_classics.models").public_builders()
    return sorted(set(globals()) | set(_LAZY) | set(builders))
