"""The keras.applications argument contract, side by side and per family.

Where keras.applications has the same network (VGG16, VGG19, ResNet50,
ResNet101, ResNet152) both builders get the same positional arguments and
must give the same input and output shapes, and without the top the same
layer names. Every family is then checked on each point of the contract:
any height and width without the top, the argument order, channels-first
refused up front, a clear error for a flattening head without a fixed size,
and weights loading under another classifier activation. The messages for
bad arguments are checked by what they say.

Builds are small: no top or small inputs; the deep ResNets are built once
per implementation.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re

import keras
import numpy as np
import pytest

import keras_classics
from keras_classics import anatomy_cli
from keras_classics.models import public_builders
from keras_classics.spec.model_cache import ModelCache, release_memory

# The shared arguments in keras.applications' own order, read from its VGG16.
CONTRACT = tuple(inspect.signature(keras.applications.VGG16).parameters)

# Ours and keras.applications' for the networks both have.
PAIRS = {
    "vgg16": "VGG16",
    "vgg19": "VGG19",
    "resnet50": "ResNet50",
    "resnet101": "ResNet101",
    "resnet152": "ResNet152",
}
# The grid of arguments for these; all five are compared without the top
# and without input_shape (`topless_pair`), the deeper ResNets (3 to 6 s a
# build here) only there.
GRID_PAIRS = ("vgg16", "vgg19", "resnet50")

# keras.applications' positional order; weights=None everywhere (nothing is
# downloaded). Non-square sizes catch a swapped height and width.
GRID = {
    "top, small input": (True, None, None, (64, 80, 3)),
    "top, 10 classes, logits": (True, None, None, (64, 64, 3), None, 10, None),
    "no top, max": (False, None, None, None, "max"),
    "no top, fixed shape": (False, None, None, (96, 72, 3)),
    "no top, open height, avg": (False, None, None, (None, 72, 3), "avg"),
}

# One registered model per builder function: every family, and both
# ResNet builders (ImageNet and CIFAR).
FAMILY_MODELS = ("lenet5", "alexnet", "zfnet", "vgg11", "googlenet", "resnet18", "resnet20")
# Whose top flattens a feature map into a dense layer, and that layer.
FLATTENING = {"lenet5": "f6", "alexnet": "fc6", "zfnet": "fc6", "vgg11": "fc1"}


def ours(name):
    return getattr(keras_classics, name)


def theirs(name):
    return getattr(keras.applications, PAIRS[name])


def shapes(model):
    return [tuple(t.shape) for t in model.inputs], [tuple(t.shape) for t in model.outputs]


def layer_names(model):
    # The input layer's name is Keras's own counter in keras.applications.
    return [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]


def channels(name):
    return keras_classics.get_entry(name).input_shape[2]


def smallest(name) -> int:
    """The smallest input size, as the builder's too-small error names it."""
    try:
        keras_classics.build(name, include_top=False, input_shape=(1, 1, channels(name)))
    except ValueError as error:
        return int(re.search(r"smallest input that works is (\d+)x", str(error)).group(1))
    return 1


def raised_in_our_code(excinfo) -> bool:
    """The error came from keras_classics, not from deep inside Keras."""
    package = os.path.dirname(os.path.abspath(keras_classics.__file__))
    return os.path.abspath(str(excinfo.traceback[-1].path)).startswith(package + os.sep)


@pytest.fixture
def channels_first():
    keras.config.set_image_data_format("channels_first")
    yield
    keras.config.set_image_data_format("channels_last")


# --------------------------------------------------------------------------
# Side by side with keras.applications
# --------------------------------------------------------------------------


@pytest.mark.parametrize("combination", list(GRID))
@pytest.mark.parametrize("name", GRID_PAIRS)
def test_same_shapes_as_keras_applications_for_each_argument_combination(name, combination):
    args = GRID[combination]
    expected = shapes(theirs(name)(*args))
    got = shapes(ours(name)(*args))
    release_memory()
    assert got == expected


@pytest.mark.parametrize("name", GRID_PAIRS)
def test_same_shapes_as_keras_applications_on_an_input_tensor(name):
    tensor = keras.Input(shape=(64, 48, 3))
    expected = shapes(theirs(name)(False, None, tensor, None, "avg"))
    model = ours(name)(False, None, tensor, None, "avg")
    assert model.inputs[0] is tensor
    assert shapes(model) == expected


