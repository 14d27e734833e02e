"""AlexNet and ZFNet against their papers.

Expected values come from the papers (Krizhevsky et al. 2012, Sec. 3.5 and
Fig. 2; Zeiler and Fergus 2014, Fig. 3) through the formulas of
`keras_classics.arithmetic`, never from the builders' own tables. Each
full-size model is built once per module (about 60M parameters each).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_classics
from keras_classics import arithmetic as ar
from keras_classics.layers import LocalResponseNormalization

# Sec. 3.5 / Fig. 2: kernel size, input maps (all of them), output maps.
PAPER_CONVS = {
    "conv1": (11, 3, 96),
    "conv2": (5, 96, 256),
    "conv3": (3, 256, 384),
    "conv4": (3, 384, 384),
    "conv5": (3, 384, 256),
}
# Sec. 3.2: the layers whose kernels see only their own GPU's maps.
PER_TOWER = ("conv2", "conv4", "conv5")
FC_UNITS = (6 * 6 * 256, 4096, 4096, 1000)  # pool5's values, fc6, fc7, fc8

PAPER_LAYER_NAMES = [
    "conv1", "lrn1", "pool1", "conv2", "lrn2", "pool2", "conv3", "conv4", "conv5", "pool5",
    "flatten", "fc6", "fc6_dropout", "fc7", "fc7_dropout", "predictions",
]  # fmt: skip


def _names(model):
    return [layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _spatial(model, name):
    return tuple(model.get_layer(name).output.shape[1:])


def _dense_params():
    return sum(ar.dense_params(n_in, n_out) for n_in, n_out in zip(FC_UNITS, FC_UNITS[1:]))


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def one_tower():
    return keras_classics.alexnet(include_lrn=True)


@pytest.fixture(scope="module")
def two_tower():
    return keras_classics.build("alexnet_two_tower")


@pytest.fixture(scope="module")
def torchvision():
    return keras_classics.build("alexnet_torchvision")


@pytest.fixture(scope="module")
def zfnet():
    return keras_classics.zfnet()


# ---------------------------------------------------------------- the paper's arithmetic


def test_conv1_gives_55_from_227_and_54_from_224():
    # Fig. 2's 224 does not divide: (224 - 11) / 4 = 53.25; 227 does.
    assert (227 - 11) % 4 == 0 and (224 - 11) % 4 != 0
    assert ar.conv_output_size(227, 11, stride=4) == 55
    assert ar.conv_output_size(224, 11, stride=4) == 54
    # Overlapping 3x3/2 pooling (Sec. 3.4) then takes 55 -> 27 -> 13 -> 6.
    sizes = [55]
    for _ in range(3):
        sizes.append(ar.pool_output_size(sizes[-1], 3, stride=2))
    assert sizes == [55, 27, 13, 6]


def test_one_tower_parameter_count(one_tower):
    convs = sum(ar.conv_params(k, c_in, c_out) for k, c_in, c_out in PAPER_CONVS.values())
    total = convs + _dense_params()
    assert total == 62_378_344
    assert one_tower.count_params() == total


def test_two_tower_saves_half_the_weights_of_conv2_conv4_conv5(two_tower):
    saving = sum(
        ar.conv_params(k, c_in, c_out) - ar.conv_params(k, c_in, c_out, groups=2)
        for k, c_in, c_out in (PAPER_CONVS[name] for name in PER_TOWER)
    )
    weights = sum(ar.conv_params(*PAPER_CONVS[name], use_bias=False) for name in PER_TOWER)
    assert saving == weights // 2 == 1_413_120
    total = 62_378_344 - saving
    assert total == 60_965_224
    assert round(total / 1e6) == 61  # the abstract's "60 million parameters"
    assert two_tower.count_params() == total


def test_two_tower_kernel_shapes_are_those_of_sec_3_5(two_tower):
    # "256 kernels of size 5x5x48", "384 kernels of size 3x3x256",
    # "384 kernels of size 3x3x192", "256 kernels of size 3x3x192".
    expected = {
        "conv2": (5, 5, 48, 256),
        "conv3": (3, 3, 256, 384),
        "conv4": (3, 3, 192, 384),
        "conv5": (3, 3, 192, 256),
    }
    for name, shape in expected.items():
        assert tuple(two_tower.get_layer(name).kernel.shape) == shape, name


def test_sec_3_5_neuron_counts(one_tower):
    # "... 253,440-186,624-64,896-64,896-43,264-4096-4096-1000": the maps of
    # conv2 to conv5 and the fully connected layers. (The first figure matches
    # no map size: 55*55*96 = 290,400.)
    counts = {
        "conv2": 186_624,
        "conv3": 64_896,
        "conv4": 64_896,
        "conv5": 43_264,
        "fc6": 4096,
        "fc7": 4096,
        "predictions": 1000,
    }
    for name, count in counts.items():
        assert int(np.prod(_spatial(one_tower, name))) == count, name


def test_paper_layer_names_and_head(one_tower):
    assert _names(one_tower) == PAPER_LAYER_NAMES
    assert one_tower.name == "alexnet"
    # ReLU on every layer but the last, which is the soft-max (Sec. 3.5).
    for name in ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7"):
        assert one_tower.get_layer(name).activation.__name__ == "relu", name
    assert one_tower.get_layer("predictions").activation.__name__ == "softmax"
    for name in ("fc6_dropout", "fc7_dropout"):
        assert one_tower.get_layer(name).rate == 0.5


def test_paper_sizes(one_tower):
    expected = {
        "conv1": (55, 55, 96), "pool1": (27, 27, 96), "conv2": (27, 27, 256), "pool2": (13, 13, 256),
        "conv3": (13, 13, 384), "conv4": (13, 13, 384), "conv5": (13, 13, 256), "pool5": (6, 6, 256),
        "flatten": (9216,),
    }  # fmt: skip
    for name, shape in expected.items():
        assert _spatial(one_tower, name) == shape, name


# ---------------------------------------------------------------- two towers


def _block_diagonal(kernel, groups=2):
    """A dense kernel equal to a grouped one: Conv2D(groups=g) stores the
    groups one after another along the output axis, each seeing the matching
    slice of the input maps; every cross-tower block is zero."""
    kh, kw, group_in, filters = kernel.shape
    group_out = filters // groups
    dense = np.zeros((kh, kw, group_in * groups, filters), dtype=kernel.dtype)
    for g in range(groups):
        rows, cols = slice(g * group_in, (g + 1) * group_in), slice(g * group_out, (g + 1) * group_out)
        dense[:, :, rows, cols] = kernel[:, :, :, cols]
    return dense


def test_two_tower_equals_one_tower_with_cross_tower_blocks_zeroed(one_tower, two_tower):
    # Overwrites one_tower's weights; no other test reads weight values.
    for layer in two_tower.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if layer.name in PER_TOWER:
            weights = [_block_diagonal(weights[0]), weights[1]]
        one_tower.get_layer(layer.name).set_weights(weights)

    x = np.random.default_rng(0).normal(0.0, 50.0, size=(2, 227, 227, 3)).astype("float32")
    for output in ("pool5", "predictions"):
        a, b = (
            keras.ops.convert_to_numpy(keras.Model(m.inputs[0], m.get_layer(output).output)(x, training=False))
            for m in (one_tower, two_tower)
        )
        assert np.abs(a).max() > 0, "a dead network would prove nothing"
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6 * np.abs(a).max())

    # And the zeroed blocks matter: dense conv2 weights change the result.
    conv2 = one_tower.get_layer("conv2")
    kernel, bias = conv2.get_weights()
    conv2.set_weights([kernel + 0.01, bias])
    a = keras.ops.convert_to_numpy(keras.Model(one_tower.inputs[0], conv2.output)(x))
    b = keras.ops.convert_to_numpy(keras.Model(two_tower.inputs[0], two_tower.get_layer("conv2").output)(x))
    assert not np.allclose(a, b, rtol=1e-3)


# ---------------------------------------------------------------- variants and contract


def test_include_lrn_false_has_no_lrn_layers():
    for model in (
        keras_classics.alexnet(include_top=False, include_lrn=False, input_shape=(227, 227, 3)),
        keras_classics.zfnet(include_top=False, include_lrn=False, input_shape=(224, 224, 3)),
    ):
        assert not any(isinstance(layer, LocalResponseNormalization) for layer in model.layers)
        assert not any("lrn" in name for name in _names(model))
        assert model.output_shape == (None, 6, 6, 256)
    model = keras_classics.alexnet(include_top=False, include_lrn=False)
    assert _names(model) == ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5"]
    # LRN has no parameters: the convolutions alone.
    assert model.count_params() == sum(ar.conv_params(k, c_in, c_out) for k, c_in, c_out in PAPER_CONVS.values())


def test_paper_variant_at_224_builds_with_54x54_maps():
    # Legal, not the paper's sizes: 224 -> 54 -> 26 -> 12 -> 5 (by hand:
    # (224-11)//4+1, (54-3)//2+1, (26-3)//2+1, (12-3)//2+1).
    model = keras_classics.alexnet(include_top=False, input_shape=(224, 224, 3))
    assert _spatial(model, "conv1") == (54, 54, 96)
    assert _spatial(model, "pool1") == (26, 26, 96)
    assert _spatial(model, "pool2") == (12, 12, 256)
    assert model.output_shape == (None, 5, 5, 256)


@pytest.mark.parametrize(
    "builder, kwargs, smallest",
    [
        # pool5 needs 3 <- pool2 7 <- pool1 15 <- conv1 4*14+11 = 67
        ("alexnet", {}, 67),
        # as above, less conv1_pad's 2+2 pixels
        ("alexnet", {"variant": "torchvision"}, 63),
        # pool5 3 <- pool2 ("same") 5 <- conv2 2*4+5 = 13 <- pool1 ("same") 25
        # <- conv1 2*24+7 = 55, less conv1_pad's 1+1
        ("zfnet", {}, 53),
    ],
)
def test_smallest_input(builder, kwargs, smallest):
    build = getattr(keras_classics, builder)
    model = build(include_top=False, input_shape=(smallest, smallest, 3), **kwargs)
    assert model.output_shape == (None, 1, 1, 256)
    with pytest.raises(ValueError, match=f"{smallest}x{smallest}"):
        build(include_top=False, input_shape=(smallest - 1, smallest - 1, 3), **kwargs)


def test_unknown_variant_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'paper'.*'torchvision'"):
        keras_classics.alexnet(variant="caffe")


def test_two_tower_refused_for_torchvision():
    with pytest.raises(ValueError, match="two_tower"):
        keras_classics.alexnet(variant="torchvision", two_tower=True)


def test_flags_must_be_booleans():
    with pytest.raises(ValueError, match="include_lrn"):
        keras_classics.alexnet(include_lrn="yes")


def test_pooling_without_top():
    model = keras_classics.alexnet(include_top=False, pooling="avg", two_tower=True)
    assert model.output_shape == (None, 256)


def test_registry_entries():
    expected = {
        "alexnet": (227, 227, 3),
        "alexnet_two_tower": (227, 227, 3),
        "alexnet_torchvision": (224, 224, 3),
        "zfnet": (224, 224, 3),
    }
    for name, shape in expected.items():
        assert keras_classics.get_entry(name).input_shape == shape


# ---------------------------------------------------------------- torchvision


def test_torchvision_variant(torchvision):
    # torchvision's widths; conv1 padded by 2, the others "same".
    convs = {
        "conv1": (11, 3, 64),
        "conv2": (5, 64, 192),
        "conv3": (3, 192, 384),
        "conv4": (3, 384, 256),
        "conv5": (3, 256, 256),
    }
    total = sum(ar.conv_params(k, c_in, c_out) for k, c_in, c_out in convs.values()) + _dense_params()
    assert total == 61_100_840  # torchvision's published count
    assert torchvision.count_params() == total
    assert torchvision.name == "alexnet_torchvision"
    assert _spatial(torchvision, "conv1_pad") == (228, 228, 3)
    assert ar.conv_output_size(224, 11, stride=4, padding=2) == 55
    assert _spatial(torchvision, "conv1") == (55, 55, 64)
    assert _spatial(torchvision, "pool5") == (6, 6, 256)
    # Dropout on the inputs of fc6 and fc7, none after fc7; no LRN.
    assert _names(torchvision)[-6:] == ["flatten", "flatten_dropout", "fc6", "fc6_dropout", "fc7", "predictions"]
    assert not any(isinstance(layer, LocalResponseNormalization) for layer in torchvision.layers)


# ---------------------------------------------------------------- ZFNet


def test_zfnet_paddings_are_the_ones_that_give_fig_3():
    # conv1 7x7/2 at 224: only 1 pixel each side gives 110.
    assert ar.conv_output_size(224, 7, stride=2, padding=0) == 109
    assert ar.conv_output_size(224, 7, stride=2, padding="same") == 112
    assert ar.conv_output_size(224, 7, stride=2, padding=1) == 110
    # 3x3/2 pools: 110 -> 55 and 26 -> 13 need "same"; "valid" gives 54, 12.
    assert [ar.pool_output_size(n, 3, 2, "valid") for n in (110, 26)] == [54, 12]
    assert [ar.pool_output_size(n, 3, 2, "same") for n in (110, 26)] == [55, 13]
    # ... as Caffe's ceil-mode pooling would.
    assert [ar.pool_output_size(n, 3, 2, rounding="ceil") for n in (110, 26)] == [55, 13]
    # conv2 5x5/2: 55 -> 26 unpadded ("same" would give 28); pool5 13 -> 6.
    assert ar.conv_output_size(55, 5, stride=2) == 26
    assert ar.conv_output_size(55, 5, stride=2, padding="same") == 28
    assert ar.pool_output_size(13, 3, 2) == 6


def test_zfnet_fig_3_sizes(zfnet):
    expected = {
        "conv1": (110, 110, 96), "pool1": (55, 55, 96), "lrn1": (55, 55, 96),
        "conv2": (26, 26, 256), "pool2": (13, 13, 256), "lrn2": (13, 13, 256),
        "conv3": (13, 13, 384), "conv4": (13, 13, 384), "conv5": (13, 13, 256),
        "pool5": (6, 6, 256), "flatten": (9216,),  # the caption's 6*6*256
    }  # fmt: skip
    for name, shape in expected.items():
        assert _spatial(zfnet, name) == shape, name


def test_zfnet_structure(zfnet):
    names = _names(zfnet)
    # Fig. 3: conv, ReLU, pool, then normalisation, in layers 1 and 2.
    assert names[:7] == ["conv1_pad", "conv1", "pool1", "lrn1", "conv2", "pool2", "lrn2"]
    assert names[7:] == PAPER_LAYER_NAMES[6:]
    # Sec. 3: dense connections in layers 3 to 5, no grouped convolution.
    assert all(layer.groups == 1 for layer in zfnet.layers if isinstance(layer, keras.layers.Conv2D))
    convs = {"conv1": (7, 3, 96), "conv2": (5, 96, 256), **{n: PAPER_CONVS[n] for n in ("conv3", "conv4", "conv5")}}
    total = sum(ar.conv_params(k, c_in, c_out) for k, c_in, c_out in convs.values()) + _dense_params()
    assert total == 62_357_608
    assert zfnet.count_params() == total
    for name in ("fc6_dropout", "fc7_dropout"):
        assert zfnet.get_layer(name).rate == 0.5
