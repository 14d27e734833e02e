"""Callbacks that make a run survive a kill and leave a record.

`ResumableBackup` replaces Keras's ``BackupAndRestore`` so that a run
killed at any moment (SIGKILL, Ctrl-C, a full disk) and started again ends
exactly where an uninterrupted run ends. Per epoch it saves, atomically:

- the weights and the optimizer state, with their checksum;
- the other callbacks' counters (`PlateauDivider`'s wait, best and drops,
  the best checkpoint's best, the best epoch so far, the epoch timings);
- the dropout layers' seed-generator states, which ``save_weights`` skips.

The epoch to resume at is known *before* ``fit`` (`ResumableBackup.restore`),
so the input pipeline can start at that epoch's shuffle. `BestCheckpoint`
is ``ModelCheckpoint(save_best_only=True)`` with an atomic save.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import sys
import threading
import time
from typing import Dict, Iterable, List, Optional, Sequence

import keras
import numpy as np

from keras_classics.training import spelling
from keras_classics.training.safe_io import atomic_write, file_sha256, signals_deferred, write_json

__all__ = [
    "DivergedError",
    "NanGuard",
    "InterruptWatch",
    "PlateauDivider",
    "BestEpoch",
    "EpochTimer",
    "ResumableBackup",
    "BackupDamaged",
    "BestCheckpoint",
    "save_model",
    "ScalarTensorBoard",
    "tensorboard_callback",
    "tensorboard_callbacks",
    "ScaleLosses",
    "scale_losses",
    "truncate_csv",
    "plot_curves",
    "curves_figure",
]


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
            # A tenth of the rate that diverged, spelt as the caller sets it.
            lower = (
                f" (it was {self.hint:g}), e.g. {spelling.setting('learning_rate', float(f'{self.hint / 10:g}'))}"
                if self.hint
                else f" with {spelling.setting('learning_rate')}"
            )
            raise DivergedError(
                f"the training loss became {loss} at epoch {self._epoch + 1}, batch {batch + 1}; "
                f"training stopped. Lower the learning rate{lower}, or check the data "
                "and the preprocessing. The last good epoch is in the run folder's backup."
            )


class InterruptWatch(keras.callbacks.Callback):
    """Ctrl-C stops ``fit`` even where a library swallows the KeyboardInterrupt.

    Python raises KeyboardInterrupt wherever the main thread happens to be
    when SIGINT arrives. On the JAX backend that is often inside NumPy's
    conversion of a JAX array for the batch logs, which catches the
    exception and goes on: four Ctrl-C out of five were lost in one
    measurement, and the run trained to the end. While the block runs, this
    remembers every SIGINT (then lets the handler before it raise as usual)
    and raises KeyboardInterrupt again at the next batch or epoch end.

    Use it as a context around ``fit`` and pass it among the callbacks. Only
    the main thread can set handlers, and a SIGINT that is ignored or
    handled outside Python stays as it was.
    """

    def __init__(self):
        super().__init__()
        self.received = False
        self._previous = None

    def __enter__(self) -> "InterruptWatch":
        if threading.current_thread() is threading.main_thread():
            handler = signal.getsignal(signal.SIGINT)
            if callable(handler):
                self._previous = handler
                signal.signal(signal.SIGINT, self._remember)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _remember(self, signum, frame):
        self.received = True
        self._previous(signum, frame)

    def _check(self, *args, **kwargs):
        if self.received:
            raise KeyboardInterrupt

    on_train_batch_end = on_test_batch_end = on_epoch_end = _check


class PlateauDivider(keras.callbacks.Callback):
    """Divide the learning rate when ``monitor`` stops improving.

    The papers' schedule (AlexNet Sec. 5, VGG Sec. 3.1, ResNet Sec. 3.4):
    multiply by ``factor`` (0.1) after ``patience`` epochs without a new
    lowest validation loss, at most ``max_drops`` times (three in AlexNet and
    VGG). Unlike Keras's ``ReduceLROnPlateau`` it counts its drops rather
    than comparing float32 rates with a floor, and its whole state (best,
    wait, drops) is plain attributes that `ResumableBackup` saves.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 5,
        max_drops: int = 3,
        min_delta: float = 1e-4,
        verbose: int = 0,
    ):
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
                print(
                    f"Epoch {epoch + 1}: {self.monitor} has not improved for {self.patience} "
                    f"epochs; learning rate {rate:.4g} -> {rate * self.factor:.4g} "
                    f"(drop {self.drops} of {self.max_drops})",
                    flush=True,
                )


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


