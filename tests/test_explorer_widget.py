"""The explorer's stacks and its notebook widget, in Python.

* A network's chain (`keras_classics.explorer.chains`) read from a built
  model agrees, layer by layer, with `keras_classics.anatomy` of that model:
  output sizes and channels, receptive fields, parameters and MACs; and it
  is the chain the site's presets read from the spec files.
* ``keras_classics.explore`` gives an anywidget whose traitlets hold that
  stack, survive the JSON round trip to the browser, and refuse a malformed
  layer with a message that names it; a preset or no argument does not
  import TensorFlow.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import keras_classics
from keras_classics import arithmetic
from keras_classics.explorer import chains
from keras_classics.explorer.stack import check_layer, evaluate

# Small networks that cover the chain's cases: plain (LeNet-5, with its
# sparse C3 and trainable subsampling), a ZeroPadding2D folded into the next
# window (ZFNet, the ResNet stem), Inception's concatenations (GoogLeNet) and
# residual additions with zero-padding shortcuts (ResNet-20).
MODELS = ("lenet5", "zfnet", "googlenet", "resnet20", "resnet18")


@pytest.fixture(scope="module")
def built():
    import keras

    models = {}
    for name in MODELS:
        model = keras_classics.build(name)
        from keras_classics.anatomy import anatomy

        models[name] = (chains.from_model(model), anatomy(model))
        del model
        keras.backend.clear_session()
    return models


@pytest.mark.parametrize("name", MODELS)
def test_the_chain_of_a_model_matches_its_anatomy(built, name):
    chain, table = built[name]
    rows = evaluate(chain.input, chain.layers)
    assert len(rows) == len(chain.layers) >= 3
    for layer, row in zip(chain.layers, rows):
        truth = table.row(layer["name"])
        assert row["error"] is None, (name, layer, row)
        assert (row["size_out"], row["channels_out"]) == (truth.output_shape[0], truth.output_shape[-1])
        rf = truth.receptive_field
        assert row["rf"] == {"size": rf.size, "jump": rf.jump, "start": rf.start}, layer["name"]
        # A plain layer's count is the model's; a layer that is not plain
        # (sparse, trainable subsampling) carries the model's own numbers.
        assert layer.get("model_params", row["params"]) == truth.params, layer["name"]
        assert layer.get("model_macs", row["macs"]) == truth.macs, layer["name"]
    # The chain ends at the last feature map, whose field it reports.
    last = [r for r in table.rows if len(r.output_shape) == 3][-1]
    assert rows[-1]["rf"]["size"] == last.receptive_field.size


def test_the_chains_follow_the_papers(built):
    # LeNet-5, Sec. II.B: C1 (5x5) 28, S2 14, C3 10, S4 5, C5 1; C3's 1,516
    # parameters (Table I's 60 connections: 60 * 25 + 16) and S2's 12.
    lenet, _ = built["lenet5"]
    rows = evaluate(lenet.input, lenet.layers)
    assert [r["size_out"] for r in rows] == [28, 14, 10, 5, 1]
    assert [layer.get("model_params") for layer in lenet.layers] == [None, 12, 1516, 32, None]
    assert rows[2]["params"] == (5 * 5 * 6 + 1) * 16  # the plain count the explorer shows
    # ZFNet's conv1: 7x7 stride 2 with 1 pixel each side gives 110 from 224 (Fig. 3).
    zfnet, _ = built["zfnet"]
    assert zfnet.layers[0]["padding"] == 1 and evaluate(zfnet.input, zfnet.layers)[0]["size_out"] == 110
    # GoogLeNet: the path of the widest field takes each module's 5x5 branch,
    # whose reduction reads the whole concatenation (3b: 256 = 64 + 128 + 32 + 32).
    googlenet, _ = built["googlenet"]
    names = googlenet.names()
    assert "inception3a_5x5" in names and "inception3a_3x3" not in names
    assert next(x for x in googlenet.layers if x["name"] == "inception3b_5x5_reduce")["in_channels"] == 256
    # ResNet-18's stem: ZeroPadding2D(3) and a 7x7/2 valid conv, ZeroPadding2D(1) and a 3x3/2 pool.
    resnet, _ = built["resnet18"]
    assert [(x["kernel"], x["stride"], x["padding"]) for x in resnet.layers[:2]] == [(7, 2, 3), (3, 2, 1)]
    assert resnet.layers[0]["bias"] is False


def test_the_site_presets_are_the_built_models_chains(built):
    # The presets are read from the spec files, the widget's stacks from the
    # built models: the two must be one and the same stack.
    for name in ("lenet5", "zfnet", "googlenet"):
        assert chains.preset(name).as_dict() == built[name][0].as_dict(), name
    stem = chains.preset("resnet50-stem")
    assert stem.input == {"size": 224, "channels": 3}
    assert stem.layers == built["resnet18"][0].slice("conv1_conv", "pool1_pool").layers
    ids = [p.id for p in chains.PRESETS]
    assert len(ids) == len(set(ids)) and "empty" in ids
    for entry in chains.site_presets("zh"):
        assert entry["label"] and all(check_layer(layer) == layer for layer in entry["layers"])


def test_a_chain_that_disagrees_with_its_network_is_refused():
    # A 3x3 conv that the network says gives 30 from 32 but is told to give 31.
    nodes = [
        chains.Node(
            "conv", "conv2d", {"kernel": 3, "stride": 1, "padding": "valid", "filters": 4}, ("input",), (31, 31, 4), 112
        ),
    ]
    with pytest.raises(ValueError, match=r"the explorer's walk gives conv \(30, 4\), the network \(31, 4\)"):
        chains.chain_of("bad", (32, 32, 3), nodes)
    with pytest.raises(ValueError, match="fixed"):
        chains.chain_of("open", (None, None, 3), nodes)
    with pytest.raises(ValueError, match="no explorer preset 'nope'"):
        chains.preset("nope")


# --------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------


def test_explore_gives_a_widget_whose_state_round_trips(built):
    widget = keras_classics.explore("googlenet-stem", lang="zh")
    assert widget.lang == "zh" and widget.input == {"size": 224, "channels": 3}
    assert [x["name"] for x in widget.layers] == ["conv1", "pool1", "conv2_reduce", "conv2", "pool2"]
    # GoogLeNet's Table 1: 112, 56, 56, 56, 28.
    assert [r["size_out"] for r in widget.rows()] == [112, 56, 56, 56, 28]
    # What the browser receives and sends back is JSON.
    state = json.loads(json.dumps(widget.get_state()))
    assert "_esm" in state and "mountExplorer" in state["_esm"] and "convOutputSize" in state["_esm"]
    other = keras_classics.explorer.widget.widget_class()()
    other.set_state({k: state[k] for k in ("lang", "input", "layers", "network")})
    assert (other.layers, other.input, other.lang) == (widget.layers, widget.input, widget.lang)
    # A student's edit as the browser sends it: the 7x7 conv1 made 5x5, stride 1.
    edited = json.loads(json.dumps(widget.layers))
    edited[0].update(kernel=5, stride=1)
    other.set_state({"layers": edited})
    assert other.rows()[0]["size_out"] == arithmetic.conv_output_size(224, 5, 1, "same") == 224
    assert other.rows()[1]["rf"]["size"] == arithmetic.receptive_field([(5, 1), (3, 2)]).size


def test_explore_reads_a_model_through_its_anatomy(built):
    import keras

    inputs = keras.Input((64, 64, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", dilation_rate=1, name="a")(inputs)
    x = keras.layers.MaxPooling2D(3, strides=2, name="b")(x)
    x = keras.layers.Conv2D(16, 3, dilation_rate=2, use_bias=False, name="c")(x)
    widget = keras_classics.explore(keras.Model(inputs, x, name="mine"))
    assert widget.network == "mine"
    assert [(x["name"], x["kernel"], x["padding"], x.get("dilation")) for x in widget.layers] == [
        ("a", 3, "same", 1),
        ("b", 3, "valid", None),
        ("c", 3, "valid", 2),
    ]
    # 64 -> ceil(64/2) = 32 -> (32 - 3)//2 + 1 = 15 -> 15 - (2*2 + 1) + 1 = 11.
    assert [r["size_out"] for r in widget.rows()] == [32, 15, 11]
    assert widget.rows()[2]["params"] == 3 * 3 * 8 * 16


def test_explore_refuses_what_it_cannot_show():
    widget = keras_classics.explore()
    assert widget.layers == [] and widget.input == {"size": 224, "channels": 3}
    import traitlets

    with pytest.raises(traitlets.TraitError, match="layer 0: a conv layer needs kernel"):
        widget.layers = [{"kind": "conv", "filters": 8}]
    with pytest.raises(traitlets.TraitError, match="layer 1: padding must be"):
        widget.layers = [{"kind": "pool", "kernel": 2}, {"kind": "pool", "kernel": 2, "padding": "full"}]
    with pytest.raises(traitlets.TraitError, match="input: size must be an integer >= 1"):
        widget.input = {"size": 0, "channels": 3}
    with pytest.raises(ValueError, match="explore\\(\\) takes a preset"):
        keras_classics.explore("lenet6")
    with pytest.raises(TypeError, match="got int"):
        keras_classics.explore(42)
    with pytest.raises(ValueError, match="lang must be 'en' or 'zh'"):
        keras_classics.explore(lang="fr")


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_explore_imports_tensorflow_only_for_a_model():
    result = _python(
        "import sys, keras_classics\n"
        "w = keras_classics.explore('resnet50-stem')\n"
        "keras_classics.explore()\n"
        "print(len(w.layers), 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "False", "False"]


def test_explore_without_anywidget_says_what_to_install():
    result = _python(
        "import sys; sys.modules['anywidget'] = None\n"
        "import keras_classics\n"
        "try:\n    keras_classics.explore()\nexcept ImportError as e:\n    print(e)\n"
    )
    assert 'pip install "keras-classics[jupyter]"' in result.stdout, result.stderr
