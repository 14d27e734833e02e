"""Run any experiment: resumable, one progress line, results on disk.

A run folder (``<out>/<experiment>``, or ``<experiment>-quick``) holds:

* ``metrics/<arm>-seed<k>.csv``: every number one arm measured from one
  seed, written when that arm and seed finish (atomically);
* ``run.json``: the settings, each session's command, dates, load average
  and machine, the library versions, the seconds each arm and seed took;
* ``summary.json``, ``table.md`` and one PNG per curve, written from the
  CSVs once every arm and seed is done.

Ctrl-C stops at once; the arm and seed in progress are dropped and the
next ``run`` resumes with them. A folder whose settings differ from the
new run's (other data, epochs or seeds) is refused rather than mixed.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import replace
from typing import Dict, List, Optional, TextIO, Tuple

from keras_classics.lab import results
from keras_classics.lab.spec import Experiment, Row

QUICK_EPOCHS = 2
QUICK_STEPS = 3
QUICK_TRAIN_IMAGES = 192
QUICK_VAL_IMAGES = 96


class LabError(ValueError):
    """A run that cannot start as asked (told in one line)."""


def settings_of(experiment: Experiment, *, data: Optional[str], quick: bool) -> dict:
    """What must match for a folder's finished runs to be reused."""
    return {
        "data": data or "digits",
        "quick": quick,
        "epochs": experiment.epochs,
        "steps_per_epoch": experiment.steps_per_epoch,
        "batch_size": experiment.batch_size,
        "learning_rate": experiment.learning_rate,
        "seeds": list(experiment.seeds),
        "arms": [arm.name for arm in experiment.arms],
        "input_size": experiment.input_size,
    }


def quick_version(experiment: Experiment) -> Experiment:
    """One seed, two epochs of three steps, run eagerly: checks the
    machinery, not the paper."""
    return replace(experiment, seeds=experiment.seeds[:1], epochs=QUICK_EPOCHS, steps_per_epoch=QUICK_STEPS)


def run_folder(out: str, experiment: Experiment, quick: bool) -> str:
    return os.path.join(out, experiment.name + ("-quick" if quick else ""))


def unit_path(folder: str, arm: str, seed: int) -> str:
    return os.path.join(folder, "metrics", f"{arm}-seed{seed}.csv")


def load_runs(folder: str, experiment: Experiment) -> Dict[Tuple[str, int], List[Row]]:
    """The finished arm/seed runs in ``folder``, from their CSVs."""
    runs = {}
    for arm in experiment.arms:
        for seed in experiment.seeds:
            path = unit_path(folder, arm.name, seed)
            if os.path.isfile(path):
                _, _, rows = results.read_csv(path)
                runs[(arm.name, seed)] = rows
    return runs


# ------------------------------------------------------------------ provenance


@functools.lru_cache(maxsize=None)
def _versions() -> tuple:
    # Read once per process: the code that runs is the code imported at
    # its start, whatever is committed while it runs.
    return tuple(_read_versions().items())


def versions() -> dict:
    return dict(_versions())


