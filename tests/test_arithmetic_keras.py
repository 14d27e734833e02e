"""The arithmetic against real Keras layers: output shapes from actually
running each layer on small random inputs, and `count_params`. Sizes stay
small so the whole module runs in seconds on two cores."""

from __future__ import annotations

import keras
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from keras_classics import arithmetic as ar

# Each example builds and runs a layer eagerly: keep the count modest.
layer_settings = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

small = st.integers(1, 14)
paddings = st.sampled_from(["valid", "same"])
# What every sliding-window test draws: the input's height and width, the
# stride and the padding.
window = dict(h=small, w=small, stride=st.integers(1, 3), padding=paddings)


def run(layer, shape):
    """Output shape (without batch) of ``layer`` applied to a random batch of 1."""
    x = np.random.default_rng(0).standard_normal((1, *shape)).astype("float32")
    return tuple(layer(x).shape[1:])


@layer_settings
@given(
    **window,
    k=st.integers(1, 5),
    dilation=st.integers(1, 2),
    groups=st.sampled_from([1, 2]),
    cin_mult=st.integers(1, 3),
    cout_mult=st.integers(1, 3),
    use_bias=st.booleans(),
)
def test_conv2d(h, w, k, stride, dilation, padding, groups, cin_mult, cout_mult, use_bias):
    assume(stride == 1 or dilation == 1)  # Keras refuses strides and dilation together.
    cin, cout = groups * cin_mult, groups * cout_mult
    extent = dilation * (k - 1) + 1
    assume(padding != "valid" or extent <= min(h, w))
    layer = keras.layers.Conv2D(
        cout, k, strides=stride, padding=padding, dilation_rate=dilation, groups=groups, use_bias=use_bias
    )
    shape = run(layer, (h, w, cin))
    expected = (
        ar.conv_output_size(h, k, stride, padding, dilation),
        ar.conv_output_size(w, k, stride, padding, dilation),
        cout,
    )
    assert shape == expected
    assert layer.count_params() == ar.conv_params(k, cin, cout, groups=groups, use_bias=use_bias)


@layer_settings
@given(
    h=small, k=st.integers(1, 5), stride=st.integers(1, 3), c=st.integers(1, 4), m=st.integers(1, 2), padding=paddings
)
def test_depthwise_conv2d(h, k, stride, c, m, padding):
    assume(padding != "valid" or k <= h)
    layer = keras.layers.DepthwiseConv2D(k, strides=stride, padding=padding, depth_multiplier=m)
    shape = run(layer, (h, h, c))
    size = ar.conv_output_size(h, k, stride, padding)
    assert shape == (size, size, c * m)
    assert layer.count_params() == ar.depthwise_conv_params(k, c, m)


@layer_settings
@given(**window, pool=st.integers(1, 4), kind=st.sampled_from(["max", "avg"]))
def test_pooling(h, w, pool, stride, padding, kind):
    assume(padding != "valid" or pool <= min(h, w))
    cls = keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D
    layer = cls(pool_size=pool, strides=stride, padding=padding)
    assert run(layer, (h, w, 2)) == (
        ar.pool_output_size(h, pool, stride, padding),
        ar.pool_output_size(w, pool, stride, padding),
        2,
    )
    assert layer.count_params() == 0


@layer_settings
@given(h=small, top=st.integers(0, 3), bottom=st.integers(0, 3), left=st.integers(0, 3), right=st.integers(0, 3))
def test_zero_padding_then_valid_1x1(h, top, bottom, left, right):
    layer = keras.layers.ZeroPadding2D(((top, bottom), (left, right)))
    assert run(layer, (h, h, 1)) == (
        ar.conv_output_size(h, 1, 1, (top, bottom)),
        ar.conv_output_size(h, 1, 1, (left, right)),
        1,
    )


@layer_settings
@given(h=st.integers(3, 12), k=st.integers(1, 5), stride=st.integers(1, 3), dilation=st.integers(1, 2))
def test_same_padding_split_matches_tensorflow(h, k, stride, dilation):
    """ "same" equals explicit padding of `same_padding`'s (before, after)."""
    assume(stride == 1 or dilation == 1)
    same = keras.layers.Conv2D(2, k, strides=stride, padding="same", dilation_rate=dilation)
    x = np.random.default_rng(1).standard_normal((1, h, h, 3)).astype("float32")
    expected = same(x)
    before, after = ar.same_padding(h, k, stride, dilation)
    padded = keras.layers.ZeroPadding2D(((before, after), (before, after)))(x)
    valid = keras.layers.Conv2D(2, k, strides=stride, padding="valid", dilation_rate=dilation)
    valid.build(padded.shape)
    valid.set_weights(same.get_weights())
    np.testing.assert_allclose(np.asarray(valid(padded)), np.asarray(expected), rtol=1e-5, atol=1e-5)


@layer_settings
@given(units_in=st.integers(1, 64), units=st.integers(1, 64), use_bias=st.booleans())
def test_dense(units_in, units, use_bias):
    layer = keras.layers.Dense(units, use_bias=use_bias)
    assert run(layer, (units_in,)) == (units,)
    assert layer.count_params() == ar.dense_params(units_in, units, use_bias)


@layer_settings
@given(c=st.integers(1, 64), center=st.booleans(), scale=st.booleans())
def test_batch_norm(c, center, scale):
    layer = keras.layers.BatchNormalization(center=center, scale=scale)
    layer.build((None, 4, 4, c))
    expected = ar.batch_norm_params(c, center=center, scale=scale)
    trainable = sum(int(np.prod(v.shape)) for v in layer.trainable_weights)
    frozen = sum(int(np.prod(v.shape)) for v in layer.non_trainable_weights)
    assert (trainable, frozen) == (expected.trainable, expected.non_trainable)
    assert layer.count_params() == expected.total


def test_receptive_field_of_a_keras_chain_by_gradient():
    """The receptive field of the centre unit of three stacked 3x3 convs,
    measured as the input pixels with a non-zero gradient."""
    import tensorflow as tf

    inputs = keras.Input((15, 15, 1))
    x = inputs
    layers = [(3, 1, "same"), (3, 2, "same"), (3, 1, "same")]
    for k, stride, padding in layers:
        x = keras.layers.Conv2D(1, k, strides=stride, padding=padding, kernel_initializer="ones")(x)
    model = keras.Model(inputs, x)
    image = tf.Variable(tf.ones((1, 15, 15, 1)))
    with tf.GradientTape() as tape:
        out = model(image)
        centre = out[0, out.shape[1] // 2, out.shape[2] // 2, 0]
    rows = np.nonzero(np.abs(tape.gradient(centre, image).numpy()[0, :, :, 0]).sum(axis=1))[0]
    chain = []
    size = 15
    for k, stride, padding in layers:
        chain.append((k, stride, ar.same_padding(size, k, stride)[0]))
        size = ar.conv_output_size(size, k, stride, padding)
    assert rows.max() - rows.min() + 1 == ar.receptive_field(chain).size