class BackupDamaged(ValueError):
    """No epoch of a run's backup could be read back whole."""


class ResumableBackup(keras.callbacks.Callback):
    """A per-epoch backup that a kill, a Ctrl-C or a full disk cannot tear.

    Keras's ``BackupAndRestore`` rewrites its weights file in place and
    falls back to its ``.bkp`` copy only when loading raises ``OSError``; a
    half-written file that still opens is loaded as it is, and an empty
    ``training_metadata.json`` stops the restart. This backup instead keeps
    one pair of files per epoch in ``backup_dir``::

        epoch-0003.weights.h5   weights and optimizer state after 3 epochs
        epoch-0003.json         their SHA-256, the optimizer's step count,
                                the callbacks' counters, the dropout RNGs

    Each file is written elsewhere and renamed into place, the weights
    first, and with Ctrl-C and SIGTERM held back until both are in place:
    the JSON file is the commit, so an epoch counts only once both exist.
    On restart, `restore` takes the newest epoch whose weights match their
    checksum and whose optimizer step count was read back, and falls back
    to the epoch before otherwise (the two newest epochs are kept).
    ``training_metadata.json`` names the newest epoch, for people.

    Args:
        backup_dir: where the backup lives (inside the run folder).
        stateful: ``{name: (callback, [attribute, ...])}``: the callback
            attributes to save with every backup and restore on resume.
            Put this callback last in the list so it saves what the others
            updated at the same epoch end.
        keep: how many committed epochs to keep.
    """

    def __init__(self, backup_dir, stateful: Dict[str, tuple], keep: int = 2):
        super().__init__()
        self.backup_dir = os.fspath(backup_dir)
        self.stateful = stateful
        self.keep = max(2, int(keep))
        self.restored_epoch: Optional[int] = None
        self.fell_back_from: Optional[int] = None
        self._pending: Optional[dict] = None

    # -- files -----------------------------------------------------------------
    def _weights_path(self, epoch: int) -> str:
        return os.path.join(self.backup_dir, f"epoch-{epoch:04d}.weights.h5")

    def _record_path(self, epoch: int) -> str:
        return os.path.join(self.backup_dir, f"epoch-{epoch:04d}.json")

    def committed_epochs(self) -> List[int]:
        """Epochs with a record file, newest first."""
        if not os.path.isdir(self.backup_dir):
            return []
        epochs = []
        for name in os.listdir(self.backup_dir):
            stem = name[len("epoch-") : -len(".json")] if name.startswith("epoch-") and name.endswith(".json") else ""
            if stem.isdigit():
                epochs.append(int(stem))
        return sorted(epochs, reverse=True)

    # -- restoring ---------------------------------------------------------
    def restore(self, model) -> int:
        """Load the newest good epoch into ``model`` before ``fit``; the
        number of epochs it had finished (0: nothing to resume)."""
        self.set_model(model)
        problems, failed = [], []
        for epoch in self.committed_epochs():
            why = self._try_restore(model, epoch)
            if why is None:
                self.restored_epoch = epoch
                if problems:
                    self.fell_back_from = failed[0]
                    print(
                        f"keras-classics train: {'; '.join(problems)}; resuming from the backup of "
                        f"epoch {epoch} instead",
                        file=sys.stderr,
                        flush=True,
                    )
                return epoch
            problems.append(f"the backup of epoch {epoch} is unusable: {why}")
            failed.append(epoch)
        if problems:
            raise BackupDamaged(
                f"no epoch in {self.backup_dir!r} can be resumed ({'; '.join(problems)}); start afresh with "
                f"{spelling.setting('overwrite')}"
            )
        if os.path.exists(os.path.join(self.backup_dir, "latest.weights.h5")):
            raise BackupDamaged(
                f"{self.backup_dir!r} holds a backup in Keras's BackupAndRestore format, which has no "
                f"checksum to verify it; start afresh with {spelling.setting('overwrite')}"
            )
        self.restored_epoch = 0
        return 0

    def _try_restore(self, model, epoch: int) -> Optional[str]:
        try:
            with open(self._record_path(epoch)) as handle:
                record = json.load(handle)
        except (OSError, ValueError) as error:
            return f"its record cannot be read ({error})"
        weights = self._weights_path(epoch)
        if not os.path.exists(weights):
            return "its weights file is missing"
        if file_sha256(weights) != record.get("sha256"):
            return "its weights file does not match its checksum (torn or changed)"
        optimizer = model.optimizer
        if optimizer is not None and not optimizer.built:
            # The optimizer's variables must exist to receive their values.
            optimizer.build(model.trainable_variables)
        try:
            model.load_weights(weights)
        except Exception as error:  # noqa: BLE001 - any failure means: try the epoch before
            return f"its weights do not load ({type(error).__name__}: {error})"
        if optimizer is not None:
            steps = int(keras.ops.convert_to_numpy(optimizer.iterations))
            if steps != record.get("optimizer_iterations"):
                return (
                    f"the optimizer state read back is at step {steps}, the backup's at "
                    f"{record.get('optimizer_iterations')}"
                )
        for generator, value in zip(_seed_generators(model), record.get("seed_generators", [])):
            generator.state.assign(np.asarray(value, dtype=generator.state.dtype))
        self._pending = record
        return None

    def apply_restored_state(self) -> None:
        """Put the other callbacks' saved counters back (``fit`` does this
        through `on_train_begin`; a run with no epoch left calls it itself)."""
        if self._pending:
            for name, values in self._pending.get("callbacks", {}).items():
                if name in self.stateful:
                    callback, _ = self.stateful[name]
                    for attribute, value in values.items():
                        setattr(callback, attribute, _from_json(value))
        self._pending = None

    def on_train_begin(self, logs=None):
        if self.restored_epoch is None:
            self.restore(self.model)
        # The other callbacks reset themselves in their own on_train_begin,
        # which ran before this one: now put their saved counters back.
        self.apply_restored_state()

    # -- saving --------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        self.save(epoch + 1)

    def save(self, epoch: int) -> None:
        """Commit the backup of ``epoch`` finished epochs."""
        os.makedirs(self.backup_dir, exist_ok=True)
        model = self.model
        optimizer = model.optimizer
        record = {
            "epoch": epoch,
            "weights": os.path.basename(self._weights_path(epoch)),
            "sha256": None,
            "optimizer_iterations": None
            if optimizer is None
            else int(keras.ops.convert_to_numpy(optimizer.iterations)),
            "callbacks": {
                name: {a: _jsonable(getattr(cb, a, None)) for a in attributes}
                for name, (cb, attributes) in self.stateful.items()
            },
            "seed_generators": [
                np.asarray(keras.ops.convert_to_numpy(g.state)).tolist() for g in _seed_generators(model)
            ],
        }
        with signals_deferred():
            weights = self._weights_path(epoch)
            atomic_write(weights, lambda path: model.save_weights(path), suffix=".weights.h5")
            record["sha256"] = file_sha256(weights)
            write_json(self._record_path(epoch), record)
            write_json(
                os.path.join(self.backup_dir, "training_metadata.json"), {"epoch": epoch, "weights": record["weights"]}
            )
            self._prune(epoch)

    def _prune(self, newest: int) -> None:
        kept = [e for e in self.committed_epochs() if e <= newest][: self.keep]
        for name in os.listdir(self.backup_dir):
            if not name.startswith("epoch-"):
                continue
            stem = name[len("epoch-") :].split(".")[0]
            if stem.isdigit() and int(stem) not in kept and int(stem) <= newest:
                try:
                    os.remove(os.path.join(self.backup_dir, name))
                except OSError:
                    pass


