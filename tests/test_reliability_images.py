"""Images for ``keras-classics visualize --input`` (`keras_classics.images`).

Through the real command (its own process, a fixed LeNet-5 saved once):

- a grey+alpha PNG (refused before: "shape (32, 32, 2) does not match")
  gives the same figure as the grey image composited over white by hand;
- a photo stored sideways with an EXIF orientation tag gives the same
  figure as the upright image (the tag was ignored before);
- a 12000x12000 PNG of a few hundred kilobytes is refused from its header
  (before, decoding and resizing it took 4 GB).

In the test process, each Pillow mode against values worked out by hand,
and the limit read from the header of a file whose pixels are missing.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from _real_cli import one_line_error, run
from PIL import Image

from keras_classics import images

# -- the command ----------------------------------------------------------------


@pytest.fixture(scope="module")
def lenet(tmp_path_factory):
    """LeNet-5 (32x32 grey input) with fixed weights, as a .keras file."""
    import keras

    import keras_classics

    keras.utils.set_random_seed(3)
    path = tmp_path_factory.mktemp("model") / "lenet5.keras"
    keras_classics.build("lenet5").save(path)
    keras.backend.clear_session()
    return path


def _figure(lenet, image_path, tmp_path, name):
    output = tmp_path / f"{name}.png"
    done = run(["visualize", str(lenet), "--method", "saliency", "--input", str(image_path), "-o", str(output)])
    assert done.returncode == 0, done.stderr[-3000:]
    return np.asarray(Image.open(output))


def _digit(height=32, width=32) -> np.ndarray:
    """A grey test pattern: a bright bar and a dimmer off-centre block on 40."""
    pattern = np.full((height, width), 40, np.uint8)
    pattern[4 : height - 4, width // 3 : width // 3 + 4] = 230
    pattern[height // 5 : height // 5 + 5, 3 : width // 2] = 150
    return pattern


def test_grey_with_alpha_is_composited_over_white(lenet, tmp_path):
    grey = _digit()
    alpha = np.where(np.arange(32)[:, None] < 20, 255, 0).astype(np.uint8)  # the bottom rows transparent
    alpha = np.broadcast_to(alpha, grey.shape)
    Image.fromarray(np.stack([grey, alpha], axis=-1), "LA").save(tmp_path / "la.png")
    # Alpha is 0 or 255, so compositing over white is exact: opaque pixels
    # keep their grey, transparent ones become 255.
    Image.fromarray(np.where(alpha == 255, grey, 255).astype(np.uint8), "L").save(tmp_path / "by_hand.png")

    got = _figure(lenet, tmp_path / "la.png", tmp_path, "la_figure")
    expected = _figure(lenet, tmp_path / "by_hand.png", tmp_path, "by_hand_figure")
    np.testing.assert_array_equal(got, expected)


def test_exif_orientation_is_applied(lenet, tmp_path):
    upright = _digit(height=40, width=24)  # not square, and not symmetric
    Image.fromarray(upright, "L").save(tmp_path / "upright.png")
    # EXIF orientation 6: "rotate 90 degrees clockwise to display", so the
    # stored pixels are the upright image turned 90 degrees anticlockwise.
    stored = Image.fromarray(np.rot90(upright, k=1).copy(), "L")
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(tmp_path / "sideways.png", exif=exif)

    got = _figure(lenet, tmp_path / "sideways.png", tmp_path, "sideways_figure")
    expected = _figure(lenet, tmp_path / "upright.png", tmp_path, "upright_figure")
    np.testing.assert_array_equal(got, expected)


def _grey_png(path, width: int, height: int, rows: int = None) -> None:
    """A black 8-bit grey PNG written row by row (no full image in memory);
    ``rows``: stop the pixel data after that many rows (a cut-off file)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte 0, then the pixels
    data = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows))
    data += compressor.flush()
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n")
        handle.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        handle.write(chunk(b"IDAT", data))
        handle.write(chunk(b"IEND", b""))


def test_a_huge_image_is_refused_by_the_command(lenet, tmp_path):
    path = tmp_path / "huge.png"
    _grey_png(path, 12000, 12000)
    assert path.stat().st_size < 1_000_000
    output = tmp_path / "figure.png"
    done = run(["visualize", str(lenet), "--method", "saliency", "--input", str(path), "-o", str(output)])
    message = one_line_error(done, "visualize")
    assert "is 12000x12000 (144,000,000 pixels), over the limit of 50,000,000 pixels (--max-pixels)" in message
    assert not output.exists()


# -- the module -----------------------------------------------------------------


def test_the_limit_is_read_from_the_header_before_any_pixel(tmp_path):
    path = tmp_path / "header_only.png"
    _grey_png(path, 30000, 3000, rows=0)  # 90 million pixels announced, none stored
    with pytest.raises(images.ImageError, match=r"is 30000x3000 \(90,000,000 pixels\), over the limit of 50,000,000"):
        images.read_image(path, 1)
    # Under a higher limit the file is decoded, and found cut off.
    with pytest.raises(images.ImageError, match=r"cut off or damaged"):
        images.read_image(path, 1, max_pixels=100_000_000)


