"""PNG figures from the arrays of `keras_classics.visualize`.

Each function takes what a method returned (and the image it looked at)
and returns a matplotlib Figure; `save` writes it. Nothing here computes
anything about the model: a figure shows the array it is given, with the
scale it used in a colour bar, so a figure cannot claim more than the
method found. Where the array is degenerate (all zero, a channel that
never fires) the figure says so in words instead of drawing a blank panel.

The figures are made with matplotlib's object API
(`keras_classics.display.figure.new_figure`): no pyplot, no backend
chosen, nothing of the user's matplotlib state changed.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np

from keras_classics.display.figure import new_figure
from keras_classics.visualize.words import in_language, say, wrap

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
    "PADDING_COLOUR",
]

# The smallest font of any figure, in points.
SMALL = 9
TITLE = 10
# Where a top patch's receptive field leaves the image: the padding the
# layer saw, drawn in a colour no photograph or digit has at that place.
PADDING_COLOUR = (0.55, 0.75, 0.95)
# The norm chart's width stays readable for wide layers (384 filters).
NORMS_MAX_WIDTH = 9.0


def save(figure, path: str, dpi: int = 110) -> str:
    figure.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def _grid(count: int, columns: Optional[int] = None):
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    return max(1, math.ceil(count / columns)), columns


def _axes_grid(figure, rows: int, columns: int):
    return np.asarray(figure.subplots(rows, columns, squeeze=False))


def _show(axis, picture, **kwargs):
    """Grey images (h, w, 1) and (h, w) in grey, others as RGB."""
    picture = np.asarray(picture)
    if picture.ndim == 3 and picture.shape[-1] == 1:
        picture = picture[..., 0]
    if picture.ndim == 2:
        kwargs.setdefault("cmap", "gray")
    shown = axis.imshow(picture, interpolation="nearest", **kwargs)
    axis.set_xticks([])
    axis.set_yticks([])
    return shown


def _to_unit(image: np.ndarray) -> np.ndarray:
    """Stretch an image to [0, 1] for display (min to black, max to white)."""
    image = np.asarray(image, dtype="float64")
    low, high = float(image.min()), float(image.max())
    return np.zeros_like(image) if high == low else (image - low) / (high - low)


def _title(figure, text: str) -> None:
    """The figure's title, broken after the source's name when long."""
    if len(text) > 72 and ": " in text:
        head, tail = text.split(": ", 1)
        text = f"{head}:\n{tail}"
    figure.suptitle(text, fontsize=TITLE)


def _columns(figure, fraction: float, fontsize: float = SMALL) -> int:
    """About how many Latin characters fit across ``fraction`` of the
    figure's width."""
    return int(fraction * figure.get_figwidth() * 72 / (0.6 * fontsize))


def _say(axis, text: str, whole: bool = False) -> None:
    """Words in place of a picture: what the method found, and why there is
    nothing to draw, wrapped to the panel's width (to the figure's when
    ``whole``: every panel is empty), in either language."""
    axis.set_xticks([])
    axis.set_yticks([])
    for spine in axis.spines.values():
        spine.set_visible(False)
    figure = axis.get_figure()
    if whole:
        text = wrap(text, _columns(figure, 0.9))
        figure.text(0.5, 0.5, text, ha="center", va="center", fontsize=SMALL)
        return
    text = wrap(text, _columns(figure, axis.get_position().width))
    axis.text(0.5, 0.5, text, ha="center", va="center", fontsize=SMALL, transform=axis.transAxes)


def _colorbar(figure, shown, axes, label: str):
    """A colour bar whose tick labels carry their own magnitude (no offset
    or exponent above the bar, where it would run into the title)."""
    from matplotlib.ticker import FormatStrFormatter

    bar = figure.colorbar(shown, ax=axes, shrink=0.8, format=FormatStrFormatter("%.3g"))
    bar.set_label(label, fontsize=SMALL)
    bar.ax.tick_params(labelsize=SMALL)
    return bar


def _prefixed(title: str, text: str) -> str:
    return f"{title}: {text}" if title else text


@in_language
def filters_figure(tiles: np.ndarray, title: str = "", columns: Optional[int] = None, language: str = "en"):
    """The first layer's kernels from `filter_tiles` (values in [0, 1],
    0.5 = zero weight), one tile each."""
    rows, columns = _grid(len(tiles), columns)
    figure = new_figure(columns * 1.0, rows * 1.05 + 0.6)
    axes = _axes_grid(figure, rows, columns)
    for index, axis in enumerate(axes.flat):
        if index < len(tiles):
            _show(axis, tiles[index], vmin=0.0, vmax=1.0)
            axis.set_title(str(index), fontsize=SMALL, pad=1)
        else:
            axis.axis("off")
    _title(figure, title or say("filters title", language))
    return figure