class BestCheckpoint(keras.callbacks.Callback):
    """Save the model whenever ``monitor`` reaches a new low, atomically.

    Keras's ``ModelCheckpoint`` writes in place, so a kill during the save
    leaves a torn ``best.keras``; this one writes elsewhere and renames.
    """

    def __init__(self, path, monitor: str = "val_loss"):
        super().__init__()
        self.path = os.fspath(path)
        self.monitor = monitor
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(float(value)):
            return
        if self.best is None or float(value) < self.best:
            self.best = float(value)
            save_model(self.model, self.path)


def save_model(model, path) -> None:
    """``model.save(path)``, atomically (see `safe_io.atomic_write`)."""
    atomic_write(path, lambda temporary: model.save(temporary), suffix=".keras")


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
                    tag=f"epoch_{tag}",
                    tensor=tf.constant(float(value), tf.float32),
                    step=epoch,
                    metadata=metadata,
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


def tensorboard_callbacks(log_dir) -> List[keras.callbacks.Callback]:
    """[`tensorboard_callback`] on the TensorFlow backend; none on the
    others, whose runs may have no TensorFlow to write event files with
    (``metrics.csv`` and ``curves.png`` hold the same numbers)."""
    if keras.backend.backend() != "tensorflow":
        return []
    return [tensorboard_callback(log_dir)]


