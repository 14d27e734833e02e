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


# -- what the figure names, what is refused early ---------------------------------
def _captured_figure(monkeypatch):
    """Keep the figure the command saves, to read its title."""
    from keras_classics.visualize import figures

    kept = []
    original = figures.save

    def save(figure, path, **kwargs):
        kept.append(figure)
        return original(figure, path, **kwargs)

    monkeypatch.setattr(figures, "save", save)
    return kept


def test_registered_names_are_seeded_and_say_so(tmp_path, capsys, monkeypatch):
    import random

    from keras_classics import visualize_cli

    state = random.getstate()
    first, _, described = visualize_cli.load_source("lenet5_modern", seed=3)
    again, _, _ = visualize_cli.load_source("lenet5_modern", seed=3)
    other, _, _ = visualize_cli.load_source("lenet5_modern", seed=4)
    assert random.getstate() == state  # the caller's random state is left alone
    for a, b in zip(first.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.get_weights()[0], other.get_weights()[0])
    assert described == "lenet5_modern, untrained (random weights, seed 3)"
    kept = _captured_figure(monkeypatch)
    out = tmp_path / "cam.png"
    assert main(["visualize", "lenet5_modern", "--method", "grad-cam", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "untrained (random weights, seed 0)" in printed and "at layer c3" in printed
    title = kept[0]._suptitle.get_text()
    # The digits' classes are the digits themselves; the layer is named.
    assert "lenet5_modern, untrained (random weights, seed 0)" in title and "at c3" in title
    assert any(f"class {k} ({k})" in title for k in range(10))


def test_a_run_folder_names_its_classes(run_folder, tmp_path, monkeypatch):
    results = json.loads((run_folder / "results.json").read_text())
    named = tmp_path / "named"
    named.mkdir()
    (named / "best.keras").write_bytes((run_folder / "best.keras").read_bytes())
    names = [f"kind{i}" for i in range(10)]
    (named / "results.json").write_text(json.dumps({**results, "data": {"class_names": names}}))
    kept = _captured_figure(monkeypatch)
    out = tmp_path / "s.png"
    assert main(["visualize", str(named), "--method", "saliency", "--class", "4", "-o", str(out)]) == 0
    title = kept[0]._suptitle.get_text()
    assert "lenet5_modern" in title and "class 4 (kind4)" in title


@pytest.mark.parametrize(
    "args, message",
    [
        (["--method", "occlusion", "--stride", "0"], "--stride must be at least 1 pixel, got 0"),
        (["--method", "occlusion", "--size", "-2"], "--size must be at least 1 pixel, got -2"),
    ],
)
def test_zero_stride_and_size_are_refused(run_folder, tmp_path, capsys, args, message):
    out = tmp_path / "never.png"
    assert main(["visualize", str(run_folder), *args, "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_output_folder_is_refused_before_the_model_is_read(tmp_path, capsys):
    out = tmp_path / "no" / "such" / "folder" / "a.png"
    # The source does not exist either: the folder is what is reported, so
    # it was checked first.
    assert main(["visualize", str(tmp_path / "missing.keras"), "--method", "saliency", "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert "does not exist" in error and "folder" in error and "missing.keras" not in error


def test_a_subclassed_model_is_refused_with_a_message(tmp_path, capsys):
    import keras

    @keras.saving.register_keras_serializable(package="test_visualize_cli")
    class Tiny(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.conv = keras.layers.Conv2D(2, 3)
            self.pool = keras.layers.GlobalAveragePooling2D()
            self.dense = keras.layers.Dense(3, activation="softmax")

        def call(self, x):
            return self.dense(self.pool(self.conv(x)))

    model = Tiny()
    model(np.zeros((1, 8, 8, 1), "float32"))
    path = tmp_path / "tiny.keras"
    model.save(path)
    assert main(["visualize", str(path), "--method", "grad-cam", "-o", str(tmp_path / "a.png")]) == 2
    error = capsys.readouterr().err
    assert "subclassed Tiny" in error and "functional API" in error
    assert len(error.strip().splitlines()) == 1


def test_a_model_without_convolutions_says_so(tmp_path, capsys):
    import keras

    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    path = tmp_path / "dense.keras"
    keras.Model(inputs, outputs).save(path)
    for method in ("deconvnet", "grad-cam", "top-patches"):
        assert main(["visualize", str(path), "--method", method, "-o", str(tmp_path / "a.png")]) == 2
        assert "has no spatial layer" in capsys.readouterr().err
    # Saliency needs no map: it works.
    assert main(["visualize", str(path), "--method", "saliency", "-o", str(tmp_path / "s.png")]) == 0


@pytest.fixture(scope="module")
def odd_models(tmp_path_factory):
    """A Sequential model and one that accepts any input size, as files."""
    import keras

    folder = tmp_path_factory.mktemp("odd")
    sequential = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
            keras.layers.MaxPooling2D(2, name="p1"),
            keras.layers.Conv2D(6, 3, activation="relu", name="c2"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    sequential.save(folder / "sequential.keras")
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu", name="c1")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x)).save(folder / "any_size.keras")
    return folder


@pytest.mark.parametrize("method", ["top-patches", "deconvnet", "guided-backprop", "grad-cam", "occlusion"])
@pytest.mark.parametrize("name", ["sequential", "any_size"])
def test_sequential_and_any_size_models_work(odd_models, tmp_path, method, name, capsys):
    out = tmp_path / f"{name}-{method}.png"
    assert main(["visualize", str(odd_models / f"{name}.keras"), "--method", method, "-o", str(out)]) == 0
    assert _is_png(out)
    if method != "occlusion":
        expected = "c2" if name == "sequential" else "c1"
        assert f"at layer {expected}" in capsys.readouterr().out


def test_visualize_benchmark_quick_run(capsys):
    """--quick runs benchmarks/visualize.py on LeNet-5 at 32x32: it checks
    occlusion against model.predict and prints the CPU-time ratios."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "visualize.py"
    spec = importlib.util.spec_from_file_location("benchmarks_visualize", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "CPU time (time.process_time)" in out and "Grad-CAM at c3" in out
    for name in ("saliency / model.predict_on_batch", "grad_cam / model.predict_on_batch", "occlusion_sensitivity"):
        assert name in out
