"""VGG against the paper (Simonyan & Zisserman, ICLR 2015) and keras.applications.

Expected values come from the paper (Table 1's columns, Table 2's rounded
parameter counts, Sec. 2.3's LRN constants) or from formulas in
`keras_classics.arithmetic`, never from the builder's output. The full
models (130M+ parameters each) are built at most once per session and kept
only as small per-layer summaries, so the weights are freed at once.
"""

from __future__ import annotations

import gc
from typing import Dict, NamedTuple, Tuple

import keras
import pytest

import keras_classics
from keras_classics import arithmetic
from keras_classics.layers import LocalResponseNormalization
from keras_classics.models.vgg import CONFIGS, vgg, vgg11, vgg11_lrn, vgg16, vgg16_c, vgg19

# Table 2: "Number of parameters (in millions)", with the paper's 1000 classes.
TABLE2_MILLIONS = {"A": 133, "A-LRN": 133, "B": 133, "C": 134, "D": 138, "E": 144}

# Table 1's column headers: weight layers (convolutions + 3 FC).
TABLE1_DEPTH = {"A": 11, "A-LRN": 11, "B": 13, "C": 16, "D": 16, "E": 19}

# Table 1, column D, as (kernel, in_channels, filters) per conv: the
# independent transcription the formula checks below use.
TABLE1_D_CONVS = (
    [(3, 3, 64), (3, 64, 64)]
    + [(3, 64, 128), (3, 128, 128)]
    + [(3, 128, 256)]
    + [(3, 256, 256)] * 2
    + [(3, 256, 512)]
    + [(3, 512, 512)] * 2
    + [(3, 512, 512)] * 3
)
FEATURES = 7 * 7 * 512  # five 2x2/2 pools take 224 to 7 (Sec. 2.1)

ALEXNET_LRN = dict(size=5, alpha=1e-4, beta=0.75, bias=2.0)  # Krizhevsky et al. 2012, Sec. 3.3


class LayerInfo(NamedTuple):
    cls: str
    params: int
    output_shape: Tuple
    kernel_size: Tuple | None
    weight_shapes: Tuple
    inbound: Tuple[str, ...]


class Summary(NamedTuple):
    name: str
    params: int
    layers: Dict[str, LayerInfo]  # in model order, InputLayer left out


def _summarise(model) -> Summary:
    layers = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        node = layer._inbound_nodes[0]
        layers[layer.name] = LayerInfo(
            cls=type(layer).__name__,
            params=layer.count_params(),
            output_shape=tuple(layer.output.shape[1:]),
            kernel_size=getattr(layer, "kernel_size", None),
            weight_shapes=tuple(tuple(w.shape) for w in layer.weights),
            inbound=tuple(t._keras_history.operation.name for t in node.input_tensors),
        )
    return Summary(model.name, model.count_params(), layers)


class _Models:
    """Builds each full-size model on first use and keeps only its summary."""

    _BUILDERS = {
        "keras.VGG16": lambda: keras.applications.VGG16(weights=None),
        "keras.VGG19": lambda: keras.applications.VGG19(weights=None),
    }

    def __init__(self):
        self._cache: Dict[str, Summary] = {}

    def __getitem__(self, key: str) -> Summary:
        if key not in self._cache:
            build = self._BUILDERS.get(key) or (lambda: vgg(config=key))
            model = build()
            self._cache[key] = _summarise(model)
            del model
            gc.collect()
        return self._cache[key]


@pytest.fixture(scope="session")
def full_models():
    return _Models()


# --------------------------------------------------------------------------
# Table 2 and the weight-layer counts of Table 1
# --------------------------------------------------------------------------


@pytest.mark.parametrize("config", list(TABLE2_MILLIONS))
def test_parameter_count_matches_table_2(full_models, config):
    summary = full_models[config]
    assert round(summary.params / 1e6) == TABLE2_MILLIONS[config]
    weight_layers = [i for i in summary.layers.values() if i.cls in ("Conv2D", "Dense")]
    assert len(weight_layers) == TABLE1_DEPTH[config]


def test_configurations_cover_table_1():
    assert set(CONFIGS) == set(TABLE2_MILLIONS)
    for letter, config in CONFIGS.items():
        assert config.weight_layers == TABLE1_DEPTH[letter]


def test_vgg16_total_matches_the_formula(full_models):
    conv = sum(arithmetic.conv_params(k, cin, cout) for k, cin, cout in TABLE1_D_CONVS)
    fc = (
        arithmetic.dense_params(FEATURES, 4096)
        + arithmetic.dense_params(4096, 4096)
        + arithmetic.dense_params(4096, 1000)
    )
    assert full_models["D"].params == conv + fc


