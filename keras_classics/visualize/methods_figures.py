"""Figures of SmoothGrad, Integrated Gradients, Guided Grad-CAM, the sanity
check and feature visualisation.

Each function returns a ``matplotlib.figure.Figure`` made with the object
API (`keras_classics.display.figure.new_figure`): no pyplot, no backend
chosen, so it leaves the user's matplotlib alone; ``figure.savefig(path)``
writes it. Every panel's scale is in a colour bar or its title.
"""

from __future__ import annotations

import numpy as np

from keras_classics.display.figure import new_figure

__all__ = [
    "attribution_figure",
    "guided_grad_cam_figure",
    "feature_visualization_figure",
    "sanity_check_figure",
]


def _unit(image) -> np.ndarray:
    """Stretched to [0, 1] (min to black, max to white); grey (h, w, 1) to (h, w)."""
    image = np.asarray(image, dtype="float64")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    low, high = float(image.min()), float(image.max())
    return np.zeros_like(image) if high == low else (image - low) / (high - low)


def _picture(axis, image, title: str) -> None:
    picture = _unit(image)
    axis.imshow(picture, cmap="gray" if picture.ndim == 2 else None, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(title, fontsize=9)


def _centred_picture(axis, values, title: str) -> None:
    """A signed image with 0 at mid-grey: ``0.5 + 0.5 * values / max |values|``
    (RGB per channel), the largest |value| in the title."""
    values = np.asarray(values, dtype="float64")
    extent = float(np.max(np.abs(values))) or 1.0
    picture = np.clip(0.5 + 0.5 * values / extent, 0.0, 1.0)
    if picture.ndim == 3 and picture.shape[-1] == 1:
        picture = picture[..., 0]
    axis.imshow(picture, cmap="gray" if picture.ndim == 2 else None, vmin=0.0, vmax=1.0, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(f"{title}\n(grey = 0, |max| {extent:.2g})", fontsize=9)


def _signed(axis, values, title: str):
    """A map centred on zero: red positive, blue negative, white 0."""
    extent = float(np.max(np.abs(values))) or 1.0
    shown = axis.imshow(values, cmap="RdBu_r", vmin=-extent, vmax=extent, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(title, fontsize=9)
    return shown


def _magnitude(axis, values, title: str):
    shown = axis.imshow(values, cmap="hot", vmin=0.0, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(title, fontsize=9)
    return shown


def attribution_figure(image: np.ndarray, attribution: np.ndarray, title: str, label: str = "attribution"):
    """The input, the attribution's magnitude (max over channels of |a|) and
    its sign (sum over channels, on a scale centred on zero)."""
    attribution = np.asarray(attribution, dtype="float64")
    figure = new_figure(7.6, 2.9, layout="constrained")
    axes = figure.subplots(1, 3)
    _picture(axes[0], image, "input")
    shown = _magnitude(axes[1], np.max(np.abs(attribution), axis=-1), "|value|, max over channels")
    figure.colorbar(shown, ax=axes[1], shrink=0.8, label=f"|{label}|")
    shown = _signed(axes[2], attribution.sum(axis=-1), "sum over channels (red +, blue -)")
    figure.colorbar(shown, ax=axes[2], shrink=0.8, label=label)
    figure.suptitle(title, fontsize=10)
    return figure


def guided_grad_cam_figure(image: np.ndarray, result, title: str):
    """The input, guided backpropagation, the upsampled Grad-CAM map and
    their product (a `GuidedGradCam`)."""
    figure = new_figure(10.0, 2.9, layout="constrained")
    axes = figure.subplots(1, 4)
    _picture(axes[0], image, "input")
    _centred_picture(axes[1], result.guided, "guided backprop")
    shown = axes[2].imshow(result.cam, cmap="jet", vmin=0.0, vmax=float(result.cam.max()) or 1.0)
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    axes[2].set_title(f"Grad-CAM at {result.layer}, upsampled", fontsize=9)
    figure.colorbar(shown, ax=axes[2], shrink=0.8, label="Grad-CAM")
    _centred_picture(axes[3], result.pixels, "guided Grad-CAM")
    figure.suptitle(title, fontsize=10)
    return figure


def feature_visualization_figure(result, title: str, value_range=None):
    """The optimised image (shown over ``value_range`` when given, else
    stretched) beside the objective at each step."""
    figure = new_figure(7.0, 3.0, layout="constrained")
    axes = figure.subplots(1, 2, width_ratios=(1, 1.3))
    image = np.asarray(result.image, dtype="float64")
    if value_range is not None:
        low, high = value_range
        image = np.clip((image - low) / (high - low), 0.0, 1.0)
        if image.shape[-1] == 1:
            image = image[..., 0]
        axes[0].imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0.0, vmax=1.0, interpolation="nearest")
        axes[0].set_xticks([])
        axes[0].set_yticks([])
        axes[0].set_title(f"{result.layer}[{result.channel}]", fontsize=9)
    else:
        _picture(axes[0], image, f"{result.layer}[{result.channel}] (stretched)")
    steps = np.arange(1, len(result.objective) + 1)
    axes[1].plot(steps, result.objective, color="#3f51b5", linewidth=1.0, label="each step (transformed image)")
    axes[1].axhline(result.activation, color="#e65100", linewidth=1.0, linestyle="--", label="final image")
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("mean activation")
    axes[1].legend(fontsize=7)
    figure.suptitle(title, fontsize=10)
    return figure


def sanity_check_figure(image: np.ndarray, check, title: str):
    """The map on the trained weights beside the same map on randomised
    weights (a `SanityCheck`), each on its own scale."""
    figure = new_figure(7.6, 2.9, layout="constrained")
    axes = figure.subplots(1, 3)
    _picture(axes[0], image, "input")
    for axis, values, name in (
        (axes[1], check.trained, "trained weights"),
        (axes[2], check.randomised, "random weights"),
    ):
        values = np.abs(np.asarray(values, dtype="float64"))
        values = values.sum(axis=-1) if values.ndim == 3 else values
        shown = _magnitude(axis, values, name)
        figure.colorbar(shown, ax=axis, shrink=0.8)
    figure.suptitle(
        f"{title}\nSpearman rank correlation {check.correlation:.2f} (near 1: the map ignores the training)",
        fontsize=10,
    )
    return figure
