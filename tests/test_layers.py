"""keras_classics.layers against independent references.

LocalResponseNormalization is checked against TensorFlow's own op (same
alpha convention) and against a plain numpy transcription of the Caffe /
PyTorch formula (alpha divided by the window size); GroupedConv2D against
``keras.layers.Conv2D(groups=g)`` holding the same weights.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_classics.layers import GroupedConv2D, LocalResponseNormalization

# Every example builds layers and may trace a TF function: keep runs short
# and never time them out.
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# float32 round-off on sums of a few squares and one power.
RTOL, ATOL = 1e-5, 1e-6


def _lrn_tf(x, size, alpha, beta, bias):
    return tf.nn.local_response_normalization(x, depth_radius=(size - 1) // 2, bias=bias, alpha=alpha, beta=beta)


def _lrn_averaged_numpy(a, size, alpha, beta, k):
    """Caffe's / PyTorch's across-channel LRN, written from their docs:
    b_c = a_c * (k + alpha / size * sum_{c' = c - size//2}^{c + size//2} a_c'^2) ** -beta,
    channels outside [0, C) left out of the sum."""
    a = np.asarray(a, dtype=np.float64)
    channels = a.shape[-1]
    out = np.empty_like(a)
    for c in range(channels):
        lo, hi = max(0, c - size // 2), min(channels, c + size // 2 + 1)
        total = np.sum(a[..., lo:hi] ** 2, axis=-1)
        out[..., c] = a[..., c] * (k + alpha / size * total) ** -beta
    return out


def _random(shape, scale=1.0, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype("float32")


# ---------------------------------------------------------------- LRN


@pytest.mark.parametrize("size", [1, 3, 5, 7, 9])
@pytest.mark.parametrize(
    "alpha, beta, bias, scale",
    [
        (1e-4, 0.75, 2.0, 30.0),  # AlexNet's constants; inputs large enough for alpha * sum ~ 1
        (0.5, 1.0, 1.0, 1.0),
        (2e-5, 0.5, 1.0, 100.0),
    ],
)
def test_lrn_matches_tf(size, alpha, beta, bias, scale):
    x = _random((2, 5, 4, 12), scale=scale, seed=size)
    layer = LocalResponseNormalization(size=size, alpha=alpha, beta=beta, bias=bias)
    got = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(got, _lrn_tf(x, size, alpha, beta, bias).numpy(), rtol=RTOL, atol=ATOL)
    # the normalisation must actually bite, or the comparison proves little
    assert not np.allclose(got, x / bias**beta, rtol=1e-3)


@FAST
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 12)),
    half=st.integers(0, 5),
    alpha=st.floats(1e-5, 1.0),
    beta=st.floats(0.25, 1.5),
    bias=st.floats(0.5, 3.0),
    seed=st.integers(0, 2**16),
)
def test_lrn_matches_tf_random(shape, half, alpha, beta, bias, seed):
    size = 2 * half + 1  # may exceed the channel count: edges are zeros
    x = _random(shape, scale=3.0, seed=seed)
    got = LocalResponseNormalization(size=size, alpha=alpha, beta=beta, bias=bias)(x)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(got), _lrn_tf(x, size, alpha, beta, bias).numpy(), rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("size, alpha, beta, k", [(5, 1e-4, 0.75, 1.0), (3, 1.0, 0.75, 2.0), (7, 0.3, 1.2, 1.0)])
def test_lrn_averaged_alpha_matches_caffe_pytorch_formula(size, alpha, beta, k):
    x = _random((2, 3, 3, 10), scale=20.0, seed=size)
    layer = LocalResponseNormalization.from_averaged_alpha(size=size, alpha=alpha, beta=beta, bias=k)
    assert layer.alpha == pytest.approx(alpha / size)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(x)), _lrn_averaged_numpy(x, size, alpha, beta, k), rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("size", [1, 3, 5, 9])
def test_lrn_unknown_channel_count(size):
    # Without a static channel count (and on backends other than TensorFlow)
    # the layer sums shifted slices instead of multiplying by a band matrix.
    layer = LocalResponseNormalization(size=size, alpha=0.1, beta=0.6, bias=1.0)
    traced = tf.function(layer.call, input_signature=[tf.TensorSpec([None, None, None, None], tf.float32)])
    x = _random((2, 3, 3, 7), scale=2.0, seed=size)
    np.testing.assert_allclose(traced(x).numpy(), _lrn_tf(x, size, 0.1, 0.6, 1.0).numpy(), rtol=RTOL, atol=ATOL)


def test_lrn_hand_computed():
    # size 3, alpha 1, beta 1, bias 1 on channels (1, 2, 3):
    # 1 / (1 + 0 + 1 + 4), 2 / (1 + 1 + 4 + 9), 3 / (1 + 4 + 9 + 0)
    layer = LocalResponseNormalization(size=3, alpha=1.0, beta=1.0, bias=1.0)
    got = keras.ops.convert_to_numpy(layer(np.array([[1.0, 2.0, 3.0]], "float32")))
    np.testing.assert_allclose(got, [[1 / 6, 2 / 15, 3 / 14]], rtol=1e-6)


def test_lrn_defaults_are_alexnets():
    layer = LocalResponseNormalization()
    assert (layer.size, layer.alpha, layer.beta, layer.bias) == (5, 1e-4, 0.75, 2.0)


def test_lrn_gradient_matches_tf():
    x = tf.constant(_random((2, 4, 4, 9), scale=10.0, seed=3))
    upstream = tf.constant(_random((2, 4, 4, 9), seed=4))
    grads = []
    for fn in (LocalResponseNormalization(5, 1e-3, 0.75, 2.0), lambda t: _lrn_tf(t, 5, 1e-3, 0.75, 2.0)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(fn(x) * upstream)
        grads.append(tape.gradient(loss, x).numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("size", [0, -3, 2, 4, 2.5, True, "5"])
def test_lrn_rejects_bad_size(size):
    with pytest.raises(ValueError, match="odd"):
        LocalResponseNormalization(size=size)


def test_lrn_even_size_message_says_why():
    with pytest.raises(ValueError, match=r"odd.*centred.*size=4"):
        LocalResponseNormalization(size=4)


def test_lrn_config_and_shape():
    layer = LocalResponseNormalization(size=3, alpha=0.01, beta=0.5, bias=1.5, name="norm1")
    config = layer.get_config()
    assert {k: config[k] for k in ("size", "alpha", "beta", "bias", "name")} == {
        "size": 3,
        "alpha": 0.01,
        "beta": 0.5,
        "bias": 1.5,
        "name": "norm1",
    }
    assert LocalResponseNormalization.from_config(config).get_config() == config
    assert layer.compute_output_shape((None, 55, 55, 96)) == (None, 55, 55, 96)
    assert keras.saving.serialize_keras_object(layer)["registered_name"] == "keras_classics>LocalResponseNormalization"


def test_lrn_save_load_round_trip(tmp_path):
    inputs = keras.Input((6, 6, 8))
    outputs = LocalResponseNormalization(size=3, alpha=0.05, beta=0.75, bias=1.0, name="norm")(inputs)
    model = keras.Model(inputs, outputs)
    path = tmp_path / "lrn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("norm"), LocalResponseNormalization)
    assert loaded.get_layer("norm").get_config() == model.get_layer("norm").get_config()
    x = _random((2, 6, 6, 8), scale=5.0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)))


class _TfLRN(keras.layers.Layer):
    """Test-only twin: TensorFlow's own LRN op, same arguments."""

    def __init__(self, size, alpha, beta, bias, **kwargs):
        super().__init__(**kwargs)
        self.args = (size, alpha, beta, bias)

    def call(self, x):
        return _lrn_tf(x, *self.args)


def _lrn_model(norm_layer):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv")(inputs)
    x = norm_layer(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3, name="dense")(x)
    return keras.Model(inputs, outputs)


def test_lrn_trains_like_tf_lrn_in_fit():
    args = dict(size=5, alpha=0.2, beta=0.75, bias=1.0)
    ours = _lrn_model(LocalResponseNormalization(**args))
    twin = _lrn_model(_TfLRN(**args))
    twin.set_weights(ours.get_weights())
    initial = [w.copy() for w in ours.get_weights()]

    x = _random((32, 8, 8, 3), scale=3.0, seed=7)
    y = np.random.default_rng(8).integers(0, 3, size=32)
    histories = []
    for model in (ours, twin):
        model.compile(
            optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
        histories.append(model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"])

    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-5)
    for a, b, start in zip(ours.get_weights(), twin.get_weights(), initial):
        assert not np.allclose(a, start)  # it did train
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------- GroupedConv2D


def _conv_pair(input_shape, **kwargs):
    """Keras's Conv2D(groups=g) and ours, built, holding the same weights."""
    reference = keras.layers.Conv2D(**kwargs)
    reference.build(input_shape)
    ours = GroupedConv2D(**kwargs)
    ours.build(input_shape)
    ours.set_weights(reference.get_weights())
    return reference, ours


@FAST
@given(
    batch=st.integers(1, 2),
    size=st.integers(3, 8),
    in_per_group=st.integers(1, 3),
    out_per_group=st.integers(1, 3),
    groups=st.sampled_from([1, 2, 4]),
    kernel=st.integers(1, 3),
    strides=st.integers(1, 2),
    padding=st.sampled_from(["valid", "same"]),
    use_bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_grouped_conv_matches_keras_conv2d(
    batch, size, in_per_group, out_per_group, groups, kernel, strides, padding, use_bias, seed
):
    input_shape = (batch, size, size, in_per_group * groups)
    kwargs = dict(
        filters=out_per_group * groups,
        kernel_size=kernel,
        strides=strides,
        padding=padding,
        groups=groups,
        use_bias=use_bias,
        bias_initializer="random_normal",
    )
    reference, ours = _conv_pair(input_shape, **kwargs)

    assert ours.kernel.shape == reference.kernel.shape == (kernel, kernel, in_per_group, out_per_group * groups)
    assert ours.count_params() == reference.count_params()
    expected_params = kernel * kernel * in_per_group * out_per_group * groups + (
        out_per_group * groups if use_bias else 0
    )
    assert ours.count_params() == expected_params
    x = _random(input_shape, seed=seed)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(x)), keras.ops.convert_to_numpy(reference(x)), rtol=1e-5, atol=1e-5
    )


def test_grouped_conv_is_a_conv2d_with_the_same_config():
    reference, ours = _conv_pair(
        (None, 13, 13, 384), filters=256, kernel_size=3, padding="same", groups=2, name="conv5"
    )
    assert isinstance(ours, keras.layers.Conv2D)
    assert ours.get_config() == reference.get_config()
    assert [w.shape for w in ours.weights] == [w.shape for w in reference.weights] == [(3, 3, 192, 256), (256,)]
    # AlexNet's conv5: 3 * 3 * 192 * 256 + 256
    assert ours.count_params() == 442_624
    # A saved Conv2D config rebuilds as ours, and back.
    assert GroupedConv2D.from_config(reference.get_config()).get_config() == reference.get_config()
    assert keras.saving.serialize_keras_object(ours)["registered_name"] == "keras_classics>GroupedConv2D"


def test_grouped_conv_groups_1_is_conv2d_exactly():
    reference, ours = _conv_pair((2, 7, 7, 5), filters=4, kernel_size=3, strides=2, padding="same", groups=1)
    x = _random((2, 7, 7, 5), seed=1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(ours(x)), keras.ops.convert_to_numpy(reference(x)))


def test_grouped_conv_channels_first():
    reference, ours = _conv_pair(
        (2, 6, 7, 7), filters=4, kernel_size=3, padding="same", groups=2, data_format="channels_first"
    )
    x = _random((2, 6, 7, 7), seed=2)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(x)), keras.ops.convert_to_numpy(reference(x)), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("groups, strides, padding", [(1, 1, "valid"), (2, 1, "same"), (2, 2, "valid"), (4, 2, "same")])
