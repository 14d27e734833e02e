"""``keras-classics visualize``: figures from a registered name, a .keras
file and a run folder; bad input is one line and exit code 2, no file."""

from __future__ import annotations

import json

import numpy as np
import pytest

import keras_classics
from keras_classics.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A run folder as `keras-classics train` leaves it (the model and the
    preprocessing record; weights untrained)."""
    folder = tmp_path_factory.mktemp("run")
    keras_classics.build("lenet5_modern").save(folder / "best.keras")
    (folder / "results.json").write_text(json.dumps({"hyperparameters": {"preprocess": "lenet"}}))
    return folder


def _is_png(path) -> bool:
    return path.exists() and path.read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.parametrize(
    "method",
    ["filters", "feature-maps", "top-patches", "deconvnet", "guided-backprop", "occlusion", "saliency", "grad-cam"],
)
def test_every_method_writes_a_png_from_a_run_folder(run_folder, tmp_path, method, capsys):
    out = tmp_path / f"{method}.png"
    assert main(["visualize", str(run_folder), "--method", method, "-o", str(out)]) == 0
    assert _is_png(out)
    assert f"wrote {out}" in capsys.readouterr().out


def test_a_keras_file_and_an_image_file(run_folder, tmp_path):
    import matplotlib.image

    image = tmp_path / "digit.png"
    picture = np.zeros((20, 16, 3))
    picture[4:16, 7:9] = 1.0  # a "1"
    matplotlib.image.imsave(image, picture)
    out = tmp_path / "cam.png"
    args = [
        "visualize",
        str(run_folder / "best.keras"),
        "--method",
        "grad-cam",
        "--layer",
        "c3",
        "--input",
        str(image),
        "--class",
        "1",
        "-o",
        str(out),
    ]
    assert main(args) == 0 and _is_png(out)


def test_top_patches_from_an_image_folder(run_folder, tmp_path):
    import matplotlib.image

    rng = np.random.default_rng(5)
    # Ten images a class: the folder loader splits them (and wants every split non-empty).
    for name in ("a", "b"):
        (tmp_path / "data" / name).mkdir(parents=True)
        for index in range(10):
            matplotlib.image.imsave(tmp_path / "data" / name / f"{index}.png", rng.uniform(size=(20, 24, 3)))
    out = tmp_path / "patches.png"
    args = [
        "visualize",
        str(run_folder),
        "--method",
        "top-patches",
        "--layer",
        "c3",
        "--channel",
        "2",
        "--data",
        str(tmp_path / "data"),
        "-o",
        str(out),
    ]
    assert main(args) == 0 and _is_png(out)


def test_a_registered_name(tmp_path):
    out = tmp_path / "filters.png"
    assert main(["visualize", "lenet5", "--method", "filters", "-o", str(out)]) == 0
    assert _is_png(out)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--method", "feature-maps", "--layer", "c9"],
            "layer 'c9' is not in the model; choose one of: c1, s2, c3, s4, c5",
        ),
        (["--method", "grad-cam", "--class", "12"], "class 12 is out of range: the model has 10 classes"),
        (
            ["--method", "filters", "--layer", "flatten"],
            "convolution layer 'flatten' exists but is not one this method can use",
        ),
        (["--method", "saliency", "--data", "somewhere"], "--data is for --method top-patches"),
        (["--method", "occlusion", "--fill", "grey"], "--fill must be a number or 'mean', got 'grey'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_folder, tmp_path, capsys, args, message):
    out = tmp_path / "never.png"
    assert main(["visualize", str(run_folder), *args, "-o", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("keras-classics visualize: error: ") and message in error
    assert len(error.splitlines()) == 1
    assert not out.exists()


def test_the_paper_lenet_says_why_it_has_no_deconvnet(tmp_path, capsys):
    out = tmp_path / "never.png"
    assert main(["visualize", "lenet5", "--method", "deconvnet", "-o", str(out)]) == 2
    assert "its activation is scaled_tanh" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_source_and_wrong_suffix(tmp_path, capsys):
    assert main(["visualize", "lenet6", "--method", "filters", "-o", str(tmp_path / "a.png")]) == 2
    assert "unknown model 'lenet6'" in capsys.readouterr().err
    assert main(["visualize", "lenet5", "--method", "filters", "-o", str(tmp_path / "a.svg")]) == 2
    assert "ending in .png" in capsys.readouterr().err


def test_occlusion_benchmark_quick_run_agrees_with_model_predict(capsys):
    """The benchmark asserts that both sides give the same probabilities
    before it times them; --quick runs it on LeNet-5 at 32x32."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "occlusion.py"
    spec = importlib.util.spec_from_file_location("benchmarks_occlusion", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "8x8 = 64 occluded images" in out
    assert "occlusion_sensitivity " in out and "model.predict (one call)" in out
