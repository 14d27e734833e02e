"""Shapes: a procedural image set that needs features, bundled with the package.

Ten classes of drawn objects (disc, ring, triangle, square, plus, star,
crescent, half-disc, L-shape, arrow), each at a random position, scale,
rotation, aspect, mirror image and colour, on a textured background (value
noise and stripes) with clutter (strokes and blobs behind and in front of
the object), an occluding bar on most images, brightness and contrast
jitter and pixel noise. Logistic regression on the pixels does poorly;
a small convolutional network does well (docs/datasets.md has the
measurements).

`load_data` follows ``keras.datasets``::

    (x_train, y_train), (x_test, y_test) = shapes.load_data()

``x`` is uint8 ``(n, size, size, 3)`` RGB, ``y`` uint8 ``(n,)`` class
indices (`CLASS_NAMES`).

Nothing is downloaded and nothing is stored in the package: the images are
drawn on first use, in blocks of `CHUNK` images, and each block is cached
(`cache_dir`). A block is a function of (seed, split, block index) alone,
so a smaller training set is a prefix of a larger one, the test set does
not depend on the training size, and 64x64 images show the same scenes
as 32x32 ones (only the pixel noise differs).

The same seed gives the same bytes on every machine. The random numbers
come from NumPy's ``Generator(PCG64)``, using only its integer and uniform
float draws, which are exact. Every pixel is computed with +, -, *, /,
square roots, floor, comparisons and clipping, which IEEE 754 rounds the
same way everywhere; no sine, exponential or logarithm (whose last bit
may differ between C libraries and vector units), no matrix products
(whose summation order depends on the BLAS), no fonts. Rotations come
from a rational parametrisation of the unit circle.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

__all__ = [
    "CLASS_NAMES",
    "CHUNK",
    "SIZES",
    "Options",
    "load_data",
    "render",
    "canonical_masks",
    "cache_dir",
]

CLASS_NAMES = (
    "disc",
    "ring",
    "triangle",
    "square",
    "plus",
    "star",
    "crescent",
    "half-disc",
    "L-shape",
    "arrow",
)
NUM_CLASSES = len(CLASS_NAMES)
SIZES = (32, 64)
# Images per cached block (a multiple of the number of classes: every run
# of ten consecutive images holds each class once).
CHUNK = 200
# Images rendered at once inside a block (memory: a few arrays of
# BATCH x size x size float64).
BATCH = 200
# Bumped whenever a change would alter a single byte of the images: it is
# part of every block's random stream and of the cache's folder name.
VERSION = 2
# The ranges of the random choices (uniform between the two numbers), in
# units of the image side, of the object's radius, or of grey levels.
# Version 1 (a pilot, never recorded) was harder: radius 0.22-0.36, 60%
# occluded by a bar 0.55-1.05 radii from the centre, stripes up to 0.7,
# luminance below 110 / above 145 and noise up to 24 levels. The package's
# LeNet-5 stayed at chance there after 10 epochs on 10,000 images
# (docs/datasets.md).
RADIUS = (0.25, 0.40)
ASPECT = (0.8, 1.2)
DARK_BELOW, LIGHT_ABOVE = 100, 155
STRIPES_UP_TO = 0.5
STROKE_WIDTH = (0.01, 0.03)
OCCLUDED_SHARE = 0.5
BAR_OFFSET = (0.7, 1.1)
BAR_HALF_WIDTH = (0.12, 0.25)
CONTRAST = (0.7, 1.1)
BRIGHTNESS = 20.0
NOISE_UP_TO = 16.0
DEFAULT_TRAIN = 50_000
DEFAULT_TEST = 10_000
_SPLITS = {"train": 0, "test": 1}


@dataclass(frozen=True)
class Options:
    """What a render draws beyond the object (all on by default).

    ``pose``: random position, scale, rotation, aspect and mirror image
    (off: centred, upright, at a fixed scale). ``background``: the
    textured background (off: black). ``colour``: random colours (off: a
    white object). ``clutter``: strokes and blobs. ``occluder``: the bar
    across the object. ``noise``: brightness and contrast jitter and pixel
    noise.
    """

    pose: bool = True
    background: bool = True
    colour: bool = True
    clutter: bool = True
    occluder: bool = True
    noise: bool = True


CLEAN = Options(pose=True, background=False, colour=False, clutter=False, occluder=False, noise=False)


# -- exact helpers -------------------------------------------------------------
def _rotations(rng: np.random.Generator, n: int):
    """``n`` random unit vectors (cos, sin) from exact arithmetic: the
    rational point ((1 - t^2), 2t) / (1 + t^2) of the half circle, then a
    random quarter turn (a swap and a sign change)."""
    t = rng.random(n) * 2.0 - 1.0
    c = (1.0 - t * t) / (1.0 + t * t)
    s = (2.0 * t) / (1.0 + t * t)
    quarter = rng.integers(0, 4, n)
    for _ in range(3):
        turn = quarter > 0
        c, s = np.where(turn, -s, c), np.where(turn, c, s)
        quarter = quarter - turn
    return c, s


def _coverage(distance_px: np.ndarray) -> np.ndarray:
    """A shape's coverage of a pixel from its signed distance in pixels
    (negative inside): a one-pixel linear ramp across the edge."""
    return np.clip(0.5 - distance_px, 0.0, 1.0)


def _box(u, v, cu, cv, hu, hv):
    return np.maximum(np.abs(u - cu) - hu, np.abs(v - cv) - hv)


_SQRT3 = np.sqrt(3.0)
_SQRT5 = np.sqrt(5.0)
_COS72 = (_SQRT5 - 1.0) / 4.0
_COS144 = -(_SQRT5 + 1.0) / 4.0
_SIN72 = np.sqrt(10.0 + 2.0 * _SQRT5) / 4.0
_SIN144 = np.sqrt(10.0 - 2.0 * _SQRT5) / 4.0
# The star's five lines: normals at 90 + 72k degrees, at distance cos 72
# from the centre (each line joins two tips, 144 degrees apart).
_STAR_NORMALS = ((0.0, 1.0), (-_SIN72, _COS72), (-_SIN144, _COS144), (_SIN144, _COS144), (_SIN72, _COS72))
_ARROW_SLOPE = np.sqrt(0.85 * 0.85 + 0.55 * 0.55)


def _distance(label: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Signed distance (approximately; exact sign) to class ``label``'s
    outline, in units of the object's radius; each fits in the unit disc."""
    r = np.sqrt(u * u + v * v)
    if label == 0:  # disc
        return r - 0.9
    if label == 1:  # ring
        return np.abs(r - 0.7) - 0.24
    if label == 2:  # triangle: equilateral, circumradius 1
        return np.maximum(np.maximum(-v, (_SQRT3 * u + v) / 2.0), (v - _SQRT3 * u) / 2.0) - 0.5
    if label == 3:  # square
        return np.maximum(np.abs(u), np.abs(v)) - 0.72
    if label == 4:  # plus
        return np.minimum(_box(u, v, 0.0, 0.0, 0.95, 0.28), _box(u, v, 0.0, 0.0, 0.28, 0.95))
    if label == 5:  # star: inside where at most one of the five half-planes fails
        d = np.stack([nu * u + nv * v - _COS72 for nu, nv in _STAR_NORMALS])
        return np.sort(d, axis=0)[-2]
    if label == 6:  # crescent
        du = u - 0.45
        return np.maximum(r - 0.92, 0.68 - np.sqrt(du * du + v * v))
    if label == 7:  # half-disc, flat side down
        w = v + 0.4
        return np.maximum(np.sqrt(u * u + w * w) - 1.0, -w)
    if label == 8:  # L-shape
        return np.minimum(_box(u, v, -0.45, 0.0, 0.25, 0.85), _box(u, v, 0.0, 0.6, 0.7, 0.25))
    if label == 9:  # arrow: a shaft and a triangular head
        shaft = _box(u, v, -0.4, 0.0, 0.5, 0.17)
        du = u - 0.9
        head = np.maximum(
            np.maximum(0.05 - u, (0.55 * du + 0.85 * v) / _ARROW_SLOPE), (0.55 * du - 0.85 * v) / _ARROW_SLOPE
        )
        return np.minimum(shaft, head)
    raise ValueError(f"label must be 0..{NUM_CLASSES - 1}, got {label}")