def test_grouped_conv_gradients_match_keras_conv2d(groups, strides, padding):
    input_shape = (2, 9, 9, 8)
    reference, ours = _conv_pair(
        input_shape,
        filters=8,
        kernel_size=3,
        strides=strides,
        padding=padding,
        groups=groups,
        activation="relu",
        bias_initializer="random_normal",
    )
    x = tf.constant(_random(input_shape, seed=5))
    results = []
    for layer in (reference, ours):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * tf.cos(y))  # not linear, so every gradient depends on y
        results.append(tape.gradient(loss, [x, layer.kernel, layer.bias]))
    for expected, got in zip(*results):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_grouped_conv_save_load_round_trip(tmp_path):
    inputs = keras.Input((9, 9, 6))
    outputs = GroupedConv2D(8, 3, padding="same", groups=2, activation="relu", name="conv2")(inputs)
    model = keras.Model(inputs, outputs)
    path = tmp_path / "grouped.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.get_layer("conv2")) is GroupedConv2D
    assert loaded.get_layer("conv2").get_config() == model.get_layer("conv2").get_config()
    x = _random((2, 9, 9, 6), seed=6)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)))


def test_grouped_conv_rejects_groups_not_dividing_input_channels():
    with pytest.raises(ValueError, match="input channels.*divisible"):
        GroupedConv2D(8, 3, groups=4).build((None, 9, 9, 6))


