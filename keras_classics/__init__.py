"""keras_classics: the classic convolutional networks, faithful to their papers.

Builders (``keras_classics.alexnet``, ``keras_classics.vgg16``, ...) and the
registry load Keras on first use, so ``import keras_classics.arithmetic``
stays free of TensorFlow.
"""

from __future__ import annotations

import difflib
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
    # A model's layer table, shown richly in a notebook (keras_classics.display).
    "summary": "keras_classics.display.model_summary",
    # Images made into a model's input as in training (a run folder, a converted file).
    "preprocess": "keras_classics.preprocessing",
    # The conv-arithmetic explorer as a notebook widget (anywidget).
    "explore": "keras_classics.explorer.widget",
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
    if name.startswith("_"):
        raise AttributeError(f"module 'keras_classics' has no attribute {name!r}")
    builders = importlib.import_module("keras_classics.models").public_builders()
    if name in builders:
        return builders[name]
    registry = importlib.import_module("keras_classics.registry")
    registered = registry.list_models()
    if name in registered:
        # Every registered name is a builder too: keras_classics.resnet20()
        # is build("resnet20"), with a signature and help() of its own.
        return registry.variant_builder(name)
    close = _closest(name.lower(), [*dict.fromkeys([*builders, *registered])])
    hint = f"; did you mean keras_classics.{close[0]}?" if close else ""
    if len(close) > 1:
        hint += f" (also close: {', '.join(close[1:])})"
    raise AttributeError(
        f"module 'keras_classics' has no attribute {name!r}{hint} "
        "(keras_classics.list_models() lists every model; keras_classics.build(NAME) builds one)"
    )


def __dir__():
    builders = importlib.import_module("keras_classics.models").public_builders()
    registered = importlib.import_module("keras_classics.registry").list_models()
    return sorted(set(globals()) | set(_LAZY) | set(builders) | set(registered))


def _closest(word: str, candidates: list[str]) -> list[str]:
    """Up to three names close to `word`, the fewest edits first.

    difflib's similarity ties often (resnet21 is as "similar" to resnet32 as
    to resnet20); the number of single-character edits breaks the tie the
    way a reader would.
    """
    close = difflib.get_close_matches(word, candidates, n=6, cutoff=0.6)
    return sorted(close, key=lambda c: (_edits(word, c), -difflib.SequenceMatcher(None, word, c).ratio()))[:3]


def _edits(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
