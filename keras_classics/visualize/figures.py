"""PNG figures from the arrays of `keras_classics.visualize`.

Each function takes what a method returned (and the image it looked at)
and returns a matplotlib Figure; `save` writes it. Nothing here computes
anything about the model: a figure shows the array it is given, with the
scale it used in a colour bar or the title, so a figure cannot claim more
than the method found.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

__all__ = [
    "save",
    "filters_figure",
    "norms_figure",
    "feature_maps_figure",
    "top_patches_figure",
    "projection_figure",
    "heatmap_figure",
    "saliency_figure",
    "upsample",
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
    figure.suptitle(title or "first-layer filters (grey = 0, each filter scaled to its own largest |weight|)", fontsize=8)
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


def feature_maps_figure(maps: np.ndarray, layer: str, image: Optional[np.ndarray] = None,
                        limit: int = 64, columns: Optional[int] = None):
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
    for index, axis in enumerate(axes.flat):
        if index < len(patches):
            patch = patches[index]
            _show(axis, _to_unit(patch.crop))
            axis.set_title(f"#{patch.image_index}: {patch.value:.2f}", fontsize=6, pad=1)
        else:
            axis.axis("off")
    size = patches[0].box[2] - patches[0].box[0] if patches else 0
    figure.suptitle(f"{layer}, channel {channel}: top {len(patches)} patches ({size}x{size} receptive field)", fontsize=8)
    return figure


def projection_figure(image: np.ndarray, projections: Sequence, titles: Sequence[str]):
    """The input beside each `Projection` (deconvnet, guided backprop),
    each stretched to its own range, with the projected unit's field."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, 1 + len(projections), figsize=(2.2 * (1 + len(projections)), 2.5), squeeze=False)
    _show(axes[0, 0], _to_unit(image))
    axes[0, 0].set_title("input", fontsize=8)
    for axis, projection, title in zip(axes[0, 1:], projections, titles):
        pixels = projection.pixels
        extent = float(np.max(np.abs(pixels))) or 1.0
        if pixels.shape[-1] == 1:
            axis.imshow(pixels[..., 0], cmap="RdBu_r", vmin=-extent, vmax=extent, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
        else:
            _show(axis, 0.5 + 0.5 * pixels / extent)
        axis.set_title(f"{title}\n{projection.layer}[{projection.channel}] at ({projection.row}, {projection.col})", fontsize=7)
    return figure


def upsample(heat: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of a 2-D map to (height, width), aligning the
    centres of the map's cells with the centres of the pixel blocks."""
    heat = np.asarray(heat, dtype="float64")
    rows, cols = heat.shape
    y = (np.arange(height) + 0.5) * rows / height - 0.5
    x = (np.arange(width) + 0.5) * cols / width - 0.5
    y = np.clip(y, 0, rows - 1)
    x = np.clip(x, 0, cols - 1)
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    y1, x1 = np.minimum(y0 + 1, rows - 1), np.minimum(x0 + 1, cols - 1)
    wy, wx = (y - y0)[:, None], (x - x0)[None, :]
    top = heat[y0][:, x0] * (1 - wx) + heat[y0][:, x1] * wx
    bottom = heat[y1][:, x0] * (1 - wx) + heat[y1][:, x1] * wx
    return top * (1 - wy) + bottom * wy


def heatmap_figure(image: np.ndarray, heat: np.ndarray, title: str, label: str,
                   cmap: str = "jet", symmetric: bool = False, block: Optional[int] = None,
                   floor: Optional[float] = None):
    """The input, the map at its own resolution, and the map over the input.

    ``block``: the map's cell size in pixels when it is a grid of blocks
    (occlusion), drawn as blocks; otherwise it is resized smoothly.
    ``symmetric``: the colour scale is centred on zero (signed maps);
    ``floor``: the scale starts there (0 for Grad-CAM, whose map is
    never negative), so a flat map is not stretched into contrast.
    """
    plt = _pyplot()
    height, width = image.shape[:2]
    heat = np.asarray(heat, dtype="float64")
    if symmetric:
        extent = float(np.max(np.abs(heat))) or 1.0
        low, high = -extent, extent
    else:
        low = float(heat.min()) if floor is None else float(floor)
        high = float(heat.max())
        if high <= low:
            high = low + 1.0
    if block:
        big = np.kron(heat, np.ones((block, block)))[:height, :width]
    else:
        big = upsample(heat, height, width)
    figure, axes = plt.subplots(1, 3, figsize=(7.2, 2.6))
    _show(axes[0], _to_unit(image))
    axes[0].set_title("input", fontsize=8)
    shown = axes[1].imshow(heat, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    axes[1].set_title(f"map ({heat.shape[0]}x{heat.shape[1]})", fontsize=8)
    _show(axes[2], _to_unit(image))
    axes[2].imshow(big, cmap=cmap, vmin=low, vmax=high, alpha=0.5, interpolation="nearest")
    axes[2].set_title("over the input", fontsize=8)
    figure.colorbar(shown, ax=list(axes), shrink=0.8, label=label)
    figure.suptitle(title, fontsize=9)
    return figure


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
