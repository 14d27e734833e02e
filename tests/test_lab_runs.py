"""Every experiment's --quick run (one seed, two epochs of three steps):
the runner writes the metrics, the per-image records, the summary, the
table and the figures, and the summary's numbers are those of the metrics.
Which verdict comes out is not tested: a quick run says nothing about the
papers. Also: the design machinery (a learning-rate grid chosen on the
validation split, early stopping, a training-set size, a threshold in
epochs) on the digits, and Ctrl-C keeps what finished and the next run
resumes at the first unfinished arm."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import replace

import numpy as np
import pytest

from keras_classics.lab import EXPERIMENTS, results, runner
from keras_classics.lab import statistics as st
from keras_classics.lab.runner import run_experiment
from keras_classics.lab.spec import Arm, Check, EarlyStopping, Experiment, Measure

pytestmark = pytest.mark.slow

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _csv_value(path, measure):
    """The number a run contributes, read straight from its CSV."""
    with open(path, newline="") as handle:
        everything = list(csv.DictReader(handle))
    rows = [r for r in everything if r["quantity"] == measure["quantity"]]
    if measure["kind"] == "scalar":
        return float(rows[0]["value"])
    rows.sort(key=lambda r: int(r["x"]))
    if measure["at"] == "best":
        best = next(float(r["value"]) for r in everything if r["quantity"] == "best_epoch")
        return next(float(r["value"]) for r in rows if int(r["x"]) == best)
    return float((rows[0] if measure["at"] == "first" else rows[-1])["value"])


@pytest.fixture(scope="module")
def quick_out(tmp_path_factory):
    return tmp_path_factory.mktemp("lab")


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_quick_run_writes_metrics_summary_table_and_figures(name, quick_out):
    experiment = EXPERIMENTS[name]
    summary = run_experiment(experiment, out=str(quick_out), quick=True, command="pytest", stream=open(os.devnull, "w"))
    folder = quick_out / f"{name}-quick"
    seed = experiment.seeds[0]
    for arm in experiment.arms:
        assert (folder / "metrics" / f"{arm.name}-seed{seed}.csv").is_file()
        correct = results.read_correct(str(folder / "metrics" / f"{arm.name}-seed{seed}.test.npz"))
        assert len(correct) == runner.QUICK_TEST_IMAGES
    on_disk = json.loads((folder / "summary.json").read_text())
    assert on_disk["verdict"] == summary["verdict"] and on_disk["format"] == results.SUMMARY_FORMAT
    assert on_disk["verdict"] in st.VERDICTS and on_disk["verdict"] != st.COMPUTED
    for check in on_disk["checks"]:
        assert check["verdict"] and check["statement"]
    for arm, info in on_disk["arms"].items():
        for measure in on_disk["measures"]:
            value = _csv_value(folder / "metrics" / f"{arm}-seed{seed}.csv", measure)
            stats = info["quantities"][measure["quantity"]]
            if np.isfinite(value):
                assert stats["mean"] == pytest.approx(value) and stats["std"] == 0.0
    # every epoch curve has the quick mode's two epochs
    for arm in on_disk["curves"].values():
        for quantity, points in arm.items():
            measure = next(m for m in on_disk["measures"] if m["quantity"] == quantity)
            if measure["kind"] == "epoch":
                assert points["x"] == [1, 2]
    table = (folder / "table.md").read_text()
    for arm in experiment.arms:
        assert f"`{arm.name}`" in table
    # In a notebook the summary shows its verdict, table.md's rows and its figures.
    shown = summary._repr_html_()
    rows = [line for line in table.splitlines() if line.startswith("|") and not line.startswith("| ---")]
    assert shown.count("<tr>") == len(rows)
    for arm in experiment.arms:
        assert f"<code>{arm.name}</code>" in shown
    assert shown.count('src="data:image/png;base64,') == len(on_disk["figures"])
    assert isinstance(summary, dict) and summary["verdict"] == on_disk["verdict"]
    assert on_disk["figures"]
    for figure in on_disk["figures"]:
        data = (folder / figure).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000
    record = json.loads((folder / "run.json").read_text())
    assert record["versions"]["tensorflow"] and record["sessions"][-1]["finished"]
    assert set(record["units"]) == {f"{arm.name}/seed{seed}" for arm in experiment.arms}


DESIGN = Experiment(
    name="design",
    title="The design machinery",
    claim="none",
    source="none",
    course_point="none",
    arms=(Arm("relu", "ReLU", "vgg_small", {"filters": 8}), Arm("plain", "plain", "vgg_small", {"filters": 4})),
    measures=(
        Measure("epochs_to_threshold", kind="scalar", log_scale=True),
        Measure("steps_to_best", kind="scalar"),
        Measure("test_error", kind="scalar"),
        Measure("train_error", at="best"),
    ),
    checks=(Check("test_error", "relu", "plain", "lower", "x", paper_effect=0.01, effect_source="x"),),
    input_size=8,
    epochs=4,
    learning_rates=(0.003, 0.03),
    selection_seeds=(100,),
    early_stopping=EarlyStopping(patience=1),
    error_threshold=0.85,
    train_size=128,
    seeds=(0, 1),
)


def test_the_design_machinery_on_the_digits(tmp_path):
    """A learning-rate grid chosen per arm on the validation split, early
    stopping, a training-set size and a threshold in epochs, run --quick."""
    summary = run_experiment(DESIGN, out=str(tmp_path), quick=True, stream=open(os.devnull, "w"))
    folder = tmp_path / "design-quick"
    record = json.loads((folder / "run.json").read_text())
    # selection runs: every rate of the grid for every arm, with the selection seed only
    selection_keys = {k for k in record["units"] if k.startswith("select/")}
    assert selection_keys == {f"select/{arm}/lr{rate:g}/seed100" for arm in ("relu", "plain") for rate in (0.003, 0.03)}
    for arm in ("relu", "plain"):
        choice = summary["selection"][arm]
        scores = {g["learning_rate"]: g["val_error"] for g in choice["grid"]}
        assert choice["chosen"] in scores and scores[choice["chosen"]] == min(scores.values())
        # every measured seed trained at the chosen rate, and never saw the selection seed
        _, _, rows = results.read_csv(str(folder / "metrics" / f"{arm}-seed0.csv"))
        assert results.scalar(rows, "learning_rate") == choice["chosen"]
        # a selection run never looks at the test images
        _, _, selection_rows = results.read_csv(str(folder / "metrics" / "select" / f"{arm}-lr0.03-seed100.csv"))
        assert not any(r.quantity == "test_error" for r in selection_rows)
    assert "128 of its training images" in record["data"]
    assert summary["arms"]["relu"]["epochs_trained"]["mean"] <= 2


def test_early_stopping_keeps_the_best_epoch_and_reports_its_steps():
    """With a learning rate too small to move the weights, the validation
    error never improves after epoch 1: training stops after the patience,
    and the network measured is that of epoch 1."""
    from keras_classics.lab import data
    from keras_classics.lab.train import train_arm

    experiment = replace(DESIGN, epochs=6, early_stopping=EarlyStopping(patience=2), learning_rates=())
    loaded = data.load(None, 8).with_train_size(128).subset(128, 64, 64)
    outcome = train_arm(
        experiment, experiment.arms[0], 0, loaded, learning_rate=1e-12, epochs=6, steps_per_epoch=2, eager=True
    )
    rows = outcome.rows
    assert results.scalar(rows, "epochs_trained") == 3 and results.scalar(rows, "best_epoch") == 1
    assert results.scalar(rows, "steps_to_best") == 2  # one epoch of two steps
    assert max(r.x for r in rows if r.kind == "epoch") == 3
    assert results.scalar(rows, "test_error") == pytest.approx(float(np.mean(~outcome.correct)))
    # the generalisation gap is that of the network measured: epoch 1's
    train_at_best = results.seed_value(rows, Measure("train_error", at="best"))
    assert results.scalar(rows, "test_gap") == pytest.approx(results.scalar(rows, "test_error") - train_at_best)
    # the threshold (85% training error) counts whole epochs
    assert results.scalar(rows, "epochs_to_threshold") in (1.0, 3.0)


def test_ctrl_c_keeps_finished_runs_and_the_next_run_resumes(tmp_path, monkeypatch):
    experiment = EXPERIMENTS["gap_vs_fc"]
    folder = tmp_path / "gap_vs_fc-quick"
    original = runner.Progress.epoch

    def interrupt_in_second_arm(self, epoch):
        if self.arm == "fc" and epoch == 2:
            raise KeyboardInterrupt
        original(self, epoch)

    monkeypatch.setattr(runner.Progress, "epoch", interrupt_in_second_arm)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(experiment, out=str(tmp_path), quick=True, stream=open(os.devnull, "w"))
    first = folder / "metrics" / "gap-seed0.csv"
    assert first.is_file()
    assert not (folder / "metrics" / "fc-seed0.csv").exists()
    assert not (folder / "summary.json").exists()
    record = json.loads((folder / "run.json").read_text())
    assert record["sessions"][-1]["interrupted"] is True and list(record["units"]) == ["gap/seed0"]
    finished_before = first.stat().st_mtime_ns

    monkeypatch.setattr(runner.Progress, "epoch", original)
    trained = []
    import keras_classics.lab.train as train_module

    real_train = train_module.train_arm

    def recording(experiment, arm, seed, *args, **kwargs):
        trained.append(arm.name)
        return real_train(experiment, arm, seed, *args, **kwargs)

    monkeypatch.setattr(train_module, "train_arm", recording)
    summary = run_experiment(experiment, out=str(tmp_path), quick=True, stream=open(os.devnull, "w"))
    assert trained == ["fc"]  # only the unfinished arm
    assert first.stat().st_mtime_ns == finished_before
    assert set(summary["arms"]) == {"gap", "fc"}
    assert len(json.loads((folder / "run.json").read_text())["sessions"]) == 2


def test_a_folder_with_other_settings_is_refused(tmp_path):
    experiment = EXPERIMENTS["gap_vs_fc"]
    folder = tmp_path / "gap_vs_fc-quick"
    folder.mkdir()
    settings = runner.settings_of(runner.quick_version(experiment), data=None, quick=True)
    settings["epochs"] = 99
    record = {
        "format": runner.RECORD_FORMAT,
        "experiment": "gap_vs_fc",
        "settings": settings,
        "sessions": [],
        "units": {},
    }
    (folder / "run.json").write_text(json.dumps(record))
    with pytest.raises(runner.LabError, match="other settings .*epochs: 99 there, 2 now.*--fresh"):
        run_experiment(experiment, out=str(tmp_path), quick=True, stream=open(os.devnull, "w"))
