"""ResNet: deep residual networks for ImageNet and CIFAR-10.

He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR
2016 (arXiv:1512.03385). The ImageNet networks are Table 1's five columns
(18 to 152 layers), the CIFAR-10 networks those of Section 4.2 (6n+2
layers). Each network is a stem, four (ImageNet) or three (CIFAR) stages of
residual blocks, global average pooling and one fully connected layer; the
stages are data (`StageTable`), the blocks plain functions (`basic_block`,
`bottleneck_block`).

What the paper fixes and this module follows: batch norm right after every
convolution and before its activation, no dropout (Sec. 3.4); the
initialisation of He et al. 2015 (Sec. 3.4, [13]); downsampling by stride-2
convolutions at the first block of conv3_x, conv4_x and conv5_x (Table 1);
ReLU after the addition (Fig. 2, Eqn. 1); the shortcut options A, B and C
(Sec. 3.3, Table 3). Option A's parameter-free shortcut is
`keras_classics.layers.ZeroPadShortcut` (importable from here too).

What the paper leaves open, decided here:

* Where a bottleneck's stride sits. Table 1 only says that conv3_1, conv4_1
  and conv5_1 downsample. The authors' released Caffe models (and
  keras.applications) put the stride on the block's first 1x1 convolution:
  ``stride_placement="paper"``. torchvision moved it to the 3x3 ("ResNet
  v1.5"), which costs more multiply-adds and trains to a slightly better
  accuracy: ``stride_placement="v1.5"``. Basic blocks stride on their first
  3x3 either way.
* Padding: the authors' Caffe convolutions pad symmetrically (3 for
  conv1's 7x7, 1 for each 3x3). Keras's ``"same"`` does that only at stride
  1; at stride 2 it pads 0 before and 1 after, so every stride-2
  convolution with a kernel wider than 1 gets its own ``ZeroPadding2D`` and
  a ``"valid"`` window. The 3x3/2 max pool pads 1 and rounds down, as
  torchvision and keras.applications; Caffe's pads 0 and rounds up. Both
  give Table 1's 56 at 224; the windows sit one pixel apart.
* Batch norm's epsilon, 1e-5 (Caffe's and PyTorch's default) and momentum,
  0.9 (PyTorch's 0.1 in its convention), as torchvision's models.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import NamedTuple, Optional, Tuple

from keras import layers

from keras_classics.layers import ZeroPadShortcut
from keras_classics.models import _common
from keras_classics.models._rows import Conv, Pool, min_input_size
from keras_classics.registry import Family

__all__ = [
    "resnet",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "cifar_resnet",
]

PAPER = "K. He, X. Zhang, S. Ren, J. Sun. Deep Residual Learning for Image Recognition. CVPR 2016 (arXiv:1512.03385)."

BLOCK_TYPES = ("basic", "bottleneck")
STRIDE_PLACEMENTS = ("paper", "v1.5")
SHORTCUT_OPTIONS = ("A", "B", "C")

# A bottleneck's last 1x1 widens its 3x3's width four times (Table 1:
# [1x1, 64; 3x3, 64; 1x1, 256]).
BOTTLENECK_EXPANSION = 4

BN_EPSILON = 1e-5
BN_MOMENTUM = 0.9
# He et al. 2015 ("Delving deep into rectifiers"), the paper's [13]: zero-mean
# Gaussian weights of variance 2 / fan_in. Keras's "he_normal" draws them
# from a normal truncated at two standard deviations, rescaled to keep that
# variance.
KERNEL_INITIALIZER = "he_normal"


# --------------------------------------------------------------------------
# Architecture tables
# --------------------------------------------------------------------------


class Stem(NamedTuple):
    """The layers before the first stage: one convolution (+ BN + ReLU),
    optionally followed by a max pool."""

    kernel: int
    filters: int
    stride: int
    pool: Optional[int] = None  # max-pool window; None: no pool
    pool_stride: int = 1


@dataclass(frozen=True)
class StageTable:
    """One network's stages, keras-hub style: one entry per stage.

    ``stackwise_num_filters`` is the width of each stage's 3x3 convolutions;
    a bottleneck stage outputs ``BOTTLENECK_EXPANSION`` times as many
    channels. The first block of a stage applies the stage's stride.
    Everything is checked on construction, so a bad table fails before any
    layer exists.
    """

    block: str
    stackwise_num_blocks: Tuple[int, ...]
    stackwise_num_filters: Tuple[int, ...]
    stackwise_strides: Tuple[int, ...]
    stem: Stem

    def __post_init__(self):
        if self.block not in BLOCK_TYPES:
            raise ValueError(f"StageTable: block must be one of {BLOCK_TYPES}, got {self.block!r}")
        lists = {
            "stackwise_num_blocks": self.stackwise_num_blocks,
            "stackwise_num_filters": self.stackwise_num_filters,
            "stackwise_strides": self.stackwise_strides,
        }
        lengths = {key: len(value) for key, value in lists.items()}
        if len(set(lengths.values())) != 1 or not self.stackwise_num_blocks:
            raise ValueError(
                f"StageTable: the stage lists must be non-empty and of one length (one entry "
                f"per stage); got lengths {lengths}"
            )
        for key, values in lists.items():
            for value in values:
                if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                    raise ValueError(f"StageTable: {key} must hold integers >= 1, got {values}")

    @property
    def convs_per_block(self) -> int:
        return 2 if self.block == "basic" else 3

    @property
    def out_filters(self) -> Tuple[int, ...]:
        """Channels each stage outputs."""
        factor = 1 if self.block == "basic" else BOTTLENECK_EXPANSION
        return tuple(factor * f for f in self.stackwise_num_filters)

    @property
    def depth(self) -> int:
        """Weighted layers, as the paper counts them: the stem's convolution,
        the blocks' convolutions (not the projection shortcuts) and the FC."""
        return 1 + self.convs_per_block * sum(self.stackwise_num_blocks) + 1


