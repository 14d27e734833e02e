"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998), as in the paper and in its modern form.

The paper's network (section II.B, Fig. 2) is seven layers on a 32x32 image::

    C1  conv 6@5x5        -> 28x28x6      156 params
    S2  subsampling 2x2   -> 14x14x6       12
    C3  conv 16@5x5       -> 10x10x16   1,516   (Table I: 60 of the 96 map pairs)
    S4  subsampling 2x2   ->  5x5x16       32
    C5  conv 120@5x5      ->  1x1x120  48,120
    F6  full 84           ->  84       10,164
    OUTPUT  10 Euclidean RBF units        (fixed, not trained)

every layer up to F6 squashed by ``f(a) = 1.7159 tanh(2a/3)`` (Appendix A):
60,000 trainable parameters. Three of its ideas have no Keras layer, so they
live here: `SparseConv2D` (C3's partial connection table), `Subsampling` (S2
and S4: a trainable coefficient and bias per map on the 2x2 sums) and
`EuclideanRBF` (the output's squared distances to fixed prototypes), plus
the registered activation `scaled_tanh`.

The modern form (``variant="modern"``) is the LeNet-5 of today's textbooks:
ReLU, max pooling, a dense C3 and a softmax dense output.

Layer names follow the paper: ``c1, s2, c3, s4, c5``, then ``flatten, f6``
and the classifier: ``output`` (the RBF penalties), ``logits`` (their
negation) and ``predictions`` in the paper form; ``predictions`` (a dense
layer) in the modern one.

Keras finds the custom layers and activations of a saved model only once
this module is imported: ``import keras_classics.models`` before
``keras.saving.load_model``.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple

import keras
import numpy as np
from keras import ops

from keras_classics import arithmetic
from keras_classics.models import _common
from keras_classics.registry import register

__all__ = ["lenet5"]

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


# --------------------------------------------------------------------------
# The paper's connection table and output codes
# --------------------------------------------------------------------------


def _c3_connections() -> Tuple[Tuple[int, int], ...]:
    """Table I as ``(s2_map, c3_map)`` pairs, ordered by C3 map.

    Section II.B: C3 maps 0-5 read every contiguous run of three S2 maps, 6-11
    every contiguous run of four, 12-14 three non-contiguous sets of four, and
    15 all six (the runs wrap around from map 5 to map 0).
    """
    inputs = [tuple((start + k) % 6 for k in range(3)) for start in range(6)]
    inputs += [tuple((start + k) % 6 for k in range(4)) for start in range(6)]
    inputs += [(0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5)]
    inputs += [tuple(range(6))]
    return tuple((s2_map, c3_map) for c3_map, maps in enumerate(inputs) for s2_map in sorted(maps))


C3_CONNECTIONS = _c3_connections()

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


# --------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------


def _spatial_output(size, kernel, stride):
    return None if size is None else arithmetic.conv_output_size(size, kernel, stride)


def _pair(value, what):
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in pair):
        raise ValueError(f"{what} must be a positive int or a pair of them, got {value!r}")
    return pair


