"""GoogLeNet (Inception v1): Szegedy et al., "Going Deeper with Convolutions".

The network is Table 1 of the paper, read row by row, with the padding words
of Figure 3 ("(S)" same, "(V)" valid), the two local response normalisations
that Figure 3 draws and Table 1 leaves out, and the auxiliary classifiers of
Section 5.

Registered variants:

* ``googlenet``: the inference network of Table 1, one output.
* ``googlenet_aux``: the training network of Figure 3, three outputs in the
  order ``[predictions, aux1_predictions, aux2_predictions]`` (main head,
  head after inception 4a, head after inception 4d). The paper weights the
  auxiliary losses by 0.3 (Section 5); `AUX_LOSS_WEIGHT` and
  `AUX_OUTPUT_NAMES` hold that for training code.
"""

from __future__ import annotations

from typing import NamedTuple, Union

import keras

from keras_classics.models import _common
from keras_classics.models._rows import Conv, Norm, Pool, apply_row, min_input_size
from keras_classics.registry import Family

__all__ = ["googlenet"]

PAPER = (
    "C. Szegedy, W. Liu, Y. Jia, P. Sermanet, S. Reed, D. Anguelov, D. Erhan, V. Vanhoucke, "
    "A. Rabinovich. Going Deeper with Convolutions. CVPR 2015 (arXiv:1409.4842)."
)


class InceptionRow(NamedTuple):
    """One inception module: the six width columns of Table 1."""

    n1x1: int
    n3x3_reduce: int
    n3x3: int
    n5x5_reduce: int
    n5x5: int
    pool_proj: int

    @property
    def out_channels(self) -> int:
        """Channels of the depth concatenation: the four branches' widths."""
        return self.n1x1 + self.n3x3 + self.n5x5 + self.pool_proj


class Inception(NamedTuple):
    name: str  # Table 1's "inception (3a)" is "3a", a key of INCEPTION_ROWS


class AuxHead(NamedTuple):
    pool: int
    stride: int
    filters: int
    units: int
    dropout: float


# Table 1, the inception rows:      #1x1 #3x3red #3x3 #5x5red #5x5 poolproj    output
INCEPTION_ROWS = {
    "3a": InceptionRow(64, 96, 128, 16, 32, 32),  # 28x28x256
    "3b": InceptionRow(128, 128, 192, 32, 96, 64),  # 28x28x480
    "4a": InceptionRow(192, 96, 208, 16, 48, 64),  # 14x14x512
    "4b": InceptionRow(160, 112, 224, 24, 64, 64),  # 14x14x512
    "4c": InceptionRow(128, 128, 256, 24, 64, 64),  # 14x14x512
    "4d": InceptionRow(112, 144, 288, 32, 64, 64),  # 14x14x528
    "4e": InceptionRow(256, 160, 320, 32, 128, 128),  # 14x14x832
    "5a": InceptionRow(256, 160, 320, 32, 128, 128),  # 7x7x832
    "5b": InceptionRow(384, 192, 384, 48, 128, 128),  # 7x7x1024
}

# The paper gives no LRN constants. These are BVLC Caffe's GoogLeNet
# (local_size 5, alpha 1e-4, beta 0.75, default k 1), whose alpha is
# divided by the window size: 1e-4 / 5 in this package's plain-sum convention.
LRN_CAFFE = dict(size=5, alpha=1e-4, beta=0.75, bias=1.0)

# Table 1 top to bottom (sizes at 224x224), with Figure 3's two LRNs and
# paddings. Table 1's "convolution 3x3/1, depth 2, #3x3 reduce 64" is the
# pair conv2_reduce, conv2.
LAYOUT: tuple[Union[Conv, Pool, Norm, Inception], ...] = (
    Conv("conv1", 64, 7, 2, "same"),  # 112x112x64
    Pool("pool1", 3, 2, "same"),  # 56x56x64; Figure 3: "MaxPool 3x3+2(S)"
    Norm("lrn1", **LRN_CAFFE, averaged_alpha=True),
    Conv("conv2_reduce", 64, 1, 1, "valid"),  # Figure 3: "Conv 1x1+1(V)"
    Conv("conv2", 192, 3, 1, "same"),  # 56x56x192
    Norm("lrn2", **LRN_CAFFE, averaged_alpha=True),
    Pool("pool2", 3, 2, "same"),  # 28x28x192
    Inception("3a"),
    Inception("3b"),
    Pool("pool3", 3, 2, "same"),  # 14x14x480
    Inception("4a"),
    Inception("4b"),
    Inception("4c"),
    Inception("4d"),
    Inception("4e"),
    Pool("pool4", 3, 2, "same"),  # 7x7x832
    Inception("5a"),
    Inception("5b"),  # 7x7x1024
)

