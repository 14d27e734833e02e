"""SmoothGrad, Integrated Gradients, Guided Grad-CAM, the sanity check and
feature visualisation on small models with hand-set or seeded weights.

Expected values come from the methods' definitions computed here
independently: analytic gradients in NumPy, a forward pass written out in
TensorFlow with its own guided ReLU, TensorFlow's own bilinear resize,
SciPy's rank correlation and closed-form optima; never from the package's
output.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from keras_classics import visualize as vis
from keras_classics.visualize import VisualizeError


def _dense_model(w1, b1, w2, activation="softmax"):
    """scores = W2 relu(W1 x + b1) on a flattened (3, 3, 2) input."""
    inputs = keras.Input((3, 3, 2))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(w1.shape[1], activation="relu", name="hidden")(x)
    outputs = keras.layers.Dense(w2.shape[1], activation=activation, name="predictions")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("hidden").set_weights([w1, b1])
    model.get_layer("predictions").set_weights([w2, np.zeros(w2.shape[1], "float32")])
    return model


@pytest.fixture(scope="module")
def dense():
    rng = np.random.default_rng(1)
    w1 = rng.normal(size=(18, 6)).astype("float32")
    b1 = rng.normal(size=6).astype("float32")
    w2 = rng.normal(size=(6, 3)).astype("float32")
    return _dense_model(w1, b1, w2), (w1, b1, w2)


def _analytic_gradient(weights, image, k):
    w1, b1, w2 = weights
    hidden = image.reshape(-1) @ w1 + b1
    return (w1 @ ((hidden > 0) * w2[:, k])).reshape(image.shape)


# -- SmoothGrad -------------------------------------------------------------------
def test_smoothgrad_without_noise_is_the_saliency_gradient(dense):
    model, weights = dense
    image = np.random.default_rng(2).normal(size=(3, 3, 2)).astype("float32")
    got = vis.smoothgrad(model, image, class_index=1, samples=3, noise=0.0)
    np.testing.assert_allclose(got, _analytic_gradient(weights, image, 1), rtol=1e-4, atol=1e-5)


def test_smoothgrad_is_the_mean_gradient_over_noisy_copies(dense):
    model, weights = dense
    image = np.random.default_rng(3).normal(size=(3, 3, 2)).astype("float32")
    noise, samples, seed = 0.2, 6, 7
    sigma = noise * (image.max() - image.min())
    rng = np.random.default_rng(seed)
    copies = [image + rng.normal(0.0, sigma, image.shape).astype("float32") for _ in range(samples)]
    gradients = [_analytic_gradient(weights, copy, 2) for copy in copies]
    got = vis.smoothgrad(model, image, class_index=2, samples=samples, noise=noise, seed=seed)
    np.testing.assert_allclose(got, np.mean(gradients, axis=0), rtol=1e-4, atol=1e-5)
    squared = vis.smoothgrad(model, image, class_index=2, samples=samples, noise=noise, seed=seed, squared=True)
    np.testing.assert_allclose(squared, np.mean(np.square(gradients), axis=0), rtol=1e-4, atol=1e-5)
    # The noise changed which hidden units were on: not the plain gradient.
    assert not np.allclose(got, _analytic_gradient(weights, image, 2), atol=1e-3)


def test_smoothgrad_refuses_negative_noise_and_zero_samples(dense):
    model, _ = dense
    image = np.zeros((3, 3, 2), "float32")
    with pytest.raises(VisualizeError, match="noise must be"):
        vis.smoothgrad(model, image, class_index=0, noise=-0.1)
    with pytest.raises(VisualizeError, match="samples must be a whole number of at least 1"):
        vis.smoothgrad(model, image, class_index=0, samples=0)


# -- Integrated Gradients -----------------------------------------------------------
def test_integrated_gradients_of_a_linear_model_is_difference_times_weight():
    """score_k = w_k . x + c_k (before the soft-max): the gradient is w_k
    everywhere, so IG = (x - baseline) * w_k for any number of steps."""
    rng = np.random.default_rng(4)
    w = rng.normal(size=(18, 3)).astype("float32")
    inputs = keras.Input((3, 3, 2))
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    model.layers[-1].set_weights([w, np.array([0.5, -1.0, 2.0], "float32")])
    image = rng.normal(size=(3, 3, 2)).astype("float32")
    baseline = rng.normal(size=(3, 3, 2)).astype("float32")
    for steps in (1, 5):
        result = vis.integrated_gradients(model, image, baseline=baseline, steps=steps, class_index=1)
        expected = (image - baseline) * w[:, 1].reshape(3, 3, 2)
        np.testing.assert_allclose(result.attributions, expected, rtol=1e-4, atol=1e-5)
        # The scores are the soft-max's inputs.
        assert result.score == pytest.approx(float(image.reshape(-1) @ w[:, 1] - 1.0), rel=1e-4, abs=1e-4)
        assert abs(result.gap) < 1e-3
    # A number as baseline fills the image with it.
    result = vis.integrated_gradients(model, image, baseline=0.5, steps=1, class_index=0)
    np.testing.assert_allclose(result.attributions, (image - 0.5) * w[:, 0].reshape(3, 3, 2), rtol=1e-4, atol=1e-5)


def test_class_score_is_before_the_softmax_fused_or_a_layer_of_its_own():
    rng = np.random.default_rng(16)
    w = rng.normal(size=(18, 4)).astype("float32")
    image = rng.normal(size=(3, 3, 2)).astype("float32")
    expected = image.reshape(-1) @ w + 0.25
    for tail in ("fused", "layer", "activation"):
        inputs = keras.Input((3, 3, 2))
        x = keras.layers.Flatten()(inputs)
        dense = keras.layers.Dense(4, activation="softmax" if tail == "fused" else None)
        x = dense(x)
        if tail == "layer":
            x = keras.layers.Softmax()(x)
        elif tail == "activation":
            x = keras.layers.Activation("softmax")(x)
        model = keras.Model(inputs, x)
        dense.set_weights([w, np.full(4, 0.25, "float32")])
        for k in range(4):
            assert vis.class_score(model, image, k) == pytest.approx(float(expected[k]), rel=1e-5, abs=1e-5)


@pytest.fixture(scope="module")
def small_cnn():
    """Conv 3x3 (4, ReLU, same) - max pool 2 - conv 3x3 (6, ReLU, same,
    ``cam``) - global average - dense 3, seeded weights."""
    keras.utils.set_random_seed(11)
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    x = keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="cam")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(12)
    for layer in model.layers:
        if layer.weights:
            kernel, bias = layer.get_weights()
            layer.set_weights(
                [rng.normal(0, 0.6, kernel.shape).astype("float32"), rng.normal(0, 0.1, bias.shape).astype("float32")]
            )
    return model


def _scores(model, images):
    """Class scores before the soft-max, from the layers' weights in NumPy-free TF."""
    w1, b1 = model.get_layer("conv1").get_weights()
    w2, b2 = model.get_layer("cam").get_weights()
    w3, b3 = model.get_layer("predictions").get_weights()
    x = tf.nn.relu(tf.nn.conv2d(images, w1, 1, "SAME") + b1)
    x = tf.nn.max_pool2d(x, 2, 2, "VALID")
    x = tf.nn.relu(tf.nn.conv2d(x, w2, 1, "SAME") + b2)
    return tf.reduce_mean(x, axis=(1, 2)) @ w3 + b3


