"""keras.applications' models saved in Keras 3's own formats, converted.

Anyone fine-tuning keras.applications' ResNet50 today saves it with
``save_weights("x.weights.h5")`` or ``save("x.keras")``. Such a file used to
be refused with "it loads directly with model.load_weights()", which is
false for the ResNets: their 53 convolutions carry biases that ours fold
into batch norm. Both formats now convert like the legacy ``.h5``, and the
converted weights give keras.applications' own logits: the models are built
with ``weights=None`` and random values everywhere (biases, batch norm's
scale, shift and moving statistics far from their defaults, so that folding
and the epsilon matter), within 1e-4 of the logits' scale. Where direct
loading does work (VGG: the same layers in the same order), the command
says so, and that is checked too.

Each large model is built once (module fixtures), at 32 or 64 pixels.
"""

from __future__ import annotations

import gc

import keras
import numpy as np
import pytest
from _real_cli import one_line_error, run
from test_convert_keras import TOLERANCE, randomize

import keras_classics
from keras_classics import convert


class Source:
    """keras.applications' model saved both ways, and its logits on a batch."""

    def __init__(self, folder, builder: str, side: int, include_top: bool, classes: int = 1000):
        keras.utils.set_random_seed(side + len(builder))
        theirs = getattr(keras.applications, builder)(
            weights=None,
            include_top=include_top,
            input_shape=(side, side, 3),
            classes=classes,
            classifier_activation=None,
        )
        randomize(theirs, seed=len(builder))
        self.weights_h5 = folder / f"{builder}.weights.h5"
        self.keras_file = folder / f"{builder}.keras"
        theirs.save_weights(self.weights_h5)
        theirs.save(self.keras_file)
        self.images = np.random.default_rng(5).uniform(-100, 100, (2, side, side, 3)).astype("float32")
        self.logits = keras.ops.convert_to_numpy(theirs(self.images, training=False))
        self.side, self.include_top, self.classes = side, include_top, classes
        del theirs
        keras.backend.clear_session()
        gc.collect()

    def kwargs(self) -> dict:
        kwargs = {"input_shape": (self.side, self.side, 3), "include_top": self.include_top}
        return kwargs | ({"classes": self.classes, "classifier_activation": None} if self.include_top else {})

    def assert_same_logits(self, model, label: str) -> None:
        got = keras.ops.convert_to_numpy(model(self.images, training=False))
        diff, scale = float(np.abs(got - self.logits).max()), float(np.abs(self.logits).max())
        print(f"{label}: max abs diff {diff:.3g}, logits' scale {scale:.3g}")
        assert diff <= TOLERANCE * scale


@pytest.fixture(scope="module")
def resnet50(tmp_path_factory):
    return Source(tmp_path_factory.mktemp("resnet50"), "ResNet50", 64, include_top=True, classes=10)


@pytest.fixture(scope="module")
def vgg16(tmp_path_factory):
    # 64 pixels leave a 2x2 map before the flatten: fc1's row order matters.
    return Source(tmp_path_factory.mktemp("vgg16"), "VGG16", 64, include_top=True, classes=7)


def test_resnet50_weights_h5_converts_through_the_command(resnet50, tmp_path):
    output = tmp_path / "resnet50.weights.h5"
    done = run(["convert", str(resnet50.weights_h5), "-o", str(output)])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "keras.applications ResNet50 -> resnet50 (" in done.stdout
    # The converted file loads in this process through the documented call.
    model = convert.load_converted(output, input_shape=(64, 64, 3), classifier_activation=None)
    resnet50.assert_same_logits(model, "ResNet50 .weights.h5")
    assert convert.conversion_info(output)["preprocessing"]["convention"] == "caffe"


@pytest.mark.filterwarnings("ignore:Skipping nested container:UserWarning")
def test_resnet50_does_not_load_directly(resnet50):
    """What the old message claimed: 53 biased convolutions do not load."""
    with pytest.raises(ValueError, match=r"53 objects could not be loaded"):
        keras_classics.resnet50(weights=str(resnet50.weights_h5), **resnet50.kwargs())


def test_resnet50_keras_file_converts(resnet50):
    model = keras_classics.build("resnet50", **resnet50.kwargs())
    converted = convert.from_keras_applications(resnet50.keras_file, model=model)
    assert converted.model_name == "resnet50" and converted.builder_kwargs == {"classes": 10}
    resnet50.assert_same_logits(model, "ResNet50 .keras")


def test_vgg16_converts_and_is_said_to_load_directly(vgg16, tmp_path):
    output = tmp_path / "vgg16.weights.h5"
    done = run(["convert", str(vgg16.weights_h5), "-o", str(output)])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "keras.applications VGG16 -> vgg16 (" in done.stdout
    assert (
        "note: this file of keras.applications' VGG16 also loads directly into keras_classics' vgg16, whose "
        "layers are the same in the same order: keras_classics.vgg16(classes=7, input_shape=(64, 64, 3), "
        "weights=FILE)" in done.stdout
    )
    vgg16.assert_same_logits(convert.load_converted(output, classifier_activation=None), "VGG16 converted")
    # The note is true: the source file itself loads into our builder.
    direct = keras_classics.vgg16(
        classes=7, input_shape=(64, 64, 3), classifier_activation=None, weights=str(vgg16.weights_h5)
    )
    vgg16.assert_same_logits(direct, "VGG16 loaded directly")


def test_vgg16_keras_file_converts(vgg16):
    model = keras_classics.build("vgg16", **vgg16.kwargs())
    convert.from_keras_applications(vgg16.keras_file, model=model)
    vgg16.assert_same_logits(model, "VGG16 .keras")


def test_a_keras3_file_of_another_network_is_refused_with_a_true_hint(tmp_path):
    """Our own resnet50's weights: convolutions without biases. The message
    says a keras_classics model's file loads with its builder; it does."""
    keras.utils.set_random_seed(0)
    ours = keras_classics.resnet50(input_shape=(32, 32, 3), classes=3, classifier_activation=None)
    path = tmp_path / "ours.weights.h5"
    ours.save_weights(path)
    done = run(["convert", str(path), "-o", str(tmp_path / "out.weights.h5")])
    message = one_line_error(done, "convert")
    assert "53 conv2d, 53 batch_normalization, 1 dense, convolutions without biases" in message
    assert "keras_classics.build(NAME, weights=FILE)" in message
    images = np.random.default_rng(0).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    again = keras_classics.build(
        "resnet50", input_shape=(32, 32, 3), classes=3, classifier_activation=None, weights=str(path)
    )
    np.testing.assert_array_equal(again(images), ours(images))


@pytest.mark.slow
@pytest.mark.parametrize(
    "builder, ours",
    [("VGG19", "vgg19"), ("ResNet101", "resnet101"), ("ResNet152", "resnet152"), ("ResNet50", "resnet50")],
)
def test_every_network_converts_from_both_formats(builder, ours, tmp_path):
    # VGG19 with its classifier at 32 pixels (a 1x1 map), the ResNets without
    # it (the _notop form) at 32.
    top = builder.startswith("VGG")
    source = Source(tmp_path, builder, 32, include_top=top, classes=5)
    for path in (source.weights_h5, source.keras_file):
        model = keras_classics.build(ours, **source.kwargs())
        converted = convert.from_keras_applications(path, model=model)
        assert converted.model_name == ours and converted.source["network"] == builder
        source.assert_same_logits(model, f"{builder} {path.name}")
        del model
        keras.backend.clear_session()
        gc.collect()
