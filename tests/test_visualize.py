"""The visualisation methods on small models whose answers are known in
closed form: weights set by hand, expected values computed here with NumPy
from the definitions, never read back from the package."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_classics import visualize as vis
from keras_classics.visualize import VisualizeError

SIDE = 8  # inputs are 8x8; the "quadrant" is rows 0-3, columns 0-3
HALF = SIDE // 2
WEIGHT = 3.0  # the hand-set dense weight of the quadrant model


@pytest.fixture(scope="module")
def quadrant_model():
    """Class scores depend on the top-left quadrant of the image only.

    Cropping then zero-padding keeps the quadrant and zeroes the rest; a
    1x1 convolution with weight 1 and ReLU (``conv``), global average
    pooling (s = mean over all 64 positions), and a dense layer with
    scores (3 s, -3 s) and a soft-max.
    """
    inputs = keras.Input((SIDE, SIDE, 1))
    x = keras.layers.Cropping2D(((0, HALF), (0, HALF)), name="keep")(inputs)
    x = keras.layers.ZeroPadding2D(((0, HALF), (0, HALF)), name="pad")(x)
    x = keras.layers.Conv2D(1, 1, activation="relu", name="conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("conv").set_weights([np.ones((1, 1, 1, 1)), np.zeros(1)])
    model.get_layer("predictions").set_weights([np.array([[WEIGHT, -WEIGHT]]), np.zeros(2)])
    return model


def _softmax_first(s):
    """P(class 0) for scores (3 s, -3 s)."""
    return 1.0 / (1.0 + np.exp(-2 * WEIGHT * s))


def test_occlusion_changes_the_probability_only_over_the_quadrant(quadrant_model):
    image = np.ones((SIDE, SIDE, 1), "float32")
    result = vis.occlusion_sensitivity(quadrant_model, image, class_index=0, size=2, stride=2, fill=0.0)
    # 2x2 squares tile the 8x8 image: a 4x4 map; each square inside the
    # quadrant removes 4 of its 16 lit pixels, so s drops from 16/64 to 12/64.
    assert result.probability.shape == (4, 4)
    assert result.baseline == pytest.approx(_softmax_first(16 / 64), rel=1e-5)
    expected = np.full((4, 4), _softmax_first(16 / 64))
    expected[:2, :2] = _softmax_first(12 / 64)
    np.testing.assert_allclose(result.probability, expected, rtol=1e-5)
    drop = result.drop
    assert np.all(drop[:2, :2] > 0.01)
    np.testing.assert_allclose(drop[2:, :], 0.0, atol=1e-6)
    np.testing.assert_allclose(drop[:, 2:], 0.0, atol=1e-6)


def test_occlusion_clips_squares_at_the_border():
    rows, cols, boxes = vis.occluder_boxes(10, 10, size=4, stride=3)
    # ceil(10 / 3) = 4 positions; square i is centred on block [3i, 3i+3):
    # top = 3i - (4 - 3) // 2 = 3i, so 0, 3, 6, 9 and the last clipped to 10.
    assert (rows, cols) == (4, 4)
    assert tuple(boxes[0]) == (0, 0, 4, 4)
    assert tuple(boxes[3]) == (0, 9, 4, 10)
    assert tuple(boxes[-1]) == (9, 9, 10, 10)


def test_grad_cam_is_the_quadrant_and_zero_elsewhere(quadrant_model):
    rng = np.random.default_rng(0)
    image = rng.uniform(0.1, 1.0, (SIDE, SIDE, 1)).astype("float32")
    cam = vis.grad_cam(quadrant_model, image, layer="conv", class_index=0)
    # Score s0 = 3 * mean(A): dS/dA = 3/64 everywhere, alpha = 3/64, and
    # A is the image on the quadrant, 0 elsewhere.
    expected = np.zeros((SIDE, SIDE))
    expected[:HALF, :HALF] = WEIGHT / SIDE**2 * image[:HALF, :HALF, 0]
    np.testing.assert_allclose(cam, expected, rtol=1e-5, atol=1e-7)
    peak = np.unravel_index(np.argmax(cam), cam.shape)
    assert peak[0] < HALF and peak[1] < HALF
    # Class 1's evidence is negative there: ReLU leaves nothing.
    np.testing.assert_allclose(vis.grad_cam(quadrant_model, image, layer="conv", class_index=1), 0.0)


def test_saliency_is_the_analytic_gradient():
    """scores = W2 relu(W1 x + b1) + b2 on a flattened 3x3x2 input:
    d score_k / dx = W1^T (relu'(h) * W2[:, k])."""
    rng = np.random.default_rng(1)
    w1 = rng.normal(size=(18, 5)).astype("float32")
    b1 = rng.normal(size=5).astype("float32")
    w2 = rng.normal(size=(5, 3)).astype("float32")
    inputs = keras.Input((3, 3, 2))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(5, activation="relu", name="hidden")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("hidden").set_weights([w1, b1])
    model.get_layer("predictions").set_weights([w2, np.zeros(3, "float32")])
    image = rng.normal(size=(3, 3, 2)).astype("float32")
    hidden = image.reshape(-1) @ w1 + b1
    for k in range(3):
        expected = (w1 @ ((hidden > 0) * w2[:, k])).reshape(3, 3, 2)
        np.testing.assert_allclose(vis.saliency(model, image, class_index=k), expected, rtol=1e-4, atol=1e-5)
    # The soft-max is restored afterwards.
    assert np.isclose(float(np.sum(model.predict_on_batch(image[None]))), 1.0)


# -- deconvnet ---------------------------------------------------------------
KERNEL = np.array([[1.0, -2.0], [0.5, 1.0]], "float32")


@pytest.fixture(scope="module")
def conv_relu_pool():
    """A 2x2 convolution (one filter, bias -0.5), ReLU, 2x2 max pooling."""
    inputs = keras.Input((5, 5, 1))
    x = keras.layers.Conv2D(1, 2, activation="relu", name="conv")(inputs)
    outputs = keras.layers.MaxPooling2D(2, name="pool")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("conv").set_weights([KERNEL[:, :, None, None], np.array([-0.5], "float32")])
    return model


def _conv_valid(image, kernel):
    out = np.zeros((image.shape[0] - 1, image.shape[1] - 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + 2, j : j + 2] * kernel)
    return out


def test_deconvnet_unpools_to_the_switch_rectifies_and_applies_the_transposed_filter(conv_relu_pool):
    rng = np.random.default_rng(2)
    image = rng.uniform(-1, 1, (5, 5)).astype("float32")
    conv = np.maximum(_conv_valid(image, KERNEL) - 0.5, 0)  # 4x4
    pooled = conv.reshape(2, 2, 2, 2).max(axis=(1, 3))
    for row, col in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        value = pooled[row, col]
        # Unpooling: the value goes back to where the max was (the switch).
        window = conv[2 * row : 2 * row + 2, 2 * col : 2 * col + 2]
        dy, dx = np.unravel_index(np.argmax(window), (2, 2))
        unpooled = np.zeros((4, 4))
        unpooled[2 * row + dy, 2 * col + dx] = value
        rectified = np.maximum(unpooled, 0)
        # Transposed filtering: each map value spreads the kernel over its window.
        expected = np.zeros((5, 5))
        for i in range(4):
            for j in range(4):
                expected[i : i + 2, j : j + 2] += rectified[i, j] * KERNEL
        got = vis.deconvnet(conv_relu_pool, image[..., None], "pool", 0, position=(row, col))
        assert (got.row, got.col) == (row, col)
        assert got.value == pytest.approx(value, rel=1e-5)
        # By hand: 2 + (2-1)*1 = 3 pixels, jump 2, from row 2*row.
        assert got.box == (2 * row, 2 * col, 2 * row + 3, 2 * col + 3)
        np.testing.assert_allclose(got.pixels[..., 0], expected, rtol=1e-5, atol=1e-6)


def test_deconvnet_rectifies_the_signal_where_backprop_would_mask_it():
    """conv1 (1x1, weight -1, ReLU) then conv2 (1x1, weight -1, linear): a
    unit of conv2 sends -value back to conv1. Backpropagation passes it
    where conv1 was on; the deconvnet rectifies it to 0; guided
    backpropagation does both, so also 0."""
    inputs = keras.Input((2, 2, 1))
    x = keras.layers.Conv2D(1, 1, activation="relu", name="conv1")(inputs)
    outputs = keras.layers.Conv2D(1, 1, name="conv2")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("conv1").set_weights([-np.ones((1, 1, 1, 1)), np.zeros(1)])
    model.get_layer("conv2").set_weights([-np.ones((1, 1, 1, 1)), np.full(1, 5.0)])
    image = np.full((2, 2, 1), -2.0, "float32")  # conv1 = 2 (on), conv2 = 3
    for method in (vis.deconvnet, vis.guided_backprop):
        np.testing.assert_allclose(method(model, image, "conv2", 0, position=(0, 0)).pixels, 0.0)


def test_guided_backprop_masks_where_the_forward_relu_was_off():
    """One ReLU unit that is off: backward signal positive, forward input
    negative. The deconvnet lets it through; guided backpropagation not."""
    inputs = keras.Input((1, 2, 1))
    x = keras.layers.Conv2D(1, 1, activation="relu", name="conv1")(inputs)
    outputs = keras.layers.Conv2D(1, (1, 2), name="conv2")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("conv1").set_weights([np.ones((1, 1, 1, 1)), np.zeros(1)])
    model.get_layer("conv2").set_weights([np.ones((1, 2, 1, 1)), np.zeros(1)])
    image = np.array([[[2.0], [-1.0]]], "float32")  # conv1 = (2, 0), conv2 = 2
    deconv = vis.deconvnet(model, image, "conv2", 0, position=(0, 0)).pixels[..., 0]
    guided = vis.guided_backprop(model, image, "conv2", 0, position=(0, 0)).pixels[..., 0]
    np.testing.assert_allclose(deconv, [[2.0, 2.0]])
    np.testing.assert_allclose(guided, [[2.0, 0.0]])


def test_deconvnet_names_the_layer_it_cannot_pass():
    inputs = keras.Input((4, 4, 1))
    x = keras.layers.Conv2D(2, 3, activation="tanh", name="squash")(inputs)
    outputs = keras.layers.Conv2D(1, 1, name="top")(x)
    model = keras.Model(inputs, outputs)
    with pytest.raises(VisualizeError, match=r"cannot pass layer 'squash': its activation is tanh"):
        vis.deconvnet(model, np.zeros((4, 4, 1)), "top", 0)


def test_bad_names_list_the_valid_ones(conv_relu_pool):
    with pytest.raises(VisualizeError, match=r"'nope' is not in the model; choose one of: conv, pool"):
        vis.feature_maps(conv_relu_pool, np.zeros((5, 5, 1)), "nope")
    with pytest.raises(VisualizeError, match=r"channel 3 is out of range .* 1 channels"):
        vis.deconvnet(conv_relu_pool, np.zeros((5, 5, 1)), "pool", 3)
    with pytest.raises(VisualizeError, match=r"image shape \(4, 4, 1\) does not match the model input \(5, 5, 1\)"):
        vis.feature_maps(conv_relu_pool, np.zeros((4, 4, 1)), "conv")


def test_filters_show_the_first_kernel_and_norms_deeper(conv_relu_pool):
    tiles = vis.filter_tiles(conv_relu_pool)
    # Scaled about 0.5 by the largest |weight| (2): w -> 0.5 + w / 4.
    np.testing.assert_allclose(tiles[0, :, :, 0], 0.5 + KERNEL / 4.0)
    np.testing.assert_allclose(vis.filter_norms(conv_relu_pool, "conv"), [np.sqrt(1 + 4 + 0.25 + 1)], rtol=1e-6)


def test_filter_tiles_refuses_a_deeper_layer():
    inputs = keras.Input((6, 6, 3))
    x = keras.layers.Conv2D(4, 3, name="c1")(inputs)
    outputs = keras.layers.Conv2D(2, 3, name="c2")(x)
    model = keras.Model(inputs, outputs)
    assert vis.filter_tiles(model).shape == (4, 3, 3, 3)
    with pytest.raises(VisualizeError, match="'c2' acts on feature maps: use filter_norms"):
        vis.filter_tiles(model, "c2")
    assert vis.filter_norms(model, "c2").shape == (2,)


# -- top patches -------------------------------------------------------------
def test_top_patch_crops_have_the_receptive_field_of_the_unit():
    """conv a (3x3, valid) -> max pool 2 -> conv b (3x3, valid), every kernel
    a centre tap. By hand: size 3 + (2-1)*1 + (3-1)*2 = 8 pixels, jump 2,
    and unit i of conv b sees rows 2i to 2i+7. A single bright pixel at
    (r, c) wins the pool window of conv-a unit (r-1, c-1), which is pooled
    unit ((r-1)//2, (c-1)//2), read by conv-b unit one less in each axis.
    """
    inputs = keras.Input((16, 16, 1))
    x = keras.layers.Conv2D(1, 3, name="a")(inputs)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    outputs = keras.layers.Conv2D(1, 3, name="b")(x)
    model = keras.Model(inputs, outputs)
    tap = np.zeros((3, 3, 1, 1), "float32")
    tap[1, 1] = 1.0
    for name in ("a", "b"):
        model.get_layer(name).set_weights([tap, np.zeros(1, "float32")])
    images = np.zeros((3, 16, 16, 1), "float32")
    dots = [(7, 9, 1.0), (5, 5, 3.0), (9, 6, 2.0)]
    for n, (r, c, v) in enumerate(dots):
        images[n, r, c] = v
    # The centre of unit 0's field: 1 after a, 1.5 after the pool, 3.5 after b.
    assert vis.map_geometry(model, "b") == (3.5, 2)
    patches = vis.top_patches(model, images, "b", 0, k=3)
    assert [p.image_index for p in patches] == [1, 2, 0]  # brightest first
    for patch in patches:
        r, c, v = dots[patch.image_index]
        unit = ((r - 1) // 2 - 1, (c - 1) // 2 - 1)
        assert (patch.row, patch.col) == unit
        assert patch.value == pytest.approx(v)
        assert patch.box == (2 * unit[0], 2 * unit[1], 2 * unit[0] + 8, 2 * unit[1] + 8)
        assert patch.crop.shape == (8, 8, 1)
        assert patch.crop[r - patch.box[0], c - patch.box[1], 0] == v


def test_top_patch_boxes_reach_into_the_padding():
    """A 3x3 'same' convolution: unit (0, 0) sees rows -1 to 1."""
    inputs = keras.Input((4, 4, 1))
    outputs = keras.layers.Conv2D(1, 3, padding="same", name="c")(inputs)
    model = keras.Model(inputs, outputs)
    assert vis.receptive_box(model, "c", 0, 0) == (-1, -1, 2, 2)
    assert vis.receptive_box(model, "c", 3, 2) == (2, 1, 5, 4)


def test_deconvnet_passes_lrn_unchanged_and_restores_the_model():
    """The deconvnet has no inverse for LRN and passes its signal as it is:
    with and without an LRN layer the projections agree once divided by
    the projected activation's value (every backward rule here is
    positively homogeneous). The layers are restored afterwards."""
    from keras_classics.layers import LocalResponseNormalization

    def build(with_lrn):
        inputs = keras.Input((6, 6, 1))
        x = keras.layers.Conv2D(4, 3, activation="relu", name="c")(inputs)
        if with_lrn:
            x = LocalResponseNormalization(name="lrn")(x)
        outputs = keras.layers.Conv2D(2, 1, name="d")(x)
        return keras.Model(inputs, outputs)

    rng = np.random.default_rng(3)
    with_lrn, without = build(True), build(False)
    weights = [rng.normal(size=(3, 3, 1, 4)), rng.uniform(0, 1, 4), rng.uniform(0, 1, (1, 1, 4, 2)), np.zeros(2)]
    for model in (with_lrn, without):
        model.get_layer("c").set_weights(weights[:2])
        model.get_layer("d").set_weights(weights[2:])
    image = rng.uniform(0, 1, (6, 6, 1)).astype("float32")
    a = vis.deconvnet(with_lrn, image, "d", 0, position=(1, 2))
    b = vis.deconvnet(without, image, "d", 0, position=(1, 2))
    assert a.value > 0 and b.value > 0 and a.value != pytest.approx(b.value)
    np.testing.assert_allclose(a.pixels / a.value, b.pixels / b.value, rtol=1e-5, atol=1e-7)
    assert "call" not in with_lrn.get_layer("lrn").__dict__
    assert with_lrn.get_layer("c").activation is keras.activations.relu


# -- ReLU as a layer, soft-max as a layer ----------------------------------------
def _twin_relu_models():
    """The same network twice: ReLU fused into the convolutions, and ReLU
    as layers of its own (``keras.layers.ReLU`` and ``Activation``), with
    the same weights."""
    rng = np.random.default_rng(11)
    weights = [
        rng.normal(size=(3, 3, 2, 4)),
        rng.normal(scale=0.3, size=4),
        rng.normal(size=(3, 3, 4, 4)),
        rng.normal(scale=0.3, size=4),
        rng.normal(size=(2, 2, 4, 3)),
        rng.normal(scale=0.3, size=3),
    ]
    models = []
    for fused in (True, False):
        inputs = keras.Input((11, 11, 2))
        x = keras.layers.Conv2D(4, 3, activation="relu" if fused else None, name="c1")(inputs)
        if not fused:
            x = keras.layers.ReLU(name="r1")(x)
        x = keras.layers.Conv2D(4, 3, activation="relu" if fused else None, name="c2")(x)
        if not fused:
            x = keras.layers.Activation("relu", name="r2")(x)
        x = keras.layers.MaxPooling2D(2, name="pool")(x)
        outputs = keras.layers.Conv2D(3, 2, name="c3")(x)
        model = keras.Model(inputs, outputs)
        for name, pair in zip(("c1", "c2", "c3"), (weights[0:2], weights[2:4], weights[4:6])):
            model.get_layer(name).set_weights(pair)
        models.append(model)
    return models


def test_relu_layers_follow_the_deconvnet_and_guided_rules_like_fused_relu():
    fused, separate = _twin_relu_models()
    image = np.random.default_rng(12).normal(size=(11, 11, 2)).astype("float32")
    results = {}
    for method in (vis.deconvnet, vis.guided_backprop):
        a = method(fused, image, "c3", 1, position=(0, 1))
        b = method(separate, image, "c3", 1, position=(0, 1))
        assert a.value == pytest.approx(b.value, rel=1e-6)
        np.testing.assert_allclose(b.pixels, a.pixels, rtol=1e-5, atol=1e-6)
        results[method.__name__] = a.pixels
    # The rules matter here: the two methods differ, so equality above is
    # not the plain gradient agreeing with itself.
    assert np.max(np.abs(results["deconvnet"] - results["guided_backprop"])) > 1e-3
    # And the layers are themselves again.
    assert "call" not in separate.get_layer("r1").__dict__
    assert separate.get_layer("r2").activation is keras.activations.relu


def test_a_relu_with_a_ceiling_is_refused_by_name():
    inputs = keras.Input((5, 5, 1))
    x = keras.layers.Conv2D(2, 3, name="c")(inputs)
    x = keras.layers.ReLU(max_value=6.0, name="relu6")(x)
    model = keras.Model(inputs, keras.layers.Conv2D(1, 1, name="d")(x))
    with pytest.raises(VisualizeError, match=r"cannot pass layer 'relu6': a ReLU with a maximum"):
        vis.deconvnet(model, np.zeros((5, 5, 1)), "d", 0)


def _twin_softmax_models():
    """Four heads on the same convolution and weights: soft-max fused in
    the dense layer, a Softmax layer, an Activation("softmax") layer, and
    no soft-max (the scores themselves)."""
    rng = np.random.default_rng(13)
    conv = [rng.normal(size=(3, 3, 1, 3)), rng.normal(scale=0.2, size=3)]
    dense = [rng.normal(size=(3, 4)), rng.normal(scale=0.2, size=4)]
    models = {}
    for kind in ("fused", "layer", "activation", "none"):
        inputs = keras.Input((6, 6, 1))
        x = keras.layers.Conv2D(3, 3, activation="relu", name="conv")(inputs)
        x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
        x = keras.layers.Dense(4, activation="softmax" if kind == "fused" else None, name="dense")(x)
        if kind == "layer":
            x = keras.layers.Softmax(name="probabilities")(x)
        elif kind == "activation":
            x = keras.layers.Activation("softmax", name="probabilities")(x)
        model = keras.Model(inputs, x, name=f"head_{kind}")
        model.get_layer("conv").set_weights(conv)
        model.get_layer("dense").set_weights(dense)
        models[kind] = model
    return models


def test_saliency_and_grad_cam_use_the_score_before_any_softmax_occlusion_the_probability():
    models = _twin_softmax_models()
    image = np.random.default_rng(14).uniform(size=(6, 6, 1)).astype("float32")
    scores = models["none"]
    for kind in ("fused", "layer", "activation"):
        model = models[kind]
        for k in (0, 2):
            np.testing.assert_allclose(
                vis.saliency(model, image, class_index=k), vis.saliency(scores, image, class_index=k), rtol=1e-5
            )
            np.testing.assert_allclose(
                vis.grad_cam(model, image, "conv", class_index=k),
                vis.grad_cam(scores, image, "conv", class_index=k),
                rtol=1e-5,
                atol=1e-7,
            )
        # Occlusion keeps the probability: the soft-max of the scores.
        occluded = vis.occlusion_sensitivity(model, image, class_index=1, size=2, stride=2)
        logits = vis.occlusion_sensitivity(scores, image, class_index=1, size=2, stride=2)
        assert occluded.baseline == pytest.approx(
            float(np.exp(logits.baseline) / np.sum(np.exp(scores.predict_on_batch(image[None])[0]))), rel=1e-5
        )
        assert np.all((occluded.probability > 0) & (occluded.probability < 1))
        # The model still outputs probabilities afterwards.
        assert float(np.sum(model.predict_on_batch(image[None]))) == pytest.approx(1.0, rel=1e-5)
    # The default class is the predicted one.
    predicted = vis.predicted_class(models["layer"], image)
    np.testing.assert_array_equal(
        vis.saliency(models["layer"], image), vis.saliency(models["layer"], image, class_index=predicted)
    )


def test_compiled_gradients_see_new_weights(quadrant_model):
    """The gradient functions are compiled once per model and kept; weights
    set afterwards must still be the ones used."""
    image = np.ones((SIDE, SIDE, 1), "float32")
    before = vis.saliency(quadrant_model, image, class_index=0)
    dense = quadrant_model.get_layer("predictions")
    kept = dense.get_weights()
    try:
        dense.set_weights([2 * kept[0], kept[1]])
        after = vis.saliency(quadrant_model, image, class_index=0)
    finally:
        dense.set_weights(kept)
    np.testing.assert_allclose(after, 2 * before, rtol=1e-5)
    np.testing.assert_allclose(before[:HALF, :HALF, 0], WEIGHT / SIDE**2, rtol=1e-5)
