"""The keras.applications contract, checked on every registered model.

One list, `MODELS` (everything `keras_classics.list_models()` returns),
drives every test here, so a new registered variant is covered the moment
it is registered. The builds are small: each model is built at the
smallest input it accepts (which the builder's own error message names)
with a few classes; only the parameter count uses the default size, from
the session's model cache that `pytest spec/` shares.
"""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

import keras_classics
from keras_classics.spec.check import activation_name
from keras_classics.spec.loader import SPEC_DIR, load_spec
from keras_classics.spec.model_cache import release_memory

MODELS = keras_classics.list_models()

# Where a registered variant cannot honour part of the contract by design,
# it is listed here with its reason, and the test checks that it refuses
# clearly instead.
NO_TOPLESS = {
    "googlenet_aux": "its auxiliary classifiers belong to the top: aux_classifiers=True needs include_top=True",
}

CLASSES = 7


def channels(name: str) -> int:
    return keras_classics.get_entry(name).input_shape[2]


def output_layers(model):
    return [tensor._keras_history.operation for tensor in model.outputs]


def final_activation(layer) -> str:
    """What the last layer of an output applies: a name such as 'softmax'."""
    if type(layer).__name__ == "Softmax":
        return "softmax"
    function = getattr(layer, "activation", None)
    return "linear" if function is None else activation_name(function)


def predict(model, x):
    outputs = model(x, training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [keras.ops.convert_to_numpy(o) for o in outputs]


# Module-scoped and parametrised: pytest runs all the tests of one model
# before the next, so each small build is shared and then freed.
@pytest.fixture(scope="module", params=MODELS)
def name(request):
    yield request.param
    release_memory()


@pytest.fixture(scope="module")
def smallest(name) -> int:
    """The smallest input size, as the builder's error message names it
    (1 when even a 1x1 input builds)."""
    try:
        model = keras_classics.build(name, input_shape=(1, 1, channels(name)), classes=CLASSES)
    except ValueError as error:
        found = re.search(r"smallest[^0-9]*(\d+)", str(error))
        assert found, f"{name}: a too-small input must name the smallest size that works: {error}"
        return int(found.group(1))
    del model
    return 1


@pytest.fixture(scope="module")
def given_input(name, smallest):
    return keras.Input(shape=(smallest, smallest, channels(name)), name="given")


@pytest.fixture(scope="module")
def small_model(name, given_input):
    """The model on a given input tensor of the smallest size, with 7
    classes and no classifier activation: one build serves most checks."""
    model = keras_classics.build(name, input_tensor=given_input, classes=CLASSES, classifier_activation=None)
    yield model
    del model


def batch(shape, seed=0):
    return np.random.default_rng(seed).standard_normal((2, *shape)).astype("float32")


# --------------------------------------------------------------------------
# What the small build shows
# --------------------------------------------------------------------------


def test_the_smallest_size_named_works_and_one_less_fails(name, smallest, small_model):
    c = channels(name)
    assert tuple(small_model.inputs[0].shape[1:]) == (smallest, smallest, c)
    assert all(np.isfinite(o).all() for o in predict(small_model, batch((smallest, smallest, c))))
    for shape in [(smallest - 1, smallest - 1, c), (smallest, smallest - 1, c)]:
        with pytest.raises(ValueError, match=rf"(?<!\d){smallest}(?!\d)"):
            keras_classics.build(name, input_shape=shape, classes=CLASSES)


def test_the_model_is_named_after_its_registered_name(name, small_model):
    assert small_model.name == name


def test_classes_sets_the_width_of_every_output(name, small_model):
    widths = [tuple(t.shape[1:]) for t in small_model.outputs]
    assert widths == [(CLASSES,)] * len(widths)


def test_classifier_activation_none_gives_logits(name, small_model):
    finals = {layer.name: final_activation(layer) for layer in output_layers(small_model)}
    assert set(finals.values()) == {"linear"}, finals


def test_save_and_load_keras_file_gives_the_same_outputs(name, small_model, smallest, tmp_path):
    path = tmp_path / f"{name}.keras"
    small_model.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    x = batch((smallest, smallest, channels(name)))
    expected, got = predict(small_model, x), predict(loaded, x)
    assert len(expected) == len(got)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in small_model.layers]
    del loaded


def test_default_build_ends_in_softmax(name, model_cache):
    summary = model_cache.summary(name)
    finals = {}
    for out in summary.outputs:
        layer = summary.layers[out]
        finals[out] = (
            "softmax" if layer.class_name == "Softmax" else activation_name(layer.config.get("activation", "linear"))
        )
    assert set(finals.values()) == {"softmax"}, finals


