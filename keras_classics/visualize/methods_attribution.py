"""Attribution methods built on the saliency gradient: SmoothGrad,
Integrated Gradients and Guided Grad-CAM, and a sanity check of any map.

- `smoothgrad` (Smilkov et al. 2017) averages the saliency gradient over
  noisy copies of the image: the gradient of a ReLU network jumps from
  pixel to pixel, and the average keeps what survives small changes.
- `integrated_gradients` (Sundararajan, Taly and Yan 2017) integrates the
  gradient along the straight line from a baseline image to the image and
  multiplies by the difference. Its attributions add up to the change in
  the class score between the baseline and the image ("completeness"),
  up to the error of the numerical integral, which the result reports.
- `guided_grad_cam` (Selvaraju et al. 2017, Sec. 3.1) multiplies guided
  backpropagation of the class score, sharp but not class-discriminative,
  by the Grad-CAM map brought up to the input's resolution, coarse but
  class-discriminative.
- `sanity_check` (Adebayo et al. 2018) draws one map twice, on the model
  and on a copy whose weights are re-drawn at random, and gives the rank
  correlation of the two: a map that barely changes does not show what the
  network learned.

All of them call `saliency` and `grad_cam` (class scores before the
soft-max) rather than computing gradients of their own, except guided
backpropagation of the class score, which replaces the ReLU's backward rule
as `guided_backprop` does for one activation.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Optional, Union

import keras
import numpy as np

from keras_classics.visualize._gradients import gradients
from keras_classics.visualize._graph import (
    VisualizeError,
    activation_name,
    as_batch,
    check_class,
    linear_output,
    main_output,
    replaced_activations,
)
from keras_classics.visualize.activations import map_geometry
from keras_classics.visualize.attribution import default_cam_layer, grad_cam, predicted_class, saliency

__all__ = [
    "smoothgrad",
    "IntegratedGradients",
    "integrated_gradients",
    "class_score",
    "guided_gradient",
    "GuidedGradCam",
    "guided_grad_cam",
    "upsample_map",
    "SanityCheck",
    "sanity_check",
    "rank_correlation",
]


def _resolve_class(model, batch, class_index: Optional[int]) -> int:
    return check_class(model, predicted_class(model, batch) if class_index is None else class_index)


def _check_count(name: str, value, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise VisualizeError(f"{name} must be a whole number of at least {least}, got {value!r}")
    return int(value)


def class_score(model, image, class_index: int) -> float:
    """The class score before the soft-max for one image: the quantity whose
    gradient `saliency` takes, and whose change `integrated_gradients`
    distributes over the pixels. The soft-max may be the output layer's
    own activation or a ``Softmax`` (or ``Activation("softmax")``) layer."""
    batch = as_batch(model, image)
    class_index = check_class(model, class_index)
    last = model.outputs[0]._keras_history.operation
    kind = type(last).__name__
    if kind == "Softmax" or (kind == "Activation" and activation_name(last) == "softmax"):
        # The soft-max is a layer of its own: the scores are its input.
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        scores = keras.Model(inputs, last.input)(batch, training=False)
    else:
        with linear_output(model):
            scores = main_output(model(batch, training=False))
    return float(keras.ops.convert_to_numpy(scores)[0, class_index])


# -- SmoothGrad -----------------------------------------------------------------
def smoothgrad(
    model,
    image,
    class_index: Optional[int] = None,
    samples: int = 50,
    noise: float = 0.15,
    seed: int = 0,
    squared: bool = False,
) -> np.ndarray:
    """The saliency gradient averaged over ``samples`` noisy copies of the
    image, shape (h, w, c).

    Args:
        class_index: the class whose score is differentiated; None: the
            class predicted for the clean image (the same class for every
            copy).
        samples: how many noisy copies (the paper finds 50 enough).
        noise: the standard deviation of the Gaussian noise, as a fraction
            of the image's range (largest minus smallest value), as the
            paper states it; it recommends 0.10 to 0.20. A constant image
            has no range: the fraction is then of 1. Zero noise gives the
            plain saliency gradient.
        seed: the noise's seed (a generator of its own: the global random
            state is left alone).
        squared: average the squared gradients instead (the variant that
            keeps only magnitudes).
    """
    batch = as_batch(model, image)
    samples = _check_count("samples", samples)
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise VisualizeError(
            f"noise must be a fraction of the image's range of at least 0 (0.15 is usual), got {noise}"
        )
    class_index = _resolve_class(model, batch, class_index)
    spread = float(batch.max() - batch.min()) or 1.0
    sigma = noise * spread
    rng = np.random.default_rng(seed)
    total = np.zeros(batch.shape[1:], dtype="float64")
    for _ in range(samples):
        noisy = batch[0] + (rng.normal(0.0, sigma, batch.shape[1:]).astype("float32") if sigma > 0 else 0.0)
        gradient = saliency(model, noisy, class_index).astype("float64")
        total += gradient * gradient if squared else gradient
    return (total / samples).astype("float32")


# -- Integrated Gradients -------------------------------------------------------
@dataclass(frozen=True)
class IntegratedGradients:
    """Integrated Gradients of one image.

    ``attributions``: (h, w, c), one number per input value; ``score`` and
    ``baseline_score``: the class score (before the soft-max) at the image
    and at the baseline; ``steps``: points of the integral.
    """

    attributions: np.ndarray
    class_index: int
    score: float
    baseline_score: float
    steps: int

    @property
    def gap(self) -> float:
        """Sum of the attributions minus (score - baseline score): zero for
        the exact integral; more steps shrink it."""
        return float(np.sum(self.attributions, dtype="float64") - (self.score - self.baseline_score))

    @property
    def relative_gap(self) -> float:
        """`gap` as a fraction of |score - baseline score|."""
        change = abs(self.score - self.baseline_score)
        return abs(self.gap) / change if change > 0 else float("inf") if self.gap else 0.0


def _baseline_array(batch: np.ndarray, baseline) -> np.ndarray:
    if baseline is None:
        return np.zeros(batch.shape[1:], dtype="float32")
    array = np.asarray(baseline, dtype="float32")
    if array.ndim == 0:
        return np.full(batch.shape[1:], float(array), dtype="float32")
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.shape != batch.shape[1:]:
        raise VisualizeError(
            f"the baseline must be a number or an image of the input's shape {batch.shape[1:]}, "
            f"got an array of shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise VisualizeError("the baseline has NaN or infinite values; give finite pixel values")
    return array


def integrated_gradients(
    model,
    image,
    baseline: Union[None, float, np.ndarray] = None,
    steps: int = 64,
    class_index: Optional[int] = None,
) -> IntegratedGradients:
    """Integrated Gradients (Sundararajan et al. 2017, Eq. 1) of a class score.

    ``(x - x') * integral over a in [0, 1] of d score / d x at x' + a (x - x')``,
    the integral taken by the midpoint rule: the gradient at
    ``a = (k + 1/2) / steps`` for ``k = 0 .. steps - 1``.

    Args:
        baseline: the image that stands for "no signal", in the model's
            input scale: None (zeros, black for pixels in [0, 1], the mean
            image for standardised inputs), a number (every value), or an
            array of the image's shape.
        steps: points of the integral; the paper finds 20 to 300 enough.
            The result's `IntegratedGradients.gap` says how far the sum of
            the attributions is from the change in score.
        class_index: None: the class predicted for the image.
    """
    batch = as_batch(model, image)
    steps = _check_count("steps", steps)
    start = _baseline_array(batch, baseline)
    class_index = _resolve_class(model, batch, class_index)
    difference = batch[0] - start
    total = np.zeros(batch.shape[1:], dtype="float64")
    for k in range(steps):
        alpha = (k + 0.5) / steps
        total += saliency(model, start + np.float32(alpha) * difference, class_index)
    attributions = (difference * (total / steps)).astype("float32")
    return IntegratedGradients(
        attributions=attributions,
        class_index=class_index,
        score=class_score(model, batch, class_index),
        baseline_score=class_score(model, start, class_index),
        steps=steps,
    )


# -- Guided Grad-CAM --------------------------------------------------------------
@contextlib.contextmanager
def _guided_relu_layers(model, rule):
    """Within the block, ``keras.layers.ReLU`` layers (ReLU as a layer of
    its own, which `replaced_activations` does not reach) apply ``rule``."""
    saved = []
    try:
        for layer in model.layers:
            if type(layer).__name__ != "ReLU":
                continue
            config = layer.get_config()
            plain = config.get("max_value") is None and not config.get("negative_slope") and not config.get("threshold")
            if not plain:
                raise VisualizeError(
                    f"guided backpropagation needs plain ReLUs, but layer {layer.name!r} is a ReLU with "
                    f"max_value={config.get('max_value')}, negative_slope={config.get('negative_slope')}, "
                    f"threshold={config.get('threshold')}; use keras.layers.ReLU() without them"
                )
            saved.append(layer)
            layer.call = lambda inputs, *args, **kwargs: rule(inputs)
        yield
    finally:
        for layer in saved:
            del layer.call  # the class's own method shows through again


def guided_gradient(model, image, class_index: Optional[int] = None) -> np.ndarray:
    """Guided backpropagation of the class score (before the soft-max),
    shape (h, w, c): the gradient with every ReLU passing back only a
    positive signal, and only where its input was positive (Springenberg
    et al. 2015). `guided_backprop` does the same for one activation of a
    spatial layer."""
    from keras_classics.visualize.deconvnet import _relu_rule, _straight_through

    batch = as_batch(model, image)
    class_index = _resolve_class(model, batch, class_index)
    rule = _relu_rule("guided")

    def forward(x):
        return main_output(model(x, training=False))[0, class_index], []

    with (
        linear_output(model),
        replaced_activations(model, {"relu": rule}),
        _guided_relu_layers(model, rule),
        _straight_through(model),
    ):
        _, gradient, _, _ = gradients(forward, batch)
    return gradient[0]


def upsample_map(cell_map: np.ndarray, geometry, height: int, width: int) -> np.ndarray:
    """A layer's map (h', w') brought to the input's (height, width),
    bilinear between cell centres and constant beyond the outer ones.

    ``geometry``: (centre of cell 0, pixels between cells) in input pixels,
    as `map_geometry` gives it: cell ``i`` stands for pixel ``first + i *
    jump``. Where the map covers the image evenly (padding "same", image
    side = cells x jump) this is ``tf.image.resize``'s bilinear resize.
    """
    cell_map = np.asarray(cell_map, dtype="float64")
    first, jump = float(geometry[0]), float(geometry[1])

    def weights(pixels: int, cells: int) -> np.ndarray:
        centres = first + jump * np.arange(cells)
        at = np.arange(pixels, dtype="float64")
        # Column j: the weight of cell j at each pixel (np.interp holds the
        # end values beyond the outer centres).
        return np.stack([np.interp(at, centres, np.eye(cells)[j]) for j in range(cells)], axis=1)

    rows = weights(height, cell_map.shape[0])
    cols = weights(width, cell_map.shape[1])
    return (rows @ cell_map @ cols.T).astype("float32")


@dataclass(frozen=True)
class GuidedGradCam:
    """Guided Grad-CAM of one image: ``pixels`` = ``guided`` x ``cam``.

    ``guided``: guided backpropagation of the class score, (h, w, c);
    ``cam``: the Grad-CAM map at ``layer`` upsampled to (h, w);
    ``cell_map``: the same map at the layer's own resolution.
    """

    pixels: np.ndarray
    guided: np.ndarray
    cam: np.ndarray
    cell_map: np.ndarray
    layer: str
    class_index: int


def guided_grad_cam(model, image, layer: Optional[str] = None, class_index: Optional[int] = None) -> GuidedGradCam:
    """Guided Grad-CAM (Selvaraju et al. 2017, Sec. 3.1): guided
    backpropagation of the class score times the Grad-CAM map, brought to
    the input's resolution by `upsample_map`.

    Args:
        layer: the Grad-CAM layer, as for `grad_cam` (None: its default).
        class_index: None: the predicted class.
    """
    batch = as_batch(model, image)
    class_index = _resolve_class(model, batch, class_index)
    if layer is None:
        layer = default_cam_layer(model)
    cell_map = grad_cam(model, batch, layer, class_index)
    height, width = batch.shape[1:3]
    cam = upsample_map(cell_map, map_geometry(model, layer, (height, width)), height, width)
    guided = guided_gradient(model, batch, class_index)
    return GuidedGradCam(
        pixels=(guided * cam[..., None]).astype("float32"),
        guided=guided,
        cam=cam,
        cell_map=cell_map,
        layer=layer,
        class_index=class_index,
    )


# -- Sanity check ---------------------------------------------------------------
def rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rank correlation of two maps of the same shape (ties get
    their mean rank); NaN when either map is constant."""
    first = np.asarray(first, dtype="float64").ravel()
    second = np.asarray(second, dtype="float64").ravel()
    if first.shape != second.shape:
        raise VisualizeError(f"the two maps differ in size: {first.size} and {second.size} values")

    def ranks(values):
        order = np.argsort(values, kind="stable")
        rank = np.empty(len(values), dtype="float64")
        rank[order] = np.arange(len(values), dtype="float64")
        # Ties: every member of a run of equal values gets the run's mean rank.
        sorted_values = values[order]
        start = 0
        for end in range(1, len(values) + 1):
            if end == len(values) or sorted_values[end] != sorted_values[start]:
                rank[order[start:end]] = (start + end - 1) / 2.0
                start = end
        return rank

    a, b = ranks(first), ranks(second)
    a -= a.mean()
    b -= b.mean()
    denominator = np.sqrt(np.sum(a * a) * np.sum(b * b))
    return float(np.sum(a * b) / denominator) if denominator > 0 else float("nan")


@dataclass(frozen=True)
class SanityCheck:
    """One map on the model (``trained``) and on a copy with re-drawn
    weights (``randomised``); ``correlation``: Spearman's rank correlation
    of their magnitudes (of the absolute values, summed over channels when
    the maps have them), as Adebayo et al. compare them."""

    trained: np.ndarray
    randomised: np.ndarray
    correlation: float
    seed: int


def _randomised_copy(model, seed: int):
    """A copy of ``model`` whose every weight is drawn anew: kernels from a
    Gaussian of the original's own standard deviation, everything else (biases,
    batch-norm statistics) kept, so the scale of the signal stays."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    rng = np.random.default_rng(seed)
    for layer in copy.layers:
        for variable in layer.weights:
            if "kernel" not in variable.path.split("/")[-1]:
                continue
            values = keras.ops.convert_to_numpy(variable)
            spread = float(values.std()) or 0.05
            variable.assign(rng.normal(0.0, spread, values.shape).astype(values.dtype))
    return copy


def _magnitude(attribution) -> np.ndarray:
    values = np.abs(np.asarray(attribution, dtype="float64"))
    return values.sum(axis=-1) if values.ndim == 3 else values


def sanity_check(
    model, image, method: Callable = saliency, class_index: Optional[int] = None, seed: int = 0, **options
) -> SanityCheck:
    """The map of ``method`` on ``model`` and on a copy with randomised
    weights (Adebayo et al. 2018, the "cascading" test run to the end: every
    layer's kernel re-drawn).

    Args:
        method: a function ``method(model, image, class_index=..., **options)``
            returning an array: `saliency`, `smoothgrad`, `grad_cam`,
            `guided_gradient`; or `integrated_gradients` and
            `guided_grad_cam`, whose results give their ``attributions`` and
            ``pixels``.
        class_index: the class whose map is drawn on both models (None: the
            one the trained model predicts).
        seed: the random weights' seed (a generator of its own).

    Returns:
        a `SanityCheck`: a correlation near 1 means the map hardly depends on
        what the network learned.
    """
    batch = as_batch(model, image)
    class_index = _resolve_class(model, batch, class_index)

    def draw(network):
        result = method(network, batch[0], class_index=class_index, **options)
        for field in ("attributions", "pixels"):
            if hasattr(result, field):
                return np.asarray(getattr(result, field))
        return np.asarray(result)

    trained = draw(model)
    randomised = draw(_randomised_copy(model, seed))
    return SanityCheck(
        trained=trained,
        randomised=randomised,
        correlation=rank_correlation(_magnitude(trained), _magnitude(randomised)),
        seed=seed,
    )
