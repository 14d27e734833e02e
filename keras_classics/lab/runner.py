"""Run any experiment: locked, resumable, one progress line, results on disk.

A run folder (``<out>/<experiment>``, or ``<experiment>-quick``) holds:

* ``metrics/<arm>-seed<k>.csv``: every number one arm measured from one
  seed, and ``metrics/<arm>-seed<k>.test.npz``: which test images it got
  right (`keras_classics.lab.results`);
* ``metrics/select/<arm>-lr<rate>-seed<k>.csv``: the runs that chose the
  arm's learning rate on the validation split, where the experiment
  declares a grid;
* ``run.json``: the settings, each session's command, dates, load average
  and machine, the library versions, and ``units``: for every finished arm
  and seed, its files' SHA-256 and the seconds it took. It is the one
  record of what is finished;
* ``summary.json``, ``table.md`` and one PNG per curve, written from the
  metrics once every arm and seed is done.

A unit (an arm and a seed, or a selection run) is finished when run.json
lists it and its files exist, match their checksums, read cleanly and hold
every epoch (`audit`). The metrics are written first and run.json second,
each atomically (`keras_classics.training.safe_io`), so a crash or a full
disk between the two leaves metrics without a record: that unit runs
again. `lab run` and `lab summarise` decide with the same `audit`.

One process at a time writes a folder: both commands hold its lock
(``.lock``), and a second one is refused, naming the holder. Ctrl-C stops
at once; the unit in progress is dropped and the next run resumes with it.
A folder whose settings differ from the new run's is refused rather than
mixed; ``--fresh`` starts it over, after everything that can fail has been
checked.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import json
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from typing import Dict, Iterator, List, Optional, TextIO, Tuple

import numpy as np

from keras_classics.lab import results
from keras_classics.lab.spec import EPOCH_QUANTITIES, Experiment, Measure

QUICK_EPOCHS = 2
QUICK_STEPS = 3
QUICK_TRAIN_IMAGES = 192
QUICK_VAL_IMAGES = 96
QUICK_TEST_IMAGES = 96
# run.json's layout. The first lab (format 1) kept no checksums.
RECORD_FORMAT = 2


class LabError(ValueError):
    """A run that cannot start as asked (told in one line)."""


def settings_of(experiment: Experiment, *, data: Optional[str], quick: bool) -> dict:
    """What must match for a folder's finished runs to be reused."""
    return {
        "data": data or "digits",
        "quick": quick,
        "arms": [
            {
                "name": a.name,
                "network": a.network,
                "options": repr(sorted(a.options.items())),
                "augment": a.augment,
                "aux_loss_weight": a.aux_loss_weight,
            }
            for a in experiment.arms
        ],
        "measures": [asdict(m) for m in experiment.measures],
        "input_size": experiment.input_size,
        "train_size": experiment.train_size,
        "epochs": experiment.epochs,
        "steps_per_epoch": experiment.steps_per_epoch,
        "batch_size": experiment.batch_size,
        "learning_rate": None if experiment.learning_rates else experiment.learning_rate,
        "learning_rates": list(experiment.learning_rates),
        "select_by": experiment.select_by if experiment.learning_rates else None,
        "selection_seeds": list(experiment.selection_seeds) if experiment.learning_rates else [],
        "momentum": experiment.momentum,
        "warmup_epochs": experiment.warmup_epochs,
        "early_stopping": asdict(experiment.early_stopping) if experiment.early_stopping else None,
        "error_threshold": experiment.error_threshold,
        "seeds": list(experiment.seeds),
    }


def quick_version(experiment: Experiment) -> Experiment:
    """One seed, two epochs of three steps, run eagerly on the first
    images of each split: checks the machinery, not the paper."""
    return replace(
        experiment,
        seeds=experiment.seeds[:1],
        selection_seeds=experiment.selection_seeds[:1],
        epochs=QUICK_EPOCHS,
        steps_per_epoch=QUICK_STEPS,
    )


def run_folder(out: str, experiment: Experiment, quick: bool) -> str:
    return os.path.join(out, experiment.name + ("-quick" if quick else ""))