# Section 5: "An average pooling layer with 5x5 filter size and stride 3",
# "a 1x1 convolution with 128 filters", "a fully connected layer with 1024
# units", "a dropout layer with 70% ratio of dropped outputs".
AUX_HEAD = AuxHead(pool=5, stride=3, filters=128, units=1024, dropout=0.7)
# Section 5: heads "on top of the output of the Inception (4a) and (4d) modules".
AUX_AFTER = ("4a", "4d")
AUX_OUTPUT_NAMES = ("aux1_predictions", "aux2_predictions")
# Section 5: "their loss gets added to the total loss ... weighted by 0.3".
AUX_LOSS_WEIGHT = 0.3

DROPOUT = 0.4  # Table 1, "dropout (40%)"


def _min_input_size(aux_classifiers: bool) -> int:
    """With "same" pools and a global average pool the main path accepts
    any size; each auxiliary head's valid 5x5 pool needs a 5x5 map."""
    chains = [LAYOUT]
    for name in AUX_AFTER if aux_classifiers else ():
        # Inception modules keep the size: the head sees the layout's rows before it.
        before = LAYOUT[: LAYOUT.index(Inception(name))]
        chains.append(before + (Pool("aux_pool", AUX_HEAD.pool, AUX_HEAD.stride),))
    return max(min_input_size(chain) for chain in chains)


def inception_block(x, row: InceptionRow, name: str):
    """Figure 2(b): 1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max pool then 1x1,
    concatenated along the channels. Every convolution is followed by ReLU
    (Section 5, "including those inside the Inception modules")."""

    def conv(filters, kernel, suffix):
        return keras.layers.Conv2D(filters, kernel, padding="same", activation="relu", name=f"{name}_{suffix}")

    branch_1x1 = conv(row.n1x1, 1, "1x1")(x)
    branch_3x3 = conv(row.n3x3, 3, "3x3")(conv(row.n3x3_reduce, 1, "3x3_reduce")(x))
    branch_5x5 = conv(row.n5x5, 5, "5x5")(conv(row.n5x5_reduce, 1, "5x5_reduce")(x))
    pooled = keras.layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = conv(row.pool_proj, 1, "pool_proj")(pooled)
    return keras.layers.Concatenate(name=f"{name}_concat")([branch_1x1, branch_3x3, branch_5x5, branch_pool])


def auxiliary_classifier(x, name: str, *, classes: int, classifier_activation):
    """Section 5's side network: average pool 5x5/3, 1x1 conv, FC, dropout,
    linear classifier."""
    head = AUX_HEAD
    x = keras.layers.AveragePooling2D(head.pool, strides=head.stride, padding="valid", name=f"{name}_pool")(x)
    x = keras.layers.Conv2D(head.filters, 1, padding="same", activation="relu", name=f"{name}_conv")(x)
    x = keras.layers.Flatten(name=f"{name}_flatten")(x)
    x = keras.layers.Dense(head.units, activation="relu", name=f"{name}_fc")(x)
    x = keras.layers.Dropout(head.dropout, name=f"{name}_dropout")(x)
    return keras.layers.Dense(classes, activation=classifier_activation, name=f"{name}_predictions")(x)


