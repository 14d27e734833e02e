"""The figures of `keras_classics.visualize.figures`: degenerate results
said in words, padding marked, colour bars, readable fonts and ticks.

Each model here is tiny with hand-set weights, so which result is
degenerate (a dead channel, a zero map, a saturated soft-max) is known
before the method runs.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from matplotlib.text import Text

from keras_classics import visualize as vis
from keras_classics.visualize import figures


def _texts(figure):
    figure.draw_without_rendering()
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _all_text(figure) -> str:
    """Every visible text, line breaks (the figures wrap their notes) as spaces."""
    return " ".join(" ".join(t.get_text().split()) for t in _texts(figure))


def _images(figure):
    return [image for axis in figure.axes for image in axis.images]


def _fonts_readable(figure):
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(figure) if t.get_fontsize() < 9]
    assert not small, f"text below 9 pt: {small[:5]}"


@pytest.fixture(scope="module")
def three_channels():
    """A 1x1 convolution to three channels with ReLU: channel 0 is dead
    (weight 0, bias -1), channel 1 is the pixel, channel 2 is 3x the
    pixel; then a classifier."""
    inputs = keras.Input((6, 6, 1))
    x = keras.layers.Conv2D(3, 1, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("conv").set_weights([np.array([[[[0.0, 1.0, 3.0]]]]), np.array([-1.0, 0.0, 0.0])])
    model.get_layer("predictions").set_weights([np.array([[1.0, -1.0]] * 3), np.zeros(2)])
    return model


def _images_with_dots():
    images = np.zeros((4, 6, 6, 1), "float32")
    for n, value in enumerate([0.2, 0.9, 0.5, 0.7]):
        images[n, 2, 3] = value
    return images


def test_top_patches_default_to_the_strongest_channel_not_channel_0(three_channels):
    patches = vis.top_patches(three_channels, _images_with_dots(), "conv", k=3)
    # Channel 2 is 3x the pixel, the largest over the data: 3 * 0.9.
    assert {p.channel for p in patches} == {2}
    assert patches[0].value == pytest.approx(2.7)
    assert [p.image_index for p in patches] == [1, 3, 2]


def test_a_dead_channel_is_said_in_words(three_channels):
    patches = vis.top_patches(three_channels, _images_with_dots(), "conv", channel=0, k=3)
    assert all(p.value == 0 for p in patches)
    figure = figures.top_patches_figure(patches, "conv", 0)
    assert "never positive" in _all_text(figure)
    assert _images(figure) == []  # no blank crops
    _fonts_readable(figure)


def test_a_zero_grad_cam_and_an_unchanging_occlusion_are_said_in_words(three_channels):
    image = _images_with_dots()[1]
    # Class 1's weights are negative on every channel: no positive evidence.
    cam = vis.grad_cam(three_channels, image, "conv", class_index=1)
    assert not np.any(cam)
    figure = figures.heatmap_figure(
        image, cam, "m: Grad-CAM", "Grad-CAM", vis.map_geometry(three_channels, "conv"), floor=0.0, empty="no evidence"
    )
    assert "no evidence" in _all_text(figure)
    # A saturated soft-max: the probability is 1.0 in float32 whatever is occluded.
    inputs = keras.Input((4, 4, 1))
    flat = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(2, activation="softmax", name="predictions")(
        keras.layers.Dense(1, name="bias_only")(flat)
    )
    saturated = keras.Model(inputs, outputs)
    saturated.get_layer("bias_only").set_weights([np.zeros((16, 1)), np.array([1.0])])
    saturated.get_layer("predictions").set_weights([np.array([[500.0, -500.0]]), np.zeros(2)])
    picture = np.random.default_rng(0).uniform(size=(4, 4, 1)).astype("float32")
    result = vis.occlusion_sensitivity(saturated, picture, size=2, stride=2)
    assert result.baseline == 1.0 and not np.any(result.drop)
    figure = figures.occlusion_figure(picture, result, "m: occlusion")
    text = _all_text(figure)
    assert "changes nothing" in text and "saturated" in text
    _fonts_readable(figure)


def test_padding_in_a_top_patch_is_marked():
    """A 3x3 'same' convolution on 4x4: unit (0, 0) sees rows and columns
    -1 to 1, one row and column of padding."""
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same", name="c")(inputs))
    tap = np.zeros((3, 3, 1, 1), "float32")
    tap[1, 1] = 1.0
    model.get_layer("c").set_weights([tap, np.zeros(1)])
    images = np.zeros((1, 4, 4, 1), "float32")
    images[0, 0, 0] = 1.0  # the brightest unit is (0, 0)
    (patch,) = vis.top_patches(model, images, "c", 0, k=1)
    assert patch.box == (-1, -1, 2, 2)
    figure = figures.top_patches_figure([patch], "c", 0, image_shape=(4, 4))
    shown = np.asarray(_images(figure)[0].get_array())
    np.testing.assert_allclose(shown[0, :], [figures.PADDING_COLOUR] * 3)
    np.testing.assert_allclose(shown[:, 0], [figures.PADDING_COLOUR] * 3)
    np.testing.assert_allclose(shown[1, 1], [1.0, 1.0, 1.0])  # the lit pixel, inside the image
    assert "padding" in _all_text(figure)


def test_deconvnet_figure_has_a_colour_bar_and_saliency_no_exponent():
    rng = np.random.default_rng(1)
    image = rng.uniform(size=(8, 8, 3))
    projection = vis.Projection(rng.normal(size=(8, 8, 3)), "conv", 1, 2, 3, 0.5, (0, 1, 5, 6))
    figure = figures.projection_figure(image, [projection], ["deconvnet"], title="m")
    assert len(figure.axes) == 3  # input, projection, colour bar
    assert "grey = 0" in _all_text(figure)
    _fonts_readable(figure)
    tiny = rng.normal(scale=1e-4, size=(8, 8, 3))
    figure = figures.saliency_figure(image, tiny, "m: saliency of class 3 (cat)")
    bar = figure.axes[-1]
    figure.draw_without_rendering()
    assert bar.yaxis.get_offset_text().get_text() == ""
    assert any("e-0" in label.get_text() or "0.000" in label.get_text() for label in bar.get_yticklabels())
    _fonts_readable(figure)


def test_the_norm_chart_of_a_wide_layer_stays_readable():
    norms = np.random.default_rng(2).uniform(size=384)
    figure = figures.norms_figure(norms, "inception4e_5x5", title="googlenet")
    width, height = figure.get_size_inches() * 110
    assert width <= 1000 and height >= 250
    figure.draw_without_rendering()
    ticks = figure.axes[0].get_xticks()
    assert np.all(ticks == np.round(ticks))
    small = figures.norms_figure(norms[:10], "c3")
    small.draw_without_rendering()
    ticks = [t for t in small.axes[0].get_xticks() if -0.5 <= t <= 9.5]
    assert ticks and np.all(np.asarray(ticks) == np.round(ticks))  # no 2.5 or 7.5
    _fonts_readable(figure)
    _fonts_readable(small)


def test_figures_leave_matplotlib_alone():
    import matplotlib

    backend = matplotlib.get_backend()
    figure = figures.filters_figure(np.full((6, 5, 5, 1), 0.5), "lenet: c1")
    _fonts_readable(figure)
    assert matplotlib.get_backend() == backend
    import sys

    if "matplotlib.pyplot" in sys.modules:
        assert not sys.modules["matplotlib.pyplot"].get_fignums()
