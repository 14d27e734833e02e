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
60,000 trainable parameters. Three of its ideas have no Keras layer; they
live in `keras_classics.layers` (and can still be imported from here):
`SparseConv2D` (C3's partial connection table), `Subsampling` (S2 and S4: a
trainable coefficient and bias per map on the 2x2 sums) and `EuclideanRBF`
(the output's squared distances to fixed prototypes), plus the registered
activation `scaled_tanh`.

The modern form (``variant="modern"``) is the LeNet-5 of today's textbooks:
ReLU, max pooling, a dense C3 and a softmax dense output.

Layer names follow the paper: ``c1, s2, c3, s4, c5``, then ``flatten, f6``
and the classifier: ``output`` (the RBF penalties), ``logits`` (their
negation) and ``predictions`` in the paper form; ``predictions`` (a dense
layer) in the modern one.

Keras finds the custom layers and activations of a saved model only once
they are imported: ``import keras_classics.models`` (or use
``keras_classics.load_model``) before ``keras.saving.load_model``.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import keras

from keras_classics.layers import EuclideanRBF, SparseConv2D, Subsampling, negative, scaled_tanh
from keras_classics.layers.lenet import (  # noqa: F401 (their old import path)
    SCALED_TANH_AMPLITUDE,
    SCALED_TANH_SLOPE,
    digit_prototypes,
    rbf_prototypes,
)
from keras_classics.models import _common
from keras_classics.models._rows import Conv, Pool, apply_row, min_input_size
from keras_classics.registry import Family

__all__ = ["lenet5"]


# --------------------------------------------------------------------------
# The paper's connection table
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


# --------------------------------------------------------------------------
# The architecture
# --------------------------------------------------------------------------


# Section II.B and Fig. 2; shapes at the paper's 32x32 input.
FEATURES = (
    Conv("c1", filters=6, kernel=5),  # 28x28x6
    Pool("s2", pool=2, stride=2),  # 14x14x6
    Conv("c3", filters=16, kernel=5, connections=C3_CONNECTIONS),  # 10x10x16, Table I
    Pool("s4", pool=2, stride=2),  # 5x5x16
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


def conv_layer(x, row: Conv, spec: Variant):
    if row.connections is not None and spec.sparse_c3:
        layer = SparseConv2D(row.filters, row.kernel, row.connections, activation=spec.activation, name=row.name)
        return layer(x)
    return apply_row(x, row, activation=spec.activation)


def pool_layer(x, row: Pool, spec: Variant):
    if spec.trainable_subsampling:
        return Subsampling(row.pool, row.stride, activation=spec.activation, name=row.name)(x)
    return apply_row(x, row)


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


def lenet5(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
           classifier_activation="softmax", name="lenet5", *, variant="paper"):  # fmt: skip
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
    args = dict(locals())
    if variant not in VARIANTS:
        valid = ", ".join(map(repr, VARIANTS))
        raise ValueError(f"{name}: unknown variant {variant!r}; choose one of {valid}")
    spec = VARIANTS[variant]

    def features(x, _):
        for row in FEATURES:
            x = conv_layer(x, row, spec) if isinstance(row, Conv) else pool_layer(x, row, spec)
        return x

    return _common.assemble(
        args,
        features=features,
        top=lambda x, c: classifier(x, spec, c.classes, c.classifier_activation),
        default_shape=(32, 32, 1),
        min_size=min_input_size(FEATURES),
        flattening_head="f6",
    )


_PAPER = (
    "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-Based Learning Applied to Document "
    "Recognition. Proceedings of the IEEE 86(11), 1998."
)
FAMILY = Family("lenet", _PAPER, (32, 32, 1), recipe="lenet")
FAMILY.add(
    "lenet5", lenet5, "LeNet-5 as in the paper: scaled tanh, trainable subsampling, Table I's C3, fixed RBF output"
)
FAMILY.add(
    "lenet5_modern",
    lenet5,
    "LeNet-5 in its modern form: ReLU, max pooling, dense C3, softmax output",
    variant="modern",
    name="lenet5_modern",
)
