"""Inputs a new user gives: every valid image decodes for a one-channel
network, and bad input gets a message that says what was wrong and what
would be right (exit code 2 on the command line, no traceback).
"""

from __future__ import annotations

import errno
import io
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")
PIL = pytest.importorskip("PIL.Image", reason="pillow writes the test images")

from keras_classics.cli import main  # noqa: E402
from keras_classics.training import TrainConfig, train  # noqa: E402
from keras_classics.training import data as data_lib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny(input_shape, classes):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax", name="predictions")(x))


def _train_tiny(data, run_dir, channels=1, family="lenet", **settings):
    """One epoch of `tiny` on the image folder ``data`` (8x8 inputs)."""
    config = TrainConfig(
        model="tiny",
        data=str(data),
        run_dir=str(run_dir),
        epochs=1,
        verbose=0,
        extra={"input_shape": [8, 8, channels], "family": family},
        **settings,
    )
    return train(config, model_fn=tiny)


def _encoded(colour, fmt, mode="RGB", size=(12, 10)):
    image = PIL.new("RGB", size, colour)
    if mode != "RGB":
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


# Formats and colour modes a photo folder holds; each decodes as RGB.
KINDS = {
    "gif": ("GIF", "P"),
    "bmp": ("BMP", "RGB"),
    "cmyk.jpg": ("JPEG", "CMYK"),
    "grey.jpg": ("JPEG", "L"),
    "rgb.jpg": ("JPEG", "RGB"),
    "grey.png": ("PNG", "L"),
    "rgba.png": ("PNG", "RGBA"),
    "palette.png": ("PNG", "P"),
}


def _mixed_folder(root, per_kind=2):
    # Web-palette colours: GIF and palette PNG keep them without dithering.
    for label, colour in (("red", (204, 51, 51)), ("blue", (51, 102, 204))):
        folder = root / label
        folder.mkdir(parents=True)
        for suffix, (fmt, mode) in KINDS.items():
            for i in range(per_kind):
                (folder / f"{i}.{suffix}").write_bytes(_encoded(colour, fmt, mode))
    return root


# -- 6: one-channel networks read every format -------------------------------------------
def test_every_image_that_decodes_in_colour_decodes_in_grey(tmp_path):
    import tensorflow as tf

    data = _mixed_folder(tmp_path / "data")
    total = 2 * 2 * len(KINDS)
    run_dir = tmp_path / "run"
    result = _train_tiny(data, run_dir, batch_size=4, steps_per_epoch=2)
    record = result.record
    assert record["skipped_files"] == []
    assert not (run_dir / "skipped_files.txt").exists()
    assert record["data"]["train"] + record["data"]["val"] + record["data"]["test"] == total

    # The grey value is the luma of the colour (ITU-R BT.601 weights).
    red = (204, 51, 51)
    luma = 0.2989 * red[0] + 0.5870 * red[1] + 0.1140 * red[2]
    for name in ("0.gif", "0.bmp", "0.rgb.jpg"):
        grey = data_lib.decode(tf.constant(str(data / "red" / name)), 1, False).numpy()
        assert grey.shape == (10, 12, 1)
        assert abs(float(np.median(grey)) - luma) <= 3, name  # JPEG rounds colours a little


