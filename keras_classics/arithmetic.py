"""Shape, parameter and cost arithmetic of convolutional networks.

Plain Python on purpose: importing this module never imports TensorFlow or
Keras, so the formulas can be used (and tested) on their own, and the spec
files in ``spec/`` can be checked against them independently of any builder.

Conventions
-----------
* Sizes are along one spatial axis; apply a function once per axis for
  non-square inputs.
* ``padding`` is one of

  - ``"valid"``: no padding (Keras);
  - ``"same"``: Keras/TensorFlow "same", whose total padding is split with the
    smaller half *before* and the larger half *after* (see `same_padding`);
  - an ``int`` ``p``: ``p`` pixels on both sides (Caffe, PyTorch);
  - a pair ``(before, after)`` of explicit pixel counts.

* Cost is counted in multiply-accumulates (MACs): one multiplication and one
  addition of a dot product. Bias additions, activations, pooling and
  normalisation are not counted. FLOPs are ``2 x MACs`` (see `flops`). The
  ResNet paper's Table 1 "FLOPs" are multiply-adds, i.e. MACs in this sense.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence, Tuple, Union

__all__ = [
    "Padding",
    "ReceptiveField",
    "BatchNormParams",
    "resolve_padding",
    "same_padding",
    "conv_output_size",
    "pool_output_size",
    "conv_params",
    "depthwise_conv_params",
    "dense_params",
    "batch_norm_params",
    "conv_macs",
    "depthwise_conv_macs",
    "dense_macs",
    "flops",
    "receptive_field_step",
    "receptive_field",
    "min_input_size",
    "stacked_3x3_comparison",
    "StackedKernelComparison",
    "bottleneck_comparison",
    "BottleneckComparison",
    "alexnet_conv1_output_size",
]

Padding = Union[str, int, Tuple[int, int]]

_PADDING_WORDS = ("valid", "same")
_ROUNDING_WORDS = ("floor", "ceil")


# --------------------------------------------------------------------------
# Argument checks. Each names the argument and says what would be right.
# --------------------------------------------------------------------------


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _pair(name: str, value) -> Tuple[int, int]:
    """Accept ``k`` or ``(kh, kw)``; return ``(kh, kw)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width), got {value!r}")
        return (_check_int(name, value[0], 1), _check_int(name, value[1], 1))
    value = _check_int(name, value, 1)
    return (value, value)


def _effective_kernel(kernel: int, dilation: int) -> int:
    """Extent of a dilated kernel: ``d * (k - 1) + 1``."""
    return dilation * (kernel - 1) + 1