@pytest.fixture(scope="module", params=list(PAIRS))
def topless_pair(request):
    """Both implementations without the top and without input_shape, built
    once: the deep ResNets are compared on this build only."""
    name = request.param
    yield name, ours(name)(False, None), theirs(name)(False, None)
    release_memory()


def test_without_the_top_both_take_any_size_and_give_the_same_shapes(topless_pair):
    _, model, reference = topless_pair
    assert shapes(model) == shapes(reference)
    assert tuple(model.inputs[0].shape) == (None, None, None, 3)


def test_without_the_top_the_layer_names_are_keras_applications_names(topless_pair):
    _, model, reference = topless_pair
    assert layer_names(model) == layer_names(reference)


# --------------------------------------------------------------------------
# 1. Any height and width without the top; registered sizes elsewhere
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", FAMILY_MODELS)
def test_without_the_top_any_height_and_width_runs(name):
    builder = keras_classics.get_entry(name).builder
    kwargs = keras_classics.get_entry(name).kwargs
    model = builder(False, None, **{k: v for k, v in kwargs.items() if k != "classes"})
    assert tuple(model.inputs[0].shape) == (None, None, None, channels(name))
    low = smallest(name)
    outputs = [model(np.zeros((1, h, w, channels(name)), "float32")) for h, w in ((low, low), (low + 64, low + 96))]
    # The feature map grows with the input; the channels stay the network's.
    assert outputs[0].shape[3] == outputs[1].shape[3] == model.output_shape[3]
    assert outputs[0].shape[1:3] != outputs[1].shape[1:3]
    release_memory()


@pytest.mark.parametrize("name", FAMILY_MODELS)
def test_an_explicit_input_shape_still_has_its_minimum(name):
    low = smallest(name)
    if low == 1:  # nothing smaller to refuse: a 1x1 input builds and runs
        model = keras_classics.build(name, include_top=False, input_shape=(1, 1, channels(name)))
        assert model(np.zeros((1, 1, 1, channels(name)), "float32")).shape[1:3] == (1, 1)
        return
    with pytest.raises(ValueError, match=rf"too small.*\b{low}x{low}\b"):
        keras_classics.build(name, include_top=False, input_shape=(low - 1, low, channels(name)))


def test_the_model_cache_builds_at_the_registered_size():
    entry = keras_classics.get_entry("lenet5")
    summary = ModelCache().summary("lenet5")
    assert summary.input_shapes == [list(entry.input_shape)]


def test_show_builds_at_the_registered_size_unless_told():
    entry = keras_classics.get_entry("lenet5_modern")
    args = argparse.Namespace(name="lenet5_modern", input_size=None, classes=None)
    model = anatomy_cli.build_from_args(args, [])
    assert tuple(model.inputs[0].shape[1:]) == entry.input_shape
    args = argparse.Namespace(name="lenet5_modern", input_size="40", classes=None)
    assert tuple(anatomy_cli.build_from_args(args, []).inputs[0].shape[1:]) == (40, 40, 1)


# --------------------------------------------------------------------------
# 2. channels_first: refused up front
# --------------------------------------------------------------------------


@pytest.mark.parametrize("builder_name", sorted(public_builders()))
def test_channels_first_is_refused_before_anything_is_built(builder_name, channels_first):
    builder = public_builders()[builder_name]
    with pytest.raises(ValueError) as excinfo:
        builder(False, None)
    message = str(excinfo.value)
    assert "channels_first" in message and "channels_last" in message
    assert "set_image_data_format" in message
    assert raised_in_our_code(excinfo)


# --------------------------------------------------------------------------
# 3. Positional arguments in keras.applications' order
# --------------------------------------------------------------------------


@pytest.mark.parametrize("builder_name", sorted(public_builders()))
def test_the_shared_arguments_come_first_in_keras_applications_order(builder_name):
    parameters = list(inspect.signature(public_builders()[builder_name]).parameters.values())
    shared = parameters[: len(CONTRACT)]
    assert [p.name for p in shared] == list(CONTRACT)
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in shared)
    own = parameters[len(CONTRACT) :]
    assert own, f"{builder_name} has no option of its own"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in own), [p.name for p in own]


