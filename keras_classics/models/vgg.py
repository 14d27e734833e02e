"""VGG: very deep networks of stacked 3x3 convolutions (Simonyan & Zisserman, 2015).

The paper's Table 1 lists six configurations, A to E, that differ only in
how many convolutions each of the five stages stacks before its 2x2 max
pool. Here each configuration is one row of kernel sizes per stage, keyed by
the paper's own letter; every builder reads that table.

Every convolution is stride 1 with 1 pixel of padding for 3x3 (Sec. 2.1),
which is Keras's ``"same"`` at stride 1 (and no padding for 1x1); so only the
five pools change the resolution, 224 -> 112 -> 56 -> 28 -> 14 -> 7.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import keras

from keras_classics.layers import LocalResponseNormalization
from keras_classics.models import _common
from keras_classics.models._rows import Conv, Pool, min_input_size
from keras_classics.registry import Family

__all__ = ["vgg", "vgg11", "vgg11_lrn", "vgg13", "vgg16_c", "vgg16", "vgg19"]

_PAPER = (
    "K. Simonyan, A. Zisserman. Very Deep Convolutional Networks for Large-Scale Image "
    "Recognition. ICLR 2015. arXiv:1409.1556"
)
_INPUT_SHAPE = (224, 224, 3)


class VGGConfig(NamedTuple):
    """One column of Table 1.

    ``kernels[s]`` holds the kernel size of each convolution of stage
    ``s + 1``, in order; the stage's width is ``STAGE_FILTERS[s]``.
    """

    kernels: Tuple[Tuple[int, ...], ...]
    lrn: bool = False  # A-LRN: LRN right after the first convolution

    @property
    def weight_layers(self) -> int:
        """The depth Table 1 names the column by: convolutions plus 3 FC."""
        return sum(len(stage) for stage in self.kernels) + len(FC_UNITS) + 1


# Table 1: the width doubles after each pool until it reaches 512.
STAGE_FILTERS = (64, 128, 256, 512, 512)

# Table 1, one column each. "conv3" is a 3x3 kernel; C's "conv1" rows are
# 1x1 convolutions closing stages 3, 4 and 5.
CONFIGS = {
    "A": VGGConfig(((3,), (3,), (3, 3), (3, 3), (3, 3))),  # 11 weight layers
    "A-LRN": VGGConfig(((3,), (3,), (3, 3), (3, 3), (3, 3)), lrn=True),  # 11
    "B": VGGConfig(((3, 3), (3, 3), (3, 3), (3, 3), (3, 3))),  # 13
    "C": VGGConfig(((3, 3), (3, 3), (3, 3, 1), (3, 3, 1), (3, 3, 1))),  # 16
    "D": VGGConfig(((3, 3), (3, 3), (3, 3, 3), (3, 3, 3), (3, 3, 3))),  # 16
    "E": VGGConfig(((3, 3), (3, 3), (3, 3, 3, 3), (3, 3, 3, 3), (3, 3, 3, 3))),  # 19
}

# The registered name of each configuration (with "_bn" for batch_norm=True).
CONFIG_NAMES = {
    "A": "vgg11",
    "A-LRN": "vgg11_lrn",
    "B": "vgg13",
    "C": "vgg16_c",
    "D": "vgg16",
    "E": "vgg19",
}

POOL = 2  # Sec. 2.1: max pooling over a 2x2 window with stride 2
FC_UNITS = (4096, 4096)  # Table 1: FC-4096, FC-4096, then FC-1000 and soft-max
DROPOUT_RATE = 0.5  # Sec. 3.1: dropout on the first two FC layers, ratio 0.5

# Sec. 2.3 takes the LRN parameters from Krizhevsky et al. (2012): n=5,
# alpha=1e-4 on the plain sum of squares, beta=0.75, k=2.
LRN_ARGS = dict(size=5, alpha=1e-4, beta=0.75, bias=2.0)

# Batch norm is not in the paper. These follow torchvision's vgg*_bn
# (nn.BatchNorm2d defaults: eps 1e-5, momentum 0.1, i.e. Keras momentum
# 0.9), so that its weights compute the same function here.
BN_EPSILON = 1e-5
BN_MOMENTUM = 0.9


def _rows(config: VGGConfig):
    """The configuration's convolutions and pools as rows (for the minimum size)."""
    for index, (filters, kernels) in enumerate(zip(STAGE_FILTERS, config.kernels), start=1):
        for position, kernel in enumerate(kernels, start=1):
            yield Conv(f"block{index}_conv{position}", filters, kernel, padding="same")
        yield Pool(f"block{index}_pool", POOL, POOL)


