"""The default layer of Grad-CAM, top patches, the deconvnet and guided
backpropagation: the last spatial block output, read from the graph.

The expected layer of each family comes from its paper's architecture
(how many residual blocks or inception modules, how many maps the last
convolution has), checked through graph properties of the chosen layer:
what kind of layer it is, what feeds it, what it feeds. Models are built,
never trained; only the small ones are run.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_classics
from keras_classics import visualize as vis
from keras_classics.graph import inbound_layer_names


def _kind(model, name):
    return type(model.get_layer(name)).__name__


def _feeds(model, name):
    """Names of the layers that read ``name``'s output."""
    return [layer.name for layer in model.layers if name in inbound_layer_names(layer, model)]


def _before(model, name, kind):
    """How many layers of ``kind`` come before ``name`` in the model (and it)."""
    names = [layer.name for layer in model.layers]
    return sum(1 for other in names[: names.index(name) + 1] if _kind(model, other) == kind)


@pytest.fixture(scope="module")
def resnet18():
    return keras_classics.build("resnet18", input_shape=(64, 64, 3), classes=4)


@pytest.fixture(scope="module")
def googlenet():
    return keras_classics.build("googlenet_aux", input_shape=(96, 96, 3), classes=4)


def test_resnet18_defaults_to_the_relu_after_its_last_addition(resnet18):
    """He et al., Table 1: ResNet-18 has 2+2+2+2 = 8 basic blocks, each
    ending in an addition followed by a ReLU (Fig. 2)."""
    layer = vis.default_layer(resnet18)
    assert _kind(resnet18, layer) == "Activation"
    assert resnet18.get_layer(layer).get_config()["activation"] == "relu"
    (added,) = inbound_layer_names(resnet18.get_layer(layer), resnet18)
    assert _kind(resnet18, added) == "Add"
    assert _before(resnet18, added, "Add") == 8
    assert sum(1 for l in resnet18.layers if type(l).__name__ == "Add") == 8
    # It feeds the global average pooling of the classifier: nothing spatial follows.
    assert [_kind(resnet18, n) for n in _feeds(resnet18, layer)] == ["GlobalAveragePooling2D"]
    assert resnet18.get_layer(layer).output.shape[-1] == 512  # conv5_x: 512 maps
    assert vis.default_cam_layer(resnet18) == layer


def test_resnet20_defaults_to_its_ninth_block_output():
    """He et al., Sec. 4.2: the CIFAR ResNet of depth 6n+2 has 3n basic
    blocks; n = 3 for ResNet-20, the last stage with 64 maps."""
    model = keras_classics.build("resnet20", input_shape=(16, 16, 3), classes=4)
    layer = vis.default_layer(model)
    (added,) = inbound_layer_names(model.get_layer(layer), model)
    assert _kind(model, added) == "Add" and _before(model, added, "Add") == 9
    assert model.get_layer(layer).output.shape[-1] == 64
    assert [_kind(model, n) for n in _feeds(model, layer)] == ["GlobalAveragePooling2D"]


def test_googlenet_defaults_to_inception_5b_concatenation(googlenet):
    """Szegedy et al., Table 1: nine inception modules (3a, 3b, 4a-4e,
    5a, 5b), the last one of 1,024 maps from four branches."""
    layer = vis.default_layer(googlenet)
    assert _kind(googlenet, layer) == "Concatenate"
    assert len(inbound_layer_names(googlenet.get_layer(layer), googlenet)) == 4
    assert _before(googlenet, layer, "Concatenate") == 9
    assert googlenet.get_layer(layer).output.shape[-1] == 1024