def test_integrated_gradients_add_up_to_the_change_in_score(small_cnn):
    rng = np.random.default_rng(5)
    image = rng.uniform(0, 1, (8, 8, 3)).astype("float32")
    for class_index in range(3):
        result = vis.integrated_gradients(small_cnn, image, steps=128, class_index=class_index)
        change = float(
            _scores(small_cnn, image[None])[0, class_index]
            - _scores(small_cnn, np.zeros((1, 8, 8, 3), "float32"))[0, class_index]
        )
        assert result.score - result.baseline_score == pytest.approx(change, rel=1e-4, abs=1e-5)
        assert abs(change) > 0.05  # a change worth distributing
        assert abs(float(result.attributions.sum()) - change) <= 0.01 * abs(change)


def test_integrated_gradients_add_up_when_the_softmax_is_a_layer_of_its_own():
    """ReLU and soft-max as layers: the gradients and the scores are both
    taken before the Softmax layer, so completeness still holds."""
    rng = np.random.default_rng(17)
    inputs = keras.Input((6, 6, 3))
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(3)
    outputs = keras.layers.Softmax()(dense(x))
    model = keras.Model(inputs, outputs)
    for layer in (model.get_layer("conv"), dense):
        layer.set_weights([rng.normal(0, 0.7, w.shape).astype("float32") for w in layer.get_weights()])
    image = rng.uniform(0, 1, (6, 6, 3)).astype("float32")
    w, b = model.get_layer("conv").get_weights()
    features = tf.reduce_mean(tf.nn.relu(tf.nn.conv2d(image[None], w, 1, "VALID") + b), axis=(1, 2))
    features_at_zero = tf.reduce_mean(tf.nn.relu(tf.zeros((1, 4, 4, 4)) + b), axis=(1, 2))
    change = ((features - features_at_zero) @ dense.get_weights()[0]).numpy()[0]
    for k in range(3):
        result = vis.integrated_gradients(model, image, steps=128, class_index=k)
        assert result.score - result.baseline_score == pytest.approx(float(change[k]), rel=1e-4, abs=1e-5)
        assert abs(float(result.attributions.sum()) - change[k]) <= 0.01 * abs(change[k])


