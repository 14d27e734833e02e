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

`compiled_gradients` is the same computation compiled once per model and
purpose (``tf.function`` on TensorFlow, ``jax.jit`` on JAX) and kept for
later calls; the methods use it. Under JAX the compiled function takes the
model's variables as arguments (read through a ``keras.StatelessScope``),
so weights changed later, by training or ``set_weights``, are used, not
the values met when it was compiled.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Callable, Hashable, Sequence, Tuple

import keras
import numpy as np

__all__ = ["gradients", "compiled_gradients"]

# model -> {key: compiled function}; an entry goes with its model.
_COMPILED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


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


def compiled_gradients(
    model, key: Hashable, forward: Callable, watched_layers: Sequence = (), wrt_input: bool = True
) -> Callable:
    """``forward`` compiled with its gradients, once per ``(model, key)``.

    ``forward(x, *args)`` returns ``(scalar, watched, extra)``: the
    quantity to differentiate, a list of tensors of the same pass (the
    outputs of ``watched_layers``, in that order) and a list of other
    tensors to return (class scores, say). ``args`` are tensors (a class
    as a one-hot vector, a unit as a mask), so that one compiled function
    serves every class and unit. ``key`` must name everything ``forward``
    holds that is not an argument (the method, the layer, the rule).

    The returned function takes ``(x, *args)`` as NumPy arrays and returns
    ``(scalar, d scalar / d x, watched, d scalar / d watched, extra)``,
    NumPy arrays. ``wrt_input`` False: no gradient at the input (None in
    its place), so the backward pass stops at the watched tensors (Grad-CAM
    needs only the layers above its map). The first call (and one with new shapes) traces
    ``forward``: whatever changes the layers for a method (a replaced ReLU
    rule, a linear output) must be in place around every call.
    """
    per_model = _COMPILED.get(model)
    if per_model is None:
        per_model = _COMPILED[model] = {}
    function = per_model.get(key)
    if function is None:
        backend = keras.backend.backend()
        if backend == "tensorflow":
            function = _tensorflow_compiled(forward, wrt_input)
        elif backend == "jax":
            function = _jax_compiled(model, forward, list(watched_layers), wrt_input)
        else:
            raise NotImplementedError(
                f"keras_classics.visualize computes gradients with the TensorFlow or JAX backend, not {backend!r}; "
                "set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax"
            )
        per_model[key] = function
    return function


def _numpy_all(scalar, gradient, watched, watched_gradients, extra):
    to_numpy = keras.ops.convert_to_numpy
    return (
        to_numpy(scalar),
        None if gradient is None else to_numpy(gradient),
        [to_numpy(w) for w in watched],
        [to_numpy(g) for g in watched_gradients],
        [to_numpy(e) for e in extra],
    )


def _tensorflow_step(forward, wrt_input, x, *args):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        if wrt_input:
            tape.watch(x)
        scalar, watched, extra = forward(x, *args)
    sources = [x, *watched] if wrt_input else list(watched)
    grads = tape.gradient(scalar, sources, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    if not wrt_input:
        grads = [tf.zeros((), x.dtype), *grads]
    return scalar, grads[0], list(watched), list(grads[1:]), list(extra)


def _tensorflow_compiled(forward, wrt_input=True):
    import functools

    import tensorflow as tf

    # A partial, not a closure: TensorFlow counts traces per code object and
    # warns of "excessive retracing" when many models each compile once.
    step = tf.function(functools.partial(_tensorflow_step, forward, wrt_input), reduce_retracing=True, autograph=False)

    def call(x, *args):
        tensors = [tf.convert_to_tensor(np.asarray(a, dtype="float32")) for a in (x, *args)]
        scalar, gradient, watched, watched_gradients, extra = step(*tensors)
        return _numpy_all(scalar, gradient if wrt_input else None, watched, watched_gradients, extra)

    return call


def _jax_compiled(model, forward, watched_layers, wrt_input=True):
    import jax

    variables = list(model.variables)
    offsets = [None] * len(watched_layers)

    def run(values, x, zeros, args):
        offsets[:] = zeros
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            with _offset_outputs(watched_layers, offsets):
                scalar, watched, extra = forward(x, *args)
        return scalar, (list(watched), list(extra))

    def shapes(values, x, args):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            _, watched, _ = forward(x, *args)
        return list(watched)

    step = jax.jit(jax.value_and_grad(run, argnums=(1, 2) if wrt_input else (2,), has_aux=True))
    watched_shapes = {}

    def call(x, *args):
        x = jax.numpy.asarray(np.asarray(x, dtype="float32"))
        args = [jax.numpy.asarray(np.asarray(a, dtype="float32")) for a in args]
        values = [v.value for v in variables]
        signature = (x.shape, tuple(a.shape for a in args))
        if signature not in watched_shapes:
            offsets[:] = [None] * len(offsets)
            watched_shapes[signature] = jax.eval_shape(shapes, values, x, args) if watched_layers else []
        zeros = [jax.numpy.zeros(w.shape, w.dtype) for w in watched_shapes[signature]]
        (scalar, (watched, extra)), grads = step(values, x, zeros, args)
        gradient, watched_gradients = grads if wrt_input else (None, grads[0])
        return _numpy_all(scalar, gradient, watched, watched_gradients, extra)

    return call
