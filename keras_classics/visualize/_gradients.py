"""Gradients: the one backend-specific piece of `keras_classics.visualize`.

Everything else in the package is written with ``keras.ops``. Keras 3 has
no backend-neutral "gradient of this with respect to that" for eager
code, so this module holds it, one function per backend. The TensorFlow
one records the forward pass on a ``tf.GradientTape``, which can also
differentiate with respect to tensors met on the way (Grad-CAM's feature
maps). The JAX one differentiates the forward pass as a function of its
input with ``jax.value_and_grad``; a gradient at an inner tensor would need
the pass split there, so under JAX only input gradients are offered.
"""

from __future__ import annotations

from typing import Callable, Sequence, Tuple

import keras
import numpy as np

__all__ = ["gradients"]


def gradients(forward: Callable, inputs) -> Tuple[np.ndarray, np.ndarray, Sequence[np.ndarray], Sequence[np.ndarray]]:
    """Run ``forward`` and differentiate its scalar.

    ``forward(x)`` returns ``(scalar, watched)``: the quantity to
    differentiate and a list of intermediate tensors of the same pass.

    Returns ``(scalar, d scalar / d inputs, watched values, d scalar / d
    each watched tensor)``, all as NumPy arrays.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tensorflow_gradients(forward, inputs)
    if backend == "jax":
        return _jax_gradients(forward, inputs)
    raise NotImplementedError(
        f"keras_classics.visualize computes gradients with the TensorFlow or JAX backend, not {backend!r}; "
        "set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax"
    )


def _tensorflow_gradients(forward, inputs):
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(inputs, dtype="float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        scalar, watched = forward(x)
    grads = tape.gradient(scalar, [x, *watched], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    to_numpy = keras.ops.convert_to_numpy
    return (
        to_numpy(scalar),
        to_numpy(grads[0]),
        [to_numpy(w) for w in watched],
        [to_numpy(g) for g in grads[1:]],
    )


def _jax_gradients(forward, inputs):
    import jax

    def scalar_of(x):
        scalar, watched = forward(x)
        if watched:
            raise NotImplementedError(
                "under the JAX backend keras_classics.visualize differentiates with respect to the input "
                "only (saliency, deconvnet, guided backpropagation); a gradient at an inner layer, as "
                "Grad-CAM needs, runs with KERAS_BACKEND=tensorflow"
            )
        return scalar

    # Compiled whole: differentiated op by op, each operation would compile
    # its own forward and backward program, several times slower here.
    scalar, gradient = jax.jit(jax.value_and_grad(scalar_of))(jax.numpy.asarray(np.asarray(inputs, dtype="float32")))
    return np.asarray(scalar), np.asarray(gradient), [], []