def _segment_distance(x, y, ax, ay, bx, by):
    """Distance from (x, y) to the segments a-b (parameters per image)."""
    px, py = x - ax, y - ay
    qx, qy = bx - ax, by - ay
    length2 = np.maximum(qx * qx + qy * qy, 1e-12)
    h = np.clip((px * qx + py * qy) / length2, 0.0, 1.0)
    ex, ey = px - qx * h, py - qy * h
    return np.sqrt(ex * ex + ey * ey)


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """Integer luminance (ITU-R 601 weights, in thousandths) of uint colours."""
    return rgb[..., 0] * 299 + rgb[..., 1] * 587 + rgb[..., 2] * 114


def _colours(rng: np.random.Generator, n: int, dark: np.ndarray, tries: int = 16) -> np.ndarray:
    """``n`` colours (float64 0..255), each dark (luminance below
    `DARK_BELOW`) where ``dark``, else light (above `LIGHT_ABOVE`): the
    first of ``tries`` random draws
    that fits, grey where none does."""
    draws = rng.integers(0, 256, (n, tries, 3))
    lum = _luminance(draws)
    fits = np.where(dark[:, None], lum < DARK_BELOW * 1000, lum > LIGHT_ABOVE * 1000)
    first = np.argmax(fits, axis=1)
    chosen = draws[np.arange(n), first].astype(np.float64)
    none = ~fits.any(axis=1)
    chosen[none] = np.where(dark[none, None], 40.0, 215.0)
    return chosen


