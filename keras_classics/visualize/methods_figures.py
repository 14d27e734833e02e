"""Figures of SmoothGrad, Integrated Gradients, Guided Grad-CAM, the sanity
check and feature visualisation.

Each function returns a ``matplotlib.figure.Figure`` made with the object
API (`keras_classics.display.figure.new_figure`): no pyplot, no backend
chosen, so it leaves the user's matplotlib alone; ``figure.savefig(path)``
writes it. Every panel's scale is in a colour bar or its title.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from keras_classics.display.figure import new_figure
from keras_classics.visualize.words import in_language, say, wrap

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


def _centred_picture(axis, values, title: str, language: str = "en") -> None:
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
    axis.set_title(f"{title}\n{say('grey zero max', language, extent=f'{extent:.2g}')}", fontsize=9)


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


@in_language
def attribution_figure(
    image: np.ndarray, attribution: np.ndarray, title: str, label: Optional[str] = None, language: str = "en"
):
    """The input, the attribution's magnitude (max over channels of |a|) and
    its sign (sum over channels, on a scale centred on zero). ``label``
    names the quantity on the colour bars ("attribution" by default)."""
    label = label or say("attribution", language)
    attribution = np.asarray(attribution, dtype="float64")
    figure = new_figure(7.6, 2.9, layout="constrained")
    axes = figure.subplots(1, 3)
    _picture(axes[0], image, say("input", language))
    shown = _magnitude(axes[1], np.max(np.abs(attribution), axis=-1), say("value max", language))
    figure.colorbar(shown, ax=axes[1], shrink=0.8, label=f"|{label}|")
    shown = _signed(axes[2], attribution.sum(axis=-1), say("channel sum", language))
    figure.colorbar(shown, ax=axes[2], shrink=0.8, label=label)
    figure.suptitle(title, fontsize=10)
    return figure


@in_language
def guided_grad_cam_figure(image: np.ndarray, result, title: str, language: str = "en"):
    """The input, guided backpropagation, the upsampled Grad-CAM map and
    their product (a `GuidedGradCam`)."""
    figure = new_figure(10.0, 2.9, layout="constrained")
    axes = figure.subplots(1, 4)
    _picture(axes[0], image, say("input", language))
    _centred_picture(axes[1], result.guided, say("guided backprop", language), language)
    shown = axes[2].imshow(result.cam, cmap="jet", vmin=0.0, vmax=float(result.cam.max()) or 1.0)
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    axes[2].set_title(say("grad-cam at", language, layer=result.layer), fontsize=9)
    figure.colorbar(shown, ax=axes[2], shrink=0.8, label="Grad-CAM")
    _centred_picture(axes[3], result.pixels, say("guided grad-cam", language), language)
    figure.suptitle(title, fontsize=10)
    return figure


@in_language
def feature_visualization_figure(result, title: str, value_range=None, language: str = "en"):
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
        _picture(axes[0], image, say("stretched", language, layer=result.layer, channel=result.channel))
    steps = np.arange(1, len(result.objective) + 1)
    axes[1].plot(steps, result.objective, color="#3f51b5", linewidth=1.0, label=say("each step", language))
    axes[1].axhline(
        result.activation, color="#e65100", linewidth=1.0, linestyle="--", label=say("final image", language)
    )
    axes[1].set_xlabel(say("step", language))
    axes[1].set_ylabel(say("mean activation", language))
    axes[1].legend(fontsize=8)
    if not np.any(np.asarray(result.objective)) and not result.activation:
        # Nothing climbed: say so, rather than show a flat line and a grey
        # square as if they were the channel's favourite input.
        axes[1].text(
            0.5,
            0.5,
            wrap(say("never climbed", language), 40),
            ha="center",
            va="center",
            fontsize=9,
            transform=axes[1].transAxes,
            bbox={"facecolor": "white", "edgecolor": "#e65100"},
        )
    figure.suptitle(title, fontsize=10)
    return figure


@in_language
def sanity_check_figure(image: np.ndarray, check, title: str, language: str = "en"):
    """The map on the trained weights beside the same map on randomised
    weights (a `SanityCheck`), each on its own scale."""
    figure = new_figure(7.6, 2.9, layout="constrained")
    axes = figure.subplots(1, 3)
    _picture(axes[0], image, say("input", language))
    for axis, values, name in (
        (axes[1], check.trained, say("trained weights", language)),
        (axes[2], check.randomised, say("random weights", language)),
    ):
        values = np.abs(np.asarray(values, dtype="float64"))
        values = values.sum(axis=-1) if values.ndim == 3 else values
        shown = _magnitude(axis, values, name)
        figure.colorbar(shown, ax=axis, shrink=0.8, label=say("map magnitude", language))
    figure.suptitle(
        f"{title}\n{say('spearman', language, correlation=f'{check.correlation:.2f}')}",
        fontsize=10,
    )
    return figure