def conv_block(x, filters: int, kernel: int, *, name: str, batch_norm: bool):
    """A convolution and its ReLU; with ``batch_norm``, conv -> BN -> ReLU.

    The BN variant keeps the convolution's bias (redundant before batch
    norm, which subtracts the mean) so that the weights match torchvision's
    vgg*_bn array for array.
    """
    if not batch_norm:
        return keras.layers.Conv2D(filters, kernel, padding="same", activation="relu", name=name)(x)
    x = keras.layers.Conv2D(filters, kernel, padding="same", name=name)(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return keras.layers.Activation("relu", name=f"{name}_relu")(x)


def vgg_stage(x, index: int, filters: int, kernels, *, batch_norm: bool, lrn: bool = False):
    """Stage ``index`` (1-based): the stacked convolutions, then the 2x2/2 pool."""
    for position, kernel in enumerate(kernels, start=1):
        x = conv_block(x, filters, kernel, name=f"block{index}_conv{position}", batch_norm=batch_norm)
        if lrn and position == 1:
            x = LocalResponseNormalization(**LRN_ARGS, name=f"block{index}_lrn")(x)
    return keras.layers.MaxPooling2D(POOL, strides=POOL, name=f"block{index}_pool")(x)


def classifier(x, classes: int, activation):
    """Table 1's three FC layers, dropout after the first two (Sec. 3.1)."""
    x = keras.layers.Flatten(name="flatten")(x)
    for position, units in enumerate(FC_UNITS, start=1):
        x = keras.layers.Dense(units, activation="relu", name=f"fc{position}")(x)
        x = keras.layers.Dropout(DROPOUT_RATE, name=f"fc{position}_dropout")(x)
    return keras.layers.Dense(classes, activation=activation, name="predictions")(x)


# The docstring text the builders share, written once; `_common.fill_docstring`
# puts it in place of each ``{key}`` line (help() shows the result whole).
_DOC = {
    "reference": """Reference:
    K. Simonyan, A. Zisserman. Very Deep Convolutional Networks for
    Large-Scale Image Recognition. ICLR 2015.
    {where}""",
    "contract_args": """include_top: whether to include the three fully connected layers.
weights: None (random initialisation) or the path to a local weights
    file; nothing is downloaded.
input_tensor: optional Keras tensor to use as the image input.
input_shape: optional ``(height, width, channels)``; default
    ``(224, 224, 3)`` with the top, ``(None, None, 3)`` (any size)
    without it. Height and width must be at least 32 (five 2x2
    pools); with ``include_top`` they must be fixed, and other sizes
    change fc1's size.
pooling: with ``include_top=False``: None (the last pool's 4D
    output), ``"avg"`` or ``"max"`` (global pooling to 2D).
classes: number of classes of the last FC layer.
classifier_activation: activation of the last layer (``"softmax"``,
    another name or callable, or None for logits).""",
    # What a configuration's own builder says beyond its summary and example.
    "configuration": """{reference}

{layout}
Each stage closes with a 2x2/2 max pool; then come FC-4096, dropout 0.5,
FC-4096, dropout 0.5, FC-``classes`` and soft-max.
{keras_applications}

Deviations from the paper:
    {batch_norm_deviation}
    {init_deviation}

Args:
    {contract_args}
    {own_args}

Returns:
    An uncompiled functional `keras.Model`.

Example:
""",
    "keras_applications": "",
    "batch_norm_deviation": """- ``batch_norm=True`` (registered as ``{builder}_bn``) adds batch
  normalisation after every convolution (conv -> BN -> ReLU, bias
  kept), as torchvision's {builder}_bn.""",
    "init_deviation": """- Glorot-uniform initialisation (Keras's default); Sec. 3.1 copied
  A's weights into the first four convolutions and the FC layers.""",
    "own_args": """name: the model's name; default ``"{builder}"`` (``"{builder}_bn"`` with
    batch norm).
batch_norm: add batch normalisation after every convolution.""",
}

# Each configuration builder's own sentences, put into ``_DOC["configuration"]``.
_CONFIGURATION_DOCS = {
    "vgg11": {
        "where": "Table 1, column A.",
        "layout": "Eight 3x3 convolutions in stages of 1, 1, 2, 2, 2 (64 to 512 filters).",
        "init_deviation": """- Glorot-uniform initialisation (Keras's default); Sec. 3.1 drew
  N(0, 0.01) for A and notes that Glorot's scheme works as well.""",
    },
    "vgg11_lrn": {
        "where": """Table 1, column A-LRN; Sec. 2.3 and Table 3 (LRN does not help:
A-LRN is not better than A).""",
        "layout": """Configuration A with one LRN layer after the first convolution, using
Krizhevsky et al.'s (2012) constants as Sec. 2.3 says: a window of 5
channels, alpha 1e-4 on the plain sum of squares, beta 0.75, k 2
(`keras_classics.layers.LocalResponseNormalization`'s defaults).""",
        "batch_norm_deviation": "",
        "init_deviation": """- Glorot-uniform initialisation (Keras's default); the paper drew
  N(0, 0.01) and notes that Glorot's scheme works as well.""",
        "own_args": """name: the model's name; default ``"vgg11_lrn"``.
batch_norm: must stay False: batch norm next to LRN is refused with
    a ValueError (use ``vgg11(batch_norm=True)``).""",
    },
    "vgg13": {
        "where": "Table 1, column B.",
        "layout": "Ten 3x3 convolutions, two per stage (64 to 512 filters).",
    },
    "vgg16_c": {
        "where": """Table 1, column C; Sec. 2.3 and 4.1 (C's 1x1 layers add
non-linearity but do worse than D's 3x3).""",
        "layout": """Configuration B plus a 1x1 convolution (stride 1, ReLU) closing stages
3, 4 and 5: 16 weight layers, like D, but with less spatial context.""",
        "batch_norm_deviation": """- ``batch_norm=True`` (registered as ``vgg16_c_bn``) adds batch
  normalisation after every convolution (conv -> BN -> ReLU, bias
  kept), in torchvision's style; torchvision has no configuration C.""",
    },
    "vgg16": {
        "where": "Table 1, column D.",
        "layout": "Thirteen 3x3 convolutions in stages of 2, 2, 3, 3, 3 (64 to 512 filters).",
        "keras_applications": """Layer names and weights match ``keras.applications.VGG16``, which omits
the dropout.""",
    },
    "vgg19": {
        "where": "Table 1, column E.",
        "layout": "Sixteen 3x3 convolutions in stages of 2, 2, 4, 4, 4 (64 to 512 filters).",
        "keras_applications": """Layer names and weights match ``keras.applications.VGG19``, which omits
the dropout.""",
    },
}


def vgg(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
        classifier_activation="softmax", name=None, *, config="D", batch_norm=False):  # fmt: skip
    """VGG in any configuration of the paper's Table 1 (A, A-LRN, B, C, D, E).

    {reference}

    Five stages of convolutions (64, 128, 256, 512, 512 filters, stride 1,
    "same" padding, ReLU), each closed by a 2x2/2 max pool; then FC-4096,
    dropout 0.5, FC-4096, dropout 0.5, FC-``classes`` and soft-max.

    Deviations from the paper:
        - ``batch_norm=True`` adds a BatchNormalization after every
          convolution (conv -> BN -> ReLU, the conv keeping its bias), as
          torchvision's vgg*_bn; batch norm postdates the paper. It is
          refused for A-LRN: two normalisations in one block are neither the
          paper's network nor torchvision's.
        - Weights start from Keras's Glorot-uniform default; Sec. 3.1
          pre-trained A's weights or drew N(0, 0.01) and notes that Glorot
          initialisation works without pre-training.

    Args:
        {contract_args}
        name: the model's name; default the configuration's registered name
            (``"vgg16"`` for D, ``"vgg16_bn"`` with batch norm, ...).
        config: Table 1's column: ``"A"``, ``"A-LRN"``, ``"B"``, ``"C"``,
            ``"D"`` or ``"E"``.
        batch_norm: add batch normalisation after every convolution.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> model = vgg(config="B", include_top=False, input_shape=(32, 32, 3))
    >>> model.name, model.output_shape
    ('vgg13', (None, 1, 1, 512))
    """
    if not isinstance(config, str) or config not in CONFIGS:
        raise ValueError(
            f"vgg: unknown config {config!r}; valid values are Table 1's columns {', '.join(repr(c) for c in CONFIGS)}"
        )
    if not isinstance(batch_norm, bool):
        raise ValueError(f"vgg: batch_norm must be True or False, got {batch_norm!r}")
    arch = CONFIGS[config]
    if name is None:
        name = CONFIG_NAMES[config] + ("_bn" if batch_norm else "")
    if batch_norm and arch.lrn:
        raise ValueError(
            f"{name}: batch_norm=True is not available for config 'A-LRN': it would put batch "
            "norm and LRN in one block, which neither the paper nor torchvision has. Use "
            "config 'A' with batch_norm=True (vgg11_bn) or 'A-LRN' without it."
        )

    def features(x, _):
        for index, (filters, kernels) in enumerate(zip(STAGE_FILTERS, arch.kernels), start=1):
            x = vgg_stage(x, index, filters, kernels, batch_norm=batch_norm, lrn=arch.lrn and index == 1)
        return x

    return _common.assemble(
        locals(),
        features=features,
        top=lambda x, c: classifier(x, c.classes, c.classifier_activation),
        default_shape=_INPUT_SHAPE,
        min_size=min_input_size(_rows(arch)),
        flattening_head="fc1",
    )


def vgg11(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name=None, *, batch_norm=False):  # fmt: skip
    """VGG-11, configuration A of Table 1 (133M parameters, Table 2).

    {configuration}
    >>> model = vgg11(include_top=False, input_shape=(32, 32, 3), pooling="avg")
    >>> model.name, model.output_shape
    ('vgg11', (None, 512))
    """
    return vgg(**locals(), config="A")


def vgg11_lrn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None, *, batch_norm=False):  # fmt: skip
    """VGG-11 with local response normalisation, configuration A-LRN of Table 1.

    {configuration}
    >>> model = vgg11_lrn(include_top=False, input_shape=(32, 32, 3))
    >>> model.get_layer("block1_lrn").size, model.output_shape
    (5, (None, 1, 1, 512))
    """
    return vgg(**locals(), config="A-LRN")


