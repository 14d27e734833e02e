"""ZFNet's Fig. 2 and Fig. 4 drawn from `keras_classics.visualize.evolution`.

`patches_and_projections_figure`: for each unit, its top patches beside
their deconvnet projections. `evolution_figure`: one row per kept epoch,
the strongest patch and its projection. Projections are cut to the unit's
receptive field, each on its own scale symmetric about zero (red +,
blue -; grey images) or about mid-grey (colour images). Axes that show a
projection carry ``gid="projection"``, those showing a patch
``gid="patch"``, so a reader (or a test) can find what each panel shows.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np

from keras_classics.display.figure import new_figure
from keras_classics.visualize.evolution import projection_crop
from keras_classics.visualize.figures import SMALL, _padded_rgb, _prefixed, _show, _title
from keras_classics.visualize.words import in_language, say

__all__ = ["patches_and_projections_figure", "evolution_figure"]


def _projection_panel(axis, projection, language: str) -> None:
    pixels = np.asarray(projection_crop(projection), dtype="float64")
    axis.set_gid("projection")
    extent = float(np.max(np.abs(pixels))) if pixels.size else 0.0
    if extent == 0:
        _show(axis, np.zeros(pixels.shape[:2]), cmap="RdBu_r", vmin=-1, vmax=1)
        axis.text(
            0.5, 0.5, say("zero short", language), ha="center", va="center", fontsize=SMALL, transform=axis.transAxes
        )
        return
    if pixels.shape[-1] == 1:
        _show(axis, pixels[..., 0], cmap="RdBu_r", vmin=-extent, vmax=extent)
    else:
        _show(axis, np.clip(0.5 + 0.5 * pixels / extent, 0.0, 1.0))


def _patch_panel(axis, patch, low: float, high: float, image_shape) -> None:
    axis.set_gid("patch")
    _show(axis, _padded_rgb(patch.crop, patch.box, image_shape, low, high), vmin=0.0, vmax=1.0)


def _scale(patches) -> Tuple[float, float]:
    low = min(float(np.min(p.crop)) for p in patches)
    high = max(float(np.max(p.crop)) for p in patches)
    return low, (high if high > low else low + 1.0)


@in_language
def patches_and_projections_figure(
    units: Sequence,
    columns: int = 3,
    title: str = "",
    image_shape: Optional[Tuple[int, int]] = None,
    language: str = "en",
):
    """ZFNet's Fig. 2: for each `UnitProjections`, its projections (left)
    beside its top patches (right), ``columns`` to a row, strongest first.

    ``image_shape``: (height, width) of the images; given, the parts of a
    patch outside the image are drawn in the padding colour.
    """
    if not units:
        raise ValueError("patches_and_projections_figure needs at least one unit (from patches_and_projections)")
    count = max(len(u.patches) for u in units)
    rows_each = max(1, math.ceil(count / columns))
    rows = rows_each * len(units)
    total_columns = 2 * columns + 1
    figure = new_figure(1.1 * total_columns, 1.15 * rows + 0.9)
    axes = np.asarray(
        figure.subplots(
            rows, total_columns, squeeze=False, gridspec_kw={"width_ratios": [1] * columns + [0.25] + [1] * columns}
        )
    )
    for axis in axes.flat:
        axis.axis("off")
    for block, unit in enumerate(units):
        low, high = _scale(unit.patches)
        for index, (patch, projection) in enumerate(zip(unit.patches, unit.projections)):
            row, col = divmod(index, columns)
            row += block * rows_each
            for axis in (axes[row, col], axes[row, columns + 1 + col]):
                axis.axis("on")
            _projection_panel(axes[row, col], projection, language)
            _patch_panel(axes[row, columns + 1 + col], patch, low, high, image_shape)
        top = block * rows_each
        middle = columns // 2
        names = {"layer": unit.layer, "channel": unit.channel}
        axes[top, middle].set_title(say("projections of", language, **names), fontsize=SMALL, pad=2)
        axes[top, columns + 1 + middle].set_title(
            say("patches of", language, count=len(unit.patches), **names), fontsize=SMALL, pad=2
        )
    height = figure.get_figheight()
    figure.subplots_adjust(top=1.0 - 0.85 / height, bottom=0.15 / height, hspace=0.15)
    _title(figure, _prefixed(title, say("zf fig 2 title", language)))
    return figure


@in_language
def evolution_figure(
    steps: Sequence,
    title: str = "",
    image_shape: Optional[Tuple[int, int]] = None,
    language: str = "en",
):
    """ZFNet's Fig. 4 for one feature: a row per `EvolutionStep` (epoch),
    the strongest patch over the images and its deconvnet projection."""
    if not steps:
        raise ValueError("evolution_figure needs at least one step (from feature_evolution)")
    figure = new_figure(4.2, 1.5 * len(steps) + 1.0)
    axes = np.asarray(figure.subplots(len(steps), 2, squeeze=False))
    low, high = _scale([s.patch for s in steps])
    for row, step in enumerate(steps):
        _patch_panel(axes[row, 0], step.patch, low, high, image_shape)
        _projection_panel(axes[row, 1], step.projection, language)
        axes[row, 0].set_ylabel(say("epoch", language, epoch=step.epoch), fontsize=SMALL)
        axes[row, 1].set_xlabel(f"{say('activation', language)} {step.patch.value:.3g}", fontsize=SMALL, labelpad=1)
    axes[0, 0].set_title(say("strongest patch", language), fontsize=SMALL)
    axes[0, 1].set_title(say("its projection", language), fontsize=SMALL)
    first = steps[0].patch
    heading = say("evolution title", language, layer=first.layer, channel=first.channel)
    _title(figure, _prefixed(title, heading))
    return figure
