"""The lab's small networks, assembled from the package's own blocks.

Each paper tested its idea on a network that fits its budget; the lab does
the same on a laptop CPU. The networks here are small members of the
package's families, built from the blocks the full builders use:

* `alexnet_small`: rows of `keras_classics.models.alexnet` (`Conv`,
  `Norm`, `MaxPool`) through its `features` and `classifier`.
* `vgg_small`: `keras_classics.models.vgg.conv_block` and `vgg_stage`.
* `inception_small`: `keras_classics.models.googlenet.inception_block`
  and `auxiliary_classifier`; `naive_inception_block` is the one block the
  package does not have, Figure 2(a)'s module without 1x1 reductions.
* `plain_deep`: a stack of `vgg.conv_block`.
* `cifar_resnet` from `keras_classics.models.resnet`, unchanged.

Every builder returns an uncompiled functional model whose last layer gives
logits (no softmax). A setting that a block does not take as an argument
(the activation, the weight initialiser) is changed in the model's config
(`with_layer_config`), so the graph stays the one the block built.
"""

from __future__ import annotations

from typing import Callable, Dict, Sequence

import keras

from keras_classics.models import alexnet, googlenet, resnet, vgg
from keras_classics.models._rows import Conv, Norm, Pool

# Table 1's inception rows scaled down four times (rounded), for 32x32
# inputs: the same proportions between branches at a CPU-sized width.
SMALL_INCEPTION_ROWS = {
    "3a": googlenet.InceptionRow(16, 24, 32, 4, 8, 8),  # 64 channels out
    "3b": googlenet.InceptionRow(32, 32, 48, 8, 24, 16),  # 120
    "4a": googlenet.InceptionRow(48, 24, 52, 4, 12, 16),  # 128
    "4b": googlenet.InceptionRow(40, 28, 56, 6, 16, 16),  # 128
}


def _input(input_shape):
    return keras.Input(shape=tuple(input_shape), name="input")


def _logits(x, classes):
    return keras.layers.Dense(classes, name="predictions")(x)


def with_layer_config(model: keras.Model, **changes) -> keras.Model:
    """A fresh copy of ``model`` with ``changes`` applied to every layer
    whose config has those keys, except the output layer ``predictions``.

    ``activation="tanh"`` turns every ReLU of an AlexNet row into tanh;
    ``kernel_initializer="he_normal"`` re-initialises every kernel. The copy
    gets new weights, drawn under the current Keras seed.
    """
    config = model.get_config()
    for layer in config["layers"]:
        if layer["config"].get("name") == "predictions":
            continue
        for key, value in changes.items():
            if key not in layer["config"]:
                continue
            if key == "activation" and layer["config"][key] in ("linear", None):
                continue  # a linear layer stays linear (the BN variant's conv)
            layer["config"][key] = value
    return keras.Model.from_config(config, custom_objects=_custom_objects())


def _custom_objects():
    from keras_classics.layers import GroupedConv2D, LocalResponseNormalization

    return {
        "LocalResponseNormalization": LocalResponseNormalization,
        "GroupedConv2D": GroupedConv2D,
        "ZeroPadShortcut": resnet.ZeroPadShortcut,
    }


# ----------------------------------------------------------------- AlexNet


def alexnet_small(
    input_shape,
    classes,
    *,
    lrn: bool = False,
    pool: int = 3,
    dropout: bool = False,
    activation: str = "relu",
    fc_units: Sequence[int] = (256, 256),
):
    """Three AlexNet convolutions (32 5x5, 64 5x5, 64 3x3), each followed by
    max pooling at stride 2, optionally LRN after the first two (Sec. 3.3),
    then AlexNet's classifier with ``fc_units`` and dropout after each
    hidden layer when asked (Sec. 4.2).

    ``pool=3`` is the paper's overlapping 3x3/2 pooling, ``pool=2`` the
    traditional 2x2/2; both pool with "same" padding so that the maps have
    equal sizes (32, 16, 8, 4), as Sec. 3.4 compares them.
    """
    rows = (
        Conv("conv1", 32, 5, padding="same"),
        Norm("lrn1"),
        Pool("pool1", pool=pool, stride=2, padding="same"),
        Conv("conv2", 64, 5, padding="same"),
        Norm("lrn2"),
        Pool("pool2", pool=pool, stride=2, padding="same"),
        Conv("conv3", 64, 3, padding="same"),
        Pool("pool5", pool=pool, stride=2, padding="same"),
    )
    head = alexnet.Head(
        units=tuple(fc_units),
        dropout_after=tuple(f"fc{6 + i}" for i in range(len(fc_units))) if dropout else (),
    )
    inputs = _input(input_shape)
    x = alexnet.features(inputs, rows, include_lrn=lrn)
    outputs = alexnet.classifier(x, head, classes, None)
    model = keras.Model(inputs, outputs, name="alexnet_small")
    if activation != "relu":
        model = with_layer_config(model, activation=activation)
    return model


# ----------------------------------------------------------------- VGG


def vgg_small(input_shape, classes, *, kernels: Sequence[int] = (3, 3), filters: int = 32, head: str = "gap"):
    """A 3x3 stem convolution to ``filters`` maps, two VGG stages whose
    convolutions all keep ``filters`` channels (so that one 5x5 and two 3x3
    compare at equal width, Sec. 2.3), then the head.

    ``head="gap"``: global average pooling and one fully connected layer
    (GoogLeNet Sec. 5, NiN); ``head="fc"``: flatten, one 256-unit ReLU
    layer and the classifier, AlexNet's style of head.
    """
    inputs = _input(input_shape)
    x = vgg.conv_block(inputs, filters, 3, name="stem_conv", batch_norm=False)
    for index in (1, 2):
        x = vgg.vgg_stage(x, index, filters, tuple(kernels), batch_norm=False)
    if head == "gap":
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        outputs = _logits(x, classes)
    elif head == "fc":
        outputs = alexnet.classifier(x, alexnet.Head(units=(256,), dropout_after=()), classes, None)
    else:
        raise ValueError(f"vgg_small: head must be 'gap' or 'fc', got {head!r}")
    return keras.Model(inputs, outputs, name="vgg_small")