# Table 1: conv1 is 7x7, 64, stride 2 (-> 112); conv2_x opens with a 3x3 max
# pool, stride 2 (-> 56).
IMAGENET_STEM = Stem(kernel=7, filters=64, stride=2, pool=3, pool_stride=2)

# Table 1's columns. Stages conv2_x, conv3_x, conv4_x, conv5_x at 56, 28, 14
# and 7 for a 224 input; conv3_1, conv4_1 and conv5_1 downsample by 2.
IMAGENET_TABLES = {
    18: StageTable("basic", (2, 2, 2, 2), (64, 128, 256, 512), (1, 2, 2, 2), IMAGENET_STEM),
    34: StageTable("basic", (3, 4, 6, 3), (64, 128, 256, 512), (1, 2, 2, 2), IMAGENET_STEM),
    50: StageTable("bottleneck", (3, 4, 6, 3), (64, 128, 256, 512), (1, 2, 2, 2), IMAGENET_STEM),
    101: StageTable("bottleneck", (3, 4, 23, 3), (64, 128, 256, 512), (1, 2, 2, 2), IMAGENET_STEM),
    152: StageTable("bottleneck", (3, 8, 36, 3), (64, 128, 256, 512), (1, 2, 2, 2), IMAGENET_STEM),
}

# Sec. 4.2: "The first layer is 3x3 convolutions", 16 filters (the width of
# the first stage), stride 1, no pooling.
CIFAR_STEM = Stem(kernel=3, filters=16, stride=1)


def _cifar_table(n: int) -> StageTable:
    # Sec. 4.2: 2n 3x3 layers (n basic blocks) on each of the feature map
    # sizes {32, 16, 8} with {16, 32, 64} filters; subsampling by stride 2.
    return StageTable("basic", (n, n, n), (16, 32, 64), (1, 2, 2), CIFAR_STEM)


# Sec. 4.2 and Table 6: n = 3, 5, 7, 9, 18 and 200 (6n + 2 layers).
CIFAR_TABLES = {6 * n + 2: _cifar_table(n) for n in (3, 5, 7, 9, 18, 200)}


