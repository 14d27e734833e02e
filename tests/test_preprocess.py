"""`keras_classics.preprocess`: images made into a model's input as in
training, so that Grad-CAM from Python needs nothing private."""

from __future__ import annotations

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import keras_classics as kc  # noqa: E402
from keras_classics.convert import KERAS_CAFFE  # noqa: E402
from keras_classics.preprocessing import PreprocessError  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A LeNet-5 run folder on the digits, trained a few steps."""
    from keras_classics.training import train

    folder = tmp_path_factory.mktemp("preprocess") / "lenet5"
    train(model="lenet5", epochs=1, steps_per_epoch=3, run_dir=str(folder), verbose=0)
    return str(folder)


@pytest.fixture(scope="module")
def digits():
    from keras_classics.training.data import load_digits

    return load_digits()


def test_lenet_run_gives_the_paper_s_background_and_ink(run):
    # LeCun et al. 1998, Sec. II.A: background -0.1, foreground 1.175, on a
    # 32x32 field; an 8x8 blank and an 8x8 all-ink image stay uniform.
    blank, ink = np.zeros((8, 8), np.uint8), np.full((8, 8, 1), 255, np.uint8)
    x = kc.preprocess([blank, ink], run)
    assert x.shape == (2, 32, 32, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], -0.1, atol=1e-6)
    np.testing.assert_allclose(x[1], 1.175, atol=1e-6)


def test_a_run_s_test_images_score_what_the_run_recorded(run, digits):
    # The run's results.json holds its test accuracy with best.keras; the
    # test split made by preprocess must score the same.
    model = kc.load_model(f"{run}/best.keras")
    x = kc.preprocess(list(digits.test.items), run)
    accuracy = float(np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == np.asarray(digits.test.labels)))
    with open(f"{run}/results.json", encoding="utf-8") as handle:
        recorded = json.load(handle)["test"]["accuracy"]
    assert accuracy == pytest.approx(recorded, abs=0.5 / len(digits.test))


def test_a_keras_file_in_a_run_folder_is_the_run(run, digits):
    image = np.asarray(digits.test.items[0])
    np.testing.assert_array_equal(kc.preprocess(image, f"{run}/best.keras"), kc.preprocess(image, run))


def test_grad_cam_from_python_with_nothing_private(run, digits):
    from keras_classics.visualize import grad_cam

    model = kc.load_model(f"{run}/best.keras")
    cam = grad_cam(model, kc.preprocess(digits.test.items[0], run))
    # The default layer is the last convolution with more than one position:
    # C3, 10x10 on LeNet-5's 32x32 input (conv 5 -> 28, pool 2 -> 14, conv 5 -> 10).
    assert cam.shape == (10, 10) and np.all(cam >= 0)


def test_a_model_alone_gets_unit_pixels_at_its_size_and_channels():
    model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(2, 3)])
    grey = np.full((16, 16), 51, np.uint8)
    x, shown = kc.preprocess(grey, model, display=True)
    assert x.shape == (1, 16, 16, 3)
    np.testing.assert_allclose(x, 51 / 255, atol=1e-6)
    assert shown.dtype == np.uint8 and shown.shape == (1, 16, 16, 3)
    # Colour to grey for a one-channel model: ITU-R 601 luma of pure red is 0.299 * 255.
    grey_model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(2, 3)])
    red = np.zeros((16, 16, 3), np.uint8)
    red[..., 0] = 255
    np.testing.assert_allclose(kc.preprocess(red, grey_model), round(0.299 * 255) / 255, atol=1e-6)


def test_a_converted_convention_is_the_source_s():
    # keras.applications' "caffe" mode: RGB -> BGR, minus the BGR ImageNet mean.
    image = np.zeros((224, 224, 3), np.uint8)
    image[...] = (10, 20, 30)
    x = kc.preprocess(image, KERAS_CAFFE)
    np.testing.assert_allclose(x[0, 0, 0], [30 - 103.939, 20 - 116.779, 10 - 123.68], rtol=1e-6)


def test_image_files_are_read(tmp_path, run):
    from PIL import Image

    path = tmp_path / "white.png"
    Image.fromarray(np.full((20, 30, 3), 255, np.uint8)).save(path)
    np.testing.assert_allclose(kc.preprocess(str(path), run), 1.175, atol=1e-6)


def test_bad_input_says_what_would_be_right(tmp_path, run):
    with pytest.raises(PreprocessError, match="does not exist; give a run folder"):
        kc.preprocess(np.zeros((8, 8)), str(tmp_path / "nowhere"))
    with pytest.raises(PreprocessError, match="folder without config.json"):
        kc.preprocess(np.zeros((8, 8)), str(tmp_path))
    with pytest.raises(PreprocessError, match="got int"):
        kc.preprocess(np.zeros((8, 8)), 3)
    with pytest.raises(PreprocessError, match=r"add the channel axis: images\[..., None\]"):
        kc.preprocess(np.zeros((5, 8, 8)), run)
    with pytest.raises(PreprocessError, match="values from -1 to 300; give pixels 0 to 255"):
        kc.preprocess(np.array([[-1.0, 300.0]]), run)
    plain = tmp_path / "plain.weights.h5"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save_weights(plain)
    with pytest.raises(PreprocessError, match="was not written by keras-classics convert"):
        kc.preprocess(np.zeros((8, 8)), str(plain))
    with pytest.warns(UserWarning, match=r"all lie in \[0, 1\]"):
        kc.preprocess(np.full((8, 8), 0.5), run)
