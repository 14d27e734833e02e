"""Gradients: the one backend-specific piece of `keras_classics.visualize`.

Everything else in the package is written with ``keras.ops``. Keras 3 has
no backend-neutral "gradient of this with respect to that" for eager
code, so this module holds it, one function per backend. The TensorFlow
one records the forward pass on a ``tf.GradientTape``, which can also
differentiate with respect to tensors met on the way (Grad-CAM's feature
maps). JAX differentiates functions of their arguments only, so its
version adds a zero argument to the output of each layer whose output is
watched and differentiates with respect to that (``jax.value_and_grad``):
the gradient at a tensor is the gradient at a zero added to it.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Sequence, Tuple

import keras
import numpy as np

__all__ = ["gradients"]


def gradients(
    forward: Callable, inputs, watched_layers: Sequence = ()
) -> Tuple[np.ndarray, np.ndarray, Sequence[np.ndarray], Sequence[np.ndarray]]:
    """Run ``forward`` and differentiate its scalar.

    ``forward(x)`` returns ``(scalar, watched)``: the quantity to
    differentiate and a list of intermediate tensors of the same pass, the
    outputs of ``watched_layers`` in that order (which the JAX version
    needs; TensorFlow watches the tensors themselves).

    Returns ``(scalar, d scalar / d inputs, watched values, d scalar / d
    each watched tensor)``, all as NumPy arrays.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tensorflow_gradients(forward, inputs)
    if backend == "jax":
        return _jax_gradients(forward, inputs, list(watched_layers))
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


@contextlib.contextmanager
def _offset_outputs(layers, offsets):
    """Within the block each of ``layers`` adds ``offsets[i]`` to its output."""
    saved = [layer.__dict__.get("call") for layer in layers]

    def offset(original, i):
        def call(*args, **kwargs):
            return keras.ops.add(original(*args, **kwargs), offsets[i])

        return call

    try:
        for i, layer in enumerate(layers):
            layer.call = offset(layer.call, i)
        yield
    finally:
        for layer, call in zip(layers, saved):
            if call is None:
                del layer.call  # the class's own method shows through again
            else:
                layer.call = call


def _jax_gradients(forward, inputs, watched_layers):
    import jax

    x = jax.numpy.asarray(np.asarray(inputs, dtype="float32"))
    _, watched = forward(x)
    if len(watched) != len(watched_layers):
        raise ValueError(
            f"under JAX, gradients at inner tensors need the layers that produce them: forward watches "
            f"{len(watched)} tensor(s), but {len(watched_layers)} layer(s) were given"
        )
    offsets = [None] * len(watched)

    def scalar_of(x, zeros):
        offsets[:] = zeros
        scalar, _ = forward(x)
        return scalar

    zeros = [jax.numpy.zeros_like(w) for w in watched]
    # Compiled whole: differentiated op by op, each operation would compile
    # its own forward and backward program, several times slower here.
    with _offset_outputs(watched_layers, offsets):
        scalar, (gradient, watched_gradients) = jax.jit(jax.value_and_grad(scalar_of, argnums=(0, 1)))(x, zeros)
    to_numpy = keras.ops.convert_to_numpy
    return (
        to_numpy(scalar),
        to_numpy(gradient),
        [to_numpy(w) for w in watched],
        [to_numpy(g) for g in watched_gradients],
    )
