"""One pass over the package on the current Keras backend, for the parity tests.

`tests/test_backend_jax.py` runs `record` twice on identical weights and
inputs: in the pytest process (TensorFlow) and once in a subprocess under
``KERAS_BACKEND=jax`` with ``import tensorflow`` made to fail, started as
``python tests/_backend_parity.py OUT.npz --saved lenet5.keras --fit``. Each
run writes one ``.npz``; the tests compare the two.

The weights are the same on both sides without a file between them: every
float variable of a built model is filled, in the model's own variable
order, from one NumPy pool (`weight_values`); the variable paths and shapes
are recorded so that a different order would fail the test rather than
compare different weights. Only the saved LeNet-5 crosses backends as a
file, to check that what TensorFlow saves JAX loads.
"""

from __future__ import annotations

import argparse
import importlib.abc
import json
import re
import sys
import time

import numpy as np

# Classes of every model built here: fewer than any registered default, so
# the heads stay small; outputs are logits (no classifier activation).
CLASSES = 7
# The smallest input side used: at 1x1, which the ResNets and GoogLeNet
# accept, every 3x3 convolution would see only its centre tap.
MIN_SIDE = 32
# One pool of values for every variable: identical on every backend and
# far cheaper than drawing tens of millions of numbers per model. Its length
# is prime, so no kernel row repeats another.
_POOL = np.random.default_rng(20261130).uniform(-1.0, 1.0, 1_000_003).astype("float32")


class BlockTensorFlow(importlib.abc.MetaPathFinder):
    """Makes ``import tensorflow`` fail, as on a machine without it."""

    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ImportError(f"{name} is blocked: this process checks the package without TensorFlow")
        return None


def weight_values(model, seed: int) -> list:
    """Deterministic values for every variable of ``model``, in its order.

    Kernels get He-scaled values (std sqrt(2 / fan_in)) so that activations
    stay of order one through a deep ReLU stack; batch-norm variances stay
    in [0.6, 1.4]; other vectors are small; integer state (a dropout
    layer's seed) is zero. The values depend only on the variable's
    position, shape and ``seed``, never on the backend.
    """
    values = []
    for index, variable in enumerate(model.variables):
        shape, dtype = tuple(variable.shape), str(variable.dtype)
        if "float" not in dtype:
            values.append(np.zeros(shape, dtype))
            continue
        start = (seed * 7919 + index * 104729) % len(_POOL)
        value = np.resize(np.roll(_POOL, -start), int(np.prod(shape))).reshape(shape)
        if len(shape) >= 2:
            value = value * np.float32(np.sqrt(3.0) * np.sqrt(2.0 / np.prod(shape[:-1])))
        elif variable.path.rsplit("/", 1)[-1] in ("gamma", "moving_variance"):
            value = 1.0 + 0.4 * value
        else:
            value = 0.1 * value
        values.append(value.astype(dtype))
    return values


def filled(make, seed: int):
    """``make()`` (a model, or a tuple whose first item is one) with its
    variables set to `weight_values` and no initialiser run.

    The initialisers' values would be replaced anyway, and under JAX they
    are costly: each kernel shape compiles its own random-number program
    (GoogLeNet: most of a minute on two cores). Built in a
    ``keras.StatelessScope`` that defers them, each variable then gets its
    values as its initialiser.
    """
    import keras
    from keras.src.backend.common.variables import initialize_all_variables

    with keras.StatelessScope(initialize_variables=False):
        made = make()
    model = made[0] if isinstance(made, tuple) else made
    for variable, value in zip(model.variables, weight_values(model, seed)):
        variable._initializer = lambda shape, dtype=None, value=value: value
    initialize_all_variables()
    return made