def _read_versions() -> dict:
    import keras
    import numpy
    import sklearn
    import tensorflow

    from keras_classics import __version__

    found = {
        "python": platform.python_version(),
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "keras_classics": __version__,
    }
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "keras_classics"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        if commit.returncode == 0:
            found["git_commit"] = commit.stdout.strip() + (" (package modified)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return found


def machine() -> dict:
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": model, "cpu_count": os.cpu_count()}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _load_average() -> Optional[List[float]]:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _write_json(path: str, payload: dict) -> None:
    temporary = path + ".partial"
    with open(temporary, "w") as handle:
        json.dump(payload, handle, indent=1, sort_keys=False)
        handle.write("\n")
    os.replace(temporary, path)


# ------------------------------------------------------------------ progress


class Progress:
    """The whole experiment on one line: arm, seed, epoch, elapsed, left."""

    def __init__(self, experiment: Experiment, todo: int, stream: TextIO):
        self.experiment = experiment
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.todo_epochs = todo * experiment.epochs
        self.done_epochs = 0
        self.started = time.perf_counter()
        self.arm = ""
        self.seed = 0

    def _line(self, epoch: int) -> str:
        elapsed = time.perf_counter() - self.started
        left = ""
        if self.done_epochs:
            remaining = elapsed / self.done_epochs * (self.todo_epochs - self.done_epochs)
            left = f", about {_clock(remaining)} left"
        return (
            f"{self.experiment.name}: arm {self.arm} seed {self.seed} epoch {epoch}/{self.experiment.epochs}"
            f" | {_clock(elapsed)} elapsed{left}"
        )

    def start_unit(self, arm: str, seed: int) -> None:
        self.arm, self.seed = arm, seed
        if self.tty:
            self._show(self._line(0))

    def epoch(self, epoch: int) -> None:
        self.done_epochs += 1
        if self.tty:
            self._show(self._line(epoch))

    def end_unit(self) -> None:
        if not self.tty:
            self.stream.write(self._line(self.experiment.epochs) + "\n")
            self.stream.flush()

    def _show(self, text: str) -> None:
        self.stream.write("\r" + text.ljust(100)[:160])
        self.stream.flush()

    def finish(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 100 + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s"


# ------------------------------------------------------------------ running


def run_experiment(
    experiment: Experiment,
    *,
    out: str,
    data: Optional[str] = None,
    quick: bool = False,
    fresh: bool = False,
    command: str = "",
    stream: TextIO = sys.stderr,
) -> dict:
    """Run (or resume) ``experiment``; returns its summary.

    Raises KeyboardInterrupt after saving what finished, on Ctrl-C.
    """
    from keras_classics.lab import data as lab_data
    from keras_classics.lab.train import train_arm

    session_start = time.perf_counter()
    if quick:
        experiment = quick_version(experiment)
    folder = run_folder(out, experiment, quick)
    settings = settings_of(experiment, data=data, quick=quick)
    record_path = os.path.join(folder, "run.json")
    record = None
    if os.path.isfile(record_path):
        with open(record_path) as handle:
            record = json.load(handle)
        if record.get("settings") != settings and not fresh:
            raise LabError(
                f"{folder} holds a run of {experiment.name} with other settings "
                f"({_difference(record.get('settings', {}), settings)}); pass --fresh to start it over, "
                "or --out for another folder"
            )
    if fresh and os.path.isdir(folder):
        for name in ("metrics",):
            path = os.path.join(folder, name)
            if os.path.isdir(path):
                for entry in os.listdir(path):
                    os.remove(os.path.join(path, entry))
        record = None
    os.makedirs(os.path.join(folder, "metrics"), exist_ok=True)

    loaded = lab_data.load(data, experiment.input_size)
    if quick:
        loaded = loaded.subset(QUICK_TRAIN_IMAGES, QUICK_VAL_IMAGES)
    if record is None:
        record = {
            "experiment": experiment.name,
            "settings": settings,
            "data": loaded.description,
            "seeds": list(experiment.seeds),
            "machine": machine(),
            "versions": versions(),
            "sessions": [],
            "unit_seconds": {},
        }
    session = {"command": command, "started": _now(), "load_average_start": _load_average()}
    record["sessions"].append(session)
    record["versions"] = versions()
    _write_json(record_path, record)

    todo = [
        (arm, seed)
        for arm in experiment.arms
        for seed in experiment.seeds
        if not os.path.isfile(unit_path(folder, arm.name, seed))
    ]
    progress = Progress(experiment, len(todo), stream)
    current = None
    step_cache: dict = {}
    try:
        for arm, seed in todo:
            current = (arm.name, seed)
            progress.start_unit(arm.name, seed)
            started = time.perf_counter()
            rows = train_arm(
                experiment,
                arm,
                seed,
                loaded,
                epochs=experiment.epochs,
                steps_per_epoch=experiment.steps_per_epoch,
                on_epoch=progress.epoch,
                cache=step_cache,
                # A quick run's six steps cost less eagerly than tracing the
                # step (a 56-layer network: 20 s of CPU against 37 s).
                eager=quick,
            )
            results.write_csv(unit_path(folder, arm.name, seed), arm.name, seed, rows)
            record["unit_seconds"][f"{arm.name}/seed{seed}"] = round(time.perf_counter() - started, 2)
            _write_json(record_path, record)
            progress.end_unit()
        current = None
    except KeyboardInterrupt:
        session.update(finished=_now(), seconds=round(time.perf_counter() - session_start, 1), interrupted=True)
        _write_json(record_path, record)
        where = f"arm {current[0]} seed {current[1]}" if current else "the summary"
        progress.finish(
            f"{experiment.name}: stopped; finished runs are saved in {folder}. Run the same command again "
            f"to resume at {where}."
        )
        raise
    session.update(
        finished=_now(),
        seconds=round(time.perf_counter() - session_start, 1),
        load_average_end=_load_average(),
    )
    record["wall_seconds"] = round(sum(s.get("seconds", 0) for s in record["sessions"]), 1)
    _write_json(record_path, record)
    summary = write_outputs(experiment, folder, record)
    progress.finish(f"{experiment.name}: {summary['verdict']} ({_clock(record['wall_seconds'])}); results in {folder}")
    return summary


def write_outputs(experiment: Experiment, folder: str, record: dict) -> dict:
    """summary.json, table.md and the figures, from the CSVs in ``folder``."""
    runs = load_runs(folder, experiment)
    summary = results.summarise(experiment, runs)
    summary["provenance"] = {
        key: record.get(key) for key in ("settings", "data", "seeds", "machine", "versions", "sessions", "wall_seconds")
    }
    summary["figures"] = results.figure_names(summary)
    _write_json(os.path.join(folder, "summary.json"), summary)
    with open(os.path.join(folder, "table.md"), "w") as handle:
        handle.write(results.markdown_table(summary))
    results.draw_figures(summary, folder)
    return summary


def _difference(old: dict, new: dict) -> str:
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return "; ".join(f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in keys) or "unreadable record"
