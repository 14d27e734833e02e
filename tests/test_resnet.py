"""ResNet against published figures and the paper's own statements.

Expected values come from outside the builder: torchvision's published
parameter counts, the paper's Table 1 (output sizes, multiply-adds) and
Table 6 (CIFAR-10 parameter counts), and formulas written from Sec. 4.2.
Registered models are read from the session's model cache (each built once,
shared with ``pytest spec/``); only the small CIFAR networks are kept as
Keras models, for the checks that run them.
"""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

import keras_classics
from keras_classics import arithmetic
from keras_classics.models.resnet import (
    CIFAR_TABLES,
    IMAGENET_TABLES,
    ZeroPadShortcut,
    cifar_resnet,
    resnet,
)

# torchvision.models.resnet*: "num_params" of the published weights. PyTorch
# does not count batch norm's running statistics, so these are our trainable
# parameters; v1.5 only moves a stride and has the same count.
TORCHVISION_PARAMS = {
    18: 11_689_512,
    34: 21_797_672,
    50: 25_557_032,
    101: 44_549_160,
    152: 60_192_808,
}

# Table 1, last row: multiply-adds (x 10^9) at 224x224.
TABLE1_GIGA_MACS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}

# Table 6, "# params" column, as printed (millions).
TABLE6_PARAMS_M = {20: "0.27", 32: "0.46", 44: "0.66", 56: "0.85", 110: "1.7", 1202: "19.4"}