@pytest.mark.parametrize("builder_name", sorted(public_builders()))
def test_help_documents_every_argument_of_every_builder(builder_name):
    builder = public_builders()[builder_name]
    doc = inspect.getdoc(builder)
    sections = {line.strip() for line in doc.splitlines() if line.strip().endswith(":")}
    assert {"Reference:", "Args:", "Returns:", "Example:"} <= sections, sections
    args = doc.split("\nArgs:\n", 1)[1].split("\nReturns:", 1)[0]
    documented = {line.split(":")[0].strip() for line in args.splitlines() if line.startswith("    ") and ":" in line}
    assert set(inspect.signature(builder).parameters) <= documented
    # Nothing left of the text its family writes once (_common.fill_docstring).
    assert not re.search(r"^\s*\{\w+\}\s*$", doc, re.M) and "{builder}" not in doc


@pytest.mark.parametrize("name", FAMILY_MODELS)
def test_positional_and_keyword_calls_build_the_same_model(name):
    entry = keras_classics.get_entry(name)
    own = {k: v for k, v in entry.kwargs.items() if k not in ("classes", "name")}
    shape = (smallest(name) + 3, smallest(name) + 3, channels(name))
    by_position = entry.builder(False, None, None, shape, "max", 5, None, "positional", **own)
    by_keyword = entry.builder(
        include_top=False,
        weights=None,
        input_shape=shape,
        pooling="max",
        classes=5,
        classifier_activation=None,
        name="positional",
        **own,
    )
    assert by_position.name == "positional"
    assert shapes(by_position) == shapes(by_keyword)
    assert layer_names(by_position) == layer_names(by_keyword)
    # Our own options stay keyword-only: a ninth positional argument is refused.
    with pytest.raises(TypeError):
        entry.builder(False, None, None, shape, "max", 5, None, "positional", True)
    release_memory()


# --------------------------------------------------------------------------
# 4. A flattening head needs a fixed size; global pooling heads do not
# --------------------------------------------------------------------------


@pytest.mark.parametrize("open_shape", [(None, None), (None, 96), (96, None)])
@pytest.mark.parametrize("name", sorted(FLATTENING))
def test_a_flattening_head_with_an_open_size_is_refused_clearly(name, open_shape):
    with pytest.raises(ValueError) as excinfo:
        keras_classics.build(name, input_shape=(*open_shape, channels(name)))
    message = str(excinfo.value)
    assert "fixed" in message and "include_top" in message
    assert FLATTENING[name] in message, "the message names the dense layer that flattens"
    registered = keras_classics.get_entry(name).input_shape
    assert str(tuple(registered)) in message, "the message suggests a size that works"
    assert raised_in_our_code(excinfo)


@pytest.mark.parametrize("name", sorted(set(FAMILY_MODELS) - set(FLATTENING)))
def test_a_global_pooling_head_takes_any_size_with_the_top(name):
    # keras.applications refuses an open size with the top for every
    # network; where the top pools globally, ours accepts it.
    model = keras_classics.build(name, input_shape=(None, None, channels(name)), classes=4)
    low = max(smallest(name), 8)
    for size in (low, low + 11):
        assert model(np.zeros((1, size, size, channels(name)), "float32")).shape == (1, 4)
    release_memory()


def test_googlenet_aux_heads_need_a_fixed_size():
    with pytest.raises(ValueError, match=r"aux_classifiers=True needs a known input height"):
        keras_classics.build("googlenet_aux", input_shape=(None, None, 3))


# --------------------------------------------------------------------------
# 4b. Weights with any classifier activation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lenet5_modern", "resnet20"])
@pytest.mark.parametrize("activation", [None, "sigmoid"])
def test_weights_load_under_any_classifier_activation(name, activation, tmp_path):
    # The activation holds no weights: a file saved with softmax fills a
    # model with another activation, which then applies it to the same logits.
    shape = keras_classics.get_entry(name).input_shape
    donor = keras_classics.build(name, classifier_activation=None, classes=5)
    path = tmp_path / "donor.weights.h5"
    donor.save_weights(path)
    model = keras_classics.build(name, weights=str(path), classifier_activation=activation, classes=5)
    x = np.random.default_rng(0).standard_normal((2, *shape)).astype("float32")
    logits = keras.ops.convert_to_numpy(donor(x, training=False))
    expected = logits if activation is None else np.exp(-np.logaddexp(0.0, -logits))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x, training=False)), expected, rtol=1e-5, atol=1e-6)
    release_memory()


