"""Reading one image file for a network: `read_image`.

Every image a user hands to a command (``keras-classics visualize
--input``) goes through here, decoded by Pillow, so that:

* its size is checked against a pixel limit from the file's header, before
  any pixel is decoded: a PNG of a few hundred kilobytes can hold 12000x12000
  pixels, which take several gigabytes once decoded and resized. The limit
  is an argument (``--max-pixels``); the default, `DEFAULT_MAX_PIXELS`, is
  50 million pixels, above the 48-megapixel photos of today's phone
  cameras. Pillow's own guard (``PIL.Image.MAX_IMAGE_PIXELS``) is a global
  setting of the user's process and is left as it is.
* the camera's EXIF orientation is applied (a phone photo taken upright
  is stored sideways with a tag saying so), as image viewers do;
* every Pillow mode becomes the network's channels: grey (``L``, ``1``),
  grey or colour with transparency (``LA``, ``RGBA``, palettes ``P``/``PA``,
  a transparent colour key), 16-bit grey (``I;16``, ``I``: divided by 257),
  CMYK, YCbCr, ...; transparency is composited over `DEFAULT_BACKGROUND`
  (white, as a viewer shows the image on a page), and colour becomes grey by
  ITU-R 601 luma (Pillow's ``convert("L")``) for one-channel networks.

An animation or a multi-page file gives its first frame.
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Tuple

import numpy as np

__all__ = ["ImageError", "read_image", "DEFAULT_MAX_PIXELS", "DEFAULT_BACKGROUND"]

DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_BACKGROUND = (255, 255, 255)

_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


class ImageError(ValueError):
    """An image file that cannot be read for a network; the message says why."""


def read_image(
    path,
    channels: int,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: Tuple[int, int, int] = DEFAULT_BACKGROUND,
) -> np.ndarray:
    """The image at ``path`` as uint8 ``(height, width, channels)``.

    Args:
        path: an image file Pillow reads (PNG, JPEG, GIF, BMP, TIFF, WebP, ...).
        channels: 1 (grey) or 3 (RGB), the network's input channels.
        max_pixels: refuse images with more pixels (width times height) than
            this, read from the header before decoding.
        background: the RGB colour transparent pixels are composited over.

    Raises:
        ImageError: the file is missing, not an image, damaged, over
            ``max_pixels``, or in a mode with no fixed range (32-bit float).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = os.fspath(path)
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be positive, got {max_pixels}")
    if not os.path.isfile(path):
        raise ImageError(f"input image {path!r} does not exist")
    with warnings.catch_warnings():
        # Pillow warns from 89 million pixels on: the limit here decides.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)  # reads the header only
        except UnidentifiedImageError:
            raise ImageError(
                f"cannot read image {path!r}: not an image file Pillow knows (PNG, JPEG, GIF, BMP, TIFF, WebP, ...)"
            ) from None
        except Image.DecompressionBombError as error:
            found = re.search(r"\((\d+) pixels\)", str(error))
            pixels = f"{int(found.group(1)):,} pixels" if found else "more pixels than Pillow opens"
            raise ImageError(
                f"input image {path!r} has {pixels}, over the limit of {min(max_pixels, _pillow_cap()):,} "
                f"(Pillow itself opens at most {_pillow_cap():,}); shrink it first"
            ) from None
        except OSError as error:
            raise ImageError(f"cannot read image {path!r}: {error.strerror or error}") from None
        with image:
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    f"input image {path!r} is {width}x{height} ({width * height:,} pixels), over the "
                    f"limit of {max_pixels:,} pixels (--max-pixels); the network sees it shrunk to its "
                    "input size anyway: shrink it first, or raise the limit"
                )
            try:
                image.load()
                upright = ImageOps.exif_transpose(image)
                converted = _convert(upright, channels, background, path)
            except ImageError:
                raise
            except (OSError, SyntaxError, ValueError, EOFError) as error:
                raise ImageError(f"image {path!r} is cut off or damaged ({error})") from None
            array = np.asarray(converted, dtype=np.uint8)
    return array[..., np.newaxis] if array.ndim == 2 else array


def _pillow_cap() -> int:
    from PIL import Image

    # Image.open refuses images over twice MAX_IMAGE_PIXELS (None: no cap).
    limit = Image.MAX_IMAGE_PIXELS
    return 2 * int(limit) if limit else np.iinfo(np.int64).max


def _convert(image, channels: int, background, path: str):
    """A Pillow image in any mode -> mode "L" (channels 1) or "RGB" (3)."""
    from PIL import Image

    mode = image.mode
    if mode == "F":
        raise ImageError(
            f"image {path!r} holds 32-bit floating-point values (Pillow mode F), which have no fixed "
            "range to map to 0-255; save it as an 8- or 16-bit image"
        )
    if mode in _SIXTEEN_BIT_MODES:
        # 0-65535 -> 0-255: 65535 / 257 = 255 exactly.
        values = np.asarray(image, dtype=np.float64)
        grey = np.round(np.clip(values, 0, 65535) / 257.0).astype(np.uint8)
        image = Image.fromarray(grey, mode="L")
        mode = "L"
    if mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        backdrop = Image.new("RGBA", rgba.size, tuple(background) + (255,))
        image = Image.alpha_composite(backdrop, rgba).convert("RGB")
        mode = "RGB"
    if channels == 1:
        return image if mode == "L" else image.convert("L")
    return image if mode == "RGB" else image.convert("RGB")