def scale_losses(logs: Dict[str, float], scale: float, prefix: str = "") -> Dict[str, float]:
    """``logs`` with every loss whose key starts with ``prefix`` times ``scale``."""
    if scale == 1.0:
        return logs
    return {k: v * scale if k.startswith(prefix) and k.endswith("loss") else v for k, v in logs.items()}


class ScaleLosses(keras.callbacks.Callback):
    """Multiply the epoch's losses named ``prefix...loss`` by ``scale``, in
    place, before the callbacks after it read them (see
    `keras_classics.training.numpy_data.EvalBatches.loss_scale`)."""

    def __init__(self, scale: float, prefix: str = "val_"):
        super().__init__()
        self.scale = float(scale)
        self.prefix = prefix

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(scale_losses(logs, self.scale, self.prefix))


def truncate_csv(path, first_epoch: int) -> None:
    """Keep only the rows of epochs before ``first_epoch`` (a resumed run
    rewrites the epochs after its last backup). A row cut short by a kill
    is dropped too."""
    if not os.path.exists(path):
        return
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return
    header, body = rows[0], rows[1:]
    kept = [row for row in body if len(row) == len(header) and row[0].isdigit() and int(row[0]) < first_epoch]

    def write(temporary):
        with open(temporary, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(kept)

    atomic_write(path, write)


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


def curves_figure(csv_path, title: str = ""):
    """Loss, accuracy and learning rate per epoch, from the metrics CSV, as
    a `keras_classics.display.figure.FigureImage` (``save(path)``, shown in
    a notebook); None when matplotlib is not installed or the CSV holds no
    epoch.

    The figure is made with matplotlib's object API, so drawing it never
    changes the user's backend or pyplot's figures.
    """
    from keras_classics.display.figure import FigureImage, new_figure

    columns = read_csv(csv_path)
    if not columns.get("epoch"):
        return None
    epochs = [e + 1 for e in columns["epoch"]]
    panels: List[Sequence[str]] = [("loss", "val_loss")]
    accuracy = [k for k in columns if k.endswith("accuracy") and not k.startswith("val_")]
    if accuracy:
        panels.append(tuple(accuracy[:1]) + tuple("val_" + k for k in accuracy[:1]))
    if "learning_rate" in columns:
        panels.append(("learning_rate",))
    try:
        figure = new_figure(4.2 * len(panels), 3.4, layout="tight")
    except ImportError:  # matplotlib is not installed
        return None
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
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
    return FigureImage(figure, dpi=100, title=title or None)


def plot_curves(csv_path, png_path, title: str = "") -> bool:
    """Draw `curves_figure` into ``png_path`` (atomically). Returns False,
    and draws nothing, when matplotlib is not installed or the CSV holds no
    epoch."""
    image = curves_figure(csv_path, title)
    if image is None:
        return False
    atomic_write(
        png_path, lambda temporary: image.figure.savefig(temporary, dpi=image.dpi, format="png"), suffix=".png"
    )
    return True


def stateful_attributes(named: Iterable[tuple]) -> Dict[str, tuple]:
    """``{name: (callback, attributes)}`` for the callbacks that have state."""
    known = {
        PlateauDivider: ["best", "wait", "drops"],
        keras.callbacks.ReduceLROnPlateau: ["best", "wait", "cooldown_counter"],
        keras.callbacks.ModelCheckpoint: ["best"],
        BestCheckpoint: ["best"],
        BestEpoch: ["best", "best_epoch"],
        EpochTimer: ["durations"],
    }
    out = {}
    for name, callback in named:
        for kind, attributes in known.items():
            if isinstance(callback, kind):
                out[name] = (callback, attributes)
    return out
