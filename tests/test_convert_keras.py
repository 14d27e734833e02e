"""keras.applications checkpoints converted into our builders, in-process.

keras.applications' own model is built with ``weights=None``, every bias,
batch-norm parameter and moving statistic is set to seeded random values (so
that the convolution biases and the moving means they fold into are far from
zero), and it is saved the way Keras writes ``.h5`` files. The converted
weights in our model must give the same logits on the same random batch,
within 1e-4 of their scale.
"""

from __future__ import annotations

import gc

import h5py
import keras
import numpy as np
import pytest

import keras_classics
from keras_classics import convert

TOLERANCE = 1e-4  # of the logits' scale (their largest magnitude)

# (keras.applications builder, our model, input side). 64 leaves VGG a 2x2
# grid before its flatten, so fc1's row order matters; the slow cases run the
# real 224.
CASES = {
    "vgg16": ("VGG16", "vgg16", 64),
    "resnet50": ("ResNet50", "resnet50", 64),
    "vgg19": ("VGG19", "vgg19", 224),
    "resnet101": ("ResNet101", "resnet101", 224),
    "resnet152": ("ResNet152", "resnet152", 224),
}
SLOW = {"vgg19", "resnet101", "resnet152"}


def randomize(model: keras.Model, seed: int) -> None:
    """Seeded values for every weight but the kernels (Glorot-initialised
    already): biases and beta U(-0.5, 0.5), gamma U(0.5, 1.5), moving mean
    U(-0.5, 0.5), moving variance U(0.25, 1.25)."""
    rng = np.random.default_rng(seed)
    ranges = {
        "bias": (-0.5, 0.5),
        "beta": (-0.5, 0.5),
        "gamma": (0.5, 1.5),
        "moving_mean": (-0.5, 0.5),
        "moving_variance": (0.25, 1.25),
    }
    for variable in model.weights:
        short = variable.path.rsplit("/", 1)[-1]
        if short in ranges:
            variable.assign(rng.uniform(*ranges[short], variable.shape).astype("float32"))


def save_like_keras_2(model: keras.Model, path) -> None:
    """Weights at the file's root, as Keras 2's ``model.save_weights("x.h5")``
    wrote keras.applications' downloads; Keras 3 keeps that writer for
    legacy files."""
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, model)


def _theirs(builder: str, side: int, include_top: bool = True):
    return getattr(keras.applications, builder)(
        weights=None,
        include_top=include_top,
        input_shape=(side, side, 3),
        classifier_activation=None,
    )


@pytest.fixture
def free_memory():
    """Drop the large models a test built (not needed by the small tests)."""
    yield
    keras.backend.clear_session()
    gc.collect()


def _compare(case: str, tmp_path, *, layout: str, include_top: bool = True):
    builder, ours, side = CASES[case]
    keras.utils.set_random_seed(len(case))  # their Glorot kernels, too
    theirs = _theirs(builder, side, include_top)
    randomize(theirs, seed=len(case))
    path = tmp_path / f"{case}.h5"
    if layout == "root":
        save_like_keras_2(theirs, path)
    else:
        theirs.save(path)  # a whole model: weights under model_weights/
    images = np.random.default_rng(7).uniform(-100, 100, (2, side, side, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(theirs(images, training=False))
    del theirs
    keras.backend.clear_session()

    model = keras_classics.build(ours, input_shape=(side, side, 3), include_top=include_top, classifier_activation=None)
    converted = convert.from_keras_applications(path, ours, model=model)
    got = keras.ops.convert_to_numpy(model(images, training=False))
    diff, scale = float(np.abs(got - expected).max()), float(np.abs(expected).max())
    print(f"{case}{'' if include_top else ' (no top)'}: max abs diff {diff:.3g}, scale {scale:.3g}")
    assert diff <= TOLERANCE * scale
    return converted


@pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.slow] if c in SLOW else []) for c in CASES])
def test_logits_match_keras_applications(case, tmp_path, free_memory):
    converted = _compare(case, tmp_path, layout="root" if case.startswith("resnet") else "model")
    assert converted.preprocessing.convention == "caffe"
    assert converted.source["network"] == CASES[case][0]