# ----------------------------------------------------------------- GoogLeNet


def naive_inception_block(x, row: googlenet.InceptionRow, name: str):
    """Figure 2(a), the naive module: 1x1, 3x3 and 5x5 convolutions and a
    3x3 max pool side by side on the input, concatenated. Without the 1x1
    reductions the 3x3 and 5x5 see every input channel, and the pooled
    branch passes all of them on, so the width grows block after block."""

    def conv(filters, kernel, suffix):
        return keras.layers.Conv2D(filters, kernel, padding="same", activation="relu", name=f"{name}_{suffix}")

    branches = [
        conv(row.n1x1, 1, "1x1")(x),
        conv(row.n3x3, 3, "3x3")(x),
        conv(row.n5x5, 5, "5x5")(x),
        keras.layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x),
    ]
    return keras.layers.Concatenate(name=f"{name}_concat")(branches)


def inception_small(input_shape, classes, *, reductions: bool = True, aux: bool = False):
    """A 64-map 3x3 stem, max pool, inception 3a and 3b, max pool, inception
    4a and 4b, global average pooling, dropout 0.4 and the classifier: a
    short GoogLeNet with Table 1's rows scaled down four times.

    ``reductions=False`` uses Figure 2(a)'s naive module instead of 2(b).
    ``aux=True`` adds one Sec. 5 auxiliary classifier after inception 3b
    (the full network has two, after 4a and 4d; this one has only four
    modules), as a second output.
    """
    block = googlenet.inception_block if reductions else naive_inception_block
    inputs = _input(input_shape)
    x = vgg.conv_block(inputs, 64, 3, name="conv1", batch_norm=False)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    aux_output = None
    for name in ("3a", "3b"):
        x = block(x, SMALL_INCEPTION_ROWS[name], f"inception{name}")
    if aux:
        aux_output = googlenet.auxiliary_classifier(x, "aux1", classes=classes, classifier_activation=None)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name="pool3")(x)
    for name in ("4a", "4b"):
        x = block(x, SMALL_INCEPTION_ROWS[name], f"inception{name}")
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = keras.layers.Dropout(googlenet.DROPOUT, name="dropout")(x)
    outputs = _logits(x, classes)
    if aux_output is not None:
        outputs = [outputs, aux_output]
    return keras.Model(inputs, outputs, name="inception_small")


# ----------------------------------------------------------------- deep plain


def plain_deep(input_shape, classes, *, depth: int = 30, filters: int = 16, init: str = "glorot", batch_norm=False):
    """``depth`` 3x3 convolutions of ``filters`` maps, each a `vgg.conv_block`
    (conv, then BN with ``batch_norm``, then ReLU), no pooling, global
    average pooling and the classifier: the kind of deep plain stack He et
    al. (2015, Fig. 3) used to show that initialisation decides whether a
    30-layer ReLU network trains.

    ``init``: "glorot" (Keras's default, Glorot & Bengio's uniform) or "he"
    (He et al.'s zero-mean Gaussian of variance 2 / fan_in), applied to every
    kernel, the classifier's included.
    """
    inputs = _input(input_shape)
    x = inputs
    for index in range(1, depth + 1):
        x = vgg.conv_block(x, filters, 3, name=f"conv{index}", batch_norm=batch_norm)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = _logits(x, classes)
    model = keras.Model(inputs, outputs, name=f"plain{depth}")
    initializer = {"glorot": "glorot_uniform", "he": "he_normal"}.get(init)
    if initializer is None:
        raise ValueError(f"plain_deep: init must be 'glorot' or 'he', got {init!r}")
    config = model.get_config()
    for layer in config["layers"]:
        if "kernel_initializer" in layer["config"]:
            layer["config"]["kernel_initializer"] = initializer
    return keras.Model.from_config(config)


def block_outputs(model: keras.Model):
    """The output layer names of `plain_deep`'s blocks, first to last."""
    names = []
    for layer in model.layers:
        if layer.name.endswith("_relu") or (
            isinstance(layer, keras.layers.Conv2D) and layer.get_config().get("activation") == "relu"
        ):
            names.append(layer.name)
    return names


# ----------------------------------------------------------------- ResNet


def resnet_cifar(input_shape, classes, *, depth: int = 20, residual: bool = True):
    """`keras_classics.models.resnet.cifar_resnet` as it is (Sec. 4.2), with
    logits out."""
    return resnet.cifar_resnet(
        depth=depth,
        residual=residual,
        input_shape=tuple(input_shape),
        classes=classes,
        classifier_activation=None,
    )


NETWORKS: Dict[str, Callable[..., keras.Model]] = {
    "alexnet_small": alexnet_small,
    "vgg_small": vgg_small,
    "inception_small": inception_small,
    "plain_deep": plain_deep,
    "resnet_cifar": resnet_cifar,
}


def build(network: str, input_shape, classes: int, options: dict) -> keras.Model:
    """The named lab network with the arm's options."""
    if network not in NETWORKS:
        raise ValueError(f"unknown lab network {network!r}; known: {', '.join(NETWORKS)}")
    return NETWORKS[network](input_shape, classes, **options)