def test_grouped_conv_rejects_groups_not_dividing_filters():
    with pytest.raises(ValueError, match="filters.*divisible"):
        GroupedConv2D(6, 3, groups=4)


# --------------------------------------------------------------------------
# One home for every custom layer, the old import paths kept
# --------------------------------------------------------------------------


def test_every_custom_layer_is_in_keras_classics_layers_and_at_its_old_path():
    import keras_classics.layers as home
    from keras_classics.models import lenet, resnet

    moved = {
        lenet: ("SparseConv2D", "Subsampling", "EuclideanRBF", "scaled_tanh", "rbf_prototypes"),
        resnet: ("ZeroPadShortcut",),
    }
    for module, names in moved.items():
        for name in names:
            assert getattr(module, name) is getattr(home, name), f"{module.__name__}.{name}"
    # Every layer a registered network uses that Keras does not ship.
    custom = {
        "LocalResponseNormalization",
        "GroupedConv2D",
        "SparseConv2D",
        "Subsampling",
        "EuclideanRBF",
        "ZeroPadShortcut",
    }
    assert custom <= set(home.__all__)


def test_a_config_saved_under_the_old_module_still_deserialises():
    # Files saved before the move name the old module; Keras finds the class
    # by its registered name, "keras_classics>SparseConv2D".
    from keras_classics.layers import SparseConv2D

    layer = SparseConv2D(2, 3, connection_table=[[0, 0], [1, 1]], name="c3")
    config = keras.saving.serialize_keras_object(layer)
    assert config["registered_name"] == "keras_classics>SparseConv2D"
    config["module"] = "keras_classics.models.lenet"
    again = keras.saving.deserialize_keras_object(config)
    assert isinstance(again, SparseConv2D) and again.connection_table == ((0, 0), (1, 1))