def test_vgg16_without_classifier(tmp_path, free_memory):
    # The _notop files: our model without its top, any input size.
    converted = _compare("vgg16", tmp_path, layout="root", include_top=False)
    assert converted.builder_kwargs == {"include_top": False}
    assert converted.preprocessing.input_size is None


def test_folding_keeps_batch_norm_exact_at_small_variances():
    """conv(x) + b, then batch norm with epsilon 1.001e-5 (keras.applications),
    against conv(x) without bias, then batch norm with our epsilon, fed the
    converted statistics. Variances near 0 make the epsilons matter: without
    the adjustment the outputs differ by about 5e-4 of their scale."""
    rng = np.random.default_rng(0)
    channels = 8
    x = keras.Input((6, 6, 4))
    theirs = keras.Model(
        x,
        keras.layers.BatchNormalization(epsilon=1.001e-5, name="bn")(keras.layers.Conv2D(channels, 3, name="conv")(x)),
    )
    ours = keras.Model(
        x,
        keras.layers.BatchNormalization(epsilon=1e-5, name="bn")(
            keras.layers.Conv2D(channels, 3, use_bias=False, name="conv")(x)
        ),
    )
    kernel = rng.normal(size=(3, 3, 4, channels)).astype("float32") * 1e-3
    bias = rng.uniform(-1, 1, channels).astype("float32")
    gamma, beta, mean = (rng.uniform(-1, 1, channels).astype("float32") for _ in range(3))
    variance = rng.uniform(0, 1e-5, channels).astype("float32")
    theirs.get_layer("conv").set_weights([kernel, bias])
    theirs.get_layer("bn").set_weights([gamma, beta, mean, variance])

    bn = ours.get_layer("bn")
    ours.get_layer("conv").set_weights([kernel])
    bn.set_weights(convert.FoldedBatchNorm(1.001e-5).convert([gamma, beta, mean, variance, bias], bn))

    images = rng.normal(size=(2, 6, 6, 4)).astype("float32")
    expected = keras.ops.convert_to_numpy(theirs(images, training=False))
    got = keras.ops.convert_to_numpy(ours(images, training=False))
    scale = np.abs(expected).max()
    assert np.abs(got - expected).max() <= 1e-5 * scale

    # The same statistics without the epsilon adjustment are visibly off.
    bn.set_weights([gamma, beta, mean - bias, variance])
    unadjusted = keras.ops.convert_to_numpy(ours(images, training=False))
    assert np.abs(unadjusted - expected).max() > 1e-4 * scale


def test_wrong_network_is_named_before_building(tmp_path):
    theirs = _theirs("VGG16", 32)
    path = tmp_path / "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
    save_like_keras_2(theirs, path)
    with pytest.raises(convert.CheckpointMismatch) as raised:
        convert.from_keras_applications(path, "vgg19")
    message = str(raised.value)
    assert "It is keras.applications' VGG16: convert it with --model vgg16." in message
    assert "missing: block3_conv4/kernel" in raised.value.differences
    assert len(raised.value.differences) == 6  # block3/4/5_conv4, kernel and bias each


def test_v1_5_target_is_refused_for_keras_resnets():
    with pytest.raises(convert.CheckpointError, match=r"first 1x1.*resnet50, not the v1.5"):
        convert.from_keras_applications({"conv1_conv/kernel": np.zeros(1)}, "resnet50_v1_5")


@pytest.mark.parametrize("module", ["vgg16", "vgg19", "resnet"])
def test_preprocess_equals_keras_applications_preprocess_input(module):
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 255, (2, 224, 224, 3)).astype("float32")
    expected = getattr(keras.applications, module).preprocess_input(images.copy())
    convention = convert.dataclasses.replace(convert.KERAS_CAFFE, input_size=(224, 224))
    np.testing.assert_allclose(convert.preprocess(images, convention), expected, rtol=0, atol=1e-4)
