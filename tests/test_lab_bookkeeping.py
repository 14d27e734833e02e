"""The lab's bookkeeping, tried as a user meets it: real `keras-classics lab`
processes, a real second process, a real SIGKILL, files damaged on disk.

* a seed is finished only when its record checks out: an emptied or
  truncated metrics CSV is run again, and `summarise` names it;
* one process at a time: a second `lab run` into the folder is refused,
  naming the process that holds it; every atomic write has a temporary
  name of its own process;
* `run` and `summarise` agree on what is finished, after a crash between
  the metrics and the record too;
* a corrupt run.json is named, and `--fresh` recovers, discarding nothing
  before everything that can fail has been checked;
* a bad metrics CSV is named with its line, not a traceback.

One finished quick run of gap_vs_fc (two arms, one seed) is made once and
copied for each test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from keras_classics.lab import results

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NAME = "gap_vs_fc"
FOLDER = f"{NAME}-quick"


def _command(*args):
    # As the `keras-classics` script starts it (`python -m` would load the
    # command line module twice, under two names).
    return [sys.executable, "-c", "import sys; from keras_classics.cli import main; sys.exit(main())", "lab", *args]


def _env():
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def _lab(*args, timeout=300):
    return subprocess.run(_command(*args), capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT)


def _no_traceback(result):
    assert "Traceback" not in result.stderr and "KeyError" not in result.stderr, result.stderr[-3000:]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished `lab run gap_vs_fc --quick` folder (its --out)."""
    out = tmp_path_factory.mktemp("finished")
    result = _lab("run", NAME, "--quick", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.fixture
def out(finished, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(finished, copy)
    return copy


def _trained(stderr: str) -> set:
    """The units a run trained, from its progress lines."""
    return {
        line.split(": arm ")[1].split(" epoch")[0].replace(" seed ", "/seed")
        for line in stderr.splitlines()
        if line.startswith(f"{NAME}: arm ") and " epoch " in line
    }


@pytest.mark.parametrize("damage", ["emptied", "truncated"])
def test_a_damaged_metrics_csv_is_not_a_finished_seed(out, damage):
    path = out / FOLDER / "metrics" / "fc-seed0.csv"
    text = path.read_text()
    path.write_text("" if damage == "emptied" else text[: len(text) // 2])
    summarised = _lab("summarise", NAME, "--quick", "--out", str(out))
    assert summarised.returncode == 2 and str(path) in summarised.stderr
    _no_traceback(summarised)
    rerun = _lab("run", NAME, "--quick", "--out", str(out))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _trained(rerun.stderr) == {"fc/seed0"}
    _, _, rows = results.read_csv(str(path))  # complete again
    assert sorted({r.x for r in rows if r.kind == "epoch"}) == [1, 2]
    record = json.loads((out / FOLDER / "run.json").read_text())
    assert record["units"]["fc/seed0"]["files"]["metrics/fc-seed0.csv"] == _sha256(path)
    assert _lab("summarise", NAME, "--quick", "--out", str(out)).returncode == 0


def _sha256(path):
    from keras_classics.training.safe_io import file_sha256

    return file_sha256(str(path))


def test_a_second_run_into_the_same_folder_is_refused_naming_the_holder(tmp_path):
    lock = tmp_path / FOLDER / ".lock"
    first = subprocess.Popen(
        _command("run", NAME, "--quick", "--out", str(tmp_path)),
        env=_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (lock.is_file() and lock.read_text().startswith(f"{first.pid} ")):
            assert first.poll() is None and time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.1)
        second = _lab("run", NAME, "--quick", "--out", str(tmp_path))
        summarised = _lab("summarise", NAME, "--quick", "--out", str(tmp_path))
        still_running = first.poll() is None
    finally:
        _, first_err = first.communicate(timeout=300)
    assert still_running, "the first run ended before the second one tried"
    for refused in (second, summarised):
        assert refused.returncode == 2
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and f"in use by another lab command (process {first.pid} on " in lines[0], lines
    assert first.returncode == 0, first_err[-3000:]
    assert _lab("summarise", NAME, "--quick", "--out", str(tmp_path)).returncode == 0


def test_every_atomic_write_has_a_temporary_of_its_own_process(tmp_path, monkeypatch):
    from keras_classics.training import safe_io

    seen = []
    real_replace = os.replace

    def replace(source, target):
        seen.append(os.path.basename(source))
        return real_replace(source, target)

    monkeypatch.setattr(safe_io.os, "replace", replace)
    results.write_csv(str(tmp_path / "a-seed0.csv"), "a", 0, [])
    assert seen and all(f".{os.getpid()}." in name for name in seen), seen


def _forget(out, key):
    """run.json as it is when a process dies after writing a unit's metrics
    and before recording them (the disk full, or a kill)."""
    path = out / FOLDER / "run.json"
    record = json.loads(path.read_text())
    for table in ("units", "unit_seconds"):  # this lab's record, and the first lab's
        record.get(table, {}).pop(key, None)
    path.write_text(json.dumps(record))


def test_metrics_without_a_record_are_unfinished_for_both_commands(out):
    _forget(out, "fc/seed0")
    summarised = _lab("summarise", NAME, "--quick", "--out", str(out))
    assert summarised.returncode == 1 and "unfinished (fc/seed0)" in summarised.stderr
    rerun = _lab("run", NAME, "--quick", "--out", str(out))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _trained(rerun.stderr) == {"fc/seed0"}
    assert _lab("summarise", NAME, "--quick", "--out", str(out)).returncode == 0


def test_after_a_kill_both_commands_agree_on_what_is_left(tmp_path):
    first_csv = tmp_path / FOLDER / "metrics" / "gap-seed0.csv"
    run = subprocess.Popen(
        _command("run", NAME, "--quick", "--out", str(tmp_path)),
        env=_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while not first_csv.exists():
        assert run.poll() is None and time.monotonic() < deadline, "the run ended before its first metrics"
        time.sleep(0.01)
    run.send_signal(signal.SIGKILL)  # right after the first metrics file appears
    run.wait(timeout=60)
    summarised = _lab("summarise", NAME, "--quick", "--out", str(tmp_path))
    assert summarised.returncode == 1, summarised.stderr
    left = set(summarised.stderr.split("unfinished (")[1].split(")")[0].split(", "))
    rerun = _lab("run", NAME, "--quick", "--out", str(tmp_path))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _trained(rerun.stderr) == left
    record = json.loads((tmp_path / FOLDER / "run.json").read_text())
    for unit in record["units"].values():
        for name, checksum in unit["files"].items():
            assert _sha256(tmp_path / FOLDER / name) == checksum
    assert _lab("summarise", NAME, "--quick", "--out", str(tmp_path)).returncode == 0


def test_a_corrupt_run_json_is_named_and_fresh_recovers(out):
    folder = out / FOLDER
    record = folder / "run.json"
    record.write_text('{"experiment": "gap_vs_fc", "settings": {"data')
    (folder / "discussion.md").write_text("A reading a person wrote.\n")
    for command in (("run", NAME), ("summarise", NAME)):
        result = _lab(*command, "--quick", "--out", str(out))
        assert result.returncode == 2 and str(record) in result.stderr and "--fresh" in result.stderr
        _no_traceback(result)
    # --fresh with data that cannot load: refused before anything is discarded
    damaged = record.read_bytes()
    metrics = sorted(p.name for p in (folder / "metrics").iterdir())
    failed = _lab("run", NAME, "--quick", "--fresh", "--data", str(out / "no-such-folder"), "--out", str(out))
    assert failed.returncode == 2 and "no-such-folder" in failed.stderr
    assert record.read_bytes() == damaged and sorted(p.name for p in (folder / "metrics").iterdir()) == metrics
    recovered = _lab("run", NAME, "--quick", "--fresh", "--out", str(out))
    assert recovered.returncode == 0, recovered.stderr[-3000:]
    assert json.loads(record.read_text())["units"]
    assert (folder / "discussion.md").read_text() == "A reading a person wrote.\n"
    assert _lab("summarise", NAME, "--quick", "--out", str(out)).returncode == 0


def test_a_bad_metrics_csv_is_named_with_its_line(out):
    path = out / FOLDER / "metrics" / "fc-seed0.csv"
    lines = path.read_text().splitlines()
    # the x column gone from the header and every row
    path.write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 3) for line in lines) + "\n")
    result = _lab("summarise", NAME, "--quick", "--out", str(out))
    assert result.returncode == 2
    _no_traceback(result)
    assert f"{path} line 1: the header" in result.stderr
