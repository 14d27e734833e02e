"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012), and the pieces ZFNet reuses.

The paper's network (Sec. 3.5, Fig. 2) is five convolutions and three fully
connected layers. It was trained split over two GPUs: conv2, conv4 and conv5
see only the maps of their own GPU, while conv3 and the fully connected
layers see both (Sec. 3.2). That split is a grouped convolution with
``groups=2``; ``two_tower=True`` keeps it, the default one tower makes those
three layers dense.

The architecture is a table of the package's shared rows (`Conv`, `Pool`,
`Norm`, `Pad`, from ``keras_classics.models._rows``) plus a `Head`;
`build_network` turns any such `Architecture` into a model. ZFNet (``keras_classics.models.zfnet``) is AlexNet with different
first layers: it reuses `CONV3_TO_POOL5`, `Head` and `build_network`.

Fig. 2 labels the input 224x224, but an 11x11 kernel at stride 4 without
padding gives 55x55 only from 227x227 ((227 - 11) / 4 + 1 = 55; from 224 it
is 54.25, floored to 54). The paper network is therefore built at 227.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import keras

from keras_classics.models import _common
from keras_classics.models._rows import Conv, Norm, Pad, Pool, Row, apply_row, min_input_size
from keras_classics.registry import Family

__all__ = ["alexnet"]

_PAPER = (
    "A. Krizhevsky, I. Sutskever, G. E. Hinton. ImageNet Classification with Deep "
    "Convolutional Neural Networks. NIPS 2012."
)
_ONE_WEIRD_TRICK = (
    "A. Krizhevsky. One weird trick for parallelizing convolutional neural networks. arXiv:1404.5997, 2014."
)


class Head(NamedTuple):
    """The classifier: ``flatten``, ``fc6``, ``fc7`` (ReLU), ``predictions``.

    ``dropout_after`` names the layers whose output dropout zeroes; the
    dropout layer is called ``<that layer>_dropout``.
    """

    units: Tuple[int, ...] = (4096, 4096)  # Sec. 3.5: fc6, fc7
    dropout_after: Tuple[str, ...] = ("fc6", "fc7")  # Sec. 4.2
    dropout_rate: float = 0.5  # Sec. 4.2


class Architecture(NamedTuple):
    """A network of this family: feature rows, classifier, default input."""

    features: Tuple[Row, ...]
    head: Head
    input_size: int


# ---------------------------------------------------------------- the tables

# Max pools are AlexNet's overlapping 3x3/2 (Sec. 3.4); LRN rows take
# Sec. 3.3's constants, the defaults of `Norm`.

# Sec. 3.5 and Fig. 2, layers 3 to 5 with 1 pixel of padding ("same" at
# stride 1) keeping 13x13. ZFNet's Fig. 3 has the same three layers and pool.
CONV3_TO_POOL5 = (
    Conv("conv3", 384, 3, padding="same"),  # 13x13x384; 3x3x256 kernels: sees both towers
    Conv("conv4", 384, 3, padding="same", per_tower=True),  # 13x13x384; 3x3x192 kernels
    Conv("conv5", 256, 3, padding="same", per_tower=True),  # 13x13x256; 3x3x192 kernels
    Pool("pool5", 3, 2),  # 6x6x256
)

# Sec. 3.5 and Fig. 2 (at 227x227x3, see the module docstring); LRN follows
# conv1 and conv2, max pooling follows both LRNs and conv5.
PAPER_FEATURES = (
    Conv("conv1", 96, 11, stride=4),  # 55x55x96
    Norm("lrn1"),
    Pool("pool1", 3, 2),  # 27x27x96
    Conv("conv2", 256, 5, padding="same", per_tower=True),  # 27x27x256; 5x5x48 kernels
    Norm("lrn2"),
    Pool("pool2", 3, 2),  # 13x13x256
) + CONV3_TO_POOL5

# torchvision.models.alexnet, whose widths follow Krizhevsky (2014)'s
# one-GPU network (conv4 has 256 maps, as in cuda-convnet2's
# layers-imagenet-1gpu.cfg, where the 2014 paper's footnote says 384).
TORCHVISION_FEATURES = (
    Pad("conv1_pad", 2),  # 228x228x3
    Conv("conv1", 64, 11, stride=4),  # 55x55x64
    Pool("pool1", 3, 2),  # 27x27x64
    Conv("conv2", 192, 5, padding="same"),  # 27x27x192
    Pool("pool2", 3, 2),  # 13x13x192
    Conv("conv3", 384, 3, padding="same"),  # 13x13x384
    Conv("conv4", 256, 3, padding="same"),  # 13x13x256
    Conv("conv5", 256, 3, padding="same"),  # 13x13x256
    Pool("pool5", 3, 2),  # 6x6x256
)