# ------------------------------------------------------------------ units


@dataclass(frozen=True)
class Unit:
    """One training run: an arm and a seed, or (``learning_rate`` given) a
    selection run of the arm at one rate of the grid."""

    arm: str
    seed: int
    learning_rate: Optional[float] = None

    @property
    def selection(self) -> bool:
        return self.learning_rate is not None

    @property
    def key(self) -> str:
        if self.selection:
            return f"select/{self.arm}/lr{self.learning_rate:g}/seed{self.seed}"
        return f"{self.arm}/seed{self.seed}"

    @property
    def csv(self) -> str:
        """The metrics file, relative to the run folder."""
        if self.selection:
            return f"metrics/select/{self.arm}-lr{self.learning_rate:g}-seed{self.seed}.csv"
        return f"metrics/{self.arm}-seed{self.seed}.csv"

    @property
    def correct(self) -> Optional[str]:
        """The per-image record of the test images (main runs only)."""
        return None if self.selection else f"metrics/{self.arm}-seed{self.seed}.test.npz"

    @property
    def files(self) -> Tuple[str, ...]:
        return (self.csv,) if self.selection else (self.csv, self.correct)


def selection_units(experiment: Experiment, arm: str) -> List[Unit]:
    return [Unit(arm, seed, rate) for rate in experiment.learning_rates for seed in experiment.selection_seeds]


def main_units(experiment: Experiment, arm: str) -> List[Unit]:
    return [Unit(arm, seed) for seed in experiment.seeds]


def unit_path(folder: str, arm: str, seed: int) -> str:
    """The metrics CSV of one arm and seed."""
    return os.path.join(folder, Unit(arm, seed).csv)


# ------------------------------------------------------------------ the record


def read_record(path: str) -> Tuple[Optional[dict], Optional[str]]:
    """``(record, None)``, ``(None, None)`` where there is none, or
    ``(None, what is wrong with it)``, naming the file."""
    if not os.path.isfile(path):
        return None, None
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except UnicodeDecodeError:
        return None, f"{path} is not a text file"
    except json.JSONDecodeError as error:
        return None, f"{path} is not valid JSON ({error})"
    except OSError as error:
        return None, f"{path} cannot be read ({error.strerror or error})"
    if not isinstance(record, dict) or not isinstance(record.get("units", {}), dict):
        return None, f"{path} is not a lab run record"
    if record.get("format") != RECORD_FORMAT:
        return None, (
            f"{path} was written by an earlier lab (record format {record.get('format', 1)}, now "
            f"{RECORD_FORMAT}: it keeps no checksums of the metrics, so they cannot be checked)"
        )
    return record, None


def _write_json(path: str, payload: dict) -> None:
    from keras_classics.training.safe_io import write_json

    write_json(path, payload)


@contextlib.contextmanager
def locked(folder: str) -> Iterator[None]:
    """The experiment folder's lock (training's `RunFolderLock`), or
    `LabError` naming the process that holds it."""
    from keras_classics.training.safe_io import RunFolderInUse, RunFolderLock

    lock = RunFolderLock(
        folder,
        what="experiment folder",
        holder="another lab command",
        hint="wait for it to finish or stop it, or choose another --out",
    )
    try:
        lock.acquire()
    except RunFolderInUse as error:
        raise LabError(str(error)) from None
    try:
        yield
    finally:
        lock.release()


# ------------------------------------------------------------------ audit


def _sha256(path: str) -> str:
    from keras_classics.training.safe_io import file_sha256

    return file_sha256(path)


