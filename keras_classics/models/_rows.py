"""The rows every architecture table is written in, and the one reader of them.

A network's plain layers are a tuple of rows, one per layer, named as the
model's layers are and in one field order for every family::

    Conv(name, filters, kernel, stride=1, padding="valid", ...)
    Pool(name, pool, stride, padding="valid")
    Norm(name, size=5, alpha=1e-4, beta=0.75, bias=2.0, averaged_alpha=False)
    Pad(name, pixels)

Family blocks that are more than one layer (an inception module, a VGG
stage, a residual block) stay the family's own functions. `spatial` is the
one place that knows which rows change the resolution, and how, for
`min_input_size`; `apply_row` turns a row into its Keras layer.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple, Optional, Tuple, Union

import keras

from keras_classics import arithmetic
from keras_classics.layers import GroupedConv2D, LocalResponseNormalization

# Keras's "valid" or "same", or explicit pixels on every side (the
# conventions of `keras_classics.arithmetic`).
Padding = Union[str, int]


class Conv(NamedTuple):
    """A convolution followed by the family's activation.

    ``per_tower``: on AlexNet's two GPUs the layer sees only its own GPU's
    half of the input maps (Sec. 3.2), a grouped convolution under
    ``two_tower=True``. ``connections``: LeNet-5's C3 reads only these
    ``(input_map, output_map)`` pairs (Table I); None reads every map.
    """

    name: str
    filters: int
    kernel: int
    stride: int = 1
    padding: Padding = "valid"
    per_tower: bool = False
    connections: Optional[Tuple[Tuple[int, int], ...]] = None


class Pool(NamedTuple):
    """A pooling window; max pooling unless the family says otherwise
    (LeNet-5's paper form subsamples with trainable coefficients)."""

    name: str
    pool: int
    stride: int
    padding: Padding = "valid"


class Norm(NamedTuple):
    """Local response normalisation; the defaults are AlexNet's Sec. 3.3
    constants k=2, n=5, alpha=1e-4, beta=0.75, alpha times the plain sum of
    squares. ``averaged_alpha``: alpha is Caffe's and PyTorch's, divided by
    ``size`` (see `LocalResponseNormalization.from_averaged_alpha`)."""

    name: str
    size: int = 5
    alpha: float = 1e-4
    beta: float = 0.75
    bias: float = 2.0
    averaged_alpha: bool = False


class Pad(NamedTuple):
    """Explicit zero padding of ``pixels`` on every side (its own layer)."""

    name: str
    pixels: int


Row = Union[Conv, Pool, Norm, Pad]


def spatial(row) -> Optional[Tuple[int, int, Padding]]:
    """``(kernel, stride, padding)`` of a row that changes the resolution,
    None for one that does not (or is not a row of this module)."""
    if isinstance(row, Conv):
        return (row.kernel, row.stride, row.padding)
    if isinstance(row, Pool):
        return (row.pool, row.stride, row.padding)
    if isinstance(row, Pad):
        # A 1x1 window over the padded input: size + 2 * pixels.
        return (1, 1, row.pixels)
    return None


def min_input_size(rows: Iterable) -> int:
    """The smallest square input that leaves every feature map at least 1x1.

    >>> min_input_size([Conv("c1", 6, 5), Pool("s2", 2, 2), Conv("c3", 16, 5), Pool("s4", 2, 2)])
    16
    """
    return arithmetic.min_input_size(s for s in map(spatial, rows) if s is not None)


def apply_row(x, row: Row, *, activation="relu", two_tower: bool = False):
    """One row as its Keras layer, applied to ``x``.

    ``activation`` follows every convolution; ``two_tower`` makes the
    ``per_tower`` convolutions grouped (`GroupedConv2D`, two groups).
    """
    if isinstance(row, Conv):
        conv_args = dict(strides=row.stride, padding=row.padding, activation=activation, name=row.name)
        if two_tower and row.per_tower:
            return GroupedConv2D(row.filters, row.kernel, groups=2, **conv_args)(x)
        return keras.layers.Conv2D(row.filters, row.kernel, **conv_args)(x)
    if isinstance(row, Pool):
        return keras.layers.MaxPooling2D(row.pool, strides=row.stride, padding=row.padding, name=row.name)(x)
    if isinstance(row, Norm):
        make = LocalResponseNormalization.from_averaged_alpha if row.averaged_alpha else LocalResponseNormalization
        return make(size=row.size, alpha=row.alpha, beta=row.beta, bias=row.bias, name=row.name)(x)
    if isinstance(row, Pad):
        return keras.layers.ZeroPadding2D(row.pixels, name=row.name)(x)
    raise TypeError(f"unknown architecture row {row!r}")