def test_chains_default_to_their_last_convolution_with_a_map():
    """LeNet-5: C3 has 16 maps (C5 is 1x1, so it cannot say where);
    AlexNet: the fifth convolution, 256 maps of 13x13 at 227x227; VGG-11
    (configuration A): eight convolutions, the last of 512 maps."""
    lenet = keras_classics.build("lenet5_modern")
    layer = vis.default_layer(lenet)
    assert _kind(lenet, layer) == "Conv2D" and _before(lenet, layer, "Conv2D") == 2
    assert tuple(lenet.get_layer(layer).output.shape[1:]) == (10, 10, 16)
    paper_lenet = keras_classics.build("lenet5")
    assert tuple(paper_lenet.get_layer(vis.default_layer(paper_lenet)).output.shape[1:]) == (10, 10, 16)

    alexnet = keras_classics.build("alexnet")  # built, never run
    layer = vis.default_layer(alexnet)
    assert "Conv2D" in _kind(alexnet, layer)
    assert (
        sum(
            1
            for l in alexnet.layers[: alexnet.layers.index(alexnet.get_layer(layer)) + 1]
            if "Conv2D" in type(l).__name__
        )
        == 5
    )
    assert tuple(alexnet.get_layer(layer).output.shape[1:]) == (13, 13, 256)

    vgg = keras_classics.build("vgg11", input_shape=(32, 32, 3), classes=4)
    layer = vis.default_layer(vgg)
    assert _kind(vgg, layer) == "Conv2D" and _before(vgg, layer, "Conv2D") == 8
    assert vgg.get_layer(layer).output.shape[-1] == 512
    vgg_bn = keras_classics.build("vgg11_bn", input_shape=(32, 32, 3), classes=4)
    layer = vis.default_layer(vgg_bn)  # conv, batch norm, ReLU: the ReLU
    assert _kind(vgg_bn, layer) == "Activation"
    assert _kind(vgg_bn, inbound_layer_names(vgg_bn.get_layer(layer), vgg_bn)[0]) == "BatchNormalization"
    assert _before(vgg_bn, layer, "Conv2D") == 8


def _anonymous_residual(sequential_head=False):
    """A residual block whose layers have meaningless names, so that only
    the graph can tell the block output from a branch."""
    inputs = keras.Input((8, 8, 3), name="i")
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="zz1")(inputs)
    y = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="a1")(x)
    y = keras.layers.Conv2D(4, 3, padding="same", name="q7")(y)
    x = keras.layers.Add(name="m")([x, y])
    x = keras.layers.ReLU(name="b")(x)
    branch = keras.layers.Conv2D(2, 1, name="last_conv")(x)  # the last convolution: inside a branch
    other = keras.layers.MaxPooling2D(3, strides=1, padding="same", name="p")(x)
    x = keras.layers.Concatenate(name="k")([branch, other])
    x = keras.layers.GlobalAveragePooling2D(name="g")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="d")(x)
    return keras.Model(inputs, outputs)


def test_the_default_is_read_from_the_graph_not_the_names():
    model = _anonymous_residual()
    assert vis.block_outputs(model) == ["zz1", "m", "b", "k", "g", "d"]
    assert vis.default_layer(model) == "k"
    image = np.random.default_rng(0).uniform(size=(8, 8, 3)).astype("float32")
    assert vis.deconvnet(model, image).layer == "k"
    assert vis.guided_backprop(model, image).layer == "k"
    assert vis.top_patches(model, image[None], k=1)[0].layer == "k"


def test_every_method_uses_the_default_on_resnet18(resnet18):
    image = np.random.default_rng(1).uniform(size=(64, 64, 3)).astype("float32")
    expected = vis.default_layer(resnet18)
    assert vis.deconvnet(resnet18, image).layer == expected
    assert vis.guided_backprop(resnet18, image).layer == expected
    assert vis.top_patches(resnet18, image[None], k=1)[0].layer == expected
    assert vis.grad_cam(resnet18, image).shape == tuple(resnet18.get_layer(expected).output.shape[1:3])


def test_a_model_without_a_map_says_so():
    inputs = keras.Input((6,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(vis.VisualizeError, match="has no spatial layer"):
        vis.default_layer(model)