def test_pillows_own_cap_is_reported_in_the_same_words(tmp_path):
    path = tmp_path / "enormous.png"
    _grey_png(path, 30000, 30000, rows=0)  # 900 million: past Pillow's cap
    with pytest.raises(images.ImageError, match=r"has 900,000,000 pixels, over the limit of 50,000,000"):
        images.read_image(path, 1)


def test_the_limit_is_configurable(tmp_path):
    Image.fromarray(_digit(), "L").save(tmp_path / "small.png")
    with pytest.raises(images.ImageError, match=r"1,024 pixels\), over the limit of 1,000 pixels"):
        images.read_image(tmp_path / "small.png", 1, max_pixels=1000)
    assert images.read_image(tmp_path / "small.png", 1, max_pixels=1024).shape == (32, 32, 1)
    from keras_classics import cli

    args = cli.make_parser().parse_args(["visualize", "lenet5", "--method", "saliency", "-o", "x.png"])
    assert args.max_pixels == images.DEFAULT_MAX_PIXELS == 50_000_000
    args = cli.make_parser().parse_args(
        ["visualize", "lenet5", "--method", "saliency", "-o", "x.png", "--max-pixels", "7"]
    )
    assert args.max_pixels == 7


def _save(tmp_path, image, name="image.png", **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


# Pixels of each mode and what a grey (1) and a colour (3) network must see.
RED, WHITE = (255, 0, 0), (255, 255, 255)
LUMA_RED = round(0.299 * 255)  # ITU-R 601: 0.299 R + 0.587 G + 0.114 B


def _two_pixel_cases():
    """(name, image, expected grey, expected RGB): 1x2 images, the first
    pixel opaque red (or its grey), the second transparent where the mode
    has transparency."""
    rgba = Image.frombytes("RGBA", (2, 1), bytes([255, 0, 0, 255, 0, 255, 0, 0]))
    palette = Image.new("P", (2, 1))
    palette.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    palette.putdata([0, 1])
    keyed_grey = Image.frombytes("L", (2, 1), bytes([76, 9]))
    sixteen = Image.frombytes("I;16", (2, 1), struct.pack("<HH", 257 * 76, 65535))
    cmyk = Image.frombytes("CMYK", (2, 1), bytes([0, 255, 255, 0, 0, 0, 0, 0]))  # red, white
    bilevel = Image.frombytes("1", (2, 1), bytes([0b01000000]))  # black, white
    return [
        ("RGBA", rgba, {}, [LUMA_RED, 255], [RED, WHITE]),
        ("LA", Image.frombytes("LA", (2, 1), bytes([76, 255, 9, 0])), {}, [76, 255], [(76,) * 3, WHITE]),
        ("P with a transparent entry", palette, {"transparency": 1}, [LUMA_RED, 255], [RED, WHITE]),
        ("L with a transparent value", keyed_grey, {"transparency": 9}, [76, 255], [(76,) * 3, WHITE]),
        ("I;16", sixteen, {}, [76, 255], [(76,) * 3, WHITE]),
        ("CMYK", cmyk, {"format": "TIFF"}, [LUMA_RED, 255], [RED, WHITE]),
        ("1", bilevel, {}, [0, 255], [(0, 0, 0), WHITE]),
    ]


@pytest.mark.parametrize("case", _two_pixel_cases(), ids=lambda case: case[0])
def test_every_mode_becomes_the_networks_channels(case, tmp_path):
    name, image, save_kwargs, grey, rgb = case
    suffix = ".tif" if save_kwargs.get("format") == "TIFF" else ".png"
    path = _save(tmp_path, image, "image" + suffix, **save_kwargs)
    np.testing.assert_array_equal(images.read_image(path, 1)[..., 0], [grey])
    np.testing.assert_array_equal(images.read_image(path, 3), [rgb])


def test_the_background_is_an_argument(tmp_path):
    path = _save(tmp_path, Image.frombytes("LA", (2, 1), bytes([76, 255, 9, 0])))
    np.testing.assert_array_equal(images.read_image(path, 3, background=(0, 0, 255)), [[(76, 76, 76), (0, 0, 255)]])


def test_unreadable_files_are_refused_in_words(tmp_path):
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(images.ImageError, match=r"not an image file Pillow knows"):
        images.read_image(tmp_path / "text.png", 3)
    with pytest.raises(images.ImageError, match=r"does not exist"):
        images.read_image(tmp_path / "absent.png", 3)
    floats = _save(tmp_path, Image.new("F", (2, 2), 0.5), "floats.tif")
    with pytest.raises(images.ImageError, match=r"32-bit floating-point values \(Pillow mode F\)"):
        images.read_image(floats, 1)