# -- one block -----------------------------------------------------------------
def _uniform(rng: np.random.Generator, shape, bounds) -> np.ndarray:
    low, high = bounds
    return low + (high - low) * rng.random(shape)


def _draw_parameters(rng: np.random.Generator, n: int) -> dict:
    """Every random choice of ``n`` images except the pixel noise, in a fixed
    order; nothing here depends on the image size."""
    p = {}
    p["label"] = np.argsort(rng.random((n // NUM_CLASSES, NUM_CLASSES)), axis=1).reshape(-1).astype(np.uint8)
    # Pose (in units of the image side).
    p["radius"] = _uniform(rng, n, RADIUS)
    margin = 0.85 * p["radius"]
    p["cx"] = margin + (1.0 - 2.0 * margin) * rng.random(n)
    p["cy"] = margin + (1.0 - 2.0 * margin) * rng.random(n)
    p["cos"], p["sin"] = _rotations(rng, n)
    p["aspect"] = _uniform(rng, n, ASPECT)
    p["mirror"] = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    # Colours: a dark background with a light object, or the reverse.
    dark_background = rng.random(n) < 0.5
    p["bg1"] = _colours(rng, n, dark_background)
    p["bg2"] = _colours(rng, n, dark_background)
    p["object"] = _colours(rng, n, ~dark_background)
    p["shade_u"] = 0.5 * rng.random(n) - 0.25
    p["shade_v"] = 0.5 * rng.random(n) - 0.25
    # Background texture: two octaves of value noise and triangle-wave stripes.
    p["noise5"] = rng.random((n, 6, 6))
    p["noise9"] = rng.random((n, 10, 10))
    p["stripe_weight"] = STRIPES_UP_TO * rng.random(n)
    p["stripe_cos"], p["stripe_sin"] = _rotations(rng, n)
    p["stripe_freq"] = 2.0 + 6.0 * rng.random(n)
    p["stripe_phase"] = rng.random(n)
    # Clutter: three strokes and two blobs behind the object, one stroke in front.
    p["strokes"] = rng.random((n, 4, 4))  # ax, ay, bx, by
    p["stroke_width"] = _uniform(rng, (n, 4), STROKE_WIDTH)
    p["stroke_colour"] = rng.integers(0, 256, (n, 4, 3)).astype(np.float64)
    p["stroke_opacity"] = 0.5 + 0.5 * rng.random((n, 4))
    p["blobs"] = rng.random((n, 2, 3))  # x, y, radius
    p["blob_colour"] = rng.integers(0, 256, (n, 2, 3)).astype(np.float64)
    # The occluder: a bar crossing the object's edge, on half the images.
    p["occluded"] = rng.random(n) < OCCLUDED_SHARE
    p["bar_dir_cos"], p["bar_dir_sin"] = _rotations(rng, n)
    p["bar_offset"] = _uniform(rng, n, BAR_OFFSET)
    p["bar_cos"], p["bar_sin"] = _rotations(rng, n)
    p["bar_width"] = _uniform(rng, n, BAR_HALF_WIDTH)
    p["bar_colour"] = rng.integers(0, 256, (n, 3)).astype(np.float64)
    # Photometric jitter and the pixel noise's amplitude.
    p["contrast"] = _uniform(rng, n, CONTRAST)
    p["brightness"] = _uniform(rng, n, (-BRIGHTNESS, BRIGHTNESS))
    p["noise_amplitude"] = NOISE_UP_TO * rng.random(n)
    return p


def _value_noise(lattice: np.ndarray, size: int) -> np.ndarray:
    """Smoothly interpolated lattice values at the pixel centres: (n, size, size)."""
    cells = lattice.shape[1] - 1
    position = (np.arange(size) + 0.5) * (cells / size)
    index = np.floor(position).astype(np.int64)
    f = position - index
    w = f * f * (3.0 - 2.0 * f)
    rows = lattice[:, index, :] * (1.0 - w)[None, :, None] + lattice[:, index + 1, :] * w[None, :, None]
    return rows[:, :, index] * (1.0 - w) + rows[:, :, index + 1] * w


def _paint(image: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> None:
    """Composite ``colour`` (n, 3) or (n, h, w, 3) over ``image`` with ``alpha`` (n, h, w)."""
    if colour.ndim == 2:
        colour = colour[:, None, None, :]
    image += alpha[..., None] * (colour - image)


def _render(p: dict, size: int, options: Options, rng: np.random.Generator) -> np.ndarray:
    """uint8 (n, size, size, 3) images of the parameters ``p``."""
    n = len(p["label"])
    grid = (np.arange(size) + 0.5) / size
    x = np.broadcast_to(grid[None, None, :], (n, size, size))
    y = np.broadcast_to(grid[None, :, None], (n, size, size))

    def per_image(values):
        return values[:, None, None]

    # The background.
    if options.background:
        texture = 0.65 * _value_noise(p["noise5"], size) + 0.35 * _value_noise(p["noise9"], size)
        t = (x * per_image(p["stripe_cos"]) + y * per_image(p["stripe_sin"])) * per_image(p["stripe_freq"]) + per_image(
            p["stripe_phase"]
        )
        stripes = np.abs(2.0 * (t - np.floor(t)) - 1.0)
        weight = per_image(p["stripe_weight"])
        texture = texture * (1.0 - weight) + stripes * weight
        bg1, bg2 = p["bg1"][:, None, None, :], p["bg2"][:, None, None, :]
        image = bg1 + (bg2 - bg1) * texture[..., None]
    else:
        image = np.zeros((n, size, size, 3))

    # Clutter behind the object.
    if options.clutter:
        for k in range(3):
            ax, ay, bx, by = (per_image(p["strokes"][:, k, j]) for j in range(4))
            d = _segment_distance(x, y, ax, ay, bx, by) - per_image(p["stroke_width"][:, k])
            _paint(image, _coverage(d * size) * per_image(p["stroke_opacity"][:, k]), p["stroke_colour"][:, k])
        for k in range(2):
            bx, by, br = (per_image(p["blobs"][:, k, j]) for j in range(3))
            dx, dy = x - bx, y - by
            d = np.sqrt(dx * dx + dy * dy) - (0.03 + 0.07 * br)
            _paint(image, _coverage(d * size), p["blob_colour"][:, k])

    # The object.
    if options.pose:
        radius, cx, cy = p["radius"], p["cx"], p["cy"]
        c, s, aspect, mirror = p["cos"], p["sin"], p["aspect"], p["mirror"]
    else:
        radius, cx, cy = np.full(n, 0.36), np.full(n, 0.5), np.full(n, 0.5)
        # Mirrored, since rows grow downwards: the triangle points up.
        c, s, aspect, mirror = np.ones(n), np.zeros(n), np.ones(n), -np.ones(n)
    dx, dy = x - per_image(cx), y - per_image(cy)
    r = per_image(radius)
    u = (dx * per_image(c) + dy * per_image(s)) / (r * per_image(np.sqrt(aspect)))
    v = (dy * per_image(c) - dx * per_image(s)) * per_image(np.sqrt(aspect) * mirror) / r
    distance = np.empty((n, size, size))
    for label in range(NUM_CLASSES):
        chosen = p["label"] == label
        if chosen.any():
            distance[chosen] = _distance(label, u[chosen], v[chosen])
    alpha = _coverage(distance * (r * size))
    if options.colour:
        shade = 1.0 + per_image(p["shade_u"]) * u + per_image(p["shade_v"]) * v
        colour = np.clip(p["object"][:, None, None, :] * shade[..., None], 0.0, 255.0)
    else:
        colour = np.full((n, 3), 255.0)
    _paint(image, alpha, colour)

    # In front of it: the occluding bar and one stroke.
    if options.occluder:
        offset = p["bar_offset"] * radius
        bx = per_image(cx + p["bar_dir_cos"] * offset)
        by = per_image(cy + p["bar_dir_sin"] * offset)
        ex, ey = x - bx, y - by
        along = np.abs(ex * per_image(p["bar_cos"]) + ey * per_image(p["bar_sin"])) - 0.45
        across = np.abs(ey * per_image(p["bar_cos"]) - ex * per_image(p["bar_sin"])) - per_image(
            p["bar_width"] * radius
        )
        bar = _coverage(np.maximum(along, across) * size) * per_image(p["occluded"].astype(np.float64))
        _paint(image, bar, p["bar_colour"])
    if options.clutter:
        ax, ay, bx, by = (per_image(p["strokes"][:, 3, j]) for j in range(4))
        d = _segment_distance(x, y, ax, ay, bx, by) - per_image(p["stroke_width"][:, 3])
        _paint(image, _coverage(d * size) * per_image(p["stroke_opacity"][:, 3]), p["stroke_colour"][:, 3])

    # Photometric jitter and triangular pixel noise (two uniform draws).
    if options.noise:
        contrast = p["contrast"][:, None, None, None]
        image = (image - 128.0) * contrast + 128.0 + p["brightness"][:, None, None, None]
        noise = rng.random((2, n, size, size, 3))
        image += (noise[0] + noise[1] - 1.0) * p["noise_amplitude"][:, None, None, None]
    return np.rint(np.clip(image, 0.0, 255.0)).astype(np.uint8)


def _stream(seed: int, split: str, block: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([VERSION, seed, _SPLITS[split], block])))


def render_block(
    seed: int, split: str, block: int, image_size: int = 32, options: Options = Options(), count: int = CHUNK
) -> Tuple[np.ndarray, np.ndarray]:
    """The first ``count`` images and labels of block ``block`` of a split.

    A prefix of a block is the same whatever ``count`` is (the parameters of
    the whole block are drawn, then images are rendered ``BATCH`` at a time).
    """
    rng = _stream(seed, split, block)
    p = _draw_parameters(rng, CHUNK)
    images = []
    for start in range(0, count, BATCH):
        part = {key: value[start : start + BATCH] for key, value in p.items()}
        images.append(_render(part, image_size, options, rng))
    x = np.concatenate(images)[:count]
    return x, p["label"][:count].copy()


def render(
    n: int, seed: int = 0, image_size: int = 32, options: Options = Options(), split: str = "train"
) -> Tuple[np.ndarray, np.ndarray]:
    """``n`` images and labels of a split, uncached (``options`` can turn the
    background, clutter, occluder, colour, noise or pose off)."""
    _check(n, "n", minimum=0)
    _check_size(image_size)
    xs, ys = [], []
    for block in range(-(-n // CHUNK)):
        count = min(CHUNK, n - block * CHUNK)
        x, y = render_block(seed, split, block, image_size, options, count)
        xs.append(x)
        ys.append(y)
    if not xs:
        return np.zeros((0, image_size, image_size, 3), np.uint8), np.zeros(0, np.uint8)
    return np.concatenate(xs), np.concatenate(ys)


def canonical_masks(image_size: int = 32) -> np.ndarray:
    """Each class drawn once, centred, upright and white on black: float
    coverage (classes, size, size) in [0, 1]."""
    _check_size(image_size)
    n = NUM_CLASSES
    p = _draw_parameters(np.random.Generator(np.random.PCG64(0)), n)
    p["label"] = np.arange(n, dtype=np.uint8)
    clean = Options(pose=False, background=False, colour=False, clutter=False, occluder=False, noise=False)
    return _render(p, image_size, clean, np.random.Generator(np.random.PCG64(0)))[..., 0] / 255.0


# -- the cache -----------------------------------------------------------------
def cache_dir() -> str:
    """Where blocks are cached: $KERAS_CLASSICS_CACHE, else
    $XDG_CACHE_HOME/keras_classics, else ~/.cache/keras_classics."""
    chosen = os.environ.get("KERAS_CLASSICS_CACHE")
    if chosen:
        return chosen
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "keras_classics")


def _digest(x: np.ndarray, y: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(x).tobytes())
    h.update(np.ascontiguousarray(y).tobytes())
    return h.hexdigest()


def _block_path(root: str, seed: int, split: str, block: int, image_size: int) -> str:
    return os.path.join(root, f"shapes-v{VERSION}", f"{image_size}px-seed{seed}", f"{split}-{block:05d}.npz")


def _read_block(path: str, image_size: int):
    """The block cached at ``path``, or None when it is missing or damaged."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            x, y, digest = stored["x"], stored["y"], str(stored["digest"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if x.dtype != np.uint8 or x.shape != (CHUNK, image_size, image_size, 3) or y.shape != (CHUNK,):
        return None
    if y.dtype != np.uint8 or digest != _digest(x, y):
        return None
    return x, y


def _write_block(path: str, x: np.ndarray, y: np.ndarray) -> None:
    """Write atomically: a temporary file in the same folder, then a rename,
    so a reader sees the old file or the whole new one, never half of one."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".part-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, x=x, y=y, digest=np.array(_digest(x, y)))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _cached_block(root: Optional[str], seed: int, split: str, block: int, image_size: int):
    if root is None:
        return render_block(seed, split, block, image_size)
    path = _block_path(root, seed, split, block, image_size)
    found = _read_block(path, image_size)
    if found is not None:
        return found
    x, y = render_block(seed, split, block, image_size)
    try:
        _write_block(path, x, y)
    except OSError:
        pass  # a read-only cache: the images are still right, only not kept
    return x, y


# -- the public loader -----------------------------------------------------------
def _check(value, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number of images, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def _check_size(image_size) -> None:
    if image_size not in SIZES:
        raise ValueError(
            f"image_size must be one of {', '.join(map(str, SIZES))} (pixels per side), got {image_size!r}"
        )


def _split(n: int, seed: int, split: str, image_size: int, root: Optional[str]):
    xs, ys = [], []
    for block in range(-(-n // CHUNK)):
        x, y = _cached_block(root, seed, split, block, image_size)
        keep = min(CHUNK, n - block * CHUNK)
        xs.append(x[:keep])
        ys.append(y[:keep])
    if not xs:
        return np.zeros((0, image_size, image_size, 3), np.uint8), np.zeros(0, np.uint8)
    return np.concatenate(xs), np.concatenate(ys)


def load_data(
    train_size: int = DEFAULT_TRAIN,
    test_size: int = DEFAULT_TEST,
    image_size: int = 32,
    seed: int = 0,
    cache: bool = True,
):
    """The shapes images: ``(x_train, y_train), (x_test, y_test)``.

    Args:
        train_size: training images (a smaller set is a prefix of a larger
            one; each class's count differs from the others' by at most 1).
        test_size: test images, drawn from their own stream: the same test
            set whatever ``train_size`` is.
        image_size: 32 or 64 pixels per side (the same scenes at both).
        seed: which images; the same seed gives the same bytes everywhere.
        cache: keep the images in `cache_dir` and read them from there next
            time (a damaged file is drawn again); False draws them anew.

    Returns:
        ``x``: uint8 (n, image_size, image_size, 3) RGB; ``y``: uint8 (n,)
        class indices into `CLASS_NAMES`.
    """
    _check(train_size, "train_size", minimum=1)
    _check(test_size, "test_size", minimum=1)
    _check_size(image_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number 0 or more, got {seed!r}")
    root = cache_dir() if cache else None
    train = _split(int(train_size), int(seed), "train", image_size, root)
    test = _split(int(test_size), int(seed), "test", image_size, root)
    return train, test