def _strided_rows(table: StageTable, stride_placement: str):
    """The layers that change the resolution, as rows: every other one is
    a stride-1 convolution padded to keep the size."""
    stem = table.stem
    yield Conv("conv1", stem.filters, stem.kernel, stem.stride, padding=stem.kernel // 2)
    if stem.pool:
        yield Pool("pool1", stem.pool, stem.pool_stride, padding=stem.pool // 2)
    for stage, (stride, filters) in enumerate(zip(table.stackwise_strides, table.stackwise_num_filters), start=2):
        if stride > 1:
            kernel = 1 if (table.block == "bottleneck" and stride_placement == "paper") else 3
            yield Conv(f"conv{stage}_block1", filters, kernel, stride, padding=kernel // 2)


# --------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------


def _conv_bn(x, filters, kernel, *, stride=1, name):
    """Convolution (no bias: the batch norm's beta replaces it) + batch norm.

    Padding is the paper's: ``kernel // 2`` on every side, via "same" at
    stride 1 and an explicit ``{name}_pad`` layer at stride 2.
    """
    padding = "same" if kernel > 1 else "valid"
    if stride > 1 and kernel > 1:
        x = layers.ZeroPadding2D(kernel // 2, name=f"{name}_pad")(x)
        padding = "valid"
    x = layers.Conv2D(
        filters,
        kernel,
        strides=stride,
        padding=padding,
        use_bias=False,
        kernel_initializer=KERNEL_INITIALIZER,
        name=f"{name}_conv",
    )(x)
    return layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"{name}_bn")(x)


def _conv_bn_relu(x, filters, kernel, *, stride=1, name):
    x = _conv_bn(x, filters, kernel, stride=stride, name=name)
    return layers.Activation("relu", name=f"{name}_relu")(x)


SHORTCUT_KINDS = ("identity", "projection", "zero_pad", None)


def _shortcut(x, kind, filters, stride, name):
    if kind == "projection":  # option B/C: Eqn. (2), a 1x1 convolution + BN
        return _conv_bn(x, filters, 1, stride=stride, name=f"{name}_0")
    if kind == "zero_pad":
        return ZeroPadShortcut(filters, stride, name=f"{name}_0_shortcut")(x)
    return x


def _merge(residual, shortcut, name):
    """``relu(F(x) + shortcut(x))`` (Fig. 2); the plain network has no sum."""
    if shortcut is not None:
        residual = layers.Add(name=f"{name}_add")([shortcut, residual])
    return layers.Activation("relu", name=f"{name}_out")(residual)


def _check_kind(shortcut):
    if shortcut not in SHORTCUT_KINDS:
        raise ValueError(f"shortcut must be one of {SHORTCUT_KINDS}, got {shortcut!r}")


def basic_block(x, filters, *, stride=1, shortcut="identity", name):
    """Two 3x3 convolutions with a shortcut around them (Fig. 2, Fig. 5 left).

    Args:
        x: input tensor.
        filters: channels of both convolutions and of the output.
        stride: stride of the first 3x3 (2 where a stage downsamples).
        shortcut: "identity", "projection" (1x1 convolution + BN, option
            B/C), "zero_pad" (option A) or None (the plain network: no
            shortcut, no addition).
        name: prefix of every layer, e.g. ``"conv3_block1"``.

    Returns:
        The block's output, ``relu(F(x) + shortcut(x))``.
    """
    _check_kind(shortcut)
    skip = None if shortcut is None else _shortcut(x, shortcut, filters, stride, name)
    y = _conv_bn_relu(x, filters, 3, stride=stride, name=f"{name}_1")
    y = _conv_bn(y, filters, 3, name=f"{name}_2")
    return _merge(y, skip, name)


def bottleneck_block(x, filters, *, stride=1, stride_placement="paper", shortcut="identity", name):
    """1x1 reduce, 3x3, 1x1 expand, with a shortcut around them (Fig. 5 right).

    Args:
        x: input tensor.
        filters: channels of the first two convolutions; the last one and
            the output have ``4 * filters``.
        stride: the block's stride (2 where a stage downsamples).
        stride_placement: "paper" puts it on the first 1x1 (the authors'
            Caffe models), "v1.5" on the 3x3 (torchvision).
        shortcut: "identity", "projection", "zero_pad" or None, as for
            `basic_block`.
        name: prefix of every layer, e.g. ``"conv3_block1"``.

    Returns:
        The block's output, ``relu(F(x) + shortcut(x))``.
    """
    _check_kind(shortcut)
    if stride_placement not in STRIDE_PLACEMENTS:
        raise ValueError(f"stride_placement must be one of {STRIDE_PLACEMENTS}, got {stride_placement!r}")
    out_filters = BOTTLENECK_EXPANSION * filters
    stride_1x1, stride_3x3 = (stride, 1) if stride_placement == "paper" else (1, stride)
    skip = None if shortcut is None else _shortcut(x, shortcut, out_filters, stride, name)
    y = _conv_bn_relu(x, filters, 1, stride=stride_1x1, name=f"{name}_1")
    y = _conv_bn_relu(y, filters, 3, stride=stride_3x3, name=f"{name}_2")
    y = _conv_bn(y, out_filters, 1, name=f"{name}_3")
    return _merge(y, skip, name)


def _shortcut_kind(option, residual, changes_shape):
    """Sec. 3.3: identity where the shape holds; where it changes, zero
    padding (A) or a projection (B); (C) projects everywhere."""
    if not residual:
        return None
    if option == "C":
        return "projection"
    if not changes_shape:
        return "identity"
    return "projection" if option == "B" else "zero_pad"


# --------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------


def _check_flags(model_name, *, stride_placement, shortcut, residual):
    if stride_placement not in STRIDE_PLACEMENTS:
        raise ValueError(
            f"{model_name}: stride_placement must be one of {', '.join(map(repr, STRIDE_PLACEMENTS))}"
            f" ('paper': stride on a bottleneck's first 1x1, 'v1.5': on its 3x3); "
            f"got {stride_placement!r}"
        )
    if shortcut not in SHORTCUT_OPTIONS:
        raise ValueError(
            f"{model_name}: shortcut must be one of {', '.join(map(repr, SHORTCUT_OPTIONS))} "
            f"(Sec. 3.3: 'A' zero-padded identity, 'B' projections where the shape changes, "
            f"'C' projections everywhere); got {shortcut!r}"
        )
    if not isinstance(residual, bool):
        raise ValueError(f"{model_name}: residual must be True (ResNet) or False (the plain network); got {residual!r}")


def _lookup(tables, depth, model_name, where):
    """The stage table of ``depth`` and the depth as a plain ``int``.

    Numpy integers pass; a float such as ``20.0`` is refused, since it would
    otherwise match 20 and name the model "resnet20.0".
    """
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) or depth not in tables:
        kind = "" if isinstance(depth, numbers.Integral) else f" (a {type(depth).__name__})"
        raise ValueError(
            f"{model_name}: depth must be one of the integers {', '.join(map(str, tables))} "
            f"({where}); got {depth!r}{kind}"
        )
    return tables[depth], int(depth)


def _default_name(depth, residual, stride_placement, table) -> str:
    """The naming rule: "resnet{depth}" or "plain{depth}" without shortcuts,
    "_v1_5" for a bottleneck network with torchvision's stride placement."""
    name = f"{'resnet' if residual is True else 'plain'}{depth}"
    return name + ("_v1_5" if stride_placement == "v1.5" and table.block == "bottleneck" else "")


def _stages(x, table: StageTable, *, stride_placement, shortcut, residual):
    """The stem and every stage's blocks, named ``conv{stage}_block{index}``."""
    stem = table.stem
    x = _conv_bn_relu(x, stem.filters, stem.kernel, stride=stem.stride, name="conv1")
    if stem.pool:
        # The pool follows a ReLU, so zero padding never wins the max: it acts
        # as the -inf padding of Caffe's pooling.
        x = layers.ZeroPadding2D(stem.pool // 2, name="pool1_pad")(x)
        x = layers.MaxPooling2D(stem.pool, strides=stem.pool_stride, name="pool1_pool")(x)

    channels = stem.filters
    stages = zip(table.stackwise_num_blocks, table.stackwise_num_filters, table.stackwise_strides, table.out_filters)
    for stage, (blocks, filters, stride, out_filters) in enumerate(stages, start=2):
        for index in range(1, blocks + 1):
            block_stride = stride if index == 1 else 1
            changes_shape = block_stride > 1 or channels != out_filters
            kind = _shortcut_kind(shortcut, residual, changes_shape)
            block_name = f"conv{stage}_block{index}"
            if table.block == "basic":
                x = basic_block(x, filters, stride=block_stride, shortcut=kind, name=block_name)
            else:
                x = bottleneck_block(
                    x,
                    filters,
                    stride=block_stride,
                    stride_placement=stride_placement,
                    shortcut=kind,
                    name=block_name,
                )
            channels = out_filters
    return x


def _classifier(x, contract):
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Dense(
        contract.classes,
        activation=contract.classifier_activation,
        kernel_initializer=KERNEL_INITIALIZER,
        name="predictions",
    )(x)


def _build(table: StageTable, args, *, default_shape):
    """Any stage table as a model; ``args`` is the builder's ``locals()``,
    with ``name`` resolved by the naming rule."""
    options = {key: args[key] for key in ("stride_placement", "shortcut", "residual")}
    _check_flags(args["name"], **options)
    return _common.assemble(
        args,
        features=lambda x, _: _stages(x, table, **options),
        top=_classifier,
        default_shape=default_shape,
        min_size=min_input_size(_strided_rows(table, options["stride_placement"])),
    )


# The docstring text the builders share, written once; `_common.fill_docstring`
# puts it in place of each ``{key}`` line (help() shows the result whole).
_DOC = {
    "contract_args": """include_top: whether to end with the pooling and the classifier.
weights: None (He initialisation) or the path of a weights file.
input_tensor: optional Keras tensor to use as the image input.
input_shape: (height, width, channels); default (224, 224, 3)
    with the top, (None, None, 3) (any size) without it. The top
    pools globally, so it takes any size too when asked.
pooling: with ``include_top=False``: None (the 4D conv5 features),
    "avg" or "max" (global pooling).
classes: units of the classifier.
classifier_activation: activation of the classifier ("softmax",
    None for logits, ...).
name: the model's name; default "resnet{depth}" ("plain{depth}"
    without shortcuts, "_v1_5" appended for that stride placement).
stride_placement: "paper" (stride on a bottleneck's first 1x1) or
    "v1.5" (on its 3x3). No effect on basic blocks (18, 34).
shortcut: "A" (zero-padded identity), "B" (projection where the
    shape changes, identity elsewhere) or "C" (projection everywhere).
residual: False gives the paper's plain network: the same layers
    without shortcuts or additions.""",
    # What a Table 1 column's own builder says beyond its summary and example.
    "imagenet_variant": """Reference:
    K. He, X. Zhang, S. Ren, J. Sun. Deep Residual Learning for Image
    Recognition. CVPR 2016 (arXiv:1512.03385), {where}

Deviations from the paper:
    {deviations}

Args:
    {contract_args}

Returns:
    An uncompiled `keras.Model`, {params} trainable parameters with
    the defaults (torchvision's {builder} count).

Example:
""",
    "deviations": """None with the defaults; ``stride_placement="v1.5"`` is
torchvision's variant.""",
}

# Each Table 1 builder's own sentences, put into ``_DOC["imagenet_variant"]``.
_IMAGENET_DOCS = {
    "resnet18": {
        "where": "Table 1.",
        "deviations": """Option B shortcuts where Table 2's 18-layer network used option A
(pass ``shortcut="A"`` for that one); otherwise as `resnet`.""",
        "params": "11,689,512",
    },
    "resnet34": {
        "where": "Table 1, Fig. 3.",
        "deviations": """Option B shortcuts (Table 3's "ResNet-34 B") where Table 2 used
option A (pass ``shortcut="A"`` for that one); otherwise as `resnet`.""",
        "params": "21,797,672",
    },
    "resnet50": {
        "where": "Table 1, Sec. 4.1.",
        "deviations": """None with the defaults (option B, as Sec. 4.1 uses for 50 layers and
more); ``stride_placement="v1.5"`` is torchvision's variant.""",
        "params": "25,557,032",
    },
    "resnet101": {"where": "Table 1, Sec. 4.1.", "params": "44,549,160"},
    "resnet152": {"where": "Table 1, Sec. 4.1.", "params": "60,192,808"},
}


def resnet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
           classifier_activation="softmax", name=None, *, depth=50, stride_placement="paper", shortcut="B",
           residual=True):  # fmt: skip
    """An ImageNet ResNet of Table 1 (18, 34, 50, 101 or 152 layers).

    conv1 (7x7, 64, stride 2) -> 112, 3x3 max pool stride 2 -> 56, stages
    conv2_x to conv5_x -> 56, 28, 14, 7 (basic blocks for 18 and 34,
    bottlenecks for 50 and deeper), global average pooling, a 1000-way fully
    connected layer and softmax. Batch norm after every convolution, ReLU
    after each addition.

    Reference:
        K. He, X. Zhang, S. Ren, J. Sun. Deep Residual Learning for Image
        Recognition. CVPR 2016 (arXiv:1512.03385), Table 1, Sec. 3.3, 3.4.

    Deviations from the paper:
        None with the defaults. ``stride_placement="v1.5"`` is torchvision's
        ResNet, not the paper's models. The padding of conv1, the max pool
        and the 3x3 convolutions (symmetric, as in Caffe), where a
        bottleneck's stride sits, and batch norm's epsilon (1e-5) and
        momentum (0.9) are choices where the paper says nothing. Table 2's
        18/34-layer networks use option A; these default to option B, which
        Table 3 also reports and torchvision uses.

    Args:
        depth: 18, 34, 50, 101 or 152.
        {contract_args}

    Returns:
        An uncompiled `keras.Model`.

    Example:

    >>> model = resnet(depth=18, input_shape=(64, 64, 3), classes=10)
    >>> model.output_shape
    (None, 10)
    """
    table, depth = _lookup(IMAGENET_TABLES, depth, "resnet", "Table 1")
    if name is None:
        name = _default_name(depth, residual, stride_placement, table)
    return _build(table, locals(), default_shape=(224, 224, 3))


def resnet18(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name=None, *, stride_placement="paper", shortcut="B", residual=True):  # fmt: skip
    """ResNet-18: basic blocks [2, 2, 2, 2], 1.8 billion multiply-adds (Table 1).

    {imagenet_variant}
    >>> resnet18().output_shape
    (None, 1000)
    """
    return resnet(**locals(), depth=18)


def resnet34(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name=None, *, stride_placement="paper", shortcut="B", residual=True):  # fmt: skip
    """ResNet-34: basic blocks [3, 4, 6, 3], 3.6 billion multiply-adds (Table 1).

    {imagenet_variant}
    >>> resnet34(include_top=False, pooling="avg").output_shape
    (None, 512)
    """
    return resnet(**locals(), depth=34)


def resnet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name=None, *, stride_placement="paper", shortcut="B", residual=True):  # fmt: skip
    """ResNet-50: bottleneck blocks [3, 4, 6, 3], 3.8 billion multiply-adds (Table 1).

    {imagenet_variant}
    >>> resnet50(include_top=False, input_shape=(224, 224, 3)).output_shape
    (None, 7, 7, 2048)
    """
    return resnet(**locals(), depth=50)


def resnet101(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None, *, stride_placement="paper", shortcut="B", residual=True):  # fmt: skip
    """ResNet-101: bottleneck blocks [3, 4, 23, 3], 7.6 billion multiply-adds (Table 1).

    {imagenet_variant}
    >>> resnet101(classes=10).output_shape
    (None, 10)
    """
    return resnet(**locals(), depth=101)


def resnet152(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None, *, stride_placement="paper", shortcut="B", residual=True):  # fmt: skip
    """ResNet-152: bottleneck blocks [3, 8, 36, 3], 11.3 billion multiply-adds (Table 1).

    {imagenet_variant}
    >>> resnet152().get_layer("conv5_block3_out").output.shape
    (None, 7, 7, 2048)
    """
    return resnet(**locals(), depth=152)


def cifar_resnet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                 classifier_activation="softmax", name=None, *, depth=20, shortcut="A", residual=True):  # fmt: skip
    """A CIFAR-10 ResNet of Sec. 4.2: 6n+2 layers on 32x32 images.

    conv1 (3x3, 16) on the 32x32 input, then three stages of n basic blocks
    (2n 3x3 convolutions) with 16, 32 and 64 filters at 32x32, 16x16 and
    8x8, subsampling by a stride-2 first convolution in the second and third
    stages, global average pooling, a 10-way fully connected layer and
    softmax.

    Reference:
        K. He, X. Zhang, S. Ren, J. Sun. Deep Residual Learning for Image
        Recognition. CVPR 2016 (arXiv:1512.03385), Sec. 4.2, Table 6.

    Deviations from the paper:
        None with the defaults (option A shortcuts, as Sec. 4.2 uses on
        CIFAR-10). The 3x3 padding (1 on every side), the place of option
        A's zero channels (after the input's) and batch norm's epsilon and
        momentum are choices where the paper says nothing.

    Args:
        depth: 20, 32, 44, 56, 110 or 1202 (n = 3, 5, 7, 9, 18, 200).
        include_top: whether to end with the pooling and the classifier.
        weights: None (He initialisation) or the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: (height, width, channels); default (32, 32, 3)
            with the top, (None, None, 3) (any size) without it.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes: units of the classifier; CIFAR-10 has 10.
        classifier_activation: activation of the classifier.
        name: the model's name; default "resnet{depth}" ("plain{depth}"
            without shortcuts).
        shortcut: "A" (zero-padded identity, the paper's choice here), "B"
            or "C" (projections), as for `resnet`.
        residual: False gives the plain network of Fig. 6 (left): the same
            layers without shortcuts or additions.

    Returns:
        An uncompiled `keras.Model`.

    Example:

    >>> model = cifar_resnet(depth=20)
    >>> model.output_shape, model.get_layer("conv4_block3_out").output.shape
    ((None, 10), (None, 8, 8, 64))
    """
    table, depth = _lookup(CIFAR_TABLES, depth, "cifar_resnet", "6n+2, Sec. 4.2 and Table 6")
    if name is None:
        name = _default_name(depth, residual, "paper", table)
    stride_placement = "paper"  # basic blocks only: nothing to place
    return _build(table, locals(), default_shape=(32, 32, 3))