def _complete(unit: Unit, rows, experiment: Experiment, arm: str, seed: int, csv_path: str) -> Optional[str]:
    """What is missing from a unit's rows, or None."""
    if (arm, seed) != (unit.arm, unit.seed):
        return f"{csv_path} holds arm {arm} seed {seed}, not {unit.arm} seed {unit.seed}"
    trained = results.scalar(rows, "epochs_trained")
    if trained is None or not 1 <= trained <= experiment.epochs or trained != int(trained):
        return f"{csv_path} does not say how many epochs it trained (1 to {experiment.epochs})"
    stopped = experiment.early_stopping is not None or (
        experiment.stop_at_threshold and results.scalar(rows, "reached_threshold") == 1.0
    )
    if not stopped and trained != experiment.epochs:
        return f"{csv_path} trained {trained:g} of {experiment.epochs} epochs"
    wanted = set(EPOCH_QUANTITIES)
    present = {(r.x, r.quantity) for r in rows if r.kind == "epoch"}
    for epoch in range(1, int(trained) + 1):
        missing = sorted(q for q in wanted if (epoch, q) not in present)
        if missing:
            return f"{csv_path} has no {', '.join(missing)} for epoch {epoch} (rows for every epoch are needed)"
    if not unit.selection:
        for measure in experiment.measures:
            if measure.kind != "epoch" and not any(r.quantity == measure.quantity for r in rows):
                return f"{csv_path} has no {measure.quantity}"
    return None


def check_unit(folder: str, experiment: Experiment, record: dict, unit: Unit) -> Optional[str]:
    """Why a unit that run.json lists as finished is not, or None when it
    checks out: its files exist and read cleanly (a bad one is named with
    its line), match their checksums, hold every epoch, and its test-image
    record agrees with its test error."""
    entry = record["units"][unit.key]
    checksums = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(checksums, dict):
        return f"run.json's entry for {unit.key} is damaged"
    for name in unit.files:
        if not os.path.isfile(os.path.join(folder, name)):
            return f"{os.path.join(folder, name)} is missing"
    csv_path = os.path.join(folder, unit.csv)
    try:
        arm, seed, rows = results.read_csv(csv_path)
        correct = None if unit.correct is None else results.read_correct(os.path.join(folder, unit.correct))
    except results.MetricsError as error:
        return str(error)
    for name in unit.files:
        path = os.path.join(folder, name)
        if checksums.get(name) != _sha256(path):
            return (
                f"{path} does not match its checksum in run.json (changed, emptied or truncated since it was written)"
            )
    incomplete = _complete(unit, rows, experiment, arm, seed, csv_path)
    if incomplete:
        return incomplete
    if correct is not None:
        correct_path = os.path.join(folder, unit.correct)
        error = results.scalar(rows, "test_error")
        if results.scalar(rows, "test_images") != len(correct) or error is None:
            return f"{correct_path} holds {len(correct)} images, {csv_path} another number"
        if abs(error - float(np.mean(~correct))) > 1e-9:
            return f"{correct_path} gives a test error of {np.mean(~correct):.4f}, {csv_path} {error:.4f}"
    return None


@dataclass
class Audit:
    """What is finished in a folder: the finished units by key, the
    problems found (unit key -> why), and each arm's learning rate (chosen
    or declared; None while its selection is unfinished)."""

    finished: Dict[str, Unit]
    problems: Dict[str, str]
    rates: Dict[str, Optional[float]]
    selection: Dict[str, dict]

    def todo(self, units: List[Unit]) -> List[Unit]:
        return [u for u in units if u.key not in self.finished]


def audit(folder: str, experiment: Experiment, record: dict) -> Audit:
    """The one decision of what is finished, for `run` and `summarise`."""
    finished, problems, rates, selection = {}, {}, {}, {}

    def look(unit: Unit, expected_rate: Optional[float] = None) -> None:
        if unit.key not in record.get("units", {}):
            return
        problem = check_unit(folder, experiment, record, unit)
        if problem is None and expected_rate is not None:
            _, _, rows = results.read_csv(os.path.join(folder, unit.csv))
            rate = results.scalar(rows, "learning_rate")
            if rate is None or not math.isclose(rate, expected_rate):
                problem = f"{unit.csv} was trained at learning rate {rate}, the arm's rate is now {expected_rate:g}"
        if problem is None:
            finished[unit.key] = unit
        else:
            problems[unit.key] = problem

    for arm in experiment.arms:
        for unit in selection_units(experiment, arm.name):
            look(unit)
        if experiment.learning_rates:
            choice = choose_learning_rate(folder, experiment, arm.name, finished)
            rates[arm.name] = choice["chosen"] if choice else None
            if choice:
                selection[arm.name] = choice
        else:
            rates[arm.name] = experiment.learning_rate
        for unit in main_units(experiment, arm.name):
            if rates[arm.name] is not None:
                look(unit, rates[arm.name])
    return Audit(finished, problems, rates, selection)