def inputs(shape, seed: int, batch: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((batch, *shape)).astype("float32")


def _as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def smallest_side(name: str) -> int:
    """The smallest input side the builder accepts, as its error names it
    (asked with a side of 0, which every builder refuses before building)."""
    import keras_classics

    channels = keras_classics.get_entry(name).input_shape[2]
    try:
        keras_classics.build(name, input_shape=(0, 0, channels))
    except ValueError as error:
        return int(re.search(r"smallest input that works is (\d+)x", str(error)).group(1))
    raise AssertionError(f"{name}: a 0x0 input was accepted")


def family_sides(names) -> dict:
    """One input side per family: the largest of its variants' smallest
    inputs, and at least `MIN_SIDE`. Sharing a side, the variants share
    their operations' shapes, so JAX compiles each operation once."""
    import keras_classics

    sides = {}
    for name in names:
        family = keras_classics.get_entry(name).family
        sides[family] = max(sides.get(family, MIN_SIDE), smallest_side(name))
    return {name: sides[keras_classics.get_entry(name).family] for name in names}


def build_small(name: str, side: int):
    """``name`` at ``side`` x ``side`` with `CLASSES` logits; returns the
    model and its input shape."""
    import keras_classics

    shape = (side, side, keras_classics.get_entry(name).input_shape[2])
    return keras_classics.build(name, input_shape=shape, classes=CLASSES, classifier_activation=None), shape


def predict(model, x):
    """The model's outputs on ``x`` as a list of NumPy arrays, run op by op:
    under JAX each operation compiles once per shape and serves every later
    model with that shape, which costs less here than compiling each model
    whole (``predict_on_batch``)."""
    import keras

    return [keras.ops.convert_to_numpy(o) for o in _as_list(model(x, training=False))]


def record_models(names, out: dict) -> None:
    """Forward pass, variable layout and anatomy of every model in ``names``."""
    import gc

    from keras_classics.anatomy import anatomy

    sides = family_sides(names)
    for seed, name in enumerate(names):
        started = time.perf_counter()
        model, shape = filled(lambda: build_small(name, sides[name]), seed)
        outputs = predict(model, inputs(shape, seed))
        for i, output in enumerate(outputs):
            out[f"model/{name}/{i}"] = output
        out[f"layout/{name}"] = json.dumps([[v.path, list(v.shape)] for v in model.weights])
        out[f"anatomy/{name}"] = json.dumps(anatomy(model).as_dict(), sort_keys=True)
        out[f"seconds/{name}"] = time.perf_counter() - started
        del model, outputs
        gc.collect()


def layer_cases():
    """One small model per custom layer (and activation), by name."""
    import keras

    from keras_classics import layers as kl
    from keras_classics.models.lenet import _c3_connections

    def single(layer, shape):
        x = keras.Input(shape=shape)
        return keras.Model(x, layer(x))

    return {
        # 12 channels: the window reaches both channel edges; TensorFlow
        # sums it by a band matmul, other backends by shifted slices.
        "lrn": lambda: single(kl.LocalResponseNormalization(size=5, alpha=1e-2, beta=0.75, bias=1.0), (5, 5, 12)),
        "lrn_beta_other": lambda: single(kl.LocalResponseNormalization(size=3, alpha=0.5, beta=0.6), (4, 4, 6)),
        "grouped_conv": lambda: single(kl.GroupedConv2D(8, 3, strides=2, padding="same", groups=2), (9, 9, 6)),
        "sparse_conv_c3": lambda: single(kl.SparseConv2D(16, 5, connection_table=_c3_connections()), (14, 14, 6)),
        "subsampling": lambda: single(kl.Subsampling(2, activation=kl.scaled_tanh), (10, 10, 6)),
        "euclidean_rbf": lambda: single(kl.EuclideanRBF(10), (84,)),
        "zero_pad_shortcut": lambda: single(kl.ZeroPadShortcut(8, strides=2), (6, 6, 4)),
        "scaled_tanh": lambda: single(keras.layers.Activation(kl.scaled_tanh), (17,)),
        "negative": lambda: single(keras.layers.Activation(kl.negative), (17,)),
    }


def record_layers(out: dict) -> None:
    import keras

    for seed, (name, make) in enumerate(layer_cases().items()):
        model = filled(make, 1000 + seed)
        x = 2.0 * inputs(tuple(model.inputs[0].shape[1:]), 1000 + seed)
        out[f"layer/{name}"] = keras.ops.convert_to_numpy(model(x, training=False))


def visualize_model():
    """LeNet-5 (modern: ReLU, max pooling) with a soft-max, filled weights."""
    import keras_classics

    return filled(lambda: keras_classics.build("lenet5_modern"), 2000)


def record_visualize(out: dict) -> None:
    from keras_classics import visualize

    model = visualize_model()
    images = inputs((32, 32, 1), 2000, batch=6)
    conv = visualize.conv_layer_names(model)
    out["vis/filter_tiles"] = visualize.filter_tiles(model)
    out["vis/filter_norms"] = visualize.filter_norms(model, conv[-1])
    out["vis/feature_maps"] = visualize.feature_maps(model, images[0], conv[0])
    patches = visualize.top_patches(model, images, conv[1], channel=3, k=4)
    out["vis/top_patches"] = np.asarray([[p.image_index, p.row, p.col, *p.box] for p in patches])
    out["vis/top_values"] = np.asarray([p.value for p in patches])
    occlusion = visualize.occlusion_sensitivity(model, images[1], size=8, stride=8)
    out["vis/occlusion"] = occlusion.probability
    # The gradient methods: under JAX through jax.grad.
    out["vis/saliency"] = visualize.saliency(model, images[0])
    out["vis/deconvnet"] = visualize.deconvnet(model, images[0], conv[0], channel=0).pixels
    out["vis/guided_backprop"] = visualize.guided_backprop(model, images[0], conv[1], channel=2).pixels
    out["vis/grad_cam"] = visualize.grad_cam(model, images[0], layer=conv[0])


def record_saved(path: str, out: dict) -> None:
    """Predictions of the LeNet-5 saved at ``path`` (by the other backend)."""
    import keras

    import keras_classics

    model = keras_classics.load_model(path)
    out["saved/lenet5"] = keras.ops.convert_to_numpy(model(inputs((32, 32, 1), 3000), training=False))


def save_lenet5(path: str) -> np.ndarray:
    """Save a filled LeNet-5 (paper form, every LeNet layer) to ``path``;
    returns its predictions on the inputs `record_saved` uses."""
    import keras

    import keras_classics

    model = filled(lambda: keras_classics.build("lenet5"), 3000)
    model.save(path)
    return keras.ops.convert_to_numpy(model(inputs((32, 32, 1), 3000), training=False))


def _fit(model, x, y, *, steps: int) -> dict:
    import keras

    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    before = [keras.ops.convert_to_numpy(w).copy() for w in model.trainable_weights]
    # One batch seen again and again: its loss must fall.
    history = model.fit(x, y, batch_size=len(x), epochs=steps, shuffle=False, verbose=0)
    after = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    changed = sum(int(not np.array_equal(b, a)) for b, a in zip(before, after))
    return {"loss": np.asarray(history.history["loss"]), "changed": changed, "variables": len(before)}


def record_fit(out: dict) -> None:
    """A few steps of ``model.fit`` of LeNet-5 and a CIFAR ResNet on NumPy data."""
    import keras_classics

    rng = np.random.default_rng(4000)
    cases = {
        "lenet5": (keras_classics.build("lenet5"), (32, 32, 1), 10),
        "resnet20": (keras_classics.build("resnet20", input_shape=(16, 16, 3)), (16, 16, 3), 10),
    }
    for name, (model, shape, classes) in cases.items():
        x = rng.standard_normal((16, *shape)).astype("float32")
        y = rng.integers(0, classes, 16)
        started = time.perf_counter()
        result = _fit(model, x, y, steps=6)
        out[f"fit/{name}/loss"] = result["loss"]
        out[f"fit/{name}/changed"] = np.asarray([result["changed"], result["variables"]])
        out[f"seconds/fit_{name}"] = time.perf_counter() - started


def record(path: str, *, saved: str | None = None, fit: bool = False) -> None:
    """Run every check on the current backend and write the results to ``path``."""
    import keras

    import keras_classics

    started = time.perf_counter()
    out = {"backend": keras.backend.backend()}
    record_models(keras_classics.list_models(), out)
    record_layers(out)
    record_visualize(out)
    if saved:
        record_saved(saved, out)
    if fit:
        record_fit(out)
    out["tensorflow_imported"] = "tensorflow" in sys.modules
    out["seconds/total"] = time.perf_counter() - started
    np.savez(path, **out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--saved", help="a .keras file saved by the other backend")
    parser.add_argument("--fit", action="store_true", help="also run a few training steps")
    args = parser.parse_args(argv)
    sys.meta_path.insert(0, BlockTensorFlow())
    record(args.out, saved=args.saved, fit=args.fit)


if __name__ == "__main__":
    main()
