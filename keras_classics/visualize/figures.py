"""PNG figures from the arrays of `keras_classics.visualize`.

Each function takes what a method returned (and the image it looked at)
and returns a matplotlib Figure; `save` writes it. Nothing here computes
anything about the model: a figure shows the array it is given, with the
scale it used in a colour bar or the title, so a figure cannot claim more
than the method found.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "save",
    "filters_figure",
    "norms_figure",
    "feature_maps_figure",
    "top_patches_figure",
    "projection_figure",
    "heatmap_figure",
    "occlusion_figure",
    "saliency_figure",
]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def save(figure, path: str, dpi: int = 110) -> str:
    figure.savefig(path, dpi=dpi, bbox_inches="tight")
    _pyplot().close(figure)
    return path


def _grid(count: int, columns: Optional[int] = None):
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    return math.ceil(count / columns), columns


def _show(axis, picture, **kwargs):
    """Grey images (h, w, 1) and (h, w) in grey, others as RGB."""
    picture = np.asarray(picture)
    if picture.ndim == 3 and picture.shape[-1] == 1:
        picture = picture[..., 0]
    if picture.ndim == 2:
        kwargs.setdefault("cmap", "gray")
    axis.imshow(picture, interpolation="nearest", **kwargs)
    axis.set_xticks([])
    axis.set_yticks([])


def _to_unit(image: np.ndarray) -> np.ndarray:
    """Stretch an image to [0, 1] for display (min to black, max to white)."""
    image = np.asarray(image, dtype="float64")
    low, high = float(image.min()), float(image.max())
    return np.zeros_like(image) if high == low else (image - low) / (high - low)


def filters_figure(tiles: np.ndarray, title: str = "", columns: Optional[int] = None):
    """The first layer's kernels from `filter_tiles` (values in [0, 1],
    0.5 = zero weight), one tile each."""
    plt = _pyplot()
    rows, columns = _grid(len(tiles), columns)
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 0.9, rows * 0.9 + 0.4), squeeze=False)
    for index, axis in enumerate(axes.flat):
        if index < len(tiles):
            _show(axis, tiles[index], vmin=0.0, vmax=1.0)
            axis.set_title(str(index), fontsize=6, pad=1)
        else:
            axis.axis("off")
    figure.suptitle(
        title or "first-layer filters (grey = 0, each filter scaled to its own largest |weight|)", fontsize=8
    )
    return figure


def norms_figure(norms: np.ndarray, layer: str):
    """A bar per filter of `filter_norms`."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(max(4.0, len(norms) * 0.06), 2.4))
    axis.bar(np.arange(len(norms)), norms, width=0.8, color="#3f51b5")
    axis.set_xlabel("filter")
    axis.set_ylabel("L2 norm of the kernel")
    axis.set_title(f"{layer}: per-filter weight norms", fontsize=9)
    return figure


def feature_maps_figure(
    maps: np.ndarray, layer: str, image: Optional[np.ndarray] = None, limit: int = 64, columns: Optional[int] = None
):
    """The channels of `feature_maps`, all on one colour scale (the bar)."""
    plt = _pyplot()
    channels = min(limit, maps.shape[-1])
    panels = channels + (image is not None)
    rows, columns = _grid(panels, columns)
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.1 + 0.4), squeeze=False)
    low, high = float(maps[..., :channels].min()), float(maps[..., :channels].max())
    flat = list(axes.flat)
    if image is not None:
        _show(flat[0], _to_unit(image))
        flat[0].set_title("input", fontsize=6, pad=1)
        flat = flat[1:]
    shown = None
    for index, axis in enumerate(flat):
        if index < channels:
            shown = axis.imshow(maps[..., index], cmap="viridis", vmin=low, vmax=high, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            axis.set_title(str(index), fontsize=6, pad=1)
        else:
            axis.axis("off")
    more = f", first {channels} of {maps.shape[-1]}" if channels < maps.shape[-1] else ""
    figure.suptitle(f"{layer}: feature maps ({maps.shape[0]}x{maps.shape[1]}{more})", fontsize=8)
    if shown is not None:
        figure.colorbar(shown, ax=list(axes.flat), shrink=0.6, label="activation")
    return figure


def top_patches_figure(patches: Sequence, layer: str, channel: int, columns: int = 3):
    """The crops of `top_patches`, strongest first, with their activations."""
    plt = _pyplot()
    rows, columns = _grid(len(patches), columns)
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.3, rows * 1.4 + 0.4), squeeze=False)
    # One scale for every crop, so a faint region is not stretched to look
    # like a strong one.
    low = min(float(np.min(p.crop)) for p in patches) if patches else 0.0
    high = max(float(np.max(p.crop)) for p in patches) if patches else 1.0
    high = high if high > low else low + 1.0
    for index, axis in enumerate(axes.flat):
        if index < len(patches):
            patch = patches[index]
            _show(axis, (np.asarray(patch.crop, dtype="float64") - low) / (high - low), vmin=0.0, vmax=1.0)
            axis.set_title(f"#{patch.image_index}: {patch.value:.2f}", fontsize=6, pad=1)
        else:
            axis.axis("off")
    size = patches[0].box[2] - patches[0].box[0] if patches else 0
    figure.suptitle(
        f"{layer}, channel {channel}: top {len(patches)} patches ({size}x{size} receptive field)", fontsize=8
    )
    return figure