# -- images that pass the header check but do not decode ---------------------------------------
def _undecodable_folder(root):
    for label in ("a", "b"):
        folder = root / label
        folder.mkdir(parents=True)
        for i in range(6):
            (folder / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    return root


@pytest.mark.parametrize("verify", ["auto", "no"])
def test_a_folder_where_no_image_decodes_says_so_and_lists_them(verify, tmp_path):
    data = _undecodable_folder(tmp_path / "data")
    run_dir = tmp_path / "run"
    with pytest.raises(ValueError) as error:
        _train_tiny(data, run_dir, channels=3, family="vgg", batch_size=2, verify_images=verify, preprocess="vgg")
    message = str(error.value)
    assert "could be decoded" in message and "none of the" in message
    assert os.path.join("a", "0.png") in message or os.path.join("b", "0.png") in message
    assert "--val-fraction" not in message and "Eigenvalues" not in message


def test_a_file_name_with_a_newline_keeps_skipped_files_one_per_line(tmp_path):
    data = tmp_path / "data"
    for label, colour in (("red", (200, 0, 0)), ("blue", (0, 0, 200))):
        (data / label).mkdir(parents=True)
        for i in range(6):
            (data / label / f"{i}.png").write_bytes(_encoded(colour, "PNG"))
    (data / "red" / "two\nlines.png").write_bytes(b"")
    (data / "blue" / "tab\there.png").write_bytes(b"")
    run_dir = tmp_path / "run"
    _train_tiny(data, run_dir, batch_size=2, steps_per_epoch=1)
    lines = (run_dir / "skipped_files.txt").read_text().splitlines()
    assert len(lines) == 2
    assert all(len(line.split("\t")) == 2 for line in lines)
    assert any(line.split("\t")[0].endswith("two\\nlines.png") for line in lines)
    assert any(line.split("\t")[0].endswith("tab\\there.png") for line in lines)


# -- settings -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "settings, words",
    [
        (dict(epochs="5"), ["epochs", "whole number", "'5'"]),
        (dict(epochs=2.5), ["epochs", "whole number", "2.5"]),
        (dict(batch_size=True), ["batch_size", "whole number"]),
        (dict(learning_rate=float("inf")), ["learning_rate", "finite"]),
        (dict(momentum="0.9"), ["momentum", "number"]),
    ],
)
def test_python_settings_of_the_wrong_type_are_named(settings, words, tmp_path):
    with pytest.raises(ValueError) as error:
        train(model="lenet5", run_dir=str(tmp_path / "run"), **settings)
    for word in words:
        assert word in str(error.value)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--cpu-replicas", "0"], ["--cpu-replicas", "1 or more", "got 0"]),
        (["--lr", "inf"], ["learning_rate", "finite"]),
        (["--lr", "nan"], ["learning_rate", "finite"]),
        (["--cluster-timeout", "0"], ["cluster_timeout", "positive"]),
    ],
)
def test_bad_flags_are_one_line_errors(argv, words, tmp_path, capsys):
    status = main(["train", "lenet5", "--run-dir", str(tmp_path / "run"), "--verbose", "0", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err[-1].startswith("keras-classics train: error: ")
    for word in words:
        assert word in err[-1]
    assert not (tmp_path / "run").exists()


def test_a_full_disk_names_the_file_and_keeps_the_old_one(tmp_path):
    from keras_classics.training import safe_io

    target = tmp_path / "results.json"
    target.write_text("the finished record")

    def fill_the_disk(temporary):
        with open(temporary, "w") as handle:
            handle.write("half a rec")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), temporary)

    with pytest.raises(OSError) as error:
        safe_io.atomic_write(str(target), fill_the_disk)
    assert str(error.value) == f"could not save {target}: the disk is full"
    assert target.read_text() == "the finished record"
    assert sorted(os.listdir(tmp_path)) == ["results.json"]  # no temporary left behind


# -- show, list and plot -----------------------------------------------------------------
@pytest.mark.parametrize(
    "flags, words",
    [
        (["--variant", "[1,2]"], ["--variant", "one plain value", "a list"]),
        (["--variant", "{a: 1}"], ["--variant", "one plain value", "a mapping"]),
        (["--variant", "[1,"], ["--variant", "cannot be read"]),
        (["--variant="], ["--variant=", "needs a value"]),
    ],
)
def test_variant_values_that_are_not_plain_are_one_line_errors(flags, words, capsys):
    status = main(["show", "alexnet", *flags])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert err[0].startswith("keras-classics show: error: ")
    for word in words:
        assert word in err[0]
    assert "True" not in err[0]


def test_plot_errors_name_the_file_asked_for(capsys):
    status = main(["plot", "lenet5", "-o", "/proc/lenet5.svg"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert "/proc/lenet5.svg:" in err[-1] and ".partial" not in err[-1] and ".diagram-" not in err[-1]


def test_show_at_a_huge_input_size_allocates_no_weights():
    # LeNet-5 at 4000x4000 has about 9.9e9 parameters (37 GiB of float32);
    # the table needs only their shapes.
    code = (
        "import resource, sys\n"
        "from keras_classics.cli import main\n"
        "status = main(['show', 'lenet5', '--input-size', '4000', '--format', 'json'])\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )

    def cap_memory():  # a failure must not take the machine's memory with it
        resource.setrlimit(resource.RLIMIT_AS, (16 << 30, 16 << 30))

    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"},
        preexec_fn=cap_memory,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    import json

    table = json.loads(completed.stdout)
    # Valid 5x5 convolutions and 2x2 pools: C1 3996, S2 1998, C3 1994,
    # S4 997, C5 993; F6 is then a dense layer from 993 x 993 x 120 to 84.
    side = ((4000 - 4) // 2 - 4) // 2 - 4
    assert side == 993
    assert table["totals"]["params"] > side * side * 120 * 84
    peak_kib = int(completed.stderr.split("PEAK")[-1].split()[0])
    assert peak_kib < 3 * (1 << 20), f"peak {peak_kib / (1 << 20):.1f} GiB"
