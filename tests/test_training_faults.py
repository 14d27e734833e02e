"""Faults a run folder must survive, with real processes and real signals.

- Ctrl-C (SIGINT) that lands while the per-epoch backup is being written
  waits for the save; the restart resumes at the next epoch and ends
  bit-identical to a run that was never interrupted.
- A newest backup that is torn, with an empty ``training_metadata.json``,
  is detected on restart; the run falls back to the epoch before and still
  ends bit-identical.
- A run killed (SIGKILL) after its last epoch, before its record, is
  completed on restart: best epoch, timings and test metrics as if it had
  never been killed.
- A second run into a folder that a running process holds is refused at
  once, naming that process; killing the holder with SIGKILL frees the
  folder (no stale lock) and the same command then finishes it cleanly.
- A lone multi-worker process whose partner never starts stops after
  ``--cluster-timeout`` naming the missing worker, and SIGTERM or SIGINT
  stop it while it waits.
- A Ctrl-C whose KeyboardInterrupt some library catches and drops (NumPy
  does, converting a JAX array, on the JAX backend) still stops ``fit`` at
  the next batch end.

Each child is a short script in ``tmp_path`` or the real command line.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from _ports import free_ports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 240

SCRIPT = textwrap.dedent(
    '''
    import inspect, json, os, signal, sys

    import keras
    from keras_classics.training import TrainConfig, train


    class Tripwire(keras.layers.Layer):
        """An identity layer that presses Ctrl-C on this very process while
        the run's backup of epoch $TRIP_EPOCH is being written: the signal
        arrives halfway through Keras's walk over the layers it saves."""

        def call(self, x):
            return x

        def save_own_variables(self, store):
            super().save_own_variables(store)
            at = os.environ.get("TRIP_EPOCH")
            if at and backup_epoch_being_saved() == int(at):
                os.kill(os.getpid(), signal.SIGINT)


    def backup_epoch_being_saved():
        for frame in inspect.stack():
            owner = frame.frame.f_locals.get("self")
            if type(owner).__name__ == "ResumableBackup":
                epoch = getattr(owner, "_current_epoch", None) or frame.frame.f_locals.get("epoch")
                return int(epoch) if epoch is not None else None
        return None


    class KillAtTrainEnd(keras.callbacks.Callback):
        """SIGKILL once every epoch (and its backup) is done, before the record."""

        def on_train_end(self, logs=None):
            os.kill(os.getpid(), signal.SIGKILL)


    def tiny(input_shape, classes):
        inputs = keras.Input(input_shape)
        x = keras.layers.Conv2D(6, 3, activation="relu", name="conv")(inputs)
        x = Tripwire(name="tripwire")(x)
        x = keras.layers.Conv2D(6, 3, activation="relu", name="conv2")(x)
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        x = keras.layers.Dropout(0.3, name="dropout")(x)
        return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax", name="predictions")(x))


    run_dir = sys.argv[1]
    callbacks = [KillAtTrainEnd()] if os.environ.get("KILL_AT_TRAIN_END") else []
    try:
        result = train(TrainConfig(model="tiny", run_dir=run_dir, epochs=3, batch_size=32,
                                   steps_per_epoch=4, learning_rate=0.05, verbose=2,
                                   extra={"input_shape": [10, 10, 1], "family": "alexnet"}),
                       model_fn=tiny, callbacks=callbacks)
    except KeyboardInterrupt:
        print("INTERRUPTED", flush=True)
        sys.exit(130)
    model = keras.saving.load_model(os.path.join(run_dir, "last.keras"), compile=False,
                                    custom_objects={"Tripwire": Tripwire})
    print("RESULT " + json.dumps({
        "weights": [w.tolist() for w in model.get_weights()], "test": result.test,
        "record": {k: result.record[k] for k in ("best_epoch", "timing", "resumed_from_epoch")},
    }))
    '''
)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2", **extra)
    return env


def _run(args, **env):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=TIMEOUT, env=_env(**env))


def _result(completed):
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-4000:]
    line = [l for l in completed.stdout.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def _same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    path = tmp_path_factory.mktemp("faults") / "child.py"
    path.write_text(SCRIPT)
    return str(path)


@pytest.fixture(scope="module")
def reference(script, tmp_path_factory):
    """The same run, never interrupted."""
    return _result(_run([script, str(tmp_path_factory.mktemp("whole") / "run")]))


@pytest.fixture(scope="module")
def killed_after_last_epoch(script, tmp_path_factory):
    """A run SIGKILLed after its last epoch's backup, before its record."""
    run_dir = tmp_path_factory.mktemp("killed") / "run"
    killed = _run([script, str(run_dir)], KILL_AT_TRAIN_END="1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert not (run_dir / "results.json").exists()
    return run_dir


# -- 2: Ctrl-C during the backup, and a damaged backup --------------------------
def test_ctrl_c_during_the_backup_waits_for_it_and_the_restart_is_exact(script, reference, tmp_path):
    run_dir = tmp_path / "run"
    cut = _run([script, str(run_dir)], TRIP_EPOCH="2")
    assert cut.returncode == 130 and "INTERRUPTED" in cut.stdout, cut.stderr[-3000:]
    # The interrupt came after epoch 2's backup was complete, not halfway.
    assert json.loads((run_dir / "backup" / "training_metadata.json").read_text())["epoch"] == 2

    restarted = _run([script, str(run_dir)])
    resumed = _result(restarted)
    assert "at epoch 3 of 3" in restarted.stdout
    assert _same_weights(resumed["weights"], reference["weights"])
    assert resumed["test"] == reference["test"]


def test_a_torn_backup_falls_back_to_the_epoch_before(script, reference, killed_after_last_epoch, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(killed_after_last_epoch, run_dir)
    newest = run_dir / "backup" / "epoch-0003.weights.h5"
    content = newest.read_bytes()
    newest.write_bytes(content[: len(content) // 2])  # still an HDF5 header, half the data
    (run_dir / "backup" / "training_metadata.json").write_text("")

    restarted = _run([script, str(run_dir)])
    resumed = _result(restarted)
    assert "backup of epoch 3 is unusable" in restarted.stderr
    assert "resuming from the backup of epoch 2" in restarted.stderr
    assert "at epoch 3 of 3" in restarted.stdout
    assert _same_weights(resumed["weights"], reference["weights"])
    assert resumed["test"] == reference["test"]


# -- 5: killed after the last epoch ---------------------------------------------
def test_a_run_killed_after_its_last_epoch_is_completed_on_restart(
    script, reference, killed_after_last_epoch, tmp_path
):
    run_dir = tmp_path / "run"
    shutil.copytree(killed_after_last_epoch, run_dir)
    restarted = _run([script, str(run_dir)])
    completed = _result(restarted)
    assert "all 3 epochs had finished" in restarted.stdout
    assert "epoch 4" not in restarted.stdout
    record = json.loads((run_dir / "results.json").read_text())
    assert record["best_epoch"] == reference["record"]["best_epoch"] is not None
    assert record["completed_after_restart"] is True and record["resumed_from_epoch"] is None
    # The three epochs' timings came back with the backup.
    assert len(record["timing"]["epoch_s"]) == 3 and record["timing"]["epoch_s_median"] > 0
    assert completed["test"] == reference["test"]
    assert _same_weights(completed["weights"], reference["weights"])


# -- 3: one writer per run folder ---------------------------------------------------
def _train_command(run_dir, *more):
    return [
        "-m",
        "keras_classics.cli",
        "train",
        "lenet5",
        "--epochs",
        "2",
        "--steps-per-epoch",
        "2",
        "--run-dir",
        str(run_dir),
        "--verbose",
        "2",
        *more,
    ]


class _Lines:
    """Collects a child's output lines in a thread, so a test can wait for one."""

    def __init__(self, stream):
        self.lines = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return True
            time.sleep(0.1)
        return False

    def text(self):
        self._thread.join(timeout=5)
        return "".join(self.lines)


def _snapshot(folder):
    return {
        os.path.relpath(os.path.join(root, name), folder): os.stat(os.path.join(root, name)).st_mtime_ns
        for root, _, files in os.walk(folder)
        for name in files
    }


def test_a_second_run_into_a_busy_folder_is_refused_and_kill_9_leaves_no_stale_lock(tmp_path):
    run_dir = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, *_train_command(run_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )
    try:
        output = _Lines(holder.stdout)
        assert output.wait_for("Epoch 1/2", TIMEOUT), output.text()[-3000:]
        holder.send_signal(signal.SIGSTOP)  # holds the folder, frozen mid-run
        before = _snapshot(run_dir)

        started = time.monotonic()
        second = _run(_train_command(run_dir))
        assert second.returncode == 2, second.stderr[-3000:]
        message = second.stderr.strip().splitlines()[-1]
        assert "in use by another training run" in message and f"process {holder.pid}" in message
        assert time.monotonic() - started < 30  # refused before TensorFlow starts
        assert _snapshot(run_dir) == before  # and it touched nothing

        holder.kill()  # SIGKILL works on a stopped process; the kernel drops its lock
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()

    third = _run(_train_command(run_dir))
    assert third.returncode == 0, third.stderr[-3000:]
    with open(run_dir / "metrics.csv") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["0", "1"]
    record = json.loads((run_dir / "results.json").read_text())
    assert record["best_epoch"] in (1, 2) and record["epochs"] == 2


# -- 7: a cluster that never forms ------------------------------------------------------


def _lone_worker_env():
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}})
    return ports, _env(TF_CONFIG=config)


def test_a_lone_worker_stops_after_the_cluster_timeout_naming_the_missing_one(tmp_path):
    ports, env = _lone_worker_env()
    started = time.monotonic()
    lone = subprocess.run(
        [sys.executable, *_train_command(tmp_path / "run", "--cluster-timeout", "3")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert time.monotonic() - started < 60
    assert lone.returncode == 2, lone.stderr[-3000:]
    message = lone.stderr.strip().splitlines()[-1]
    assert f"worker 1 (127.0.0.1:{ports[1]}) never answered" in message
    assert "--cluster-timeout" in message
    assert not (tmp_path / "run").exists()  # nothing was started


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 130)])
def test_a_waiting_lone_worker_stops_on_sigterm_and_sigint(signum, status, tmp_path):
    _, env = _lone_worker_env()
    lone = subprocess.Popen(
        [sys.executable, *_train_command(tmp_path / "run")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        output = _Lines(lone.stdout)
        assert output.wait_for("waiting up to", 60), output.text()[-3000:]
        lone.send_signal(signum)
        assert lone.wait(timeout=20) == status, output.text()[-3000:]
    finally:
        if lone.poll() is None:
            lone.kill()
            lone.wait()


def test_a_ctrl_c_that_a_library_swallows_still_stops_fit():
    # The second batch's end sends a real SIGINT and drops the
    # KeyboardInterrupt, as NumPy does on the JAX backend; the watch, which
    # runs before it, must raise at the third batch's end, before the
    # callback sees that batch (without the watch fit runs all 20 batches).
    import keras

    from keras_classics.training.callbacks import InterruptWatch

    ended = []

    class SwallowsCtrlC(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            ended.append(batch)
            if batch == 1:
                try:
                    signal.raise_signal(signal.SIGINT)
                except KeyboardInterrupt:
                    pass

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    data = np.zeros((40, 2), "float32"), np.zeros((40, 1), "float32")
    before = signal.getsignal(signal.SIGINT)
    watch = InterruptWatch()
    with pytest.raises(KeyboardInterrupt):
        with watch:
            model.fit(*data, batch_size=4, epochs=2, callbacks=[watch, SwallowsCtrlC()], verbose=0)
    assert watch.received
    assert ended == [0, 1]
    assert signal.getsignal(signal.SIGINT) is before
