"""Callbacks that make a run survive a kill and leave a record.

`ResumableBackup` extends Keras's ``BackupAndRestore`` with what it leaves
out, so that a run killed with SIGKILL and started again ends exactly where
an uninterrupted run ends:

- the other callbacks' counters (`PlateauDivider`'s wait, best and drops,
  ``ModelCheckpoint``'s best, the best epoch so far);
- the dropout layers' seed-generator states, which ``save_weights`` skips;
- the epoch to resume at, known *before* ``fit`` (`ResumableBackup.restore`),
  so the input pipeline can start at that epoch's shuffle.

The extra state is written, keyed by epoch, before Keras writes its own
files; Keras's ``training_metadata.json`` names the epoch that counts, so a
kill between the two writes loses nothing. ``double_checkpoint`` keeps the
previous weights if the latest file is torn.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from typing import Dict, Iterable, List, Optional, Sequence

import keras
import numpy as np

__all__ = [
    "DivergedError",
    "NanGuard",
    "PlateauDivider",
    "BestEpoch",
    "EpochTimer",
    "ResumableBackup",
    "ScalarTensorBoard",
    "tensorboard_callback",
    "truncate_csv",
    "plot_curves",
]

EXTRA_STATE = "extra_state.json"


class DivergedError(RuntimeError):
    """The loss became NaN or infinite."""


class NanGuard(keras.callbacks.Callback):
    """Stop at the first non-finite loss, with a message that says what to do.

    It raises rather than setting ``stop_training``: the epoch-end callbacks
    then never run, so no NaN weights reach the backup or a checkpoint, and
    a restart resumes from the last good epoch.
    """

    def __init__(self, learning_rate_hint: Optional[float] = None):
        super().__init__()
        self.hint = learning_rate_hint
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if not math.isfinite(loss):
            lower = f" (it was {self.hint:g})" if self.hint else ""
            raise DivergedError(
                f"the training loss became {loss} at epoch {self._epoch + 1}, batch {batch + 1}; "
                f"training stopped. Lower the learning rate with --lr{lower}, or check the data "
                "and the preprocessing. The last good epoch is in the run folder's backup."
            )


class PlateauDivider(keras.callbacks.Callback):
    """Divide the learning rate when ``monitor`` stops improving.

    The papers' schedule (AlexNet Sec. 5, VGG Sec. 3.1, ResNet Sec. 3.4):
    multiply by ``factor`` (0.1) after ``patience`` epochs without a new
    lowest validation loss, at most ``max_drops`` times (three in AlexNet and
    VGG). Unlike Keras's ``ReduceLROnPlateau`` it counts its drops rather
    than comparing float32 rates with a floor, and its whole state (best,
    wait, drops) is plain attributes that `ResumableBackup` saves.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 5,
                 max_drops: int = 3, min_delta: float = 1e-4, verbose: int = 0):
        super().__init__()
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.max_drops = max_drops
        self.min_delta = min_delta
        self.verbose = verbose
        self.best = None
        self.wait = 0
        self.drops = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        # The rate this epoch trained with, for the CSV and TensorBoard.
        logs["learning_rate"] = rate
        current = logs.get(self.monitor)
        if current is None or not math.isfinite(float(current)):
            return
        current = float(current)
        if self.best is None or current < self.best - self.min_delta:
            self.best, self.wait = current, 0
            return
        self.wait += 1
        if self.wait >= self.patience and self.drops < self.max_drops:
            optimizer.learning_rate = rate * self.factor
            self.drops += 1
            self.wait = 0
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} has not improved for {self.patience} "
                      f"epochs; learning rate {rate:.4g} -> {rate * self.factor:.4g} "
                      f"(drop {self.drops} of {self.max_drops})", flush=True)


