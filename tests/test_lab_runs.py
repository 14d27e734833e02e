"""Every experiment's --quick run (one seed, two epochs of three steps):
the runner writes the metrics, the summary, the table and the figures, and
the summary's numbers are those of the metrics CSVs. Which verdict comes
out is not tested: a quick run says nothing about the papers. Also: Ctrl-C
keeps what finished and the next run resumes at the first unfinished arm."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from keras_classics.lab import EXPERIMENTS, runner
from keras_classics.lab.runner import run_experiment

pytestmark = pytest.mark.slow

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _csv_value(path, measure):
    """The number a run contributes, read straight from its CSV."""
    with open(path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["quantity"] == measure["quantity"]]
    if measure["kind"] == "scalar":
        return float(rows[0]["value"])
    rows.sort(key=lambda r: int(r["x"]))
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
    on_disk = json.loads((folder / "summary.json").read_text())
    assert on_disk["verdict"] == summary["verdict"]
    assert on_disk["verdict"] in ("reproduced", "reversed", "not distinguishable at this scale")
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
    assert on_disk["figures"]
    for figure in on_disk["figures"]:
        data = (folder / figure).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000
    record = json.loads((folder / "run.json").read_text())
    assert record["versions"]["tensorflow"] and record["sessions"][-1]["finished"]


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
    assert record["sessions"][-1]["interrupted"] is True
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
    (folder / "run.json").write_text(json.dumps({"settings": settings, "sessions": []}))
    with pytest.raises(runner.LabError, match="other settings .*epochs: 99 there, 2 now.*--fresh"):
        run_experiment(experiment, out=str(tmp_path), quick=True, stream=open(os.devnull, "w"))
