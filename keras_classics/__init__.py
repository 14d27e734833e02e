"""keras_classics: the classic convolutional networks, faithful to their papers.

Builders (``keras_classics.alexnet``, ``keras_classics.vgg16``, ...) and the
registry load Keras on first use, so ``import keras_classics.arithmetic``
stays free of TensorFlow.
"""

from __future__ import annotations

import importlib
import importlib.util

__version__ = "0.1.0"

_REGISTRY_NAMES = ("list_models", "build", "get_entry", "UnknownModelError")


def __getattr__(name: str):
    # PEP 562: resolve builders lazily so that the arithmetic stays importable
    # without TensorFlow.
    if name in _REGISTRY_NAMES:
        return getattr(importlib.import_module("keras_classics.registry"), name)
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # A submodule (``from keras_classics import arithmetic``): import it
        # alone, without loading Keras through the models.
        return importlib.import_module(f"{__name__}.{name}")
    if not name.startswith("_"):
        models = importlib.import_module("keras_classics.models")
        if name in models.__all__:
            return getattr(models, name)
    raise AttributeError(f"module 'keras_classics' has no attribute {name!r}")


def __dir__():
    models = importlib.import_module("keras_classics.models")
    return sorted(set(globals()) | set(_REGISTRY_NAMES) | set(models.__all__))