def test_integrated_gradients_checks_baseline_and_steps(small_cnn):
    image = np.zeros((8, 8, 3), "float32")
    with pytest.raises(VisualizeError, match=r"baseline must be a number or an image of the input's shape \(8, 8, 3\)"):
        vis.integrated_gradients(small_cnn, image, baseline=np.zeros((4, 4, 3)), class_index=0)
    with pytest.raises(VisualizeError, match="steps must be a whole number of at least 1"):
        vis.integrated_gradients(small_cnn, image, steps=0, class_index=0)


# -- Guided Grad-CAM ----------------------------------------------------------------
@tf.custom_gradient
def _guided_relu(x):
    def backward(upstream):
        return tf.nn.relu(upstream) * tf.cast(x > 0, upstream.dtype)

    return tf.nn.relu(x), backward


def _independent_guided_grad_cam(model, image, class_index):
    w1, b1 = model.get_layer("conv1").get_weights()
    w2, b2 = model.get_layer("cam").get_weights()
    w3, b3 = model.get_layer("predictions").get_weights()
    x = tf.constant(image[None])
    # Guided backpropagation of the class score.
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = _guided_relu(tf.nn.conv2d(x, w1, 1, "SAME") + b1)
        h = tf.nn.max_pool2d(h, 2, 2, "VALID")
        h = _guided_relu(tf.nn.conv2d(h, w2, 1, "SAME") + b2)
        score = (tf.reduce_mean(h, axis=(1, 2)) @ w3 + b3)[0, class_index]
    guided = tape.gradient(score, x)[0].numpy()
    # Grad-CAM at "cam" with ordinary gradients.
    with tf.GradientTape() as tape:
        h = tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME") + b1)
        h = tf.nn.max_pool2d(h, 2, 2, "VALID")
        maps = tf.nn.relu(tf.nn.conv2d(h, w2, 1, "SAME") + b2)
        tape.watch(maps)
        score = (tf.reduce_mean(maps, axis=(1, 2)) @ w3 + b3)[0, class_index]
    alpha = tf.reduce_mean(tape.gradient(score, maps), axis=(1, 2))  # (1, 6)
    cam = tf.nn.relu(tf.reduce_sum(maps * alpha[:, None, None, :], axis=-1))[0]
    # Up to 8x8: cell centres at pixels 0.5, 2.5, 4.5, 6.5 = TF's half-pixel bilinear resize.
    upsampled = tf.image.resize(cam[None, ..., None], (8, 8), method="bilinear")[0, ..., 0].numpy()
    return guided, upsampled