@in_language
def norms_figure(norms: np.ndarray, layer: str, title: str = "", language: str = "en"):
    """A bar per filter of `filter_norms`, at whole-number filter indices."""
    from matplotlib.ticker import MaxNLocator

    figure = new_figure(min(NORMS_MAX_WIDTH, max(4.0, len(norms) * 0.06)), 2.8)
    axis = figure.subplots()
    axis.bar(np.arange(len(norms)), norms, width=0.8, color="#3f51b5")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlim(-0.5, len(norms) - 0.5)
    axis.set_xlabel(say("filter", language), fontsize=SMALL)
    axis.set_ylabel(say("kernel norm", language), fontsize=SMALL)
    axis.tick_params(labelsize=SMALL)
    axis.set_title(_prefixed(title, say("norms title", language, layer=layer, count=len(norms))), fontsize=TITLE)
    return figure


@in_language
def feature_maps_figure(
    maps: np.ndarray,
    layer: str,
    image: Optional[np.ndarray] = None,
    limit: int = 64,
    columns: Optional[int] = None,
    title: str = "",
    language: str = "en",
):
    """The channels of `feature_maps`, all on one colour scale (the bar)."""
    channels = min(limit, maps.shape[-1])
    panels = channels + (image is not None)
    rows, columns = _grid(panels, columns)
    figure = new_figure(columns * 1.2, rows * 1.25 + 0.7)
    axes = _axes_grid(figure, rows, columns)
    low, high = float(maps[..., :channels].min()), float(maps[..., :channels].max())
    flat = list(axes.flat)
    if image is not None:
        _show(flat[0], _to_unit(image))
        flat[0].set_title(say("input", language), fontsize=SMALL, pad=1)
        flat = flat[1:]
    more = say("first of", language, shown=channels, total=maps.shape[-1]) if channels < maps.shape[-1] else ""
    heading = say("feature maps title", language, layer=layer, rows=maps.shape[0], cols=maps.shape[1], more=more)
    _title(figure, _prefixed(title, heading))
    if high == low:
        for axis in flat:
            axis.axis("off")
        _say(flat[0] if flat else axes.flat[0], say("flat maps", language, layer=layer, value=f"{low:.3g}"), True)
        return figure
    shown = None
    for index, axis in enumerate(flat):
        if index < channels:
            shown = axis.imshow(maps[..., index], cmap="viridis", vmin=low, vmax=high, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            axis.set_title(str(index), fontsize=SMALL, pad=1)
        else:
            axis.axis("off")
    if shown is not None:
        _colorbar(figure, shown, list(axes.flat), say("activation", language))
    return figure


def _padded_rgb(crop: np.ndarray, box, image_shape, low: float, high: float) -> np.ndarray:
    """A crop scaled to [0, 1] as RGB, its padding (outside the image) in
    `PADDING_COLOUR`."""
    picture = (np.asarray(crop, dtype="float64") - low) / (high - low)
    if picture.ndim == 2:
        picture = picture[..., None]
    if picture.shape[-1] == 1:
        picture = np.repeat(picture, 3, axis=-1)
    picture = np.clip(picture, 0.0, 1.0)
    if image_shape is not None:
        top, left, bottom, right = box
        rows = np.arange(top, bottom)
        cols = np.arange(left, right)
        outside = ((rows < 0) | (rows >= image_shape[0]))[:, None] | ((cols < 0) | (cols >= image_shape[1]))[None, :]
        picture[outside] = PADDING_COLOUR
    return picture


@in_language
def top_patches_figure(
    patches: Sequence,
    layer: str,
    channel: int,
    columns: int = 3,
    title: str = "",
    image_shape: Optional[Tuple[int, int]] = None,
    language: str = "en",
):
    """The crops of `top_patches`, strongest first, with their activations.

    ``image_shape``: (height, width) of the images; given, the parts of a
    receptive field that lie outside the image (the padding the layer
    saw) are drawn in `PADDING_COLOUR`, not mistaken for black background.
    """
    rows, columns = _grid(len(patches), columns)
    figure = new_figure(columns * 1.5, rows * 1.6 + 0.9)
    axes = _axes_grid(figure, rows, columns)
    size = patches[0].box[2] - patches[0].box[0] if patches else 0
    heading = say("top patches title", language, layer=layer, channel=channel, count=len(patches), size=size)
    best = max((p.value for p in patches), default=0.0)
    if not patches or best <= 0:
        for axis in axes.flat:
            axis.axis("off")
        _title(figure, _prefixed(title, say("layer channel", language, layer=layer, channel=channel)))
        _say(axes.flat[0], say("dead channel", language, layer=layer, channel=channel, best=f"{best:.3g}"), True)
        return figure
    # One scale for every crop, so a faint region is not stretched to look
    # like a strong one.
    low = min(float(np.min(p.crop)) for p in patches)
    high = max(float(np.max(p.crop)) for p in patches)
    high = high if high > low else low + 1.0
    padded = False
    for index, axis in enumerate(axes.flat):
        if index < len(patches):
            patch = patches[index]
            _show(axis, _padded_rgb(patch.crop, patch.box, image_shape, low, high), vmin=0.0, vmax=1.0)
            top, left, bottom, right = patch.box
            if image_shape is not None:
                padded |= top < 0 or left < 0 or bottom > image_shape[0] or right > image_shape[1]
            axis.set_title(f"#{patch.image_index}: {patch.value:.2f}", fontsize=SMALL, pad=1)
        else:
            axis.axis("off")
    if padded:
        heading += "\n" + say("padding legend", language)
    _title(figure, _prefixed(title, heading))
    return figure


@in_language
def projection_figure(
    image: np.ndarray, projections: Sequence, titles: Sequence[str], title: str = "", language: str = "en"
):
    """The input beside each `Projection` (deconvnet, guided backprop),
    each on its own scale, symmetric about zero (grey or white = 0), with
    a colour bar, and the projected unit's field outlined on the input."""
    from matplotlib.colors import Normalize

    figure = new_figure(2.6 * (1 + len(projections)) + 0.8, 3.2)
    axes = _axes_grid(figure, 1, 1 + len(projections))
    _show(axes[0, 0], _to_unit(image))
    axes[0, 0].set_title(say("unit field", language), fontsize=SMALL)
    if projections:
        _box(axes[0, 0], projections[0].box)
    for axis, projection, name in zip(axes[0, 1:], projections, titles):
        pixels = np.asarray(projection.pixels, dtype="float64")
        where = say(
            "unit at",
            language,
            layer=projection.layer,
            channel=projection.channel,
            row=projection.row,
            col=projection.col,
        )
        axis.set_title(f"{name}\n{where}", fontsize=SMALL)
        extent = float(np.max(np.abs(pixels)))
        if extent == 0:
            _say(axis, say("zero projection", language, value=f"{projection.value:.3g}"))
            continue
        if pixels.shape[-1] == 1:
            shown = axis.imshow(pixels[..., 0], cmap="RdBu_r", vmin=-extent, vmax=extent, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            _colorbar(figure, shown, axis, say("signal at pixel", language))
        else:
            # Colour: each channel's signal about mid-grey; the bar gives the
            # signal a grey level stands for.
            _show(axis, 0.5 + 0.5 * pixels / extent)
            from matplotlib.cm import ScalarMappable

            scale = ScalarMappable(norm=Normalize(-extent, extent), cmap="gray")
            _colorbar(figure, scale, axis, say("signal per channel", language))
    _title(figure, title or say("projection title", language))
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


@in_language
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
    empty: Optional[str] = None,
    language: str = "en",
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
    bilinear between cell centres, else one flat block per cell;
    ``empty``: what to say instead of the map where it is zero everywhere.
    """
    heat = np.asarray(heat, dtype="float64")
    figure = new_figure(8.0, 3.2)
    axes = _axes_grid(figure, 1, 3)[0]
    _show(axes[0], _to_unit(image))
    axes[0].set_title(say("input", language), fontsize=SMALL)
    _title(figure, title)
    if not np.any(heat):
        rows, cols = heat.shape
        axes[1].set_title(say("map size", language, rows=rows, cols=cols), fontsize=SMALL)
        axes[1].set_box_aspect(rows / cols)  # where the map would be, under its title
        _say(axes[1], empty or say("zero map", language))
        axes[2].axis("off")
        return figure
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
    shown = axes[1].imshow(heat, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    axes[1].set_title(say("map size", language, rows=rows, cols=cols), fontsize=SMALL)
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
    axes[2].set_title(say("over pixels", language), fontsize=SMALL)
    _colorbar(figure, shown, list(axes), label)
    return figure


@in_language
def occlusion_figure(image: np.ndarray, occlusion, title: str, probability: bool = True, language: str = "en"):
    """`heatmap_figure` of an `Occlusion`'s drop in probability (or score,
    for a model without a soft-max): one flat block per position of the
    square, on a colour scale centred on zero (a square can also raise it)."""
    quantity = say("probability" if probability else "score", language)
    value = f"{occlusion.baseline:.3g}"
    saturated = probability and occlusion.baseline > 0.999
    return heatmap_figure(
        image,
        occlusion.drop,
        title,
        say("drop in class", language, quantity=quantity),
        ((occlusion.stride - 1) / 2.0, occlusion.stride),
        cmap="RdBu_r",
        symmetric=True,
        smooth=False,
        empty=(
            say("occlusion nothing", language, quantity=quantity, value=value)
            + (say("saturated", language) if saturated else "")
        ),
        language=language,
    )


@in_language
def saliency_figure(image: np.ndarray, gradient: np.ndarray, title: str, language: str = "en"):
    """Simonyan et al.'s map: max over channels of |d score / d pixel|."""
    magnitude = np.max(np.abs(gradient), axis=-1)
    figure = new_figure(5.8, 3.2)
    axes = _axes_grid(figure, 1, 2)[0]
    _show(axes[0], _to_unit(image))
    axes[0].set_title(say("input", language), fontsize=SMALL)
    axes[1].set_title(say("gradient max", language), fontsize=SMALL)
    _title(figure, title)
    if not np.any(magnitude):
        axes[1].set_box_aspect(magnitude.shape[0] / magnitude.shape[1])  # where the map would be
        _say(axes[1], say("zero gradient", language))
        return figure
    shown = axes[1].imshow(magnitude, cmap="hot", vmin=0.0, interpolation="nearest")
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    _colorbar(figure, shown, list(axes), say("d score d pixel", language))
    return figure