# --------------------------------------------------------------------------
# The course's point: fc1 holds about 102.8M parameters, 74% of VGG-16
# --------------------------------------------------------------------------


def test_fc1_holds_about_74_percent_of_vgg16(full_models):
    summary = full_models["D"]
    fc1 = summary.layers["fc1"].params
    assert fc1 == 25088 * 4096 + 4096 == 102_764_544
    assert round(fc1 / 1e6, 1) == 102.8
    assert round(fc1 / summary.params, 2) == 0.74

    # The same share from Table 1 alone, without any model.
    total = sum(arithmetic.conv_params(k, cin, cout) for k, cin, cout in TABLE1_D_CONVS) + (
        arithmetic.dense_params(FEATURES, 4096)
        + arithmetic.dense_params(4096, 4096)
        + arithmetic.dense_params(4096, 1000)
    )
    assert round(arithmetic.dense_params(FEATURES, 4096) / total, 2) == 0.74


# --------------------------------------------------------------------------
# Stacked 3x3 convolutions (Sec. 2.3)
# --------------------------------------------------------------------------


def test_stacked_3x3_receptive_fields():
    assert arithmetic.receptive_field([(3, 1, 1)] * 2).size == 5
    assert arithmetic.receptive_field([(3, 1, 1)] * 3).size == 7
    # Sec. 2.3: three 3x3 layers of C channels have 27 C^2 weights, one 7x7
    # layer 49 C^2, "81% more".
    channels = 512
    comparison = arithmetic.stacked_3x3_comparison(3, channels)
    assert comparison.receptive_field == 7
    assert comparison.stacked_weights == 27 * channels**2
    assert comparison.single_weights == 49 * channels**2
    assert round(comparison.ratio - 1, 2) == 0.81


def _stage_receptive_field(summary: Summary, stage: int) -> int:
    chain = [
        (info.kernel_size[0], 1)
        for name, info in summary.layers.items()
        if name.startswith(f"block{stage}_conv") and info.cls == "Conv2D"
    ]
    return arithmetic.receptive_field(chain).size


def test_stage_receptive_fields_in_the_models(full_models):
    # D's third stage stacks three 3x3 convs: one 7x7 window of its input.
    assert _stage_receptive_field(full_models["D"], 3) == 7
    assert _stage_receptive_field(full_models["E"], 3) == 9
    # C's 1x1 adds non-linearity "without affecting the receptive fields".
    assert _stage_receptive_field(full_models["C"], 3) == 5
    assert _stage_receptive_field(full_models["B"], 3) == 5


# --------------------------------------------------------------------------
# A-LRN and C, where Table 1 puts their special layers
# --------------------------------------------------------------------------


def test_a_lrn_has_exactly_one_lrn_after_the_first_conv(full_models):
    layers = full_models["A-LRN"].layers
    lrn = [name for name, info in layers.items() if info.cls == "LocalResponseNormalization"]
    assert lrn == ["block1_lrn"]
    assert layers["block1_lrn"].inbound == ("block1_conv1",)
    assert layers["block1_pool"].inbound == ("block1_lrn",)
    for config in ("A", "B", "C", "D", "E"):
        assert not any(info.cls == "LocalResponseNormalization" for info in full_models[config].layers.values())


def test_a_lrn_uses_alexnets_constants():
    model = vgg11_lrn(include_top=False, input_shape=(32, 32, 3))
    layer = model.get_layer("block1_lrn")
    assert isinstance(layer, LocalResponseNormalization)
    assert {k: getattr(layer, k) for k in ALEXNET_LRN} == ALEXNET_LRN
    assert model.count_params() == vgg11(include_top=False, input_shape=(32, 32, 3)).count_params()


def test_c_has_1x1_convs_closing_stages_3_to_5(full_models):
    convs = {n: i.kernel_size for n, i in full_models["C"].layers.items() if i.cls == "Conv2D"}
    ones = sorted(name for name, kernel in convs.items() if kernel == (1, 1))
    assert ones == ["block3_conv3", "block4_conv3", "block5_conv3"]
    assert all(kernel in ((1, 1), (3, 3)) for kernel in convs.values())
    # Last conv of its stage: the pool comes right after it.
    for stage in (3, 4, 5):
        assert full_models["C"].layers[f"block{stage}_pool"].inbound == (f"block{stage}_conv3",)
    # The 1x1 convs are the only difference from D's layer names.
    assert [n for n in full_models["C"].layers] == [n for n in full_models["D"].layers]