def test_input_tensor_becomes_the_model_input(name, smallest, given_input, small_model):
    assert len(small_model.inputs) == 1 and small_model.inputs[0] is given_input
    with pytest.raises(ValueError, match="input_shape"):
        keras_classics.build(name, input_tensor=given_input, input_shape=(smallest + 1, smallest + 1, channels(name)))


# --------------------------------------------------------------------------
# include_top=False
# --------------------------------------------------------------------------


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_include_top_false_pools_the_last_feature_map(name, smallest, pooling):
    shape = (smallest, smallest, channels(name))
    if name in NO_TOPLESS:
        with pytest.raises(ValueError, match="include_top"):
            keras_classics.build(name, include_top=False, pooling=pooling, input_shape=shape)
        return
    model = keras_classics.build(name, include_top=False, pooling=pooling, input_shape=shape)
    assert len(model.outputs) == 1
    pool = output_layers(model)[0]
    expected_class = {"avg": "GlobalAveragePooling2D", "max": "GlobalMaxPooling2D"}[pooling]
    assert type(pool).__name__ == expected_class
    # The pooled map is a layer of the spec, whose channel count the paper gives.
    (features,) = pool._inbound_nodes[0].input_tensors
    assert len(features.shape) == 4, "pooling must reduce a (batch, height, width, channels) map"
    features = features._keras_history.operation.name
    spec = load_spec(SPEC_DIR / f"{name}.yaml")
    layer = spec.layer(features)
    assert layer is not None, f"include_top=False ends at {features!r}, which spec/{name}.yaml lacks"
    assert tuple(model.outputs[0].shape) == (None, layer.output_shape[-1])
    assert not any(l.name in spec.outputs for l in model.layers), "the classifier is still there"


# --------------------------------------------------------------------------
# Against the spec, at the registered defaults
# --------------------------------------------------------------------------


def test_parameter_count_equals_the_spec_total(name, model_cache):
    path = SPEC_DIR / f"{name}.yaml"
    assert path.is_file(), f"spec/{name}.yaml is missing"
    assert model_cache.summary(name).params == load_spec(path).totals["params"]


# --------------------------------------------------------------------------
# Bad arguments: clear errors before anything is built
# --------------------------------------------------------------------------


@pytest.mark.parametrize("classes", [0, -1, 2.5, True])
def test_bad_classes(name, classes):
    with pytest.raises(ValueError, match="classes"):
        keras_classics.build(name, classes=classes)


def test_unknown_pooling(name):
    with pytest.raises(ValueError, match="pooling"):
        keras_classics.build(name, pooling="median")


def test_imagenet_weights_say_nothing_is_downloaded(name):
    with pytest.raises(ValueError, match="download"):
        keras_classics.build(name, weights="imagenet")


def test_a_missing_weights_file(name, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        keras_classics.build(name, weights=str(tmp_path / "nothing.weights.h5"))


@pytest.mark.parametrize("rank", [2, 4])
def test_input_shape_of_the_wrong_rank(name, smallest, rank):
    shape = (smallest,) * (rank - 1) + (channels(name),)
    with pytest.raises(ValueError, match="input_shape"):
        keras_classics.build(name, input_shape=shape)


@pytest.fixture(scope="session")
def donor_weights(tmp_path_factory):
    """Weights files of two registered models at their smallest inputs:
    architectures that any other model must refuse."""
    names = sorted(MODELS, key=lambda n: keras_classics.get_entry(n).input_shape[:2])[:2]
    files = {}
    for donor in names:
        c = channels(donor)
        for size in range(1, 1024):
            try:
                model = keras_classics.build(donor, input_shape=(size, size, c), classes=CLASSES)
                break
            except ValueError:
                continue
        path = tmp_path_factory.mktemp("weights") / f"{donor}.weights.h5"
        model.save_weights(path)
        files[donor] = str(path)
        del model
    release_memory()
    return files


# Keras warns about each layer it cannot fill before it raises.
@pytest.mark.filterwarnings("ignore:Skipping nested container:UserWarning")
def test_weights_of_another_architecture_are_refused(name, smallest, donor_weights):
    donor = next(d for d in donor_weights if d != name)
    with pytest.raises(ValueError, match="do not fit"):
        keras_classics.build(
            name, input_shape=(smallest, smallest, channels(name)), classes=CLASSES, weights=donor_weights[donor]
        )
