"""What a run saves loads, compiled, in a fresh process; a failed start
changes nothing.

One module-wide set of short runs: LeNet-5 with each optimizer, and a tiny
network under every family's paper recipe (on 16x16 inputs). A fresh
Python process then loads every ``last.keras`` through
``keras_classics.load_model`` (and takes a training step with the
optimizer it read back) and every ``best.keras`` through plain
``keras.saving.load_model`` after ``import keras_classics``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

keras = pytest.importorskip("keras")

from keras_classics.cli import main  # noqa: E402
from keras_classics.training import TrainConfig, train  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = 2

# Keras's class for each optimizer name of the recipes; "sgd" is the
# papers' SGD, with its weight decay inside the gradient.
OPTIMIZER_CLASSES = {"sgd": "PaperSGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop"}

RUNS = {
    # LeNet-5 itself (custom C3 layer) with each optimizer.
    "lenet5": dict(model="lenet5"),
    "lenet5-sgd": dict(model="lenet5", optimizer="sgd"),
    "lenet5-adamw": dict(model="lenet5", optimizer="adamw"),
    "lenet5-rmsprop": dict(model="lenet5", optimizer="rmsprop"),
    # Every family's recipe, on a tiny network.
    **{
        f"tiny-{family}": dict(model="tiny", extra={"input_shape": [16, 16, 3], "family": family})
        for family in ("alexnet", "zfnet", "vgg", "googlenet", "resnet", "resnet_cifar")
    },
}
# The papers of AlexNet, ZFNet, VGG, GoogLeNet and ResNet all train with
# SGD and momentum.
PAPER_SGD_FAMILIES = {"tiny-alexnet", "tiny-zfnet", "tiny-vgg", "tiny-googlenet", "tiny-resnet", "tiny-resnet_cifar"}


def tiny(input_shape, classes):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def finished_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("saved")
    runs = {}
    for name, settings in RUNS.items():
        run_dir = root / name
        config = TrainConfig(
            run_dir=str(run_dir), epochs=1, batch_size=16, steps_per_epoch=STEPS, verbose=0, **settings
        )
        result = train(config, model_fn=tiny if settings["model"] == "tiny" else None)
        runs[name] = (run_dir, result.record["hyperparameters"])
    return runs


LOADER = textwrap.dedent(
    """
    import json, sys

    import keras_classics  # registers the package's classes once Keras loads
    import keras
    import numpy as np

    out = {}
    for path in sys.argv[1:]:
        # last.keras through the package's call, best.keras through Keras's.
        if path.endswith("last.keras"):
            ways = (("keras_classics.load_model", keras_classics.load_model),)
        else:
            ways = (("keras.saving.load_model", keras.saving.load_model),)
        for how, load in ways:
            model = load(path)
            optimizer = model.optimizer
            got = {"optimizer": type(optimizer).__name__, "steps": int(optimizer.iterations),
                   "l2": getattr(optimizer, "l2", None)}
            if path.endswith("last.keras") and how.startswith("keras_classics"):
                # The compiled model trains on: one more step.
                shape = (2,) + tuple(model.inputs[0].shape[1:])
                loss = model.train_on_batch(np.zeros(shape, "float32"), np.zeros(2, "int32"))
                got.update(loss=float(np.ravel(loss)[0]), after=int(optimizer.iterations))
            out[f"{path}|{how}"] = got
    print("RESULT " + json.dumps(out))
    """
)


def test_every_run_loads_compiled_in_a_fresh_process(finished_runs, tmp_path):
    paths = [str(run_dir / f) for run_dir, _ in finished_runs.values() for f in ("best.keras", "last.keras")]
    script = tmp_path / "load.py"
    script.write_text(LOADER)
    completed = subprocess.run(
        [sys.executable, str(script), *paths],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    line = [l for l in completed.stdout.splitlines() if l.startswith("RESULT ")][-1]
    loaded = json.loads(line[len("RESULT ") :])
    assert len(loaded) == len(paths)

    for name, (run_dir, hp) in finished_runs.items():
        expected = OPTIMIZER_CLASSES[hp["optimizer"]]
        if name in PAPER_SGD_FAMILIES or name == "lenet5-sgd":
            assert expected == "PaperSGD", name
        last = loaded[f"{run_dir / 'last.keras'}|keras_classics.load_model"]
        best = loaded[f"{run_dir / 'best.keras'}|keras.saving.load_model"]
        for how, got in (("keras_classics.load_model", last), ("keras.saving.load_model", best)):
            assert got["optimizer"] == expected, (name, how)
            # The optimizer state came back: one epoch of STEPS steps.
            assert got["steps"] == STEPS, (name, how)
            if "after" in got:
                assert got["after"] == STEPS + 1 and got["loss"] == got["loss"], (name, how)
            if expected == "PaperSGD":
                assert got["l2"] == pytest.approx(hp["weight_decay"]), (name, how)


# -- load_model's own errors ----------------------------------------------------------
def test_load_model_says_what_is_wrong_with_the_file(finished_runs, tmp_path):
    import keras_classics

    good = (finished_runs["lenet5"][0] / "last.keras").read_bytes()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"not a complete \.keras model file.*cut off"):
        keras_classics.load_model(cut)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        keras_classics.load_model(tmp_path)
    with pytest.raises(FileNotFoundError, match="no model file"):
        keras_classics.load_model(tmp_path / "missing.keras")


# -- 4: checks before changes -------------------------------------------------------------
def _digest(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return out


@pytest.mark.parametrize("bad", [["--input-size", "8"], ["--data", "/no/such/folder"], ["--batch-size", "5000"]])
def test_overwrite_changes_nothing_when_a_check_fails(bad, finished_runs, tmp_path, capsys):
    run_dir = tmp_path / "finished"
    shutil.copytree(finished_runs["lenet5"][0], run_dir)
    before = _digest(run_dir)
    assert {"best.keras", "last.keras", "results.json", "config.json"} <= set(before)

    status = main(["train", "lenet5", "--run-dir", str(run_dir), "--overwrite", "--verbose", "0", *bad])
    assert status == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("keras-classics train: error: ")
    assert _digest(run_dir) == before

    # A new folder is not even created.
    fresh = tmp_path / "fresh"
    assert main(["train", "lenet5", "--run-dir", str(fresh), "--verbose", "0", *bad]) == 2
    assert not fresh.exists()