# --------------------------------------------------------------------------
# Padding and output sizes
# --------------------------------------------------------------------------


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> Tuple[int, int]:
    """Padding ``(before, after)`` that TensorFlow applies for ``"same"``.

    The output size is ``ceil(size / stride)``; the total padding is whatever
    makes that come out, and TensorFlow puts the odd pixel *after*. So a 3x3
    convolution at stride 2 on an even input pads 0 before and 1 after, while
    Caffe and PyTorch would pad 1 on both sides.
    """
    size = _check_int("size", size, 1)
    kernel = _check_int("kernel", kernel, 1)
    stride = _check_int("stride", stride, 1)
    dilation = _check_int("dilation", dilation, 1)
    extent = _effective_kernel(kernel, dilation)
    out = -(-size // stride)
    total = max((out - 1) * stride + extent - size, 0)
    return (total // 2, total - total // 2)


def resolve_padding(
    size: int, kernel: int, stride: int = 1, padding: Padding = "valid", dilation: int = 1
) -> Tuple[int, int]:
    """Return ``padding`` as explicit pixels ``(before, after)``."""
    if isinstance(padding, str):
        word = padding.lower()
        if word == "valid":
            return (0, 0)
        if word == "same":
            return same_padding(size, kernel, stride, dilation)
        raise ValueError(f"padding must be 'valid', 'same', an int or a pair (before, after), got {padding!r}")
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(f"padding as a sequence must be a pair (before, after), got {padding!r}")
        return (_check_int("padding", padding[0], 0), _check_int("padding", padding[1], 0))
    p = _check_int("padding", padding, 0)
    return (p, p)


def _sliding_output_size(
    size: int,
    kernel: int,
    stride: int,
    padding: Padding,
    dilation: int,
    rounding: str,
    what: str,
) -> int:
    size = _check_int("size", size, 1)
    kernel = _check_int(what, kernel, 1)
    stride = _check_int("stride", stride, 1)
    dilation = _check_int("dilation", dilation, 1)
    if rounding not in _ROUNDING_WORDS:
        raise ValueError(f"rounding must be 'floor' or 'ceil', got {rounding!r}")
    before, after = resolve_padding(size, kernel, stride, padding, dilation)
    if rounding == "ceil" and max(before, after) > kernel // 2:
        # Past half the window, a ceil-mode window can lie wholly in the
        # padding; Caffe's single correction then miscounts and PyTorch
        # refuses such padding. Refuse it too.
        raise ValueError(
            f"padding {before}+{after} is more than half the pool {kernel}; with "
            "rounding='ceil' the padding must be at most pool // 2"
        )
    padded = size + before + after
    extent = _effective_kernel(kernel, dilation)
    if extent > padded:
        raise ValueError(
            f"{what} {kernel}"
            + (f" (dilated extent {extent})" if dilation > 1 else "")
            + f" is larger than the padded input {padded} (size {size} + padding {before}+{after});"
            f" the input must be at least {extent - before - after}"
        )
    span = padded - extent
    if rounding == "floor":
        steps = span // stride
    else:
        steps = -(-span // stride)
        # Caffe's rule: the last window must start inside the input or its
        # leading padding, never wholly in the trailing padding.
        if steps * stride >= size + before:
            steps -= 1
    return steps + 1


def conv_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: Padding = "valid",
    dilation: int = 1,
) -> int:
    """Output size of a convolution along one axis.

    ``floor((size + before + after - d*(k-1) - 1) / stride) + 1``.

    >>> conv_output_size(227, 11, stride=4)   # AlexNet conv1
    55
    >>> conv_output_size(224, 11, stride=4)
    54
    >>> conv_output_size(224, 7, stride=2, padding="same")
    112
    """
    return _sliding_output_size(size, kernel, stride, padding, dilation, "floor", "kernel")


def pool_output_size(
    size: int,
    pool: int,
    stride: int | None = None,
    padding: Padding = "valid",
    rounding: str = "floor",
) -> int:
    """Output size of max or average pooling along one axis.

    ``stride`` defaults to ``pool`` (as in Keras). ``rounding="ceil"`` is
    Caffe's pooling rule (and PyTorch's ``ceil_mode=True``), under which the
    last window may hang over the input's end.

    >>> pool_output_size(55, 3, stride=2)    # AlexNet's overlapping pooling
    27
    >>> pool_output_size(112, 3, stride=2, rounding="ceil")   # GoogLeNet (Caffe)
    56
    """
    if stride is None:
        stride = pool
    return _sliding_output_size(size, pool, stride, padding, 1, rounding, "pool")


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


def conv_params(
    kernel,
    in_channels: int,
    filters: int,
    groups: int = 1,
    use_bias: bool = True,
) -> int:
    """Weights (and biases) of a 2D convolution.

    ``kh * kw * (in_channels / groups) * filters + filters``: with ``groups``
    each filter sees only its group's ``in_channels / groups`` inputs.

    >>> conv_params(11, 3, 96)               # AlexNet conv1
    34944
    >>> conv_params(5, 96, 256, groups=2)    # conv2 on two GPUs
    307456
    """
    kh, kw = _pair("kernel", kernel)
    in_channels = _check_int("in_channels", in_channels, 1)
    filters = _check_int("filters", filters, 1)
    groups = _check_int("groups", groups, 1)
    if in_channels % groups or filters % groups:
        raise ValueError(f"groups={groups} must divide both in_channels={in_channels} and filters={filters}")
    return kh * kw * (in_channels // groups) * filters + (filters if use_bias else 0)


def depthwise_conv_params(kernel, in_channels: int, depth_multiplier: int = 1, use_bias: bool = True) -> int:
    """Weights of a depthwise convolution: one ``kh x kw`` filter per input
    channel and multiplier, ``kh * kw * in_channels * depth_multiplier``."""
    kh, kw = _pair("kernel", kernel)
    in_channels = _check_int("in_channels", in_channels, 1)
    depth_multiplier = _check_int("depth_multiplier", depth_multiplier, 1)
    out = in_channels * depth_multiplier
    return kh * kw * out + (out if use_bias else 0)


def dense_params(in_units: int, units: int, use_bias: bool = True) -> int:
    """Weights of a fully connected layer, ``in_units * units (+ units)``.

    >>> dense_params(6 * 6 * 256, 4096)      # AlexNet fc6
    37752832
    """
    in_units = _check_int("in_units", in_units, 1)
    units = _check_int("units", units, 1)
    return in_units * units + (units if use_bias else 0)


@dataclass(frozen=True)
class BatchNormParams:
    """Batch norm's parameters, learned and accumulated kept apart.

    Keras counts the moving mean and variance in ``count_params()`` as
    non-trainable parameters; PyTorch does not count them at all.
    """

    trainable: int
    non_trainable: int

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable


def batch_norm_params(channels: int, center: bool = True, scale: bool = True) -> BatchNormParams:
    """gamma and beta (trainable) plus moving mean and variance (not).

    >>> batch_norm_params(64)
    BatchNormParams(trainable=128, non_trainable=128)
    """
    channels = _check_int("channels", channels, 1)
    return BatchNormParams(trainable=channels * (int(center) + int(scale)), non_trainable=2 * channels)


# --------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------


def conv_macs(output_size, kernel, in_channels: int, filters: int, groups: int = 1) -> int:
    """Multiply-accumulates of a convolution for one image.

    Every output value is a dot product of length ``kh * kw * in_channels /
    groups``: ``out_h * out_w * filters * kh * kw * in_channels / groups``.
    Bias additions are not counted.

    >>> conv_macs(55, 11, 3, 96)             # AlexNet conv1 at 227
    105415200
    """
    oh, ow = _pair("output_size", output_size)
    weights = conv_params(kernel, in_channels, filters, groups, use_bias=False)
    return oh * ow * weights


def depthwise_conv_macs(output_size, kernel, in_channels: int, depth_multiplier: int = 1) -> int:
    """Multiply-accumulates of a depthwise convolution for one image."""
    oh, ow = _pair("output_size", output_size)
    return oh * ow * depthwise_conv_params(kernel, in_channels, depth_multiplier, use_bias=False)


def dense_macs(in_units: int, units: int) -> int:
    """Multiply-accumulates of a fully connected layer: ``in_units * units``."""
    return dense_params(in_units, units, use_bias=False)


def flops(macs: int) -> int:
    """FLOPs counted as two operations (a multiply and an add) per MAC."""
    macs = _check_int("macs", macs, 0)
    return 2 * macs


# --------------------------------------------------------------------------
# Receptive fields
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of one unit of a layer, along one axis.

    ``size``: how many input pixels one unit sees. ``jump``: the distance in
    input pixels between neighbouring units (the product of the strides).
    ``start``: the centre of the first unit's field in input coordinates
    (pixel centres at 0, 1, 2, ...; negative means it lies in the padding).
    """

    size: int = 1
    jump: int = 1
    start: float = 0.0


def receptive_field_step(
    rf: ReceptiveField,
    kernel: int,
    stride: int = 1,
    padding_before: int = 0,
    dilation: int = 1,
) -> ReceptiveField:
    """Apply one layer to a receptive field (the standard recurrence).

    ``size' = size + (k_eff - 1) * jump``, ``jump' = jump * stride``,
    ``start' = start + ((k_eff - 1) / 2 - padding_before) * jump``.
    Layers that keep the resolution and mix no neighbours (1x1, activations,
    normalisation) leave it unchanged; use ``kernel=1``.
    """
    kernel = _check_int("kernel", kernel, 1)
    stride = _check_int("stride", stride, 1)
    padding_before = _check_int("padding_before", padding_before, 0)
    dilation = _check_int("dilation", dilation, 1)
    extent = _effective_kernel(kernel, dilation)
    return ReceptiveField(
        size=rf.size + (extent - 1) * rf.jump,
        jump=rf.jump * stride,
        start=rf.start + ((extent - 1) / 2 - padding_before) * rf.jump,
    )


def receptive_field(layers: Iterable[Sequence[int]]) -> ReceptiveField:
    """Receptive field after a chain of layers.

    Each layer is ``(kernel, stride)``, ``(kernel, stride, padding_before)``
    or ``(kernel, stride, padding_before, dilation)``.

    >>> receptive_field([(3, 1, 1)] * 3).size    # three stacked 3x3 convs
    7
    """
    rf = ReceptiveField()
    for index, layer in enumerate(layers):
        if not 2 <= len(layer) <= 4:
            raise ValueError(f"layer {index} must be (kernel, stride[, padding_before[, dilation]]), got {layer!r}")
        rf = receptive_field_step(rf, *layer)
    return rf


def min_input_size(
    layers: Iterable[Sequence],
    *,
    limit: int = 4096,
) -> int:
    """Smallest input size for which every layer of a chain has output >= 1.

    Each layer is ``(kernel, stride, padding)`` or ``(kernel, stride,
    padding, rounding)``, with ``padding`` as in `conv_output_size`. Builders
    use this to name the smallest input that works when given one too small.

    >>> min_input_size([(11, 4, 0), (3, 2, 0), (5, 1, 2), (3, 2, 0), (3, 1, 1), (3, 2, 0)])
    67
    """
    layers = [tuple(layer) for layer in layers]
    for size in range(1, limit + 1):
        current = size
        try:
            for layer in layers:
                kernel, stride, padding = layer[:3]
                rounding = layer[3] if len(layer) > 3 else "floor"
                current = _sliding_output_size(current, kernel, stride, padding, 1, rounding, "kernel")
        except ValueError:
            continue
        return size
    raise ValueError(f"no input size up to limit={limit} passes every layer")


# --------------------------------------------------------------------------
# The course's worked claims, as functions that can be called and tested
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class StackedKernelComparison:
    """n stacked 3x3 convolutions against one kernel of the same reach."""

    n: int
    channels: int
    receptive_field: int  # 2n + 1
    stacked_weights: int  # 9 n C^2
    single_weights: int  # (2n+1)^2 C^2

    @property
    def ratio(self) -> float:
        return self.single_weights / self.stacked_weights


def stacked_3x3_comparison(n: int, channels: int) -> StackedKernelComparison:
    """VGG's argument: ``n`` stacked 3x3 convolutions (stride 1, C -> C) see
    a ``(2n+1) x (2n+1)`` window, like one ``(2n+1) x (2n+1)`` kernel, with
    ``9 n C^2`` weights instead of ``(2n+1)^2 C^2`` (biases excluded).

    >>> c = stacked_3x3_comparison(3, 1)
    >>> (c.receptive_field, c.stacked_weights, c.single_weights)
    (7, 27, 49)
    """
    n = _check_int("n", n, 1)
    channels = _check_int("channels", channels, 1)
    rf = receptive_field([(3, 1, 1)] * n).size
    stacked = n * conv_params(3, channels, channels, use_bias=False)
    single = conv_params(rf, channels, channels, use_bias=False)
    return StackedKernelComparison(n, channels, rf, stacked, single)


@dataclass(frozen=True)
class BottleneckComparison:
    """A k x k convolution with and without a 1x1 reduction in front."""

    direct_weights: int
    bottleneck_weights: int

    @property
    def ratio(self) -> float:
        return self.direct_weights / self.bottleneck_weights


def bottleneck_comparison(
    in_channels: int = 128, reduced_channels: int = 32, out_channels: int = 256, kernel: int = 5
) -> BottleneckComparison:
    """GoogLeNet's 1x1 reduction: ``in -> reduced`` (1x1) then ``reduced ->
    out`` (k x k), against ``in -> out`` (k x k) directly. Biases excluded.

    >>> round(bottleneck_comparison().ratio, 2)   # 128 -> 32 -> 256, 5x5
    3.92
    """
    direct = conv_params(kernel, in_channels, out_channels, use_bias=False)
    reduced = conv_params(1, in_channels, reduced_channels, use_bias=False) + conv_params(
        kernel, reduced_channels, out_channels, use_bias=False
    )
    return BottleneckComparison(direct, reduced)


def alexnet_conv1_output_size(input_size: int) -> int:
    """AlexNet's conv1 (11x11, stride 4, no padding) on a square input.

    >>> alexnet_conv1_output_size(227), alexnet_conv1_output_size(224)
    (55, 54)
    """
    return conv_output_size(input_size, 11, stride=4, padding=0)