@keras.saving.register_keras_serializable(package="keras_classics")
class SparseConv2D(keras.layers.Layer):
    """A convolution in which each output map reads only some input maps.

    LeNet-5's C3 (section II.B, Table I) connects its 16 maps to 60 of the 96
    (S2 map, C3 map) pairs: the paper's reasons are to keep the number of
    connections "within reasonable bounds" and to force "a break of symmetry
    in the network". ``connection_table`` lists the connected
    ``[input_map, output_map]`` pairs; only their weights are stored, as a
    ``(kh, kw, len(connection_table))`` kernel, so the parameter count is
    ``kh * kw * len(connection_table) + filters``: 1,516 for C3, not the
    2,416 of a dense convolution. The call scatters that kernel into a full
    ``(kh, kw, in_maps, filters)`` one with a constant 0/1 matrix and runs an
    ordinary convolution: the result equals a dense `Conv2D` whose
    unconnected weights are zero.

    Args:
        filters: number of output maps.
        kernel_size: int or ``(kh, kw)``.
        connection_table: sequence of ``(input_map, output_map)`` pairs.
        strides: int or pair.
        padding: ``"valid"`` or ``"same"``.
        activation: activation name or function.
        kernel_initializer: initialiser of the full dense kernel; the
            connected entries are kept, so the weights start as a dense
            `Conv2D`'s would.
        bias_initializer: initialiser of the ``filters`` biases.
        **kwargs: passed to `keras.layers.Layer`.

    Example:

    >>> layer = SparseConv2D(2, 3, connection_table=[[0, 0], [1, 1], [2, 1]])
    >>> layer.build((None, 8, 8, 3))
    >>> tuple(layer.kernel.shape), layer.count_params()
    ((3, 3, 3), 29)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        connection_table,
        strides=1,
        padding="valid",
        activation=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters < 1:
            raise ValueError(f"SparseConv2D: filters must be a positive int, got {filters!r}")
        self.filters = filters
        self.kernel_size = _pair(kernel_size, "SparseConv2D: kernel_size")
        self.strides = _pair(strides, "SparseConv2D: strides")
        if str(padding).lower() not in ("valid", "same"):
            raise ValueError(f"SparseConv2D: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = str(padding).lower()
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.connection_table = self._check_table(connection_table, filters)

    @staticmethod
    def _check_table(table, filters):
        pairs = []
        for pair in table:
            pair = tuple(pair)
            valid = all(not isinstance(v, bool) and isinstance(v, (int, np.integer)) and v >= 0 for v in pair)
            if len(pair) != 2 or not valid:
                raise ValueError(
                    f"SparseConv2D: connection_table entries must be [input_map, output_map] pairs of "
                    f"non-negative ints, got {pair!r}"
                )
            pairs.append((int(pair[0]), int(pair[1])))
        if not pairs:
            raise ValueError("SparseConv2D: connection_table is empty")
        if len(set(pairs)) != len(pairs):
            raise ValueError("SparseConv2D: connection_table lists a pair twice")
        if max(out for _, out in pairs) >= filters:
            raise ValueError(f"SparseConv2D: connection_table names an output map >= filters={filters}")
        return tuple(pairs)

    def build(self, input_shape):
        in_maps = input_shape[-1]
        highest = max(i for i, _ in self.connection_table)
        if in_maps is None:
            raise ValueError("SparseConv2D: the input's channel count must be known")
        if highest >= in_maps:
            raise ValueError(
                f"SparseConv2D: connection_table names input map {highest}, but the input has "
                f"only {in_maps} channels"
            )
        kh, kw = self.kernel_size
        n = len(self.connection_table)
        flat_index = [i * self.filters + o for i, o in self.connection_table]
        scatter = np.zeros((n, in_maps * self.filters), dtype="float32")
        scatter[np.arange(n), flat_index] = 1.0
        # Numpy, not a weight: the matrix is structure, rebuilt from the config.
        self._scatter = scatter
        self._in_maps = in_maps

        def init_connected(shape, dtype=None):
            full = self.kernel_initializer((kh, kw, in_maps, self.filters), dtype=dtype)
            return ops.take(ops.reshape(full, (kh, kw, in_maps * self.filters)), flat_index, axis=-1)

        self.kernel = self.add_weight(name="kernel", shape=(kh, kw, n), initializer=init_connected)
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)

    def full_kernel(self):
        """The dense ``(kh, kw, in_maps, filters)`` kernel, zero where unconnected."""
        kh, kw = self.kernel_size
        n = len(self.connection_table)
        scatter = ops.convert_to_tensor(self._scatter, dtype=self.kernel.dtype)
        full = ops.matmul(ops.reshape(self.kernel, (kh * kw, n)), scatter)
        return ops.reshape(full, (kh, kw, self._in_maps, self.filters))

    def call(self, inputs):
        kernel = ops.cast(self.full_kernel(), inputs.dtype)
        outputs = ops.conv(inputs, kernel, strides=self.strides, padding=self.padding)
        outputs = ops.add(outputs, ops.cast(self.bias, outputs.dtype))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        if self.padding == "same":
            size = [None if s is None else -(-s // st) for s, st in zip((height, width), self.strides)]
        else:
            windows = zip((height, width), self.kernel_size, self.strides)
            size = [_spatial_output(s, k, st) for s, k, st in windows]
        return (batch, size[0], size[1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "activation": keras.activations.serialize(self.activation),
                "connection_table": [list(pair) for pair in self.connection_table],
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config


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
        outputs = ops.add(
            ops.multiply(sums, ops.cast(self.coefficient, sums.dtype)), ops.cast(self.bias, sums.dtype)
        )
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


# --------------------------------------------------------------------------
# The architecture
# --------------------------------------------------------------------------


class Conv(NamedTuple):
    name: str
    filters: int
    kernel: int
    connections: Optional[Tuple[Tuple[int, int], ...]] = None  # None: every input map


class Pool(NamedTuple):
    name: str
    pool: int


# Section II.B and Fig. 2; shapes at the paper's 32x32 input.
FEATURES = (
    Conv("c1", filters=6, kernel=5),  # 28x28x6
    Pool("s2", pool=2),  # 14x14x6
    Conv("c3", filters=16, kernel=5, connections=C3_CONNECTIONS),  # 10x10x16, Table I
    Pool("s4", pool=2),  # 5x5x16
    Conv("c5", filters=120, kernel=5),  # 1x1x120, each map on all 16 S4 maps
)
F6_UNITS = 84  # F6 matches the 7x12 bitmaps of the output codes


class Variant(NamedTuple):
    activation: object
    trainable_subsampling: bool  # False: max pooling
    sparse_c3: bool  # False: C3 sees all six S2 maps
    rbf_output: bool  # False: a dense softmax classifier


VARIANTS = {
    "paper": Variant(scaled_tanh, trainable_subsampling=True, sparse_c3=True, rbf_output=True),
    "modern": Variant("relu", trainable_subsampling=False, sparse_c3=False, rbf_output=False),
}


def _spatial_layers():
    for row in FEATURES:
        if isinstance(row, Conv):
            yield (row.kernel, 1, "valid")
        else:
            yield (row.pool, row.pool, "valid")


def conv_layer(x, row: Conv, spec: Variant):
    if row.connections is not None and spec.sparse_c3:
        layer = SparseConv2D(
            row.filters, row.kernel, row.connections, activation=spec.activation, name=row.name
        )
        return layer(x)
    return keras.layers.Conv2D(row.filters, row.kernel, activation=spec.activation, name=row.name)(x)


def pool_layer(x, row: Pool, spec: Variant):
    if spec.trainable_subsampling:
        return Subsampling(row.pool, activation=spec.activation, name=row.name)(x)
    return keras.layers.MaxPooling2D(row.pool, name=row.name)(x)


def classifier(x, spec: Variant, classes: int, classifier_activation):
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(F6_UNITS, activation=spec.activation, name="f6")(x)
    if not spec.rbf_output:
        return keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    x = EuclideanRBF(classes, name="output")(x)
    # Softmax cross-entropy on -penalty is the paper's MAP criterion (eq. 9)
    # without its constant "rubbish class" term e^-j.
    x = keras.layers.Activation(negative, name="logits")(x)
    return keras.layers.Activation(classifier_activation, name="predictions")(x)


def lenet5(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    name="lenet5",
    *,
    variant="paper",
):
    """LeNet-5, the convolutional network of LeCun et al. (1998) for handwritten digits.

    Reference:
        Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-Based Learning
        Applied to Document Recognition", Proceedings of the IEEE 86(11),
        1998; section II.B, Fig. 2, Table I and Appendix A.

    ``variant="paper"`` builds the paper's network: C1 (6@5x5), S2
    (trainable 2x2 subsampling), C3 (16@5x5 on Table I's 60 connections), S4,
    C5 (120@5x5), F6 (84), all squashed by ``1.7159 tanh(2a/3)``, and the
    output layer of 10 Euclidean RBF units with fixed +-1 prototypes. That is
    60,000 trainable parameters, the paper's figure; ``count_params()`` is
    60,840, since the 840 prototype components are (non-trainable) weights.
    ``variant="modern"`` builds the textbook form: ReLU, 2x2 max pooling, a
    dense C3 (2,416 parameters), F6 and a ``Dense(classes)`` output: 61,706
    parameters at 10 classes.

    Layers: ``c1, s2, c3, s4, c5, flatten, f6``, then ``output`` (the RBF
    penalties ``y_i``), ``logits`` (``-y_i``) and ``predictions``
    (``classifier_activation`` of the logits) in the paper form, or
    ``predictions`` (the dense output) in the modern form.

    The penalties are sums of 84 squares, so the paper form's output
    gradients are far larger than a dense softmax layer's: train it with
    small steps (SGD 1e-3 with momentum 0.9, or Adam 1e-3, both reach about
    97% on scikit-learn's 8x8 digits scaled to 32x32); SGD at 0.01 or more
    saturates F6 and stalls. The paper's global rate was 5e-4 to 1e-5.

    Deviations from the paper:
        * Training criterion (paper form): the paper trains on its MAP
          criterion (eq. 9), ``y_correct + log(e^-j + sum_i e^-y_i)``. Here
          ``predictions`` applies ``classifier_activation`` to ``-y_i``, so
          ordinary softmax cross-entropy gives eq. 9 without the constant
          ``e^-j`` term. The ``logits`` and ``predictions`` layers are ours.
        * Output codes: the ten prototypes are our own 7x12 digit bitmaps
          (ink +1, background -1), drawn in the spirit of Fig. 3, whose
          pixels the paper does not list; other class counts get a fixed
          pseudo-random +-1 code (see `rbf_prototypes`).
        * Initialisation: Keras's defaults (Glorot uniform weights, zero
          biases), S2 and S4 starting as average pools, rather than Appendix
          A's uniform ``+-2.4 / fan_in``.
        * Input: the paper normalises images to background -0.1 and
          foreground 1.175; that belongs to the data pipeline, not the model.
        * Any input of at least 32x32 and any channel count is accepted; at
          more than 32x32, C5 is larger than 1x1 and F6 reads all of it.
        * ``variant="modern"`` departs on purpose: ReLU instead of the scaled
          tanh, max pooling instead of trainable subsampling, a dense C3
          instead of Table I, and a dense softmax layer instead of the RBF
          output.

    Args:
        include_top: whether to include F6 and the output layers. Without
            them the model returns C5's feature maps (1x1x120 at 32x32).
        weights: ``None`` (random initialisation) or the path to a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(height, width, channels)``; defaults to ``(32, 32, 1)``
            with the top, ``(None, None, 1)`` (any size) without it. Height
            and width must be at least 32, and fixed with the top.
        pooling: with ``include_top=False``: ``None`` (C5's maps), ``"avg"`` or
            ``"max"`` (global pooling to a 120-vector).
        classes: number of classes.
        classifier_activation: activation of ``predictions``; ``None`` returns
            logits (``-y_i`` in the paper form).
        name: the model's name.
        variant: ``"paper"`` or ``"modern"``.

    Returns:
        An uncompiled `keras.Model`.

    Example:

    >>> import math
    >>> model = lenet5()
    >>> model.output_shape, model.count_params()
    ((None, 10), 60840)
    >>> sum(math.prod(w.shape) for w in model.trainable_weights)
    60000
    >>> lenet5(variant="modern", include_top=False, input_shape=(32, 32, 1)).output_shape
    (None, 1, 1, 120)
    >>> lenet5(include_top=False).output_shape  # without the top, any size
    (None, None, None, 120)
    """
    if variant not in VARIANTS:
        valid = ", ".join(map(repr, VARIANTS))
        raise ValueError(f"{name}: unknown variant {variant!r}; choose one of {valid}")
    spec = VARIANTS[variant]
    classes = _common.check_common_args(
        include_top=include_top,
        weights=weights,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        model_name=name,
    )
    img_input = _common.make_input(
        input_tensor=input_tensor,
        include_top=include_top,
        flattening_head="f6",
        input_shape=input_shape,
        default_shape=(32, 32, 1),
        min_size=_common.min_input_size(_spatial_layers()),
        model_name=name,
    )
    x = img_input
    for row in FEATURES:
        x = conv_layer(x, row, spec) if isinstance(row, Conv) else pool_layer(x, row, spec)
    if include_top:
        x = classifier(x, spec, classes, classifier_activation)
    else:
        x = _common.pool_features(x, pooling)
    return _common.build_model(img_input, x, name=name, weights=weights, model_name=name)


_PAPER = (
    "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-Based Learning Applied to Document "
    "Recognition. Proceedings of the IEEE 86(11), 1998."
)

register(
    "lenet5",
    lenet5,
    family="lenet",
    summary="LeNet-5 as in the paper: scaled tanh, trainable subsampling, Table I's C3, fixed RBF output",
    input_shape=(32, 32, 1),
    paper=_PAPER,
)
register(
    "lenet5_modern",
    lenet5,
    family="lenet",
    summary="LeNet-5 in its modern form: ReLU, max pooling, dense C3, softmax output",
    input_shape=(32, 32, 1),
    paper=_PAPER,
    variant="modern",
    name="lenet5_modern",
)