# --------------------------------------------------------------------------
# keras.applications VGG16 / VGG19, where the layers coincide
# --------------------------------------------------------------------------


@pytest.mark.parametrize("config, reference", [("D", "keras.VGG16"), ("E", "keras.VGG19")])
def test_matches_keras_applications(full_models, config, reference):
    ours, theirs = full_models[config], full_models[reference]
    # keras.applications has no dropout; every other layer is shared.
    assert set(ours.layers) - set(theirs.layers) == {"fc1_dropout", "fc2_dropout"}
    assert set(theirs.layers) <= set(ours.layers)
    for name, info in theirs.layers.items():
        mine = ours.layers[name]
        assert (mine.cls, mine.params, mine.output_shape, mine.weight_shapes) == (
            info.cls,
            info.params,
            info.output_shape,
            info.weight_shapes,
        ), name
    assert ours.params == theirs.params
    assert [n for n in ours.layers if n in theirs.layers] == list(theirs.layers)


# --------------------------------------------------------------------------
# Batch norm variants
# --------------------------------------------------------------------------


def test_batch_norm_layout():
    model = vgg16(include_top=False, input_shape=(32, 32, 3), batch_norm=True)
    assert model.name == "vgg16_bn"
    names = [layer.name for layer in model.layers[1:4]]
    assert names == ["block1_conv1", "block1_conv1_bn", "block1_conv1_relu"]
    conv, bn = model.get_layer("block1_conv1"), model.get_layer("block1_conv1_bn")
    assert conv.use_bias and conv.get_config()["activation"] == "linear"
    assert bn.epsilon == pytest.approx(1e-5)
    n_bn = sum(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    assert n_bn == len(TABLE1_D_CONVS)
    # Each batch norm adds 4 x channels (2 x channels trainable) to the conv part.
    channels = sum(filters for _, _, filters in TABLE1_D_CONVS)
    plain = sum(arithmetic.conv_params(k, cin, cout) for k, cin, cout in TABLE1_D_CONVS)
    assert model.count_params() == plain + 4 * channels


def test_batch_norm_is_refused_with_lrn():
    with pytest.raises(ValueError, match="A-LRN"):
        vgg11_lrn(batch_norm=True, include_top=False, input_shape=(32, 32, 3))


# --------------------------------------------------------------------------
# Registry and argument contract
# --------------------------------------------------------------------------


def test_registered_names():
    expected = [
        "vgg11", "vgg11_lrn", "vgg13", "vgg16_c", "vgg16", "vgg19",
        "vgg11_bn", "vgg13_bn", "vgg16_c_bn", "vgg16_bn", "vgg19_bn",
    ]  # fmt: skip
    assert keras_classics.list_models("vgg") == expected
    for name in expected:
        entry = keras_classics.get_entry(name)
        assert entry.input_shape == (224, 224, 3)
        assert entry.kwargs.get("batch_norm", False) == name.endswith("_bn")


def test_registry_builds_bn_variant_with_its_name():
    model = keras_classics.build("vgg16_c_bn", include_top=False, input_shape=(32, 32, 3))
    assert model.name == "vgg16_c_bn"
    assert model.get_layer("block5_conv3_bn").output.shape[-1] == 512


def test_min_input_size_is_32():
    # Five 2x2/2 pools with no padding: 32 -> 1.
    layers = [(2, 2, "valid")] * 5
    assert arithmetic.min_input_size(layers) == 32
    assert vgg16(include_top=False, input_shape=(32, 32, 3)).output_shape == (None, 1, 1, 512)
    with pytest.raises(ValueError, match="32x32"):
        vgg16(include_top=False, input_shape=(31, 64, 3))


def test_unknown_config_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'A-LRN'.*'E'"):
        vgg(config="F")
    with pytest.raises(ValueError, match="batch_norm"):
        vgg16(batch_norm="yes")


@pytest.mark.parametrize("pooling, shape", [(None, (None, 2, 2, 512)), ("avg", (None, 512)), ("max", (None, 512))])
def test_headless_pooling(pooling, shape):
    model = vgg16_c(include_top=False, input_shape=(64, 64, 3), pooling=pooling)
    assert model.output_shape == shape


def test_small_head_and_logits():
    model = vgg19(input_shape=(32, 32, 3), classes=10, classifier_activation=None)
    assert model.output_shape == (None, 10)
    assert model.get_layer("fc1").input.shape[-1] == 512  # a 1x1x512 map at 32x32
    assert model.get_layer("predictions").get_config()["activation"] == "linear"
