"""keras_classics: the classic convolutional networks, faithful to their papers.

Builders (``keras_classics.alexnet``, ``keras_classics.vgg16``, ...) and the
registry load Keras on first use, so ``import keras_classics.arithmetic``
stays free of TensorFlow.
"""

from __future__ import annotations

import importlib
import importlib.util

__version__ = "0.1.0"

# Names served lazily from submodules, so that importing the package (and
# its arithmetic) does not import Keras.
_LAZY = {
    "list_models": "keras_classics.registry",
    "build": "keras_classics.registry",
    "get_entry": "keras_classics.registry",
    "UnknownModelError": "keras_classics.registry",
    "load_model": "keras_classics.models",
}


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