def projection_figure(image: np.ndarray, projections: Sequence, titles: Sequence[str]):
    """The input beside each `Projection` (deconvnet, guided backprop),
    each stretched to its own range, with the projected unit's field."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, 1 + len(projections), figsize=(2.2 * (1 + len(projections)), 2.5), squeeze=False)
    _show(axes[0, 0], _to_unit(image))
    axes[0, 0].set_title("input, unit's receptive field", fontsize=8)
    if projections:
        _box(axes[0, 0], projections[0].box)
    for axis, projection, title in zip(axes[0, 1:], projections, titles):
        pixels = projection.pixels
        extent = float(np.max(np.abs(pixels))) or 1.0
        if pixels.shape[-1] == 1:
            axis.imshow(pixels[..., 0], cmap="RdBu_r", vmin=-extent, vmax=extent, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
        else:
            _show(axis, 0.5 + 0.5 * pixels / extent)
        axis.set_title(
            f"{title}\n{projection.layer}[{projection.channel}] at ({projection.row}, {projection.col})", fontsize=7
        )
    return figure


def _box(axis, box, color="#ffb300"):
    """Outline (top, left, bottom, right), bottom and right exclusive."""
    from matplotlib.patches import Rectangle

    top, left, bottom, right = box
    axis.add_patch(
        Rectangle(
            (left - 0.5, top - 0.5),
            right - left,
            bottom - top,
            fill=False,
            edgecolor=color,
            linewidth=1.5,
            clip_on=True,
        )
    )


def heatmap_figure(
    image: np.ndarray,
    heat: np.ndarray,
    title: str,
    label: str,
    geometry: Tuple[float, int],
    cmap: str = "jet",
    symmetric: bool = False,
    floor: Optional[float] = None,
    smooth: bool = True,
):
    """The input, the map at its own resolution, and the map over the input.

    ``geometry``: (centre of cell 0, pixels between cells) in input
    pixels, from `keras_classics.visualize.map_geometry` for a layer's map
    (Grad-CAM) or ``((stride - 1) / 2, stride)`` for occlusion. The map
    is laid over the pixels its cells stand for and nowhere else, so a
    shrunken map is not stretched over the whole image.
    ``symmetric``: the colour scale is centred on zero (signed maps);
    ``floor``: the scale starts there (0 for Grad-CAM, whose map is never
    negative), so a flat map is not stretched into contrast; ``smooth``:
    bilinear between cell centres, else one flat block per cell.
    """
    plt = _pyplot()
    heat = np.asarray(heat, dtype="float64")
    if symmetric:
        extent = float(np.max(np.abs(heat))) or 1.0
        low, high = -extent, extent
    else:
        low = float(heat.min()) if floor is None else float(floor)
        high = float(heat.max())
        if high <= low:
            high = low + 1.0
    first, jump = geometry
    rows, cols = heat.shape
    # Cell edges in pixel coordinates (pixel centres at 0, 1, 2, ...).
    left, top = first - jump / 2.0, first - jump / 2.0
    right, bottom = left + cols * jump, top + rows * jump
    figure, axes = plt.subplots(1, 3, figsize=(7.2, 2.6))
    _show(axes[0], _to_unit(image))
    axes[0].set_title("input", fontsize=8)
    shown = axes[1].imshow(heat, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    axes[1].set_title(f"map ({rows}x{cols})", fontsize=8)
    _show(axes[2], _to_unit(image))
    height, width = image.shape[:2]
    axes[2].imshow(
        heat,
        cmap=cmap,
        vmin=low,
        vmax=high,
        alpha=0.5,
        interpolation="bilinear" if smooth else "nearest",
        extent=(left, right, bottom, top),
    )
    axes[2].set_xlim(-0.5, width - 0.5)
    axes[2].set_ylim(height - 0.5, -0.5)
    _box(
        axes[2],
        (int(round(top + 0.5)), int(round(left + 0.5)), int(round(bottom + 0.5)), int(round(right + 0.5))),
        color="white",
    )
    axes[2].set_title("over the pixels it covers", fontsize=8)
    figure.colorbar(shown, ax=list(axes), shrink=0.8, label=label)
    figure.suptitle(title, fontsize=9)
    return figure


def occlusion_figure(image: np.ndarray, occlusion, title: str):
    """`heatmap_figure` of an `Occlusion`'s drop in probability: one flat
    block per position of the square, on a colour scale centred on zero
    (a square can also raise the probability)."""
    return heatmap_figure(
        image,
        occlusion.drop,
        title,
        "drop in class probability",
        ((occlusion.stride - 1) / 2.0, occlusion.stride),
        cmap="RdBu_r",
        symmetric=True,
        smooth=False,
    )


def saliency_figure(image: np.ndarray, gradient: np.ndarray, title: str):
    """Simonyan et al.'s map: max over channels of |d score / d pixel|."""
    plt = _pyplot()
    magnitude = np.max(np.abs(gradient), axis=-1)
    figure, axes = plt.subplots(1, 2, figsize=(5.0, 2.6))
    _show(axes[0], _to_unit(image))
    axes[0].set_title("input", fontsize=8)
    shown = axes[1].imshow(magnitude, cmap="hot", vmin=0.0, interpolation="nearest")
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    axes[1].set_title("|gradient|, max over channels", fontsize=8)
    figure.colorbar(shown, ax=list(axes), shrink=0.8, label="|d score / d pixel|")
    figure.suptitle(title, fontsize=9)
    return figure