def test_guided_grad_cam_is_guided_backprop_times_the_upsampled_cam(small_cnn):
    rng = np.random.default_rng(6)
    image = rng.uniform(-1, 1, (8, 8, 3)).astype("float32")
    checked = 0
    for class_index in range(3):
        guided, cam = _independent_guided_grad_cam(small_cnn, image, class_index)
        result = vis.guided_grad_cam(small_cnn, image, layer="cam", class_index=class_index)
        np.testing.assert_allclose(result.guided, guided, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(result.cam, cam, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(result.pixels, guided * cam[..., None], rtol=1e-4, atol=1e-6)
        checked += bool(np.any(cam > 0) and np.any(guided != 0))
    assert checked >= 1  # at least one class with a non-empty map
    # The guided rule differs from the plain gradient here (it masks more).
    plain = vis.saliency(small_cnn, image, 0)
    assert not np.allclose(plain, vis.guided_gradient(small_cnn, image, 0), atol=1e-4)


def test_guided_gradient_treats_relu_layers_like_fused_relus(dense):
    """The same network with ReLU as a layer of its own."""
    fused, (w1, b1, w2) = dense
    inputs = keras.Input((3, 3, 2))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(6, name="hidden")(x)
    x = keras.layers.ReLU()(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    separate = keras.Model(inputs, outputs)
    separate.get_layer("hidden").set_weights([w1, b1])
    separate.get_layer("predictions").set_weights([w2, np.zeros(3, "float32")])
    image = np.random.default_rng(8).normal(size=(3, 3, 2)).astype("float32")
    for k in range(3):
        hidden = image.reshape(-1) @ w1 + b1
        # Guided: the backward signal W2[:, k] rectified, masked where the unit was off.
        expected = (w1 @ ((hidden > 0) * np.maximum(w2[:, k], 0))).reshape(3, 3, 2)
        np.testing.assert_allclose(vis.guided_gradient(fused, image, k), expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(vis.guided_gradient(separate, image, k), expected, rtol=1e-4, atol=1e-5)
    # The layer's own call is back.
    assert "call" not in separate.layers[3].__dict__


def test_upsample_map_places_cells_at_their_centres():
    cells = np.array([[0.0, 1.0], [2.0, 3.0]])
    # Cell i at pixel 2 + 4 i on a 10-pixel side: ramps between 2 and 6, flat outside.
    up = vis.upsample_map(cells, (2.0, 4), 10, 10)
    np.testing.assert_allclose(up[2, 2:7], [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(up[0:3, 0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(up[9, 9], 3.0)
    np.testing.assert_allclose(up[4, 4], 1.5)


# -- Sanity check -----------------------------------------------------------------
def test_rank_correlation_is_spearmans():
    rng = np.random.default_rng(9)
    a = rng.integers(0, 5, 40).astype(float)  # with ties
    b = a + rng.normal(0, 2, 40)
    assert vis.rank_correlation(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
    assert vis.rank_correlation(a, -a) == pytest.approx(-1.0)


def test_sanity_check_separates_a_weight_blind_map_from_saliency(small_cnn):
    image = np.random.default_rng(10).uniform(0, 1, (8, 8, 3)).astype("float32")
    before = [w.copy() for w in small_cnn.get_weights()]

    def image_itself(model, image, class_index=None):
        return image  # an "edge detector": the same whatever the weights

    blind = vis.sanity_check(small_cnn, image, method=image_itself, class_index=0)
    assert blind.correlation == pytest.approx(1.0)
    check = vis.sanity_check(small_cnn, image, class_index=0, seed=3)
    np.testing.assert_allclose(check.trained, vis.saliency(small_cnn, image, 0), rtol=1e-6)
    expected = stats.spearmanr(np.abs(check.trained).sum(-1).ravel(), np.abs(check.randomised).sum(-1).ravel())
    assert check.correlation == pytest.approx(expected.statistic, abs=1e-9)
    assert not np.allclose(check.trained, check.randomised, atol=1e-4)
    for old, new in zip(before, small_cnn.get_weights()):
        np.testing.assert_array_equal(old, new)  # the model itself is untouched


# -- Feature visualisation ------------------------------------------------------------
def _linear_unit(side=6, channels=3, seed=13):
    """One convolution covering the whole image: a 1x1 map, w . x + b."""
    rng = np.random.default_rng(seed)
    inputs = keras.Input((side, side, channels))
    outputs = keras.layers.Conv2D(2, side, name="unit")(inputs)
    model = keras.Model(inputs, outputs)
    kernel = rng.normal(size=(side, side, channels, 2)).astype("float32")
    model.get_layer("unit").set_weights([kernel, np.array([0.3, -0.2], "float32")])
    return model, kernel


def test_feature_visualization_of_a_linear_unit_reaches_the_closed_form_optimum():
    """max w . x + b over |x| <= r is at x = r w / |w|, value r |w| + b."""
    model, kernel = _linear_unit()
    w = kernel[..., 1]
    radius = 2.0
    result = vis.feature_visualization(
        model,
        "unit",
        1,
        steps=40,
        learning_rate=radius / np.linalg.norm(w),
        parameterization="pixels",
        transforms=False,
        value_range=None,
        max_norm=radius,
        optimizer="sgd",
    )
    np.testing.assert_allclose(result.image, radius * w / np.linalg.norm(w), atol=1e-4)
    assert result.activation == pytest.approx(radius * np.linalg.norm(w) - 0.2, rel=1e-5)
    assert np.all(np.diff(result.objective) >= -1e-5 * abs(result.activation))  # float32 rounding


@pytest.mark.parametrize("parameterization", ["pixels", "fourier"])
def test_feature_visualization_rises_monotonically_on_a_linear_unit(parameterization):
    """Unbounded and untransformed, the objective is linear in the
    parameters for both parameterisations: every Adam step goes uphill."""
    model, kernel = _linear_unit()
    result = vis.feature_visualization(
        model, "unit", 0, steps=25, parameterization=parameterization, transforms=False, value_range=None
    )
    assert len(result.objective) == 25
    assert np.all(np.diff(result.objective) > 0)
    direct = float(np.sum(result.image * kernel[..., 0]) + 0.3)
    assert result.activation == pytest.approx(direct, rel=1e-4)
    assert result.activation > result.objective[-1] > result.objective[0]


def test_fourier_parameterisation_round_trips():
    rng = np.random.default_rng(14)
    image = rng.uniform(0.05, 0.95, (6, 10, 3)).astype("float32")
    for decorrelate in (True, False):
        for value_range in (None, (0.0, 1.0)):
            spectrum = vis.image_to_spectrum(image, decorrelate=decorrelate, value_range=value_range)
            assert spectrum.shape == (2, 3, 6, 10)
            back = vis.spectrum_to_image(spectrum, decorrelate=decorrelate, value_range=value_range)
            np.testing.assert_allclose(back, image, atol=2e-5)


def test_one_fourier_coefficient_is_a_scaled_cosine():
    """Coefficient a at (ky, kx): pixels a s / sqrt(h w) cos(2 pi (ky y / h + kx x / w)),
    with s = 1 / max(f, 1 / max(h, w)) over its root mean square."""
    h, w, ky, kx, a = 8, 12, 1, 3, 5.0
    spectrum = np.zeros((2, 1, h, w), "float32")
    spectrum[0, 0, ky, kx] = a
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :]
    raw = 1.0 / np.maximum(np.hypot(fy, fx), 1.0 / max(h, w))
    s = raw[ky, kx] / np.sqrt(np.mean(raw**2))
    y, x = np.mgrid[0:h, 0:w]
    expected = a * s / np.sqrt(h * w) * np.cos(2 * np.pi * (ky * y / h + kx * x / w))
    np.testing.assert_allclose(vis.spectrum_to_image(spectrum, decorrelate=False)[..., 0], expected, atol=1e-5)


def test_robustness_transform_shifts_rotates_and_scales_about_the_centre():
    rng = np.random.default_rng(15)
    image = rng.uniform(size=(1, 7, 7, 2)).astype("float32")
    moved = keras.ops.convert_to_numpy(vis.robustness_transform(image, shift=(2, -1)))
    # Down 2 rows, left 1 column: output[y, x] = input[y - 2, x + 1] inside.
    np.testing.assert_allclose(moved[0, 2:, :-1], image[0, :-2, 1:], atol=1e-6)
    turned = keras.ops.convert_to_numpy(vis.robustness_transform(image, angle=90.0))
    np.testing.assert_allclose(turned[0], np.rot90(image[0]), atol=1e-5)
    same = keras.ops.convert_to_numpy(vis.robustness_transform(image, scale=1.0))
    np.testing.assert_allclose(same, image, atol=1e-6)
    zoomed = keras.ops.convert_to_numpy(vis.robustness_transform(image, scale=2.0))
    # Twice as large about pixel (3, 3): output (5, 3) reads input (4, 3).
    np.testing.assert_allclose(zoomed[0, 3, 3], image[0, 3, 3], atol=1e-6)
    np.testing.assert_allclose(zoomed[0, 5, 3], image[0, 4, 3], atol=1e-6)
    np.testing.assert_allclose(zoomed[0, 4, 3], (image[0, 3, 3] + image[0, 4, 3]) / 2, atol=1e-6)


def test_feature_visualization_excites_a_channel_of_a_small_cnn(small_cnn):
    """Fourier, decorrelated, transformed, in [0, 1]: the result lies in the
    range and excites the channel far more than the flat grey start."""
    result = vis.feature_visualization(small_cnn, "cam", 2, steps=60, learning_rate=0.1, jitter=1, seed=1)
    assert result.image.shape == (8, 8, 3)
    assert result.image.min() >= 0.0 and result.image.max() <= 1.0
    grey = float(vis.feature_maps(small_cnn, np.full((8, 8, 3), 0.5, "float32"), "cam")[..., 2].mean())
    got = float(vis.feature_maps(small_cnn, result.image, "cam")[..., 2].mean())
    assert got == pytest.approx(result.activation, rel=1e-4)
    assert got > grey + 0.5


def test_feature_visualization_refuses_bad_settings(small_cnn):
    with pytest.raises(VisualizeError, match="channel 6 is out of range for layer 'cam': it has 6 channels"):
        vis.feature_visualization(small_cnn, "cam", 6)
    with pytest.raises(VisualizeError, match="max_norm bounds an unbounded image"):
        vis.feature_visualization(small_cnn, "cam", 0, max_norm=1.0)
    with pytest.raises(VisualizeError, match="parameterization must be 'fourier' or 'pixels'"):
        vis.feature_visualization(small_cnn, "cam", 0, parameterization="fft")
    with pytest.raises(VisualizeError, match=r"size \(16, 16\) differs from the model's fixed input \(8, 8\)"):
        vis.feature_visualization(small_cnn, "cam", 0, size=(16, 16))
    with pytest.raises(VisualizeError, match="jitter must be a whole number of pixels"):
        vis.feature_visualization(small_cnn, "cam", 0, jitter=-1)


# -- The command line --------------------------------------------------------------
@pytest.fixture(scope="module")
def lenet_file(tmp_path_factory):
    import keras_classics

    path = tmp_path_factory.mktemp("model") / "lenet.keras"
    keras_classics.build("lenet5_modern").save(path)
    return path


@pytest.mark.parametrize(
    "method, options",
    [
        ("smoothgrad", ["--samples", "4", "--noise", "0.1"]),
        ("integrated-gradients", ["--steps", "8", "--baseline", "0"]),
        ("guided-grad-cam", ["--class", "3"]),
        ("feature-visualization", ["--steps", "6", "--channel", "1"]),
        ("sanity-check", ["--map", "saliency"]),
    ],
)
def test_each_new_method_writes_a_png(lenet_file, tmp_path, method, options, capsys):
    import matplotlib

    from keras_classics.cli import main

    backend = matplotlib.rcParams._get_backend_or_none()
    out = tmp_path / f"{method}.png"
    assert main(["visualize", str(lenet_file), "--method", method, *options, "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {out}: {method}" in capsys.readouterr().out
    assert matplotlib.rcParams._get_backend_or_none() == backend  # the user's matplotlib is left alone


@pytest.mark.parametrize(
    "options, message",
    [
        (["--samples", "0"], "--samples: must be a whole number of at least 1"),
        (["--noise", "-1"], "--noise: must be a number of at least 0"),
    ],
)
def test_bad_options_are_one_line_before_any_work(lenet_file, tmp_path, options, message, capsys):
    from keras_classics.cli import main

    out = tmp_path / "x.png"
    with pytest.raises(SystemExit) as stop:
        main(["visualize", str(lenet_file), "--method", "smoothgrad", *options, "-o", str(out)])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