def vgg13(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name=None, *, batch_norm=False):  # fmt: skip
    """VGG-13, configuration B of Table 1 (133M parameters, Table 2).

    {configuration}
    >>> vgg13(include_top=False, input_shape=(64, 64, 3)).output_shape
    (None, 2, 2, 512)
    """
    return vgg(**locals(), config="B")


def vgg16_c(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
            classifier_activation="softmax", name=None, *, batch_norm=False):  # fmt: skip
    """VGG-16 with 1x1 convolutions, configuration C of Table 1 (134M, Table 2).

    {configuration}
    >>> vgg16_c(include_top=False, input_shape=(32, 32, 3)).get_layer("block3_conv3").kernel_size
    (1, 1)
    """
    return vgg(**locals(), config="C")


def vgg16(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name=None, *, batch_norm=False):  # fmt: skip
    """VGG-16, configuration D of Table 1 (138M parameters, Table 2).

    {configuration}
    >>> model = vgg16(include_top=False, input_shape=(32, 32, 3), pooling="max")
    >>> model.output_shape, model.count_params()
    ((None, 512), 14714688)
    """
    return vgg(**locals(), config="D")


def vgg19(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name=None, *, batch_norm=False):  # fmt: skip
    """VGG-19, configuration E of Table 1 (144M parameters, Table 2).

    {configuration}
    >>> model = vgg19(include_top=False, input_shape=(32, 32, 3), batch_norm=True)
    >>> model.name, len([l for l in model.layers if l.name.endswith("_bn")])
    ('vgg19_bn', 16)
    """
    return vgg(**locals(), config="E")