def googlenet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name="googlenet", *, aux_classifiers=False):  # fmt: skip
    """GoogLeNet, the 22-layer Inception network of Table 1.

    Reference:
        C. Szegedy et al. Going Deeper with Convolutions. CVPR 2015
        (arXiv:1409.4842): Table 1, Figures 2 and 3, Section 5.

    Deviations from the paper:
        None in the layers. Choices where the paper is silent or loose:
        padding follows Figure 3's "(S)"/"(V)" as Keras "same"/"valid"
        ("same" at stride 2 pads one pixel more after than before, as
        TensorFlow and Google's own TF-slim Inception v1 do; BVLC Caffe's
        replica pads conv1 by 3 on both sides and pools with ceil rounding,
        which gives the same sizes at 224). The LRN constants, absent from
        the paper, are Caffe's (size 5, alpha 1e-4 averaged, beta 0.75,
        k 1). The final "avg pool 7x7/1" is a global average pool: at 224
        it is the same operation on the 7x7 map, and the paper bases it on
        Network in Network's global average pooling; being global, it lets
        ``include_top=True`` work at any input size. The 5x5 branches are
        5x5, as in the paper (torchvision's GoogLeNet uses 3x3 there).

    Args:
        include_top: whether to include the average pool, dropout and the
            classifier.
        weights: None (random initialisation) or the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: optional ``(height, width, channels)``; defaults to
            ``(224, 224, 3)`` with the top, ``(None, None, 3)`` without it.
            Any size works, even with the top, without the auxiliary heads;
            with them the input must be at least 65x65 (their valid 5x5
            average pool needs a 5x5 map after stage 4), and known.
        pooling: with ``include_top=False``, None (the 7x7x1024 map),
            ``"avg"`` or ``"max"`` global pooling.
        classes: number of classes of every classifier.
        classifier_activation: activation of every classifier (``None`` for
            logits).
        name: the model's name.
        aux_classifiers: add Section 5's two auxiliary classifiers after
            inception 4a and 4d. The model then has three outputs, in the
            order ``[predictions, aux1_predictions, aux2_predictions]``;
            the paper weights the auxiliary losses by 0.3 in training and
            discards the heads at inference. Needs ``include_top=True``.

    Returns:
        An uncompiled `keras.Model`: one output, or three with
        ``aux_classifiers=True``.

    Example:

    >>> model = googlenet(input_shape=(96, 96, 3), classes=10, aux_classifiers=True)
    >>> [tuple(output.shape) for output in model.outputs]
    [(None, 10), (None, 10), (None, 10)]
    """
    args = dict(locals())
    _common.check_data_format(name)
    _common.check_flag(name, "aux_classifiers", aux_classifiers)
    if aux_classifiers and include_top is False:
        raise ValueError(
            f"{name}: aux_classifiers=True needs include_top=True; the auxiliary classifiers are "
            "training heads beside the main classifier"
        )
    aux_outputs = []

    def features(x, contract):
        # A second build (a weights file for other classes rebuilds the
        # network) starts with no heads from the first.
        aux_outputs.clear()
        if aux_classifiers and None in tuple(x.shape[1:3]):
            raise ValueError(
                f"{name}: aux_classifiers=True needs a known input height and width (their fully "
                f"connected layers flatten a map whose size follows from it); got {tuple(x.shape[1:])}"
            )
        for row in LAYOUT:
            if not isinstance(row, Inception):
                x = apply_row(x, row)
                continue
            x = inception_block(x, INCEPTION_ROWS[row.name], name=f"inception{row.name}")
            if aux_classifiers and row.name in AUX_AFTER:
                aux_name = f"aux{AUX_AFTER.index(row.name) + 1}"
                aux_outputs.append(
                    auxiliary_classifier(
                        x, aux_name, classes=contract.classes, classifier_activation=contract.classifier_activation
                    )
                )
        return x

    def top(x, contract):
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = keras.layers.Dropout(DROPOUT, name="dropout")(x)
        x = keras.layers.Dense(contract.classes, activation=contract.classifier_activation, name="predictions")(x)
        return [x, *aux_outputs] if aux_classifiers else x

    return _common.assemble(
        args, features=features, top=top, default_shape=(224, 224, 3), min_size=_min_input_size(aux_classifiers)
    )


FAMILY = Family("googlenet", PAPER, (224, 224, 3), recipe="googlenet")
FAMILY.add(
    "googlenet", googlenet, "GoogLeNet (Inception v1), Table 1: nine inception modules, 5x5 branches, LRN, one output."
)
FAMILY.add(
    "googlenet_aux",
    googlenet,
    "GoogLeNet with Section 5's auxiliary classifiers after 4a and 4d: outputs "
    "[predictions, aux1_predictions, aux2_predictions], aux losses weighted 0.3.",
    name="googlenet_aux",
    aux_classifiers=True,
)