_common.fill_docstring(resnet, _DOC)
for _builder in (resnet18, resnet34, resnet50, resnet101, resnet152):
    _common.fill_docstring(_builder, {**_DOC, **_IMAGENET_DOCS[_builder.__name__]})
del _builder


# --------------------------------------------------------------------------
# Registered variants
# --------------------------------------------------------------------------

IMAGENET = Family("resnet", PAPER, (224, 224, 3), recipe="resnet")
_WHERE = "option B shortcuts, stride on a bottleneck's first 1x1 (the authors' Caffe models)"
IMAGENET.add("resnet18", resnet18, f"ResNet-18, Table 1: basic blocks [2, 2, 2, 2], {_WHERE}")
IMAGENET.add("resnet34", resnet34, f"ResNet-34, Table 1: basic blocks [3, 4, 6, 3], {_WHERE}")
IMAGENET.add("resnet50", resnet50, f"ResNet-50, Table 1: bottleneck blocks [3, 4, 6, 3], {_WHERE}")
IMAGENET.add("resnet101", resnet101, f"ResNet-101, Table 1: bottleneck blocks [3, 4, 23, 3], {_WHERE}")
IMAGENET.add("resnet152", resnet152, f"ResNet-152, Table 1: bottleneck blocks [3, 8, 36, 3], {_WHERE}")
_V1_5 = "v1.5 (torchvision): the downsampling stride on the bottleneck's 3x3"
IMAGENET.add("resnet50_v1_5", resnet50, f"ResNet-50 {_V1_5}", name="resnet50_v1_5", stride_placement="v1.5")
IMAGENET.add("resnet101_v1_5", resnet101, f"ResNet-101 {_V1_5}", name="resnet101_v1_5", stride_placement="v1.5")
IMAGENET.add("resnet152_v1_5", resnet152, f"ResNet-152 {_V1_5}", name="resnet152_v1_5", stride_placement="v1.5")

CIFAR = Family("resnet", PAPER, (32, 32, 3), recipe="resnet_cifar")
_CIFAR_KINDS = (
    ("resnet", True, "ResNet", "option A shortcuts"),
    ("plain", False, "plain network", "no shortcuts"),
)
for _prefix, _residual, _what, _shortcuts in _CIFAR_KINDS:
    for _depth in (20, 32, 44, 56, 110):
        CIFAR.add(
            f"{_prefix}{_depth}",
            cifar_resnet,
            f"CIFAR-10 {_what}, {_depth} layers (Sec. 4.2, n={(_depth - 2) // 6}), {_shortcuts}",
            depth=_depth,
            classes=10,
            residual=_residual,
            name=f"{_prefix}{_depth}",
        )
del _prefix, _residual, _what, _shortcuts, _depth
