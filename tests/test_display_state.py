"""The package leaves the user's matplotlib alone, and a training result
shows itself in a notebook.

Each check runs in a fresh process whose matplotlib backend is not the
default one (set by ``MPLBACKEND``, or by ``matplotlib.use`` before the
package is imported) and where the user already has a pyplot figure open:
after a tiny ``train()`` and after drawing every kind of output, the
backend and pyplot's list of figures must be as they were.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap

import pytest
from _display_readers import display_bundle, parse_html

from keras_classics.training.run import TrainResult

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import matplotlib
    mode, out = sys.argv[1], sys.argv[2]
    if mode == "use":
        matplotlib.use("pdf")
    import matplotlib.pyplot as plt

    plt.figure()  # the user's own figure, open before the package runs

    def state():
        return {"backend": matplotlib.get_backend(), "rc": str(matplotlib.rcParams["backend"]),
                "figures": plt.get_fignums()}

    before = state()
    import keras
    import keras_classics
    from keras_classics.display.figure import FigureImage, new_figure
    from keras_classics.training.callbacks import plot_curves

    report = {"before": before}
    if mode == "env":
        from keras_classics.training import TrainConfig, train

        def tiny(input_shape, classes):
            inputs = keras.Input(input_shape)
            x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
            x = keras.layers.GlobalAveragePooling2D()(x)
            return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(x))

        config = TrainConfig(model="tiny", run_dir=os.path.join(out, "run"), epochs=2, batch_size=32,
                             steps_per_epoch=2, verbose=0, extra={"input_shape": [8, 8, 1], "family": "lenet"})
        result = train(config, model_fn=tiny)
        report["after_train"] = state()
        report["html"] = result._repr_html_()
        result.curves().save(os.path.join(out, "curves.svg"))
        report["record"] = result.record
    else:
        with open(os.path.join(out, "metrics.csv"), "w") as handle:
            handle.write("epoch,accuracy,loss,val_accuracy,val_loss,learning_rate\\n0,0.5,1.2,0.4,1.3,0.01\\n")
        report["plotted"] = plot_curves(os.path.join(out, "metrics.csv"), os.path.join(out, "curves.png"), "t")

    summary = keras_classics.summary("resnet18")
    summary._repr_html_()
    summary.to_dataframe()
    drawing = summary.diagram()
    drawing._repr_html_()
    for extension in ("svg", "png", "pdf"):
        drawing.save(os.path.join(out, "resnet18." + extension))
    figure = new_figure(2, 2)
    figure.subplots().plot([0, 1])
    image = FigureImage(figure)
    image._repr_png_()
    image.save(os.path.join(out, "figure.pdf"))
    report["after"] = state()
    print("REPORT" + json.dumps(report))
    """
)


def _run(mode: str, out, env_backend=None) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("MPLBACKEND", None)
    if env_backend:
        env["MPLBACKEND"] = env_backend
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode, str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("REPORT"))
    return json.loads(line[len("REPORT") :])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny run in a process whose backend comes from MPLBACKEND=svg."""
    out = tmp_path_factory.mktemp("state")
    return out, _run("env", out, env_backend="svg")


def test_training_and_drawing_leave_a_backend_set_by_the_environment(trained):
    _, report = trained
    assert report["before"]["backend"].lower() == "svg"
    assert report["after_train"] == report["before"]
    assert report["after"] == report["before"]
    assert report["record"]["curves_png"] is True


def test_drawing_leaves_a_backend_chosen_by_matplotlib_use(tmp_path):
    report = _run("use", tmp_path)
    assert report["before"]["backend"].lower() == "pdf" and report["before"]["figures"] == [1]
    assert report["plotted"] is True and (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert report["after"] == report["before"]


def test_a_train_result_shows_its_numbers_and_its_curves(trained):
    out, report = trained
    cells = parse_html(report["html"])
    shown = dict(cells.sections["tbody"])
    record = json.loads((out / "run" / "results.json").read_text())
    assert shown["test accuracy (best epoch's model)"] == f"{record['test']['accuracy']:.2%}"
    assert shown["best epoch (lowest validation loss)"] == f"{record['best_epoch']} of 2"
    (image,) = cells.images
    embedded = base64.b64decode(image["src"].split(",", 1)[1])
    assert embedded == (out / "run" / "curves.png").read_bytes()
    assert (out / "curves.svg").read_text().lstrip().startswith("<?xml")


def test_a_train_result_without_curves_says_why(tmp_path):
    result = TrainResult(
        run_dir=str(tmp_path),
        test={"accuracy": 0.9731, "loss": 0.0912},
        test_last={"accuracy": 0.9702, "loss": 0.1},
        best_epoch=4,
        epochs=6,
        resumed_from=0,
        wall_time_s=12.34,
        record={"model": "lenet5", "data": {"name": "digits"}, "best_epoch": 5, "curves_png": False},
    )
    page = display_bundle(result)["text/html"]
    cells = parse_html(page)
    shown = dict(cells.sections["tbody"])
    assert shown["test accuracy (best epoch's model)"] == "97.31%"
    assert shown["best epoch (lowest validation loss)"] == "5 of 6"
    assert cells.images == [] and "matplotlib was not installed" in page