def _selection_value(experiment: Experiment, rows) -> float:
    """A selection run's score (lower is better)."""
    if experiment.select_by == "epochs_to_threshold":
        reached = results.scalar(rows, "reached_threshold")
        return results.scalar(rows, "epochs_to_threshold") if reached else math.inf
    at = "best" if experiment.early_stopping else "last"
    return results.seed_value(rows, Measure("val_error", at=at))


def choose_learning_rate(folder: str, experiment: Experiment, arm: str, finished: Dict[str, Unit]) -> Optional[dict]:
    """The arm's rate from its finished selection runs (None until all
    are finished): the lowest mean ``select_by`` over the selection seeds,
    ties to the lower mean validation error, then to the earlier rate of
    the grid."""
    units = selection_units(experiment, arm)
    if any(u.key not in finished for u in units):
        return None
    grid = []
    for rate in experiment.learning_rates:
        scores, errors = [], []
        for unit in (u for u in units if u.learning_rate == rate):
            _, _, rows = results.read_csv(os.path.join(folder, unit.csv))
            scores.append(_selection_value(experiment, rows))
            errors.append(
                results.seed_value(rows, Measure("val_error", at="best" if experiment.early_stopping else "last"))
            )
        grid.append(
            {
                "learning_rate": rate,
                "scores": scores,
                "score": float(np.mean(scores)),
                "val_error": float(np.mean(errors)),
            }
        )
    best = min(grid, key=lambda g: (g["score"], g["val_error"]))
    for g in grid:  # JSON has no infinity: a threshold never reached is None
        g["scores"] = [None if math.isinf(s) else s for s in g["scores"]]
        g["score"] = None if math.isinf(g["score"]) else g["score"]
    return {"by": experiment.select_by, "grid": grid, "chosen": best["learning_rate"]}


