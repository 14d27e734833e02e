"""LeNet-5 against the paper: section II.B, Table I and Appendix A.

LeCun, Bottou, Bengio, Haffner, "Gradient-Based Learning Applied to Document
Recognition", Proc. IEEE 1998. Table I is transcribed again below, as the
paper prints it (an X where an S2 map feeds a C3 map), independently of the
builder's own table. The per-layer parameter counts are the paper's printed
figures. The custom layers are checked against plain numpy or Keras
equivalents; the models are built once per module.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from keras_classics import registry
from keras_classics.models.lenet import (
    EuclideanRBF,
    SparseConv2D,
    Subsampling,
    digit_prototypes,
    lenet5,
    rbf_prototypes,
    scaled_tanh,
)

# Table I: rows are S2 maps 0-5, columns C3 maps 0-15; X = connected.
TABLE_I = """
X . . . X X X . . X X X X . X X
X X . . . X X X . . X X X X . X
X X X . . . X X X . . X . X X X
. X X X . . X X X X . . X . X X
. . X X X . . X X X X . X X . X
. . . X X X . . X X X X . X X X
"""

# Section II.B's printed "trainable parameters" per layer.
PAPER_PARAMS = {"c1": 156, "s2": 12, "c3": 1516, "s4": 32, "c5": 48120, "f6": 10164}
PAPER_TRAINABLE_TOTAL = 60000  # "60,000 trainable parameters"
F6_UNITS = 84  # "7x12 bitmaps"
RTOL, ATOL = 1e-5, 1e-5


def _table_i_pairs():
    rows = [line.split() for line in TABLE_I.strip().splitlines()]
    return {(s2, c3) for s2, row in enumerate(rows) for c3, mark in enumerate(row) if mark == "X"}


def _trainable_count(model_or_layer):
    return sum(math.prod(w.shape) for w in model_or_layer.trainable_weights)


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


@pytest.fixture(scope="module")
def paper():
    return registry.build("lenet5")


@pytest.fixture(scope="module")
def modern():
    return registry.build("lenet5_modern")


# ---------------------------------------------------------------- the paper's numbers


def test_table_i_as_printed():
    pairs = _table_i_pairs()
    assert len(pairs) == 60
    # Section II.B's prose for the same table.
    inputs = [sorted(s2 for s2, c3 in pairs if c3 == m) for m in range(16)]
    assert [len(maps) for maps in inputs] == [3] * 6 + [4] * 9 + [6]
    for m in range(6):
        assert inputs[m] == sorted({m % 6, (m + 1) % 6, (m + 2) % 6})
        assert inputs[m + 6] == sorted({(m + k) % 6 for k in range(4)})


def test_c3_connections_are_table_i(paper):
    c3 = paper.get_layer("c3")
    assert isinstance(c3, SparseConv2D)
    config_pairs = {tuple(pair) for pair in c3.get_config()["connection_table"]}
    assert config_pairs == _table_i_pairs()
    assert len(c3.get_config()["connection_table"]) == 60


def test_c3_params_sparse_and_dense(paper, modern):
    assert paper.get_layer("c3").count_params() == 60 * 25 + 16 == 1516
    assert modern.get_layer("c3").count_params() == 6 * 16 * 25 + 16 == 2416


def test_paper_params_per_layer_and_total(paper):
    for name, expected in PAPER_PARAMS.items():
        assert _trainable_count(paper.get_layer(name)) == expected, name
    assert _trainable_count(paper) == PAPER_TRAINABLE_TOTAL
    # The fixed RBF prototypes: 10 x 84 non-trainable weights.
    assert paper.count_params() == PAPER_TRAINABLE_TOTAL + 10 * F6_UNITS


def test_paper_shapes(paper):
    expected = {"c1": (28, 28, 6), "s2": (14, 14, 6), "c3": (10, 10, 16), "s4": (5, 5, 16), "c5": (1, 1, 120)}
    for name, shape in expected.items():
        assert tuple(paper.get_layer(name).output.shape[1:]) == shape, name
    assert paper.output_shape == (None, 10)


def test_modern_params(modern):
    assert modern.count_params() == _trainable_count(modern) == 156 + 2416 + 48120 + 10164 + 850
    assert isinstance(modern.get_layer("s2"), keras.layers.MaxPooling2D)
    assert modern.get_layer("predictions").get_config()["activation"] == "softmax"


# ---------------------------------------------------------------- the layers


def test_sparse_conv_equals_masked_dense_conv():
    table = [[0, 0], [2, 0], [1, 1], [0, 2], [1, 2], [2, 2]]
    sparse = SparseConv2D(3, 3, connection_table=table)
    x = _random((2, 7, 6, 3), seed=1)
    sparse(x)
    kernel = _random((3, 3, len(table)), seed=2)
    bias = _random((3,), seed=3)
    sparse.set_weights([kernel, bias])

    full = np.zeros((3, 3, 3, 3), dtype="float32")
    for k, (i, o) in enumerate(table):
        full[:, :, i, o] = kernel[:, :, k]
    dense = keras.layers.Conv2D(3, 3)
    dense(x)
    dense.set_weights([full, bias])
    np.testing.assert_allclose(sparse(x), dense(x), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(sparse.full_kernel(), full)
    assert sparse.count_params() == 9 * len(table) + 3


def test_sparse_conv_table_i_on_lenet_shapes():
    pairs = sorted(_table_i_pairs())
    sparse = SparseConv2D(16, 5, connection_table=pairs)
    x = _random((1, 14, 14, 6), seed=4)
    sparse(x)
    kernel, bias = _random((5, 5, 60), seed=5), _random((16,), seed=6)
    sparse.set_weights([kernel, bias])
    full = np.zeros((5, 5, 6, 16), dtype="float32")
    for k, (i, o) in enumerate(pairs):
        full[:, :, i, o] = kernel[:, :, k]
    dense = keras.layers.Conv2D(16, 5)
    dense(x)
    dense.set_weights([full, bias])
    np.testing.assert_allclose(sparse(x), dense(x), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    "table, message",
    [([], "empty"), ([[0, 0], [0, 0]], "twice"), ([[0, 5]], "filters"), ([[0, -1]], "non-negative")],
)
def test_sparse_conv_rejects_bad_tables(table, message):
    with pytest.raises(ValueError, match=message):
        SparseConv2D(2, 3, connection_table=table)


def test_sparse_conv_rejects_missing_input_map():
    with pytest.raises(ValueError, match="input map 4"):
        SparseConv2D(2, 3, connection_table=[[4, 0]]).build((None, 8, 8, 3))


def test_subsampling_is_window_sum_times_coefficient_plus_bias():
    layer = Subsampling(2)
    x = _random((2, 6, 8, 4), seed=7)
    layer(x)
    coefficient, bias = _random((4,), seed=8), _random((4,), seed=9)
    layer.set_weights([coefficient, bias])
    sums = x.reshape(2, 3, 2, 4, 2, 4).sum(axis=(2, 4))
    np.testing.assert_allclose(layer(x), sums * coefficient + bias, rtol=RTOL, atol=ATOL)
    assert layer.count_params() == 2 * 4


def test_subsampling_applies_activation_after_the_affine_map():
    layer = Subsampling(2, activation=scaled_tanh)
    x = _random((1, 4, 4, 2), seed=10)
    layer(x)
    layer.set_weights([np.array([0.3, -0.7], "float32"), np.array([0.1, 0.2], "float32")])
    sums = x.reshape(1, 2, 2, 2, 2, 2).sum(axis=(2, 4))
    expected = 1.7159 * np.tanh(2.0 / 3.0 * (sums * [0.3, -0.7] + [0.1, 0.2]))
    np.testing.assert_allclose(layer(x), expected, rtol=RTOL, atol=ATOL)


def test_scaled_tanh_constants():
    # Appendix A: A = 1.7159 and S = 2/3 are chosen so that f(1) = 1, f(-1) = -1.
    values = np.asarray(scaled_tanh(keras.ops.convert_to_tensor([1.0, -1.0, 0.0, 50.0])))
    np.testing.assert_allclose(values[:2], [1.0, -1.0], atol=1e-4)
    assert values[2] == 0.0
    assert values[3] == pytest.approx(1.7159, abs=1e-5)  # the amplitude A


def test_scaled_tanh_serializes_by_name():
    layer = keras.layers.Dense(3, activation=scaled_tanh)
    config = layer.get_config()
    assert config["activation"]["config"] == "keras_classics>scaled_tanh"
    assert keras.layers.Dense.from_config(config).activation is scaled_tanh


def test_rbf_is_squared_distance_to_prototypes():
    rbf = EuclideanRBF(10)
    x = _random((5, F6_UNITS), seed=11)
    y = np.asarray(rbf(x))
    prototypes = np.asarray(rbf.prototypes)
    expected = ((x[:, None, :] - prototypes[None, :, :]) ** 2).sum(axis=-1)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=1e-3)
    # A prototype itself has penalty 0 for its own class.
    np.testing.assert_allclose(np.asarray(rbf(prototypes)).diagonal(), 0.0, atol=1e-6)


def test_rbf_prototypes_fixed_plus_minus_one(paper):
    rbf = paper.get_layer("output")
    assert isinstance(rbf, EuclideanRBF)
    assert rbf.trainable_weights == []
    assert [tuple(w.shape) for w in rbf.non_trainable_weights] == [(10, F6_UNITS)]
    prototypes = np.asarray(rbf.prototypes)
    assert set(np.unique(prototypes)) == {-1.0, 1.0}
    np.testing.assert_array_equal(prototypes, digit_prototypes())


def test_digit_bitmaps_are_distinct_codes():
    codes = digit_prototypes()
    assert codes.shape == (10, 7 * 12)
    distances = (codes[:, None, :] != codes[None, :, :]).sum(axis=-1)
    off_diagonal = distances[~np.eye(10, dtype=bool)]
    assert off_diagonal.min() >= 8  # no two digits nearly alike


def test_other_class_counts_get_a_deterministic_code():
    codes = rbf_prototypes(26, F6_UNITS)
    assert codes.shape == (26, F6_UNITS)
    assert set(np.unique(codes)) == {-1.0, 1.0}
    np.testing.assert_array_equal(codes, rbf_prototypes(26, F6_UNITS))
    distances = (codes[:, None, :] != codes[None, :, :]).sum(axis=-1)
    assert distances[~np.eye(26, dtype=bool)].min() >= 20  # pseudo-random codes sit ~42 flips apart
    model = lenet5(classes=26)
    np.testing.assert_array_equal(np.asarray(model.get_layer("output").prototypes), codes)


# ---------------------------------------------------------------- the builder contract


def test_predictions_are_softmax_of_negated_penalties(paper):
    x = _random((3, 32, 32, 1), seed=12)
    penalties = keras.Model(paper.inputs, paper.get_layer("output").output).predict(x, verbose=0)
    logits = -penalties.astype("float64")
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(paper.predict(x, verbose=0), softmax, rtol=1e-4, atol=1e-6)


def test_classifier_activation_none_gives_logits():
    model = lenet5(classifier_activation=None)
    assert model.get_layer("predictions").get_config()["activation"] == "linear"


def test_include_top_false_and_pooling():
    assert lenet5(include_top=False, input_shape=(32, 32, 1)).output_shape == (None, 1, 1, 120)
    assert lenet5(include_top=False).output_shape == (None, None, None, 120)
    assert lenet5(include_top=False, pooling="avg").output_shape == (None, 120)
    assert lenet5(include_top=False, pooling="max", variant="modern").output_shape == (None, 120)


def test_too_small_input_names_the_smallest():
    # 32 -> C1 28 -> S2 14 -> C3 10 -> S4 5 -> C5 1: 31 leaves C5 nothing.
    with pytest.raises(ValueError, match="32x32"):
        lenet5(input_shape=(31, 31, 1))
    assert lenet5(include_top=False, input_shape=(36, 36, 1)).output_shape == (None, 2, 2, 120)


def test_unknown_variant_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'paper', 'modern'"):
        lenet5(variant="lenet1")


def test_registry_entries():
    assert registry.list_models(family="lenet") == ["lenet5", "lenet5_modern"]
    for name in ("lenet5", "lenet5_modern"):
        assert registry.get_entry(name).input_shape == (32, 32, 1)
    assert registry.build("lenet5_modern").name == "lenet5_modern"


def test_layer_names(paper, modern):
    names = [layer.name for layer in paper.layers[1:]]
    assert names == ["c1", "s2", "c3", "s4", "c5", "flatten", "f6", "output", "logits", "predictions"]
    assert [layer.name for layer in modern.layers[1:]] == names[:7] + ["predictions"]


@pytest.mark.parametrize("name", ["lenet5", "lenet5_modern"])
def test_save_load_round_trip(name, paper, modern, tmp_path):
    model = paper if name == "lenet5" else modern
    path = tmp_path / f"{name}.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    x = _random((2, 32, 32, 1), seed=13)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    assert [type(layer) for layer in restored.layers] == [type(layer) for layer in model.layers]
    assert _trainable_count(restored) == _trainable_count(model)
    assert restored.count_params() == model.count_params()


def test_short_fit_reduces_the_loss():
    keras.utils.set_random_seed(0)
    model = lenet5()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(14)
    x = rng.standard_normal((64, 32, 32, 1)).astype("float32")
    y = rng.integers(0, 10, size=64)
    prototypes_before = np.asarray(model.get_layer("output").prototypes).copy()
    history = model.fit(x, y, batch_size=16, epochs=4, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    np.testing.assert_array_equal(np.asarray(model.get_layer("output").prototypes), prototypes_before)
