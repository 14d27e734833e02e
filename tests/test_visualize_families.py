"""Every visualisation method on one model of each family, at a small input.

Untrained weights, so the checks are the properties that hold for any
weights: shapes, ranges, a deconvnet projection that stays inside the
receptive field the anatomy reports for its unit, a Grad-CAM that is never
negative, occlusion probabilities that are probabilities. Each model is
built once per module.
"""

from __future__ import annotations

import numpy as np
import pytest

import keras_classics
from keras_classics import visualize as vis
from keras_classics.visualize import VisualizeError

# (registered name, input side): one per family, small enough for 2 cores.
# alexnet_two_tower brings GroupedConv2D and LRN, googlenet_aux the
# auxiliary outputs and concatenations, resnet18 batch norm and additions.
FAMILIES = [
    ("lenet5_modern", 32),
    ("alexnet_two_tower", 67),
    ("zfnet", 67),
    ("vgg11", 32),
    ("googlenet_aux", 96),
    ("resnet18", 64),
]
CLASSES = 4


@pytest.fixture(scope="module", params=FAMILIES, ids=[name for name, _ in FAMILIES])
def case(request):
    name, side = request.param
    channels = keras_classics.get_entry(name).input_shape[-1]
    keras_classics_model = keras_classics.build(name, input_shape=(side, side, channels), classes=CLASSES)
    rng = np.random.default_rng(7)
    images = rng.uniform(0, 1, (3, side, side, channels)).astype("float32")
    return keras_classics_model, images


def _busiest_channel(model, image, layer):
    maps = vis.feature_maps(model, image, layer)
    return int(np.argmax(maps.reshape(-1, maps.shape[-1]).max(axis=0)))


def test_filters(case):
    model, images = case
    tiles = vis.filter_tiles(model)
    first = model.get_layer(vis.first_conv_layer(model))
    assert tiles.shape[0] == first.output.shape[-1]
    assert tiles.shape[-1] == images.shape[-1]
    assert tiles.min() >= 0.0 and tiles.max() <= 1.0
    last = vis.conv_layer_names(model)[-1]
    norms = vis.filter_norms(model, last)
    assert norms.shape == (model.get_layer(last).output.shape[-1],) and np.all(norms > 0)


def test_feature_maps_and_top_patches(case):
    model, images = case
    layer = vis.conv_layer_names(model)[len(vis.conv_layer_names(model)) // 2]
    maps = vis.feature_maps(model, images[0], layer)
    assert maps.shape == tuple(model.get_layer(layer).output.shape[1:])
    from keras_classics.anatomy import anatomy

    size = anatomy(model).row(layer).receptive_field.size
    patches = vis.top_patches(model, images, layer, _busiest_channel(model, images[0], layer), k=2)
    assert len(patches) == 2 and patches[0].value >= patches[1].value
    for patch in patches:
        assert patch.crop.shape == (size, size, images.shape[-1])


def test_deconvnet_and_guided_backprop_stay_in_the_receptive_field(case):
    model, images = case
    layer = vis.default_cam_layer(model)
    channel = _busiest_channel(model, images[0], layer)
    for method in (vis.deconvnet, vis.guided_backprop):
        projection = method(model, images[0], layer, channel)
        assert projection.pixels.shape == images[0].shape
        assert np.any(projection.pixels != 0)
        top, left, bottom, right = vis.receptive_box(model, layer, projection.row, projection.col)
        outside = np.ones(images.shape[1:3], bool)
        outside[max(top, 0) : max(bottom, 0), max(left, 0) : max(right, 0)] = False
        assert np.all(projection.pixels[outside] == 0)


def test_occlusion_saliency_and_grad_cam(case):
    model, images = case
    side = images.shape[1]
    stride = side // 4
    result = vis.occlusion_sensitivity(model, images[0], stride=stride, size=stride)
    # One square per stride block, the last one clipped: ceil(side / stride).
    positions = -(-side // stride)
    assert result.probability.shape == (positions, positions)
    assert np.all((result.probability >= 0) & (result.probability <= 1))
    gradient = vis.saliency(model, images[0])
    assert gradient.shape == images[0].shape and np.all(np.isfinite(gradient)) and np.any(gradient != 0)
    layer = vis.default_cam_layer(model)
    cam = vis.grad_cam(model, images[0], layer)
    assert cam.shape == tuple(model.get_layer(layer).output.shape[1:3])
    assert np.all(cam >= 0)


def test_lenet5_paper_variant_refuses_the_deconvnet_and_says_why():
    model = keras_classics.build("lenet5")
    image = np.zeros((32, 32, 1), "float32")
    with pytest.raises(VisualizeError, match=r"cannot pass layer 'c1': its activation is scaled_tanh"):
        vis.deconvnet(model, image, "c3", 0)
    # The gradient methods need no inverse: they work on the paper's variant.
    assert vis.saliency(model, image).shape == (32, 32, 1)
