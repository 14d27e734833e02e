"""Training the classic networks with ``model.fit``: under tf.distribute on
the TensorFlow backend, under ``keras.distribution`` on JAX (no TensorFlow
needed there; `keras_classics.training.backends`).

``keras_classics.training.train(model="lenet5")`` is ``keras-classics train
lenet5``: the paper's recipe, the default data (scikit-learn's digits),
a run folder that survives being killed, and a one-line summary. See
`keras_classics.training.run` for what a run writes.

Importing this package stays free of TensorFlow; ``train`` loads the backend.
"""

from __future__ import annotations

import importlib

from keras_classics.training.config import TrainConfig
from keras_classics.training.recipes import RECIPES, Recipe

__all__ = ["train", "TrainConfig", "TrainResult", "DivergedError", "Recipe", "RECIPES"]

_LAZY = {
    "train": "keras_classics.training.run",
    "TrainResult": "keras_classics.training.run",
    "DivergedError": "keras_classics.training.callbacks",
}


def __getattr__(name: str):
    # PEP 562: the command line imports this package to register its
    # parser, which must not start TensorFlow.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'keras_classics.training' has no attribute {name!r}")