VARIANTS = {
    "paper": Architecture(PAPER_FEATURES, Head(), input_size=227),
    # torchvision puts dropout on the inputs of fc6 and fc7 instead.
    "torchvision": Architecture(TORCHVISION_FEATURES, Head(dropout_after=("flatten", "fc6")), input_size=224),
}


# ---------------------------------------------------------------- blocks


def features(x, rows, *, include_lrn: bool = True, two_tower: bool = False):
    """The convolutional part: every row in order, LRN rows only if asked."""
    for row in rows:
        if isinstance(row, Norm) and not include_lrn:
            continue
        x = apply_row(x, row, two_tower=two_tower)
    return x


def classifier(x, head: Head, classes: int, activation):
    """``flatten``, the ReLU layers ``fc6``, ``fc7``, ..., and ``predictions``
    (no ReLU on the last layer), with dropout where ``head`` places it."""

    def maybe_dropout(x, after: str):
        if after in head.dropout_after:
            return keras.layers.Dropout(head.dropout_rate, name=f"{after}_dropout")(x)
        return x

    x = maybe_dropout(keras.layers.Flatten(name="flatten")(x), "flatten")
    for number, units in enumerate(head.units, start=6):
        x = keras.layers.Dense(units, activation="relu", name=f"fc{number}")(x)
        x = maybe_dropout(x, f"fc{number}")
    return keras.layers.Dense(classes, activation=activation, name="predictions")(x)


def build_network(arch: Architecture, args, *, include_lrn: bool = True, two_tower: bool = False):
    """Any `Architecture` of this family as a model; ``args`` holds the
    builder contract's arguments (a builder's ``locals()``)."""
    for flag, value in (("include_lrn", include_lrn), ("two_tower", two_tower)):
        _common.check_flag(args["name"], flag, value)
    return _common.assemble(
        args,
        features=lambda x, _: features(x, arch.features, include_lrn=include_lrn, two_tower=two_tower),
        top=lambda x, c: classifier(x, arch.head, c.classes, c.classifier_activation),
        default_shape=(arch.input_size, arch.input_size, 3),
        min_size=min_input_size(arch.features),
        flattening_head="fc6",
    )


# The Args entries for the contract that alexnet and zfnet (both made by
# `build_network`) share, written once; `_common.fill_docstring` puts them in
# place of the ``{input_args}`` and ``{output_args}`` lines.
CONTRACT_ARGS = {
    "input_args": """include_top: whether to include fc6, fc7 and the predictions layer.
weights: None (random initialisation) or the path to a local weights
    file; nothing is downloaded.
input_tensor: optional Keras tensor to use as the image input.""",
    "output_args": """pooling: with ``include_top=False``: None (pool5's 4D output),
    ``"avg"`` or ``"max"`` (global pooling to 2D).
classes: number of classes of the predictions layer (fc8).
classifier_activation: activation of the predictions layer
    (``"softmax"``, another name or callable, or None for logits).
name: the model's name.""",
}


# ---------------------------------------------------------------- the builder