class BestEpoch(keras.callbacks.Callback):
    """Remembers the epoch with the lowest ``monitor`` value."""

    def __init__(self, monitor: str = "val_loss"):
        super().__init__()
        self.monitor = monitor
        self.best = None
        self.best_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            return
        value = float(value)
        if math.isfinite(value) and (self.best is None or value < self.best):
            self.best, self.best_epoch = value, epoch


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch, for the images/s in the run record."""

    def __init__(self):
        super().__init__()
        self.durations: List[float] = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self._start is not None:
            self.durations.append(time.perf_counter() - self._start)


def _seed_generators(model) -> List:
    generators = []
    for layer in model._flatten_layers(include_self=False, recursive=True):
        generators.extend(getattr(layer, "_seed_generators", ()))
    return generators


def _jsonable(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _from_json(value):
    if value in ("inf", "-inf", "nan"):
        return float(value)
    return value


class ResumableBackup(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` that also restores callbacks and dropout RNGs.

    Args:
        backup_dir: where the backup lives (inside the run folder).
        stateful: ``{name: (callback, [attribute, ...])}``: the callback
            attributes to save with every backup and restore on resume.
            Put this callback last in the list so it saves what the others
            updated at the same epoch end.
    """

    def __init__(self, backup_dir, stateful: Dict[str, tuple]):
        super().__init__(backup_dir, save_freq="epoch", double_checkpoint=True,
                         delete_checkpoint=False)
        self.stateful = stateful
        self._extra_path = os.path.join(backup_dir, EXTRA_STATE)
        self._restored_epoch: Optional[int] = None
        self._pending: Optional[dict] = None

    # -- restoring ---------------------------------------------------------
    def restore(self, model) -> int:
        """Load the backup into ``model`` before ``fit``; the epoch to start at."""
        self.set_model(model)
        model._initial_epoch = None
        super().on_train_begin()
        epoch = int(model._initial_epoch or 0)
        self._restored_epoch = epoch
        if epoch:
            state = self._read_extra().get(str(epoch))
            if state is None:
                raise RuntimeError(
                    f"backup in {self.backup_dir!r} is at epoch {epoch} but has no saved callback "
                    "state for it; start afresh with --overwrite"
                )
            self._pending = state
            for generator, value in zip(_seed_generators(model), state.get("seed_generators", [])):
                generator.state.assign(np.asarray(value, dtype=generator.state.dtype))
        return epoch

    def on_train_begin(self, logs=None):
        if self._restored_epoch is None:
            self.restore(self.model)
        # The other callbacks reset themselves in their own on_train_begin,
        # which ran before this one: now put their saved counters back.
        if self._pending:
            for name, values in self._pending.get("callbacks", {}).items():
                if name in self.stateful:
                    callback, _ = self.stateful[name]
                    for attribute, value in values.items():
                        setattr(callback, attribute, _from_json(value))
        self._pending = None

    # -- saving --------------------------------------------------------------
    def _save_model(self):
        epoch = self._current_epoch
        state = {
            "callbacks": {
                name: {a: _jsonable(getattr(cb, a, None)) for a in attributes}
                for name, (cb, attributes) in self.stateful.items()
            },
            "seed_generators": [
                np.asarray(keras.ops.convert_to_numpy(g.state)).tolist()
                for g in _seed_generators(self.model)
            ],
        }
        saved = self._read_extra()
        saved[str(epoch)] = state
        # Keep this epoch and the one before: Keras may fall back to it.
        keep = sorted(saved, key=int)[-2:]
        self._write_extra({k: saved[k] for k in keep})
        super()._save_model()

    def _read_extra(self) -> dict:
        try:
            with open(self._extra_path) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def _write_extra(self, values: dict) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        temporary = self._extra_path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump(values, handle)
        os.replace(temporary, self._extra_path)


class ScalarTensorBoard(keras.callbacks.Callback):
    """Epoch scalars as TensorBoard event files, without the tensorboard
    package (Keras's ``TensorBoard`` callback needs it for
    ``tf.summary.scalar``). Writes ``train/`` and ``validation/`` runs with
    ``epoch_<metric>`` tags, as Keras's callback does."""

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self._writers = {}

    def _writer(self, name):
        import tensorflow as tf

        if name not in self._writers:
            self._writers[name] = tf.summary.create_file_writer(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_epoch_end(self, epoch, logs=None):
        import tensorflow as tf
        from tensorflow.compat.v1 import SummaryMetadata

        metadata = SummaryMetadata()
        metadata.plugin_data.plugin_name = "scalars"
        for key, value in (logs or {}).items():
            run, tag = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            with self._writer(run).as_default():
                tf.summary.write(
                    tag=f"epoch_{tag}", tensor=tf.constant(float(value), tf.float32),
                    step=epoch, metadata=metadata,
                )
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def tensorboard_callback(log_dir):
    """Keras's ``TensorBoard`` when the tensorboard package is installed,
    else `ScalarTensorBoard`."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return ScalarTensorBoard(log_dir)
    return keras.callbacks.TensorBoard(log_dir=os.fspath(log_dir))


def truncate_csv(path, first_epoch: int) -> None:
    """Keep only the rows of epochs before ``first_epoch`` (a resumed run
    rewrites the epochs after its last backup)."""
    if not os.path.exists(path):
        return
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return
    header, body = rows[0], rows[1:]
    kept = [row for row in body if row and int(row[0]) < first_epoch]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(kept)


def read_csv(path) -> Dict[str, List[float]]:
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns: Dict[str, List[float]] = {}
    for row in rows:
        for key, value in row.items():
            try:
                columns.setdefault(key, []).append(float(value))
            except (TypeError, ValueError):
                columns.setdefault(key, []).append(float("nan"))
    return columns


def plot_curves(csv_path, png_path, title: str = "") -> bool:
    """Loss, accuracy and learning rate per epoch, from the metrics CSV.

    Returns False (and draws nothing) when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    columns = read_csv(csv_path)
    if not columns.get("epoch"):
        return False
    epochs = [e + 1 for e in columns["epoch"]]
    panels: List[Sequence[str]] = [("loss", "val_loss")]
    accuracy = [k for k in columns if k.endswith("accuracy") and not k.startswith("val_")]
    if accuracy:
        panels.append(tuple(accuracy[:1]) + tuple("val_" + k for k in accuracy[:1]))
    if "learning_rate" in columns:
        panels.append(("learning_rate",))
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4))
    axes = np.atleast_1d(axes)
    for axis, keys in zip(axes, panels):
        for key in keys:
            if key in columns:
                axis.plot(epochs, columns[key], marker=".", label=key)
        axis.set_xlabel("epoch")
        axis.set_title(keys[0])
        if keys == ("learning_rate",):
            axis.set_yscale("log")
        axis.legend()
        axis.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(png_path, dpi=100)
    plt.close(figure)
    return True


def stateful_attributes(named: Iterable[tuple]) -> Dict[str, tuple]:
    """``{name: (callback, attributes)}`` for the callbacks that have state."""
    known = {
        PlateauDivider: ["best", "wait", "drops"],
        keras.callbacks.ReduceLROnPlateau: ["best", "wait", "cooldown_counter"],
        keras.callbacks.ModelCheckpoint: ["best"],
        BestEpoch: ["best", "best_epoch"],
    }
    out = {}
    for name, callback in named:
        for kind, attributes in known.items():
            if isinstance(callback, kind):
                out[name] = (callback, attributes)
    return out
