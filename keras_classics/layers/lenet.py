"""The pieces of LeNet-5 (LeCun et al., 1998) that Keras does not ship.

* `scaled_tanh`: the squashing function ``1.7159 tanh(2a/3)`` (Appendix A),
  and `negative`, which turns RBF penalties into logits;
* `Subsampling`: S2 and S4, a trainable coefficient and bias per map on the
  2x2 sums;
* `EuclideanRBF`: the output layer's squared distances to fixed +-1
  prototypes (`rbf_prototypes`, `digit_prototypes`).

LeNet-5's C3 is `keras_classics.layers.SparseConv2D`.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_classics.layers.convolution import _pair, _spatial_output

__all__ = ["scaled_tanh", "negative", "Subsampling", "EuclideanRBF", "digit_prototypes", "rbf_prototypes"]


# Appendix A: A and S make f(1) = 1 and f(-1) = -1, so the targets +-1 sit
# where f's second derivative peaks, not in its flat asymptotes.
SCALED_TANH_AMPLITUDE = 1.7159
SCALED_TANH_SLOPE = 2.0 / 3.0


@keras.saving.register_keras_serializable(package="keras_classics")
def scaled_tanh(x):
    """LeNet-5's squashing function ``f(a) = A tanh(S a)``, ``A = 1.7159``, ``S = 2/3``.

    Section II.B and Appendix A of the paper; ``f(1) ~ 1`` and ``f(-1) ~ -1``.
    Registered with Keras, so a layer's config names it ``keras_classics>scaled_tanh``.

    >>> round(float(scaled_tanh(keras.ops.convert_to_tensor(1.0))), 4)
    1.0
    """
    return ops.multiply(SCALED_TANH_AMPLITUDE, ops.tanh(ops.multiply(SCALED_TANH_SLOPE, x)))


@keras.saving.register_keras_serializable(package="keras_classics")
def negative(x):
    """``-x``: turns the RBF penalties into logits (low penalty, high score)."""
    return ops.negative(x)


# Our own drawing of the ten digits in 7x12 bitmaps ("#" = +1, "." = -1),
# in the spirit of Fig. 3, whose exact pixels the paper does not list.
_DIGIT_BITMAPS = """
..###.. ...#... ..###.. .#####. .....#. ####### ..####. ####### ..###.. ..###..
.#...#. ..##... .#...#. #.....# ....##. #...... .#..... ......# .#...#. .#...#.
#.....# .#.#... #.....# ......# ...#.#. #...... #...... .....#. #.....# #.....#
#.....# ...#... ......# ......# ..#..#. #...... #...... .....#. #.....# #.....#
#.....# ...#... .....#. .....#. .#...#. ######. #.###.. ....#.. .#...#. #.....#
#.....# ...#... ....#.. ..###.. #....#. ......# ##...#. ....#.. ..###.. .#...##
#.....# ...#... ...#... .....#. ####### ......# #.....# ...#... .#...#. ..###.#
#.....# ...#... ..#.... ......# .....#. ......# #.....# ...#... #.....# ......#
#.....# ...#... .#..... ......# .....#. ......# #.....# ..#.... #.....# ......#
#.....# ...#... #...... ......# .....#. ......# #.....# ..#.... #.....# .....#.
.#...#. ...#... #...... #.....# .....#. #.....# .#...#. ..#.... .#...#. ....#..
..###.. .#####. ####### .#####. .....#. .#####. ..###.. ..#.... ..###.. .###...
"""
_BITMAP_ROWS, _BITMAP_COLS = 12, 7


def digit_prototypes() -> np.ndarray:
    """The ten digit codes, shape ``(10, 84)``: row ``d`` is digit ``d``'s
    7x12 bitmap read row by row, ink +1 and background -1."""
    rows = [line.split() for line in _DIGIT_BITMAPS.strip().splitlines()]
    glyphs = ["".join(row[digit] for row in rows) for digit in range(10)]
    return np.array([[1.0 if pixel == "#" else -1.0 for pixel in glyph] for glyph in glyphs], dtype="float32")


def _splitmix64(seed: int) -> int:
    mask = (1 << 64) - 1
    z = (seed + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def rbf_prototypes(units: int, input_dim: int) -> np.ndarray:
    """The fixed +-1 prototypes of `EuclideanRBF`, shape ``(units, input_dim)``.

    For LeNet-5's own shape, ten classes on F6's 84 units, these are the
    digit bitmaps of `digit_prototypes`. For any other shape the paper gives
    no code, so component ``j`` of prototype ``i`` is +1 when the top bit of
    SplitMix64(``i * input_dim + j``) is set and -1 otherwise: a fixed
    pseudo-random code, the same on every machine and Keras version, whose
    prototypes lie about ``input_dim / 2`` sign flips apart.
    """
    if (units, input_dim) == (10, _BITMAP_ROWS * _BITMAP_COLS):
        return digit_prototypes()
    bits = [[_splitmix64(i * input_dim + j) >> 63 for j in range(input_dim)] for i in range(units)]
    return np.where(np.array(bits, dtype=bool).reshape(units, input_dim), 1.0, -1.0).astype("float32")


@keras.saving.register_keras_serializable(package="keras_classics")
class Subsampling(keras.layers.Layer):
    """LeNet-5's trainable subsampling (S2 and S4, section II.B).

    "The four inputs to a unit in S2 are added, then multiplied by a
    trainable coefficient, and added to a trainable bias. The result is
    passed through a sigmoidal function." One coefficient and one bias per
    map: ``2 * channels`` parameters (12 for S2, 32 for S4). Windows do not
    overlap by default (``strides = pool_size``) and never pad.

    Args:
        pool_size: int or ``(ph, pw)``; the paper's 2.
        strides: int or pair; ``None`` means ``pool_size``.
        activation: applied after the coefficient and bias.
        coefficient_initializer: ``None`` starts every coefficient at
            ``1 / (ph * pw)``, so the layer begins as an average pool.
        bias_initializer: initialiser of the biases.
        **kwargs: passed to `keras.layers.Layer`.

    Example:

    >>> layer = Subsampling(2)
    >>> y = layer(keras.ops.ones((1, 4, 4, 3)))
    >>> tuple(y.shape), layer.count_params(), float(y[0, 0, 0, 0])
    ((1, 2, 2, 3), 6, 1.0)
    """

    def __init__(
        self,
        pool_size=2,
        strides=None,
        activation=None,
        coefficient_initializer=None,
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.pool_size = _pair(pool_size, "Subsampling: pool_size")
        self.strides = self.pool_size if strides is None else _pair(strides, "Subsampling: strides")
        self.activation = keras.activations.get(activation)
        self.coefficient_initializer = (
            None if coefficient_initializer is None else keras.initializers.get(coefficient_initializer)
        )
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        channels = input_shape[-1]
        area = self.pool_size[0] * self.pool_size[1]
        initializer = self.coefficient_initializer or keras.initializers.Constant(1.0 / area)
        self.coefficient = self.add_weight(name="coefficient", shape=(channels,), initializer=initializer)
        self.bias = self.add_weight(name="bias", shape=(channels,), initializer=self.bias_initializer)

    def call(self, inputs):
        area = self.pool_size[0] * self.pool_size[1]
        # A valid average pool times the window's area is the window's sum.
        sums = ops.multiply(ops.average_pool(inputs, self.pool_size, self.strides, padding="valid"), area)
        outputs = ops.add(ops.multiply(sums, ops.cast(self.coefficient, sums.dtype)), ops.cast(self.bias, sums.dtype))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        size = [_spatial_output(s, k, st) for s, k, st in zip((height, width), self.pool_size, self.strides)]
        return (batch, size[0], size[1], channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "strides": self.strides,
                "activation": keras.activations.serialize(self.activation),
                "coefficient_initializer": (
                    None
                    if self.coefficient_initializer is None
                    else keras.initializers.serialize(self.coefficient_initializer)
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_classics")
class EuclideanRBF(keras.layers.Layer):
    """LeNet-5's output layer: squared Euclidean distances to fixed prototypes.

    Section II.B, eq. 7: ``y_i = sum_j (x_j - w_ij)^2``. Each output is a
    penalty, small when the input is close to class ``i``'s prototype. "The
    parameter vectors of these units were chosen by hand and kept fixed": the
    ``(units, input_dim)`` prototypes are a non-trainable weight of +-1
    codes, from `rbf_prototypes` (the digit bitmaps for 10 units on 84
    inputs). They count in ``count_params()`` (840 for LeNet-5) but not
    among the trainable weights.

    Args:
        units: number of classes.
        **kwargs: passed to `keras.layers.Layer`.

    Example:

    >>> rbf = EuclideanRBF(3)
    >>> rbf.build((None, 4))
    >>> y = rbf(keras.ops.convert_to_tensor(rbf.prototypes.numpy()[1:2]))
    >>> float(y[0, 1]), len(rbf.trainable_weights), rbf.count_params()
    (0.0, 0, 12)
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"EuclideanRBF: units must be a positive int, got {units!r}")
        self.units = units

    def build(self, input_shape):
        input_dim = input_shape[-1]
        codes = rbf_prototypes(self.units, input_dim)
        self.prototypes = self.add_weight(
            name="prototypes",
            shape=(self.units, input_dim),
            initializer=lambda shape, dtype=None: ops.convert_to_tensor(codes, dtype=dtype),
            trainable=False,
        )

    def call(self, inputs):
        # The direct difference, not |x|^2 - 2xw + |w|^2: exact zero at a prototype.
        differences = ops.subtract(ops.expand_dims(inputs, -2), ops.cast(self.prototypes, inputs.dtype))
        return ops.sum(ops.square(differences), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config
