"""What depends on Keras's backend in a training run, decided in one place.

The run itself (`keras_classics.training.run`) is the same on every
backend. Two things are not:

- the input pipeline: tf.data (`keras_classics.training.data`) on the
  TensorFlow backend; NumPy arrays and ``keras.utils.PyDataset``
  (`keras_classics.training.numpy_data`) on the others, which therefore
  train without TensorFlow installed;
- the distribution: tf.distribute strategies on TensorFlow;
  ``keras.distribution.DataParallel`` over the local devices on JAX
  (`keras_classics.training.strategy` picks either).

TensorFlow is imported only inside the TensorFlow branches.
"""

from __future__ import annotations

from types import ModuleType
from typing import Dict, Union

__all__ = ["name", "uses_tensorflow", "input_pipeline", "has_gpu", "jit_compile", "versions"]


def name() -> str:
    """Keras's backend: "tensorflow", "jax", "torch" or "numpy"."""
    import keras

    return keras.backend.backend()


def uses_tensorflow() -> bool:
    return name() == "tensorflow"


def input_pipeline() -> ModuleType:
    """The module that turns a `data.DataSource` into what ``fit`` reads.

    Both offer ``Transforms``, ``verify_images``, ``compute_stats``,
    ``train_dataset`` and ``eval_dataset`` with the same arguments.
    """
    if uses_tensorflow():
        from keras_classics.training import data

        return data
    from keras_classics.training import numpy_data

    return numpy_data


def has_gpu() -> bool:
    """Whether the backend sees a GPU."""
    if uses_tensorflow():
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if name() == "jax":
        import keras

        try:
            return bool(keras.distribution.list_devices("gpu"))
        except (RuntimeError, ValueError):  # no GPU platform at all
            return False
    if name() == "torch":
        import torch

        return bool(torch.cuda.is_available())
    return False


def jit_compile(on_gpu: bool) -> Union[bool, str]:
    """``compile``'s ``jit_compile``. TensorFlow: XLA is slower than plain
    TensorFlow on the CPUs measured (a 2-core x86 machine), and Keras turns it off under a
    strategy by itself. JAX always compiles with XLA; its eager mode would
    be far slower."""
    if uses_tensorflow():
        return "auto" if on_gpu else False
    return "auto"


def versions() -> Dict[str, str]:
    """Keras and its backend's library, for the run record."""
    import keras

    out = {"keras": keras.__version__, "backend": name()}
    if uses_tensorflow():
        import tensorflow as tf

        out["tensorflow"] = tf.__version__
    elif name() == "jax":
        import jax

        out["jax"] = jax.__version__
    return out