def alexnet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
            classifier_activation="softmax", name="alexnet", *, include_lrn=True, two_tower=False, variant="paper"):  # fmt: skip
    """AlexNet, as in the paper (one or two towers) or as torchvision builds it.

    Reference:
        A. Krizhevsky, I. Sutskever, G. E. Hinton. ImageNet Classification
        with Deep Convolutional Neural Networks. NIPS 2012. Sec. 3.5 and
        Fig. 2 (layers), 3.2 (two GPUs), 3.3 (LRN), 3.4 (overlapping
        pooling), 4.2 (dropout). ``variant="torchvision"``: A. Krizhevsky.
        One weird trick for parallelizing convolutional neural networks.
        arXiv:1404.5997, 2014, as implemented by torchvision.

    The paper network at 227x227x3: conv1 96@11x11/4 -> 55x55, LRN, 3x3/2
    max pool -> 27x27; conv2 256@5x5 (pad 2), LRN, pool -> 13x13; conv3
    384@3x3, conv4 384@3x3, conv5 256@3x3 (pad 1), pool -> 6x6x256; fc6 4096,
    dropout 0.5, fc7 4096, dropout 0.5, fc8 ``classes`` with soft-max. ReLU
    follows every convolution and fc6, fc7. 62,378,344 parameters as one
    tower, 60,965,224 as two.

    Deviations from the paper:
        - Input 227x227, where Fig. 2 says 224: only 227 gives the 55x55 maps
          that Fig. 2 and Sec. 3.5's neuron counts imply. At 224 (allowed)
          conv1 gives 54x54 and pool5 5x5.
        - ``two_tower=False`` (the default) makes conv2, conv4 and conv5
          dense (kernels see all input maps), as on one GPU; ``two_tower=True``
          keeps the paper's split. Under ``two_tower=True`` each LRN still
          normalises across all maps, so the 2 maps on either side of the
          tower boundary see the other tower's maps, which on two GPUs they
          could not.
        - ``include_lrn=False`` drops both LRN layers.
        - Weights start from Keras's defaults (Glorot-uniform, zero biases),
          not Sec. 5's N(0, 0.01) with biases 1 in conv2, conv4, conv5, fc6
          and fc7. Dropout scales by 2 while training rather than halving the
          outputs at test time (Sec. 4.2); the expected outputs are the same.
        - ``variant="torchvision"`` is torchvision's AlexNet: 64, 192, 384,
          256, 256 maps, conv1 padded by 2 pixels (``conv1_pad``) at
          224x224, no LRN, one tower, dropout on the inputs of fc6 and fc7
          (``flatten_dropout``, ``fc6_dropout``) and none after fc7;
          61,100,840 parameters. torchvision's adaptive 6x6 average pool is
          an identity at 224 (pool5 is already 6x6) and is left out; at other
          sizes fc6 takes pool5's own size, as in the paper variant.
          ``include_lrn`` has no effect there, and ``two_tower`` is refused.

    Args:
        {input_args}
        input_shape: optional ``(height, width, channels)``; default
            ``(227, 227, 3)`` (``(224, 224, 3)`` for torchvision) with the
            top, ``(None, None, 3)`` (any size) without it. At least 67x67
            (63x63 for torchvision); with ``include_top`` the size must be
            fixed, and other sizes change fc6's size.
        {output_args}
        include_lrn: keep the LRN layers after conv1 and conv2 (Sec. 3.3).
        two_tower: split conv2, conv4 and conv5 into two groups, as the
            paper's two GPUs did (paper variant only).
        variant: ``"paper"`` or ``"torchvision"``.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> model = alexnet(include_top=False, input_shape=(227, 227, 3))
    >>> model.get_layer("conv1").output.shape, model.output_shape
    ((None, 55, 55, 96), (None, 6, 6, 256))
    >>> alexnet(include_top=False, two_tower=True).get_layer("conv2").groups
    2
    """
    args = dict(locals())
    if variant not in VARIANTS:
        raise ValueError(
            f"{name}: unknown variant {variant!r}; valid values are {', '.join(repr(v) for v in VARIANTS)}"
        )
    if variant != "paper" and two_tower is True:
        raise ValueError(
            f"{name}: two_tower=True applies to variant='paper' only; the {variant!r} variant is a one-GPU network"
        )
    return build_network(VARIANTS[variant], args, include_lrn=include_lrn, two_tower=two_tower)


_common.fill_docstring(alexnet, CONTRACT_ARGS)

FAMILY = Family("alexnet", _PAPER, (227, 227, 3), recipe="alexnet")
FAMILY.add("alexnet", alexnet, "AlexNet (2012) at 227x227, one tower, with LRN", name="alexnet")
FAMILY.add(
    "alexnet_two_tower",
    alexnet,
    "AlexNet (2012) with the paper's two-GPU split of conv2, conv4, conv5",
    name="alexnet_two_tower",
    two_tower=True,
)
FAMILY.add(
    "alexnet_torchvision",
    alexnet,
    "torchvision's AlexNet (one-GPU widths of Krizhevsky 2014) at 224x224",
    input_shape=(224, 224, 3),
    paper=f"{_PAPER} {_ONE_WEIRD_TRICK}",
    name="alexnet_torchvision",
    variant="torchvision",
)