# --------------------------------------------------------------------------
# Bad arguments: what the message says
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [("227", 227, 3), (227, 227.0, 3), (227, 227, None), "227x227x3"])
def test_an_input_shape_that_is_not_integers_is_named(shape):
    with pytest.raises(ValueError) as excinfo:
        keras_classics.alexnet(input_shape=shape)
    message = str(excinfo.value)
    assert "input_shape" in message and "integer" in message
    assert "227" in message


def test_numpy_integers_are_accepted_for_classes_and_sizes():
    model = keras_classics.lenet5(
        variant="modern", classes=np.int64(10), input_shape=(np.int64(32), np.int32(36), np.int64(1))
    )
    assert model.output_shape == (None, 10)
    assert model.input_shape == (None, 32, 36, 1)
    # Plain ints in the config, so the model saves as JSON.
    assert type(model.get_layer("predictions").units) is int
    assert model.to_json()


@pytest.mark.parametrize("builder", [keras_classics.cifar_resnet, keras_classics.resnet])
def test_a_float_depth_is_refused_and_a_numpy_depth_names_the_model(builder):
    with pytest.raises(ValueError) as excinfo:
        builder(depth=20.0 if builder is keras_classics.cifar_resnet else 18.0)
    message = str(excinfo.value)
    assert "depth" in message and "integer" in message and "float" in message
    model = builder(False, None, depth=np.int64(20 if builder is keras_classics.cifar_resnet else 18))
    assert model.name in ("resnet20", "resnet18")


@pytest.fixture(scope="module")
def saved_lenet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights")
    model = keras_classics.lenet5(variant="modern")
    model.save_weights(folder / "good.weights.h5")
    model.save(folder / "good.keras")
    return folder


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
def test_a_corrupt_weights_file_is_called_unreadable_not_a_mismatch(saved_lenet, suffix, damage):
    content = (saved_lenet / f"good{suffix}").read_bytes()
    broken = saved_lenet / f"{damage}{suffix}"
    broken.write_bytes(content[: len(content) // 2] if damage == "truncated" else b"\x00junk" * 200)
    with pytest.raises(ValueError) as excinfo:
        keras_classics.lenet5(variant="modern", weights=str(broken))
    message = str(excinfo.value)
    assert "cannot be read" in message and "corrupt or truncated" in message
    assert str(broken) in message
    assert "do not fit" not in message


def test_an_intact_weights_file_still_loads(saved_lenet):
    for suffix in (".weights.h5", ".keras"):
        keras_classics.lenet5(variant="modern", weights=str(saved_lenet / f"good{suffix}"))


def test_a_folder_as_weights_is_called_a_folder(tmp_path):
    with pytest.raises(ValueError) as excinfo:
        keras_classics.lenet5(weights=str(tmp_path))
    message = str(excinfo.value)
    assert "is a folder" in message and str(tmp_path) in message
    assert ".weights.h5" in message and ".keras" in message
    assert "does not exist" not in message


def test_a_weights_file_of_an_unknown_kind_is_refused(tmp_path):
    path = tmp_path / "weights.npz"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"unknown extension.*\.weights\.h5"):
        keras_classics.lenet5(weights=str(path))


@pytest.mark.parametrize("value", ["False", "yes", None])
def test_include_top_must_be_a_boolean(value):
    with pytest.raises(ValueError, match="include_top must be True or False"):
        keras_classics.lenet5(include_top=value)


def test_a_keras_2_h5_weights_file_loads(saved_lenet):
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    source = keras_classics.lenet5(variant="modern")
    path = saved_lenet / "keras2.h5"
    with h5py.File(path, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, source)
    model = keras_classics.lenet5(variant="modern", weights=str(path))
    x = np.random.default_rng(1).standard_normal((2, 32, 32, 1)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model(x)), keras.ops.convert_to_numpy(source(x)))


def test_a_device_as_weights_is_not_called_missing():
    with pytest.raises(ValueError) as excinfo:
        keras_classics.lenet5(weights=os.devnull)
    assert "not a regular file" in str(excinfo.value)
    assert "does not exist" not in str(excinfo.value)