def load_runs(folder: str, experiment: Experiment, finished: Dict[str, Unit]) -> Dict[Tuple[str, int], results.Run]:
    """The finished arm/seed runs of ``folder`` (main runs, not selection)."""
    runs = {}
    for unit in finished.values():
        if unit.selection:
            continue
        _, _, rows = results.read_csv(os.path.join(folder, unit.csv))
        runs[(unit.arm, unit.seed)] = results.Run(rows, results.read_correct(os.path.join(folder, unit.correct)))
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
    import scipy
    import sklearn
    import tensorflow

    from keras_classics import __version__

    found = {
        "python": platform.python_version(),
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
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
        self.what = ""

    def _line(self, epoch: int) -> str:
        elapsed = time.perf_counter() - self.started
        left = ""
        if self.done_epochs:
            remaining = elapsed / self.done_epochs * max(0, self.todo_epochs - self.done_epochs)
            left = f", at most about {_clock(remaining)} left"
        return (
            f"{self.experiment.name}: arm {self.arm} seed {self.seed}{self.what} epoch {epoch}/{self.experiment.epochs}"
            f" | {_clock(elapsed)} elapsed{left}"
        )

    def start_unit(self, unit: Unit) -> None:
        self.arm, self.seed = unit.arm, unit.seed
        self.what = f" (choosing the learning rate: {unit.learning_rate:g})" if unit.selection else ""
        if self.tty:
            self._show(self._line(0))

    def epoch(self, epoch: int) -> None:
        self.done_epochs += 1
        if self.tty:
            self._show(self._line(epoch))

    def end_unit(self, epochs: int) -> None:
        # An early-stopped unit leaves its remaining budget unspent.
        self.todo_epochs -= self.experiment.epochs - epochs
        if not self.tty:
            self.stream.write(self._line(epochs) + "\n")
            self.stream.flush()

    def note(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 100 + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()

    def _show(self, text: str) -> None:
        self.stream.write("\r" + text.ljust(100)[:160])
        self.stream.flush()

    finish = note


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s"


# ------------------------------------------------------------------ running


# The files a run writes into its folder, which --fresh may discard; a
# person's discussion.md and anything else there is left alone.
def _run_outputs(folder: str) -> List[str]:
    found = []
    for sub in ("metrics", os.path.join("metrics", "select")):
        path = os.path.join(folder, sub)
        if os.path.isdir(path):
            found += [
                os.path.join(path, name)
                for name in os.listdir(path)
                if name.endswith((".csv", ".npz")) or ".partial" in name
            ]
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        if name in ("summary.json", "table.md") or (name.endswith(".png") and not name.startswith(".")):
            found.append(os.path.join(folder, name))
    return found


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
    """Run (or resume) ``experiment``; returns its summary (a dict that a
    notebook shows as its verdict, table and figures:
    `keras_classics.display.results.LabSummary`).

    Raises `LabError` (one line) where it cannot start, and
    KeyboardInterrupt after saving what finished, on Ctrl-C.
    """
    from keras_classics.display.results import LabSummary

    if quick:
        experiment = quick_version(experiment)
    folder = run_folder(out, experiment, quick)
    os.makedirs(folder, exist_ok=True)
    with locked(folder):
        return LabSummary(_run_locked(experiment, folder, data, quick, fresh, command, stream), folder)


def _run_locked(experiment, folder, data, quick, fresh, command, stream) -> dict:
    from keras_classics.lab import data as lab_data

    session_start = time.perf_counter()
    settings = settings_of(experiment, data=data, quick=quick)
    record_path = os.path.join(folder, "run.json")
    record, problem = read_record(record_path)
    if problem and not fresh:
        raise LabError(
            f"{problem}; pass --fresh to start {experiment.name} over in {folder} (its finished runs are "
            "discarded), or --out for another folder"
        )
    if record is not None and not fresh:
        different = settings_problem(experiment, record, quick, data or "digits")
        if different:
            raise LabError(f"{folder} {different}; pass --fresh to start it over, or --out for another folder")

    # Everything that can fail before anything is discarded.
    loaded = lab_data.load(data, experiment.input_size).with_train_size(experiment.train_size)
    if quick:
        loaded = loaded.subset(QUICK_TRAIN_IMAGES, QUICK_VAL_IMAGES, QUICK_TEST_IMAGES)
    if fresh:
        for path in _run_outputs(folder):
            os.remove(path)
        record = None
    os.makedirs(os.path.join(folder, "metrics", "select"), exist_ok=True)
    if record is None:
        record = {
            "format": RECORD_FORMAT,
            "experiment": experiment.name,
            "settings": settings,
            "data": loaded.description(),
            "data_facts": loaded.facts,
            "seeds": list(experiment.seeds),
            "machine": machine(),
            "versions": versions(),
            "sessions": [],
            "units": {},
        }
    session = {"command": command, "started": _now(), "load_average_start": _load_average()}
    record["sessions"].append(session)
    record["versions"] = versions()

    state = audit(folder, experiment, record)
    for key, why in state.problems.items():
        stream.write(f"{experiment.name}: {why}; running {key} again\n")
        del record["units"][key]  # unfinished from now on, whatever happens next
    _write_json(record_path, record)

    todo = sum(
        len(state.todo(selection_units(experiment, a.name) + main_units(experiment, a.name))) for a in experiment.arms
    )
    progress = Progress(experiment, todo, stream)
    current = None
    step_cache: dict = {}
    try:
        for arm in experiment.arms:
            for unit in state.todo(selection_units(experiment, arm.name)):
                current = unit
                _train_unit(experiment, arm, unit, loaded, folder, record, record_path, progress, step_cache, quick)
            state = audit(folder, experiment, record)
            rate = state.rates[arm.name]
            if experiment.learning_rates:
                progress.note(
                    f"{experiment.name}: arm {arm.name} trains at learning rate {rate:g} (chosen on the validation split)"
                )
            for unit in state.todo(main_units(experiment, arm.name)):
                current = unit
                _train_unit(
                    experiment, arm, unit, loaded, folder, record, record_path, progress, step_cache, quick, rate
                )
        current = None
    except KeyboardInterrupt:
        session.update(finished=_now(), seconds=round(time.perf_counter() - session_start, 1), interrupted=True)
        _write_json(record_path, record)
        where = f"arm {current.arm} seed {current.seed}" if current else "the summary"
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
    headline = summary["checks"][summary["headline"]]
    progress.finish(
        f"{experiment.name}: {headline['statement']}: {summary['verdict']} ({_clock(record['wall_seconds'])}); "
        f"results in {folder}"
    )
    return summary


def _train_unit(experiment, arm, unit, loaded, folder, record, record_path, progress, cache, quick, rate=None):
    """Train one unit, write its files, then record it (in that order)."""
    from keras_classics.lab.train import train_arm

    progress.start_unit(unit)
    started = time.perf_counter()
    outcome = train_arm(
        experiment,
        arm,
        unit.seed,
        loaded,
        learning_rate=unit.learning_rate if unit.selection else rate,
        epochs=experiment.epochs,
        steps_per_epoch=experiment.steps_per_epoch,
        on_epoch=progress.epoch,
        cache=cache,
        # A quick run's six steps cost less eagerly than tracing the
        # step (a 56-layer network: 20 s of CPU against 37 s).
        eager=quick,
        measure_test=not unit.selection,
    )
    results.write_csv(os.path.join(folder, unit.csv), arm.name, unit.seed, outcome.rows)
    if unit.correct is not None:
        results.write_correct(os.path.join(folder, unit.correct), outcome.correct)
    record["units"][unit.key] = {
        "files": {name: _sha256(os.path.join(folder, name)) for name in unit.files},
        "seconds": round(time.perf_counter() - started, 2),
        "finished": _now(),
    }
    _write_json(record_path, record)
    progress.end_unit(int(results.scalar(outcome.rows, "epochs_trained")))


def settings_problem(experiment: Experiment, record: dict, quick: bool, data: Optional[str] = None) -> Optional[str]:
    """Why a folder's record is not a run of ``experiment`` as declared now
    (with ``data``: the record's own, by default), or None."""
    settings = record.get("settings") or {}
    wanted = settings_of(experiment, data=data or settings.get("data"), quick=quick)
    if record.get("experiment") != experiment.name or settings != wanted:
        return f"holds a run of {record.get('experiment')} with other settings ({_difference(settings, wanted)})"
    return None


def unfinished(experiment: Experiment, state: Audit) -> List[str]:
    """The units not finished, by key."""
    keys = []
    for arm in experiment.arms:
        keys += [u.key for u in state.todo(selection_units(experiment, arm.name))]
        if state.rates.get(arm.name) is None:
            keys.append(f"{arm.name}/* (after its learning rate is chosen)")
        else:
            keys += [u.key for u in state.todo(main_units(experiment, arm.name))]
    return keys


def write_outputs(experiment: Experiment, folder: str, record: dict) -> dict:
    """summary.json, table.md and the figures, from the metrics in ``folder``."""
    from keras_classics.lab.figures import draw_figures

    state = audit(folder, experiment, record)
    runs = load_runs(folder, experiment, state.finished)
    summary = results.summarise(experiment, runs, state.selection)
    summary["provenance"] = {
        key: record.get(key)
        for key in ("settings", "data", "data_facts", "seeds", "machine", "versions", "sessions", "wall_seconds")
    }
    summary["figures"] = draw_figures(summary, folder, settings=record.get("settings"))
    _write_json(os.path.join(folder, "summary.json"), summary)
    table = results.markdown_table(summary)

    def write(temporary):
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(table)

    from keras_classics.training.safe_io import atomic_write

    atomic_write(os.path.join(folder, "table.md"), write)
    return summary


def _difference(old: dict, new: dict) -> str:
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return "; ".join(f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in keys) or "unreadable record"