@pytest.fixture(scope="session")
def built():
    """``built(name)``: a small registered model (CIFAR), built once per
    session, for the checks that need the model itself."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = keras_classics.build(name)
        return cache[name]

    return get


def _trainable(model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def _cifar_trainable(n: int, classes: int = 10) -> int:
    """Sec. 4.2 with option A, counted by hand: conv1 (3x3, 3 -> 16) + BN,
    then per stage 2n 3x3 convolutions + BN (the first of stages 2 and 3
    widening from the previous width), then the 64 -> classes FC. BN adds
    gamma and beta per channel; the shortcuts add nothing."""
    total = 3 * 3 * 3 * 16 + 2 * 16
    previous = 16
    for width in (16, 32, 64):
        total += 3 * 3 * previous * width + 2 * width  # the stage's first conv
        total += (2 * n - 1) * (3 * 3 * width * width + 2 * width)
        previous = width
    return total + 64 * classes + classes


def _of_class(summary, class_name):
    return [layer for layer in summary.layers.values() if layer.class_name == class_name]


def _in_channels(summary, layer) -> int:
    (source,) = layer.inbound
    return summary.input_shapes[0][-1] if source == "input" else summary.layers[source].output_shape[-1]


def _macs(summary) -> int:
    """Multiply-adds of every convolution and the FC, by the arithmetic."""
    total = 0
    for layer in _of_class(summary, "Conv2D"):
        height, width, filters = layer.output_shape
        total += arithmetic.conv_macs(
            (height, width), tuple(layer.config["kernel_size"]), _in_channels(summary, layer), filters
        )
    for layer in _of_class(summary, "Dense"):
        total += arithmetic.dense_macs(_in_channels(summary, layer), layer.config["units"])
    return total


# ------------------------------------------------------------ ImageNet


@pytest.mark.parametrize("depth", sorted(TORCHVISION_PARAMS))
def test_trainable_params_match_torchvision(model_cache, depth):
    summary = model_cache.summary(f"resnet{depth}")
    assert summary.trainable_params == TORCHVISION_PARAMS[depth]
    # Keras adds batch norm's moving mean and variance: as many as its
    # gamma and beta.
    bn_trainable = sum(layer.trainable_params for layer in _of_class(summary, "BatchNormalization"))
    assert summary.params == TORCHVISION_PARAMS[depth] + bn_trainable


@pytest.mark.parametrize("depth", sorted(TABLE1_GIGA_MACS))
def test_multiply_adds_match_table1(model_cache, depth):
    # Table 1 prints two digits; its figures are within 0.07e9 of an exact
    # count of every conv and the FC (34 and 50 look truncated, 101 and 152
    # rounded).
    giga = _macs(model_cache.summary(f"resnet{depth}")) / 1e9
    assert giga == pytest.approx(TABLE1_GIGA_MACS[depth], rel=0.02)


def test_v1_5_moves_the_stride_only(model_cache):
    paper, v15 = model_cache.summary("resnet50"), model_cache.summary("resnet50_v1_5")
    assert paper.trainable_params == v15.trainable_params == TORCHVISION_PARAMS[50]
    assert paper.params == v15.params
    for stage in (3, 4, 5):
        block = f"conv{stage}_block1"
        assert paper.layers[f"{block}_1_conv"].config["strides"] == [2, 2]
        assert paper.layers[f"{block}_2_conv"].config["strides"] == [1, 1]
        assert v15.layers[f"{block}_1_conv"].config["strides"] == [1, 1]
        assert v15.layers[f"{block}_2_conv"].config["strides"] == [2, 2]
        # The strided 3x3 pads 1 on each side, as PyTorch's does.
        assert v15.layers[f"{block}_2_pad"].config["padding"] == [[1, 1], [1, 1]]
        assert f"{block}_2_pad" not in paper.layers
        assert paper.layers[f"{block}_out"].output_shape == v15.layers[f"{block}_out"].output_shape
    # The first 1x1 now runs at the higher resolution: torchvision's 4.1 GMACs.
    assert _macs(v15) / 1e9 == pytest.approx(4.09, abs=0.01)
    assert _macs(v15) > 1.05 * TABLE1_GIGA_MACS[50] * 1e9


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_table1_output_sizes(model_cache, name):
    summary = model_cache.summary(name)
    sizes = {"conv1_conv": 112, "pool1_pool": 56}
    blocks = IMAGENET_TABLES[int(name[6:])].stackwise_num_blocks
    for stage, (size, count) in enumerate(zip((56, 28, 14, 7), blocks), start=2):
        sizes[f"conv{stage}_block{count}_out"] = size
    for layer, size in sizes.items():
        assert summary.layers[layer].output_shape[:2] == [size, size], layer
    assert summary.layers["predictions"].output_shape == [1000]


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnet20"])
def test_no_conv_bias_and_he_initialisation(model_cache, name):
    summary = model_cache.summary(name)
    weighted = _of_class(summary, "Conv2D") + _of_class(summary, "Dense")
    assert weighted
    for layer in weighted:
        assert layer.config["kernel_initializer"]["class_name"] == "HeNormal", layer.name
        if layer.class_name == "Conv2D":
            assert layer.config["use_bias"] is False, layer.name
            assert (
                layer.params
                == np.prod(layer.config["kernel_size"]) * _in_channels(summary, layer) * layer.config["filters"]
            ), layer.name
            # Batch norm right after each convolution (Sec. 3.4).
            assert summary.layers[layer.name[: -len("conv")] + "bn"].inbound == [layer.name]


@pytest.mark.parametrize("name, depth", [("resnet18", 18), ("resnet50", 50), ("resnet20", 20), ("plain20", 20)])
def test_depth_counts_weighted_layers(model_cache, name, depth):
    # The paper's depth: convolutions and the FC, without the projections.
    summary = model_cache.summary(name)
    weighted = _of_class(summary, "Conv2D") + _of_class(summary, "Dense")
    assert len([layer for layer in weighted if not layer.name.endswith("_0_conv")]) == depth


def test_stem_pads_symmetrically(model_cache):
    layers = model_cache.summary("resnet18").layers
    assert layers["conv1_pad"].config["padding"] == [[3, 3], [3, 3]]
    assert layers["conv1_conv"].config["padding"] == "valid"
    assert layers["pool1_pad"].config["padding"] == [[1, 1], [1, 1]]
    # A basic block's strided 3x3 too.
    assert layers["conv3_block1_1_pad"].config["padding"] == [[1, 1], [1, 1]]
    assert layers["conv3_block1_1_conv"].config["padding"] == "valid"


def test_option_a_adds_no_parameters_to_the_plain_network():
    # Sec. 4.1: with option A the residual nets "have no extra parameter
    # compared to the plain counterparts".
    option_a = resnet(depth=18, shortcut="A")
    plain = resnet(depth=18, residual=False)
    assert option_a.count_params() == plain.count_params()
    assert plain.name == "plain18"
    assert option_a.get_layer("conv3_block1_0_shortcut").count_params() == 0
    assert TORCHVISION_PARAMS[18] - _trainable(option_a) == sum(
        1 * 1 * c_in * c_out + 2 * c_out for c_in, c_out in ((64, 128), (128, 256), (256, 512))
    )


# ------------------------------------------------------------ CIFAR-10


@pytest.mark.parametrize("depth", [20, 32, 44, 56, 110])
def test_cifar_params_match_table6(model_cache, depth):
    n = (depth - 2) // 6
    trainable = model_cache.summary(f"resnet{depth}").trainable_params
    assert trainable == _cifar_trainable(n)
    assert model_cache.summary(f"plain{depth}").trainable_params == trainable
    printed = TABLE6_PARAMS_M[depth]
    decimals = len(printed.split(".")[1])
    assert f"{trainable / 1e6:.{decimals}f}" == printed


def test_cifar_1202_formula_matches_table6():
    # Too big to build in a test; the table and the formula still agree.
    table = CIFAR_TABLES[1202]
    assert table.depth == 1202 and table.stackwise_num_blocks == (200, 200, 200)
    assert f"{_cifar_trainable(200) / 1e6:.1f}" == TABLE6_PARAMS_M[1202]


def test_cifar_layout(built):
    model = built("resnet20")
    assert model.input_shape == (None, 32, 32, 3)
    assert model.get_layer("conv1_conv").kernel_size == (3, 3)
    assert model.get_layer("conv1_conv").filters == 16
    for stage, (size, width) in zip((2, 3, 4), ((32, 16), (16, 32), (8, 64))):
        assert model.get_layer(f"conv{stage}_block3_out").output.shape[1:] == (size, size, width)
    assert model.output_shape == (None, 10)
    # 3n shortcuts (Sec. 4.2), two of them zero-padded.
    adds = [layer for layer in model.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == 9
    pads = [layer for layer in model.layers if isinstance(layer, ZeroPadShortcut)]
    assert [layer.name for layer in pads] == ["conv3_block1_0_shortcut", "conv4_block1_0_shortcut"]


def test_plain_networks_have_no_shortcuts(built):
    plain, residual = built("plain20"), built("resnet20")
    assert not any(isinstance(layer, (keras.layers.Add, ZeroPadShortcut)) for layer in plain.layers)
    # Sec. 4.2: "exactly the same depth, width, and number of parameters".
    assert plain.count_params() == residual.count_params()
    residual_names = {layer.name for layer in residual.layers}
    extra = {layer.name for layer in plain.layers} - residual_names
    assert not extra
    assert sorted(residual_names - {layer.name for layer in plain.layers}) == sorted(
        [f"conv{s}_block{b}_add" for s in (2, 3, 4) for b in (1, 2, 3)]
        + ["conv3_block1_0_shortcut", "conv4_block1_0_shortcut"]
    )


def test_shortcut_c_projects_every_block():
    model = cifar_resnet(depth=20, shortcut="C")
    projections = [layer.name for layer in model.layers if layer.name.endswith("_0_conv")]
    assert len(projections) == 9
    assert not any(isinstance(layer, ZeroPadShortcut) for layer in model.layers)


# ------------------------------------------------------------ option A's layer


def test_zero_pad_shortcut_is_subsample_then_zero_pad(built):
    layer = built("resnet20").get_layer("conv3_block1_0_shortcut")
    assert layer.get_config()["filters"] == 32 and layer.get_config()["strides"] == 2
    assert layer.count_params() == 0
    x = np.random.default_rng(0).standard_normal((2, 32, 32, 16)).astype("float32")
    expected = np.concatenate([x[:, ::2, ::2, :], np.zeros((2, 16, 16, 16), "float32")], axis=-1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), expected)


@pytest.mark.parametrize("size, strides", [(7, 2), (8, 1), (9, 3)])
def test_zero_pad_shortcut_shapes_match_a_strided_conv(size, strides):
    layer = ZeroPadShortcut(filters=8, strides=strides)
    out = layer(np.ones((1, size, size, 3), "float32"))
    conv_size = arithmetic.conv_output_size(size, 3, stride=strides, padding=1)
    assert tuple(out.shape) == (1, conv_size, conv_size, 8)
    assert layer.compute_output_shape((None, size, size, 3)) == (None, conv_size, conv_size, 8)


def test_zero_pad_shortcut_serialises():
    layer = ZeroPadShortcut(filters=64, strides=2, name="s")
    again = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(again, ZeroPadShortcut)
    assert (again.filters, again.strides, again.name) == (64, 2, "s")


def test_zero_pad_shortcut_rejects_fewer_channels():
    with pytest.raises(ValueError, match="only add channels"):
        ZeroPadShortcut(filters=4)(np.ones((1, 2, 2, 8), "float32"))


def test_saved_cifar_model_round_trips(built, tmp_path):
    model = built("resnet20")
    path = tmp_path / "resnet20.keras"
    model.save(path)
    again = keras.saving.load_model(path, compile=False)
    x = np.random.default_rng(1).standard_normal((2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ arguments


def test_bad_depth_lists_the_valid_ones():
    with pytest.raises(ValueError, match=re.escape("18, 34, 50, 101, 152")):
        resnet(depth=20)
    with pytest.raises(ValueError, match=re.escape("20, 32, 44, 56, 110, 1202")):
        cifar_resnet(depth=50)


@pytest.mark.parametrize(
    "kwargs, valid",
    [
        ({"stride_placement": "v2"}, "'paper', 'v1.5'"),
        ({"shortcut": "D"}, "'A', 'B', 'C'"),
        ({"residual": "yes"}, "True"),
    ],
)
def test_bad_flags_list_the_valid_values(kwargs, valid):
    with pytest.raises(ValueError, match=re.escape(valid)):
        resnet(depth=18, **kwargs)


def test_registered_variants():
    names = keras_classics.list_models("resnet")
    expected = (
        [f"resnet{d}" for d in (18, 34, 50, 101, 152)]
        + [f"resnet{d}_v1_5" for d in (50, 101, 152)]
        + [f"resnet{d}" for d in (20, 32, 44, 56, 110)]
        + [f"plain{d}" for d in (20, 32, 44, 56, 110)]
    )
    assert sorted(names) == sorted(expected)
    for name in names:
        entry = keras_classics.get_entry(name)
        cifar = entry.builder is cifar_resnet
        assert entry.input_shape == ((32, 32, 3) if cifar else (224, 224, 3))
        if cifar:
            assert entry.kwargs["classes"] == 10


def test_include_top_false_and_pooling():
    features = resnet(depth=18, include_top=False, input_shape=(64, 64, 3))
    assert features.output_shape == (None, 2, 2, 512)
    pooled = cifar_resnet(depth=20, include_top=False, pooling="max")
    assert pooled.output_shape == (None, 64)
