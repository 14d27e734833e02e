"""One training run, from settings to a run folder.

`train` does, in order: choose the strategy (first: a multi-worker strategy
must exist before any other TensorFlow op; it waits for the other workers
at most ``cluster_timeout`` seconds), lock the run folder (one writer at a
time), then every check that can fail without changing the folder (the
folder's state, the data, the recipe, the preprocessing statistics, the
model: `_prepare`), then write the settings (`_start_run_dir`), restore a
backup if there is one and ``model.fit`` from that epoch (`_fit`), evaluate
on the test split and write the record (`_record`). Every file is saved
atomically (`safe_io`).

The same steps run on every Keras backend; the backend decides only the
input pipeline and the distribution (`backends`): tf.data and tf.distribute
on TensorFlow, NumPy batches and ``keras.distribution`` on JAX, which
trains without TensorFlow installed.

The run folder (``runs/<model>`` unless ``run_dir`` says otherwise)::

    .lock              the lock the running process holds (fcntl.flock)
    config.json        the settings, written first (a restart must match it)
    backup/            per-epoch weights, optimizer, callback and RNG state
    best.keras         the model with the lowest validation loss
    last.keras         the model after the last epoch
    metrics.csv        one row per epoch
    curves.png         loss, accuracy and learning rate per epoch
    logs/              TensorBoard event files (TensorFlow backend)
    stats.npz          training-set statistics the preprocessing used
    skipped_files.txt  images skipped as unreadable or corrupt (if any)
    results.json       final test metrics and every setting used

Epochs are numbered from 1, as Keras's progress lines print them:
``TrainResult.best_epoch``, ``results.json``'s ``best_epoch`` and
``resumed_from_epoch`` and the summary line agree. Only ``metrics.csv``
keeps the 0-based ``epoch`` column of Keras's CSVLogger (its row for epoch
1 says 0).

Under MultiWorkerMirroredStrategy the chief writes the run folder; each other
worker writes the same files under ``<run_dir>/workers/<type>-<index>/``
(every worker must take part in saving, and each keeps its own backup).
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from keras_classics.training import backends, recipes, safe_io, spelling
from keras_classics.training import data as data_lib
from keras_classics.training import strategy as strategy_lib
from keras_classics.training.augment import get_scheme
from keras_classics.training.config import RESTARTABLE_FIELDS, TrainConfig

__all__ = ["train", "TrainResult", "RUN_FILES", "unfinished_run"]

RUN_FILES = (
    "config.json",
    "results.json",
    "best.keras",
    "last.keras",
    "metrics.csv",
    "curves.png",
    "stats.npz",
    "skipped_files.txt",
)
RUN_FOLDERS = ("backup", "logs")


@dataclass
class TrainResult:
    """What a run produced; ``record`` is the content of ``results.json``.

    ``best_epoch`` is numbered from 1, as printed and as in ``results.json``
    (the epoch with the lowest validation loss, whose weights are
    ``best.keras``); None if no epoch was validated. ``resumed_from`` is how
    many epochs had finished before this process started (0: a fresh run),
    so this process trained from epoch ``resumed_from + 1``.
    """

    run_dir: str
    test: Dict[str, float]
    test_last: Dict[str, float]
    best_epoch: Optional[int]
    epochs: int
    resumed_from: int
    wall_time_s: float
    record: Dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def accuracy(self) -> Optional[float]:
        return _main_accuracy(self.test)

    def summary_line(self) -> str:
        record = self.record
        accuracy = self.accuracy
        shown = f"test accuracy {accuracy:.2%}" if accuracy is not None else "test"
        loss = self.test.get("loss")
        shown += f" (loss {loss:.4f})" if loss is not None else ""
        best = (
            f"best epoch {self.best_epoch} of {self.epochs}" if self.best_epoch is not None else f"{self.epochs} epochs"
        )
        resumed = f", resumed at epoch {self.resumed_from + 1}" if self.resumed_from else ""
        if self.resumed_from >= self.epochs:
            resumed = ", record completed after a restart"
        dist = record.get("distribution", {})
        replicas = dist.get("replicas", 1)
        return (
            f"{record.get('model')} on {record.get('data', {}).get('name')}: {shown}, {best}{resumed}, "
            f"{self.wall_time_s:.1f} s, {replicas} replica{'s' if replicas != 1 else ''} "
            f"({dist.get('strategy')}); run folder {self.run_dir}"
        )

    def curves(self):
        """The learning curves, redrawn from the run's ``metrics.csv``, as a
        `keras_classics.display.figure.FigureImage` (None without matplotlib)."""
        from keras_classics.training.callbacks import curves_figure

        data = self.record.get("data", {}).get("name")
        return curves_figure(os.path.join(self.run_dir, "metrics.csv"), f"{self.record.get('model')} on {data}")

    def _repr_html_(self) -> str:
        # A notebook shows the numbers and the run's curves.png.
        from keras_classics.display.results import train_result_html

        return train_result_html(self)


def _main_accuracy(metrics: Dict[str, float]) -> Optional[float]:
    if "accuracy" in metrics:
        return metrics["accuracy"]
    for key, value in metrics.items():
        if key.endswith("accuracy") and "aux" not in key:
            return value
    return None


# -- the run folder ------------------------------------------------------------
def _task_run_dir(run_dir: str) -> str:
    if strategy_lib.is_chief():
        return run_dir
    kind, index = strategy_lib.task_info()
    return os.path.join(run_dir, "workers", f"{kind}-{index}")


def _comparable(settings: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in settings.items() if k not in RESTARTABLE_FIELDS}


def _clean(run_dir: str) -> None:
    for name in RUN_FILES:
        path = os.path.join(run_dir, name)
        if os.path.exists(path):
            os.remove(path)
    for name in os.listdir(run_dir):
        if name.startswith(".") and ".partial" in name:  # left by a kill during a save
            os.remove(os.path.join(run_dir, name))
    for name in RUN_FOLDERS:
        shutil.rmtree(os.path.join(run_dir, name), ignore_errors=True)


def _write_json(path: str, value) -> None:
    safe_io.write_json(path, value, default=_json_default)


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _backup_started(run_dir: str) -> bool:
    # Any file in backup/ (an older Keras-format backup too) is work to keep.
    backup = os.path.join(run_dir, "backup")
    return os.path.isdir(backup) and bool(os.listdir(backup))


def _ours(name: str) -> bool:
    # The lock, a worker's sub-folder, a temporary file left by a kill.
    return name in (safe_io.LOCK_FILE, "workers") or (name.startswith(".") and ".partial" in name)


def _settings_differ(before: Dict[str, Any], settings: Dict[str, Any]) -> str:
    """The settings (other than the restartable ones) in which a run folder's
    config.json, ``before``, differs from ``settings``, said in words; empty
    if none."""
    before = _comparable(before)
    now = _comparable(json.loads(json.dumps(settings, default=_json_default)))
    differ = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    return ", ".join(f"{k}: {before.get(k)!r} then, {now.get(k)!r} now" for k in differ[:4])


def _plan_run_dir(run_dir: str, settings: Dict[str, Any], overwrite: bool) -> str:
    """What to do with the run folder, decided without changing it:
    "new" (start), "resume" (same settings) or "clean" (start afresh)."""
    config_path = os.path.join(run_dir, "config.json")
    if not os.path.exists(config_path):
        foreign = [n for n in os.listdir(run_dir) if not _ours(n)]
        if foreign:
            raise ValueError(
                f"{run_dir!r} exists and is not a keras-classics run folder (it holds "
                f"{', '.join(sorted(foreign)[:3])}); choose another {spelling.setting('run_dir')}"
            )
        return "new"
    if overwrite:
        return "clean"
    if os.path.exists(os.path.join(run_dir, "results.json")):
        raise ValueError(
            f"run folder {run_dir!r} already holds a finished run (results.json); pass "
            f"{spelling.setting('overwrite')} to train again, or choose another {spelling.setting('run_dir')}"
        )
    started = _backup_started(run_dir)
    try:
        with open(config_path) as handle:
            before = json.load(handle)
    except (OSError, ValueError) as error:
        if not started:
            return "clean"  # nothing was trained: nothing to keep
        raise ValueError(
            f"run folder {run_dir!r}: its config.json cannot be read ({error}), so the run cannot "
            f"be resumed safely; pass {spelling.setting('overwrite')} to start afresh"
        ) from None
    differ = _settings_differ(before, settings)
    if differ and started:
        raise ValueError(
            f"run folder {run_dir!r} holds an unfinished run with other settings ({differ}); "
            f"rerun it with the same settings to resume, or pass {spelling.setting('overwrite')} to start afresh"
        )
    # A start that failed before its first epoch has nothing to keep.
    return "clean" if differ else "resume"


def _busy(run_dir: str) -> bool:
    """Whether a process holds the folder's lock now (probed without
    taking it for longer than the probe, and without writing)."""
    import fcntl

    try:
        handle = os.open(os.path.join(run_dir, safe_io.LOCK_FILE), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(handle)  # also drops the probe's lock
    return False


def unfinished_run(pattern: str, config: TrainConfig) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """The run folder to resume among those matching ``pattern`` (a glob
    such as ``runs/lenet5-*``): the newest (by its config.json) that holds
    an unfinished run (no results.json) of ``config``'s settings and that
    no process is training now; None if there is none. Also, newest first,
    the unfinished runs passed over for their other settings, each with
    how they differ. A finished run is never chosen.

    ``make train`` starts each run in a new time-stamped folder and so
    resumes an interrupted one (``keras-classics train --resume-latest``).
    """
    settings = _normalized(config).to_dict()
    candidates = []
    for folder in glob.glob(pattern):
        config_path = os.path.join(folder, "config.json")
        if not os.path.isfile(config_path) or os.path.exists(os.path.join(folder, "results.json")):
            continue
        try:
            with open(config_path) as handle:
                before = json.load(handle)
            when = os.path.getmtime(config_path)
        except (OSError, ValueError):
            continue  # unreadable: not a run to resume by guesswork
        candidates.append((when, folder, before))
    passed_over = []
    for _, folder, before in sorted(candidates, key=lambda c: c[0], reverse=True):
        if not isinstance(before, dict):
            continue
        differ = _settings_differ(before, settings)
        if differ:
            passed_over.append((folder, differ))
        elif not _busy(folder):
            return folder, passed_over
    return None, passed_over


def _open_run_dir(run_dir: str):
    """Create the folder if needed and lock it; (lock, created)."""
    if os.path.exists(run_dir) and not os.path.isdir(run_dir):
        raise NotADirectoryError(f"run folder {run_dir!r} is a file")
    created = not os.path.exists(run_dir)
    os.makedirs(run_dir, exist_ok=True)
    lock = safe_io.RunFolderLock(run_dir)
    try:
        lock.acquire()
    except BaseException:
        if created:
            _remove_if_untouched(run_dir)
        raise
    return lock, created


def _remove_if_untouched(run_dir: str) -> None:
    """Remove a folder this run created, if it holds only the lock."""
    try:
        if set(os.listdir(run_dir)) <= {safe_io.LOCK_FILE}:
            if os.path.exists(os.path.join(run_dir, safe_io.LOCK_FILE)):
                os.remove(os.path.join(run_dir, safe_io.LOCK_FILE))
            os.rmdir(run_dir)
    except OSError:
        pass


def _escape(text: str) -> str:
    # One file per line, tab-separated: a name may hold either.
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _write_skipped(path: str, skipped) -> None:
    def write(temporary):
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape") as handle:
            for name, why in skipped:
                handle.write(f"{_escape(name)}\t{_escape(why)}\n")

    safe_io.atomic_write(path, write)


# -- the model -------------------------------------------------------------------
@dataclass(frozen=True)
class ModelChoice:
    """The network a run trains, looked up once: a registered entry or the
    caller's own ``model_fn``.

    ``registered_side`` is the registered input side (which recipe a ResNet
    takes), None for a caller's model.
    """

    name: str
    family: Optional[str]
    input_shape: tuple
    registered_side: Optional[int]
    builder: Callable = field(repr=False)
    recipe: str = ""  # the registry entry's recipe name; empty for a caller's model

    def build(self, classes: int):
        return self.builder(input_shape=self.input_shape, classes=classes)


def choose_model(config: TrainConfig, model_fn: Optional[Callable] = None) -> ModelChoice:
    """``config.model`` from the registry, or ``model_fn`` (see `train`)."""
    if model_fn is not None:
        shape = config.extra.get("input_shape")
        if shape is None:
            size = config.input_size or 32
            shape = (size, size, int(config.extra.get("channels", 1)))
        return ModelChoice(config.model, config.extra.get("family"), tuple(shape), None, model_fn)
    from keras_classics import registry

    entry = registry.get_entry(config.model)
    height, width, channels = entry.input_shape
    if config.input_size:
        height = width = config.input_size
    if height != width:
        raise ValueError(f"{config.model}: only square inputs are supported, got {height}x{width}")
    return ModelChoice(
        config.model, entry.family, (height, width, channels), entry.input_shape[0], entry.build, entry.recipe
    )


def _compile(model, hp, optimizer, classes: int, jit_compile):
    import keras

    metrics: List[Any] = ["accuracy"]
    if classes >= 20:
        metrics.append(keras.metrics.SparseTopKCategoricalAccuracy(k=5, name="top5_accuracy"))
    # The NumPy pipeline weighs the padding of a last batch split across
    # devices by 0, and only weighted metrics read the weights.
    metrics_argument = "metrics" if backends.uses_tensorflow() else "weighted_metrics"
    outputs = len(model.outputs)
    if outputs == 1:
        model.compile(
            optimizer=optimizer,
            loss="sparse_categorical_crossentropy",
            jit_compile=jit_compile,
            **{metrics_argument: metrics},
        )
        return 1
    # GoogLeNet's auxiliary classifiers (Sec. 5): their losses weigh the
    # recipe's aux_loss_weight during training; metrics stay on the main output (per-output metric
    # dicts fail in Keras 3.11, keras issue 21675).
    model.compile(
        optimizer=optimizer,
        loss=["sparse_categorical_crossentropy"] * outputs,
        loss_weights=[1.0] + [hp.aux_loss_weight] * (outputs - 1),
        jit_compile=jit_compile,
        **{metrics_argument: [metrics] + [[] for _ in range(outputs - 1)]},
    )
    return outputs


def _set_dropout(model, rate: float) -> int:
    import keras

    changed = 0
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = rate
            changed += 1
    return changed


def _lr_callback(hp, verbose: int):
    import keras

    from keras_classics.training.callbacks import PlateauDivider

    if hp.schedule == "plateau":
        return PlateauDivider(
            monitor="val_loss",
            factor=hp.lr_factor,
            patience=hp.lr_patience,
            max_drops=hp.max_lr_drops,
            verbose=1 if verbose else 0,
        )
    return keras.callbacks.LearningRateScheduler(lambda epoch, lr: recipes.scheduled_rate(hp, epoch))


# -- the run ---------------------------------------------------------------------
def _resolve_config(config: Optional[TrainConfig], overrides: Dict[str, Any]) -> TrainConfig:
    if config is None:
        return TrainConfig(**overrides)
    if overrides:
        return dataclasses.replace(config, **overrides)
    return config


def _normalized(config: TrainConfig) -> TrainConfig:
    """The settings as a run records them: a data folder as an absolute path
    (so that a restart from another directory finds the same run)."""
    from keras_classics.datasets.named import is_named

    if config.data not in (None, "digits") and not is_named(config.data):
        return dataclasses.replace(config, data=os.path.abspath(config.data))
    return config


def _interrupted(config: TrainConfig, run_dir: str, model_fn) -> None:
    """Say, in Python, how to resume a run stopped by Ctrl-C (the command
    line says it as a command: `keras_classics.training.cli`)."""
    if spelling.on_command_line() or not strategy_lib.is_chief():
        return
    again = spelling.call(dataclasses.replace(config, run_dir=run_dir))
    same = " with the same model_fn" if model_fn is not None else ""
    if os.path.exists(os.path.join(run_dir, "config.json")):
        print(
            f"train interrupted; {run_dir} keeps every finished epoch. To resume, call {again}{same}", file=sys.stderr
        )
    else:
        print(f"train interrupted before it began; to start again, call {again}{same}", file=sys.stderr)


def train(
    config: Optional[TrainConfig] = None, *, model_fn: Optional[Callable] = None, callbacks=(), **overrides
) -> TrainResult:
    """Train a registered network with its paper's recipe; see the module doc.

    Args:
        config: the settings; keyword ``overrides`` replace its fields
            (``train(model="lenet5", epochs=5)`` works without a config).
        model_fn: build your own model instead of the registered one:
            ``model_fn(input_shape=..., classes=...)`` returns an uncompiled
            Keras model. ``config.model`` then only names the run; set
            ``config.extra["input_shape"]`` (default 32x32x1) and
            ``config.extra["family"]`` (which recipe) as needed.
        callbacks: extra Keras callbacks for ``fit``.

    Returns:
        A `TrainResult`; the same numbers are in ``results.json``.

    Raises:
        ValueError, FileNotFoundError, NotADirectoryError: bad settings or
            data, with the reason.
        DivergedError: the loss became NaN or infinite.
    """
    started = time.perf_counter()
    config = _normalized(_resolve_config(config, overrides))

    run_dir = _task_run_dir(config.run_dir or os.path.join("runs", config.model))
    # One writer per run folder: a second run into it stops here, at once,
    # before it reads or changes anything (the lock needs no TensorFlow).
    lock, created = _open_run_dir(run_dir)
    try:
        # A MultiWorkerMirroredStrategy must come before any other TF op.
        strategy = strategy_lib.choose_strategy(config.strategy, config.cluster_timeout)
        with strategy_lib.run_scope(strategy):
            return _train_locked(config, strategy, run_dir, started, model_fn, callbacks)
    except BaseException as error:
        if created:
            _remove_if_untouched(run_dir)
        if isinstance(error, KeyboardInterrupt):
            _interrupted(config, run_dir, model_fn)
        raise
    finally:
        lock.release()


@dataclass
class _Prepared:
    """Everything a run needs, checked before the run folder changes."""

    config: TrainConfig
    strategy: Any
    run_dir: str
    plan: str
    verbose: int
    source: Any
    pipeline: Any  # the input pipeline's module (`backends.input_pipeline`)
    choice: ModelChoice
    recipe: Any
    hp: Any
    transforms: Any
    stats: Dict[str, Any]
    cache: bool
    steps: int
    policy: Any
    model: Any
    num_outputs: int

    @property
    def csv_path(self) -> str:
        return os.path.join(self.run_dir, "metrics.csv")


@dataclass
class _Fitted:
    """What ``model.fit`` left: the epoch it started from and its callbacks."""

    first_epoch: int
    finished_before: bool
    fit_time: float
    best_epoch: Any
    timer: Any
    backup: Any
    test_data: Any
    test_steps: int


def _train_locked(config: TrainConfig, strategy, run_dir: str, started: float, model_fn, callbacks) -> TrainResult:
    run = _prepare(config, strategy, run_dir, model_fn)
    _start_run_dir(run)
    fitted = _fit(run, callbacks)
    return _record(run, fitted, started)


def _prepare(config: TrainConfig, strategy, run_dir: str, model_fn) -> _Prepared:
    """Every check that can fail (the folder's state, the data, the recipe,
    the preprocessing, the model), before anything in the folder changes, so
    a failed start costs nothing, overwrite included."""
    verbose = config.verbose
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2
    if not strategy_lib.is_chief():
        verbose = 0

    plan = _plan_run_dir(run_dir, config.to_dict(), config.overwrite)
    source = data_lib.load_source(config.data, config.val_fraction, config.test_fraction, config.seed)
    choice = choose_model(config, model_fn)
    size, channels = choice.input_shape[0], choice.input_shape[-1]
    recipe = recipes.recipe_for(config.model, choice.family, choice.registered_side, choice.recipe)
    hp = recipes.resolve(recipe, config)
    replicas = int(strategy.num_replicas_in_sync)
    if hp.batch_size % replicas:
        raise ValueError(
            f"the global batch {hp.batch_size} does not split evenly across {replicas} replicas; "
            f"use a multiple of {replicas}"
        )
    if len(source.train) < hp.batch_size:
        raise ValueError(
            f"data {source.name!r} has {len(source.train)} training images, fewer than one batch of "
            f"{hp.batch_size}; lower {spelling.setting('batch_size')}"
        )
    policy = strategy_lib.set_mixed_precision(config.mixed_precision)

    import keras

    from keras_classics.training.optimizers import make_optimizer

    pipeline = backends.input_pipeline()
    transforms = pipeline.Transforms(get_scheme(hp.preprocess), size, channels, augment=config.augment)
    source = pipeline.verify_images(source, channels, config.verify_images)
    transforms.stats = pipeline.compute_stats(source, transforms, config.seed)
    stats = {k: v for k, v in dataclasses.asdict(transforms.stats).items() if v is not None}
    cache = data_lib.should_cache(source, transforms, config.cache)
    steps = len(source.train) // hp.batch_size
    if config.steps_per_epoch:
        steps = min(steps, config.steps_per_epoch)

    keras.utils.set_random_seed(config.seed)
    on_gpu = backends.has_gpu()
    with strategy.scope():
        try:
            model = choice.build(source.classes)
        except ValueError as error:
            raise ValueError(
                f"data {source.name!r} ({source.classes} classes, input {size}x{size}x{channels}) "
                f"does not fit {config.model}: {error}"
            ) from None
        if config.dropout is not None:
            _set_dropout(model, config.dropout)
        optimizer = make_optimizer(hp)
        num_outputs = _compile(model, hp, optimizer, source.classes, backends.jit_compile(on_gpu))
    return _Prepared(
        config=config,
        strategy=strategy,
        run_dir=run_dir,
        plan=plan,
        verbose=verbose,
        source=source,
        pipeline=pipeline,
        choice=choice,
        recipe=recipe,
        hp=hp,
        transforms=transforms,
        stats=stats,
        cache=cache,
        steps=steps,
        policy=policy,
        model=model,
        num_outputs=num_outputs,
    )


def _start_run_dir(run: _Prepared) -> None:
    """Every check passed: from here on the run folder changes."""
    run_dir, source = run.run_dir, run.source
    if run.plan == "clean":
        _clean(run_dir)
    _write_json(os.path.join(run_dir, "config.json"), run.config.to_dict())
    if source.skipped:
        skipped_path = os.path.join(run_dir, "skipped_files.txt")
        _write_skipped(skipped_path, source.skipped)
        print(
            f"keras-classics train: skipping {len(source.skipped)} unreadable or corrupt image(s); "
            f"list in {skipped_path}",
            file=sys.stderr,
        )
    if run.stats:
        safe_io.atomic_write(
            os.path.join(run_dir, "stats.npz"), lambda temporary: np.savez(temporary, **run.stats), suffix=".npz"
        )


def _fit(run: _Prepared, callbacks) -> _Fitted:
    """Restore the backup if there is one, then ``model.fit`` from that epoch."""
    import keras

    from keras_classics.training import callbacks as cb

    config, strategy, run_dir, hp, model = run.config, run.strategy, run.run_dir, run.hp, run.model
    chief = strategy_lib.is_chief()
    with strategy.scope():
        checkpoint_best = cb.BestCheckpoint(os.path.join(run_dir, "best.keras"), monitor="val_loss")
        best_epoch = cb.BestEpoch("val_loss")
        lr_callback = _lr_callback(hp, run.verbose)
        timer = cb.EpochTimer()
        backup = cb.ResumableBackup(
            os.path.join(run_dir, "backup"),
            cb.stateful_attributes(
                [
                    ("lr", lr_callback),
                    ("best_checkpoint", checkpoint_best),
                    ("best_epoch", best_epoch),
                    ("timer", timer),
                ]
            ),
        )
        first_epoch = backup.restore(model)

    cb.truncate_csv(run.csv_path, first_epoch)
    finished_before = first_epoch >= hp.epochs
    if chief and finished_before:
        print(
            f"{run_dir}: all {hp.epochs} epochs had finished before the restart; writing the final models and record",
            flush=True,
        )
    elif chief and first_epoch:
        print(f"Resuming {run_dir} at epoch {first_epoch + 1} of {hp.epochs}", flush=True)
    elif chief and run.plan == "resume":
        print(f"Restarting {run_dir}: no epoch had finished", flush=True)

    def make_train(input_context=None):
        return run.pipeline.train_dataset(
            run.source,
            run.transforms,
            batch_size=hp.batch_size,
            steps_per_epoch=run.steps,
            first_epoch=first_epoch,
            epochs=max(hp.epochs, first_epoch),
            seed=config.seed,
            cache=run.cache,
            num_outputs=run.num_outputs,
            input_context=input_context,
        )

    replicas = int(strategy.num_replicas_in_sync)
    # A Keras distribution splits the global batches by itself.
    if backends.uses_tensorflow() and (replicas > 1 or strategy_lib.cluster_spec() is not None):
        train_data = strategy.distribute_datasets_from_function(make_train)
    else:
        train_data = make_train()

    def evaluation(split: str):
        return run.pipeline.eval_dataset(
            run.source,
            split,
            run.transforms,
            batch_size=hp.batch_size,
            cache=run.cache,
            num_outputs=run.num_outputs,
            replicas=replicas,
        )

    val_data, val_steps = evaluation("val")
    test_data, test_steps = evaluation("test")

    interrupts = cb.InterruptWatch()
    fit_callbacks = [
        interrupts,
        # First after it: the others read the validation loss it corrects.
        cb.ScaleLosses(getattr(val_data, "loss_scale", 1.0), prefix="val_"),
        cb.NanGuard(hp.learning_rate),
        lr_callback,
        checkpoint_best,
        best_epoch,
        timer,
        keras.callbacks.CSVLogger(run.csv_path, append=True),
        *cb.tensorboard_callbacks(os.path.join(run_dir, "logs")),
        *callbacks,
        backup,  # last: it saves what the others updated this epoch
    ]
    fit_started = time.perf_counter()
    if not finished_before:
        with interrupts:
            model.fit(
                train_data,
                epochs=hp.epochs,
                steps_per_epoch=run.steps,
                initial_epoch=first_epoch,
                validation_data=val_data,
                validation_steps=val_steps,
                callbacks=fit_callbacks,
                verbose=run.verbose,
                shuffle=False,
            )
    else:
        # fit would not run, and with it the restore of the callbacks'
        # counters (best epoch, timings): put them back here.
        backup.apply_restored_state()
    return _Fitted(
        first_epoch=first_epoch,
        finished_before=finished_before,
        fit_time=time.perf_counter() - fit_started,
        best_epoch=best_epoch,
        timer=timer,
        backup=backup,
        test_data=test_data,
        test_steps=test_steps,
    )


def _record(run: _Prepared, fitted: _Fitted, started: float) -> TrainResult:
    """Save the last model, evaluate the last and best on the test split,
    draw the curves and write ``results.json``."""
    from keras_classics.training import callbacks as cb

    config, run_dir, hp, model, source = run.config, run.run_dir, run.hp, run.model, run.source
    cb.save_model(model, os.path.join(run_dir, "last.keras"))
    test_last = _evaluate(model, fitted.test_data, fitted.test_steps)
    best_path = os.path.join(run_dir, "best.keras")
    if os.path.exists(best_path):
        model.load_weights(best_path)
        test_best = _evaluate(model, fitted.test_data, fitted.test_steps)
    else:
        test_best = test_last
    plot_ok = cb.plot_curves(
        run.csv_path, os.path.join(run_dir, "curves.png"), title=f"{config.model} on {source.name}"
    )

    wall = time.perf_counter() - started
    first_epoch = fitted.first_epoch
    best_epoch = fitted.best_epoch.best_epoch
    epochs_here = max(0, hp.epochs - first_epoch)
    durations = fitted.timer.durations[1:] or fitted.timer.durations
    steady = float(np.median(durations)) if durations else None
    replicas = int(run.strategy.num_replicas_in_sync)
    record = {
        "model": config.model,
        "data": {**source.summary(), "cached": run.cache, "input_shape": list(run.choice.input_shape)},
        "test": test_best,
        "test_last_epoch": test_last,
        "best_epoch": None if best_epoch is None else int(best_epoch) + 1,
        "epochs": hp.epochs,
        "steps_per_epoch": run.steps,
        "resumed_from_epoch": first_epoch + 1 if 0 < first_epoch < hp.epochs else None,
        "completed_after_restart": fitted.finished_before,
        "settings": config.to_dict(),
        "hyperparameters": hp.to_dict(),
        "recipe": {"network": run.recipe.network, "source": run.recipe.source, "notes": run.recipe.notes},
        "preprocessing": dataclasses.asdict(run.transforms.scheme),
        "augment": config.augment,
        "distribution": {**strategy_lib.describe(run.strategy), "batch_per_replica": hp.batch_size // replicas},
        "dtype_policy": run.policy,
        "multiworker_patch": _patch_state(),
        "versions": backends.versions(),
        "timing": {
            "wall_s": round(wall, 2),
            "fit_s": round(fitted.fit_time, 2),
            "epochs_this_process": epochs_here,
            "epoch_s": [round(d, 3) for d in fitted.timer.durations],
            "epoch_s_median": None if steady is None else round(steady, 3),
            "train_images_per_s": None if not steady else round(run.steps * hp.batch_size / steady, 1),
        },
        "skipped_files": [{"path": p, "why": w} for p, w in source.skipped],
        "backup_fell_back_from_epoch": fitted.backup.fell_back_from,
        "curves_png": plot_ok,
        "run_dir": os.path.abspath(run_dir),
    }
    _write_json(os.path.join(run_dir, "results.json"), record)
    result = TrainResult(
        run_dir=run_dir,
        test=test_best,
        test_last=test_last,
        best_epoch=record["best_epoch"],
        epochs=hp.epochs,
        resumed_from=first_epoch,
        wall_time_s=wall,
        record=record,
    )
    if strategy_lib.is_chief():
        print(result.summary_line(), flush=True)
    return result


def _patch_state() -> Dict[str, Any]:
    if not backends.uses_tensorflow():
        return {"needed": False, "applied": False}
    from keras_classics.training import multiworker_patch

    return {"needed": multiworker_patch.needs_patch(), "applied": multiworker_patch.is_applied()}


def _evaluate(model, dataset, steps: int) -> Dict[str, float]:
    from keras_classics.training.callbacks import scale_losses

    values = model.evaluate(dataset, steps=steps, verbose=0, return_dict=True)
    # The NumPy pipeline's padded last batch (several devices) needs it.
    return scale_losses({k: float(v) for k, v in values.items()}, getattr(dataset, "loss_scale", 1.0))