_common.fill_docstring(vgg, {**_DOC, "where": "Table 1 (configurations), Sections 2.1, 2.3 and 3.1."})
for _builder in (vgg11, vgg11_lrn, vgg13, vgg16_c, vgg16, vgg19):
    _common.fill_docstring(_builder, {**_DOC, **_CONFIGURATION_DOCS[_builder.__name__]})
del _builder

FAMILY = Family("vgg", _PAPER, _INPUT_SHAPE, recipe="vgg")
_BN = "; batch norm after every conv, as torchvision"
FAMILY.add("vgg11", vgg11, "VGG-11 (Table 1, A): 8 conv3 + 3 FC, 133M parameters")
FAMILY.add("vgg11_lrn", vgg11_lrn, "VGG-11 with LRN after conv1 (Table 1, A-LRN), 133M parameters")
FAMILY.add("vgg13", vgg13, "VGG-13 (Table 1, B): 10 conv3 + 3 FC, 133M parameters")
FAMILY.add("vgg16_c", vgg16_c, "VGG-16 (Table 1, C): 10 conv3 + 3 conv1 closing stages 3-5 + 3 FC, 134M parameters")
FAMILY.add("vgg16", vgg16, "VGG-16 (Table 1, D): 13 conv3 + 3 FC, 138M parameters")
FAMILY.add("vgg19", vgg19, "VGG-19 (Table 1, E): 16 conv3 + 3 FC, 144M parameters")
FAMILY.add("vgg11_bn", vgg11, "VGG-11 (Table 1, A): 8 conv3 + 3 FC, 133M parameters" + _BN, batch_norm=True)
FAMILY.add("vgg13_bn", vgg13, "VGG-13 (Table 1, B): 10 conv3 + 3 FC, 133M parameters" + _BN, batch_norm=True)
FAMILY.add(
    "vgg16_c_bn",
    vgg16_c,
    "VGG-16 (Table 1, C): 10 conv3 + 3 conv1 closing stages 3-5 + 3 FC, 134M parameters" + _BN,
    batch_norm=True,
)
FAMILY.add("vgg16_bn", vgg16, "VGG-16 (Table 1, D): 13 conv3 + 3 FC, 138M parameters" + _BN, batch_norm=True)
FAMILY.add("vgg19_bn", vgg19, "VGG-19 (Table 1, E): 16 conv3 + 3 FC, 144M parameters" + _BN, batch_norm=True)
