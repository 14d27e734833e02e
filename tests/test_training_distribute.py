"""tf.distribute and fault tolerance, with real processes.

- MirroredStrategy over two logical CPU devices splits each global batch of
  16 into 8 + 8 and trains to the weights the default strategy reaches.
- Two MultiWorkerMirroredStrategy workers on 127.0.0.1 (free ports, bounded
  time, loopback only) train to identical weights; this is the test that
  shows the Keras fix in ``multiworker_patch`` is (still) needed and works.
- A run killed with SIGKILL in its third epoch and started again with the
  same command resumes at epoch 3 and ends bit-identical to a run that was
  never interrupted: weights, metrics per epoch, learning-rate drops.

Each child process is a small script written to ``tmp_path``; it imports
TensorFlow itself (the logical-device split must precede TF's start).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from _ports import free_ports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 240

SCRIPT = textwrap.dedent(
    '''
    import json, os, signal, sys

    mode, run_dir = sys.argv[1], sys.argv[2]
    if mode == "mirrored":
        from keras_classics.training.strategy import split_cpu
        split_cpu(2)

    import keras
    import numpy as np
    import tensorflow as tf
    from keras_classics.training import TrainConfig, train

    seen = []

    class Probe(keras.layers.Layer):
        """Records the batch each replica sees during training."""
        def call(self, x, training=None):
            if not training:
                return x
            def record(n):
                seen.append(int(n))
                return n
            n = tf.py_function(record, [tf.shape(x)[0]], tf.int32)
            with tf.control_dependencies([n]):
                return tf.identity(x)

    def tiny(input_shape, classes, dropout=0.0):
        inputs = keras.Input(input_shape)
        x = Probe(name="probe")(inputs)
        x = keras.layers.Conv2D(6, 3, activation="relu", name="conv")(x)
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name="dropout")(x)
        return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax", name="predictions")(x))

    class Killer(keras.callbacks.Callback):
        """SIGKILLs this process at (epoch, batch) = $KILL_AT."""
        def __init__(self, at):
            super().__init__()
            self.at, self.epoch = at, 0
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == self.at:
                os.kill(os.getpid(), signal.SIGKILL)

    def weights(model):
        return [w.tolist() for w in model.get_weights()]

    common = dict(model="tiny", verbose=2, extra={"input_shape": [8, 8, 1], "family": "lenet"})
    if mode == "mirrored":
        out = {}
        for strategy in ("default", "mirrored"):
            seen.clear()
            result = train(TrainConfig(run_dir=os.path.join(run_dir, strategy), strategy=strategy,
                                       epochs=2, batch_size=16, steps_per_epoch=5,
                                       learning_rate=0.05, **common),
                           model_fn=tiny)
            model = keras.saving.load_model(os.path.join(result.run_dir, "last.keras"), compile=False,
                                            custom_objects={"Probe": Probe})
            out[strategy] = {"seen": list(seen), "weights": weights(model),
                             "distribution": result.record["distribution"]}
        print("RESULT " + json.dumps(out))
    elif mode == "worker":
        result = train(TrainConfig(run_dir=run_dir, epochs=2, batch_size=16, steps_per_epoch=4,
                                   learning_rate=0.05, **common), model_fn=tiny)
        model = keras.saving.load_model(os.path.join(result.run_dir, "last.keras"), compile=False,
                                        custom_objects={"Probe": Probe})
        print("RESULT " + json.dumps({"run_dir": result.run_dir, "weights": weights(model),
                                      "record": result.record}))
    elif mode == "resume":
        at = os.environ.get("KILL_AT")
        killer = [Killer(tuple(int(v) for v in at.split(",")))] if at else []
        # A high rate and patience 1: the validation loss rises at epoch 4
        # and the plateau schedule divides the rate for epoch 5.
        result = train(TrainConfig(run_dir=run_dir, epochs=5, batch_size=32, steps_per_epoch=6,
                                   learning_rate=0.2, preprocess="resnet", lr_patience=1,
                                   **common),
                       model_fn=lambda **kw: tiny(**kw, dropout=0.3), callbacks=killer)
        model = keras.saving.load_model(os.path.join(run_dir, "last.keras"), compile=False,
                                        custom_objects={"Probe": Probe})
        print("RESULT " + json.dumps({"weights": weights(model), "test": result.test,
                                      "resumed_from": result.resumed_from}))
    '''
)


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "child.py"
    path.write_text(SCRIPT)
    return path


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="1", **extra)
    return env


def _result(completed):
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-4000:]
    line = [l for l in completed.stdout.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def _run(script, *args, **env):
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=TIMEOUT, env=_env(**env)
    )


def _same(a, b):
    return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b)) and len(a) == len(b)


def test_mirrored_over_two_cpus_splits_the_batch(script, tmp_path):
    out = _result(_run(script, "mirrored", str(tmp_path / "runs")))
    mirrored, default = out["mirrored"], out["default"]
    assert mirrored["distribution"]["replicas"] == 2
    assert mirrored["distribution"]["batch_per_replica"] == 8
    assert len(mirrored["distribution"]["devices"]) == 2
    # 2 epochs x 5 steps, each global batch of 16 seen as 8 by each replica.
    assert mirrored["seen"] == [8] * 20
    assert default["seen"] == [16] * 10
    # Same global batches, gradients summed over replicas: the same training
    # up to float rounding.
    for a, b in zip(default["weights"], mirrored["weights"]):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)


def test_two_workers_train_to_identical_weights(script, tmp_path):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    run_dir = tmp_path / "run"
    workers = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workers.append(
            subprocess.Popen(
                [sys.executable, str(script), "worker", str(run_dir)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=_env(TF_CONFIG=tf_config),
            )
        )
    try:
        finished = []
        for worker in workers:
            stdout, stderr = worker.communicate(timeout=TIMEOUT)
            finished.append(subprocess.CompletedProcess(worker.args, worker.returncode, stdout, stderr))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    chief, other = (_result(c) for c in finished)
    assert _same(chief["weights"], other["weights"])
    assert chief["run_dir"] == str(run_dir)
    assert other["run_dir"] == str(run_dir / "workers" / "worker-1")
    record = chief["record"]
    assert record["distribution"]["strategy"] == "CollectiveAllReduceStrategy"
    assert record["distribution"]["replicas"] == 2 and record["distribution"]["workers"] == 2
    assert record["multiworker_patch"] == {"needed": True, "applied": True}
    assert chief["record"]["test"] == other["record"]["test"]
    assert (run_dir / "results.json").is_file()


def _csv_rows(path):
    with open(path) as handle:
        return list(csv.DictReader(handle))


def test_sigkill_midway_resumes_to_the_same_result(script, tmp_path):
    whole_dir, killed_dir = tmp_path / "whole", tmp_path / "killed"
    whole = _result(_run(script, "resume", str(whole_dir)))

    # Killed in the third epoch (index 2), after its second batch.
    killed = _run(script, "resume", str(killed_dir), KILL_AT="2,1")
    assert killed.returncode == -signal.SIGKILL
    assert json.loads((killed_dir / "backup" / "training_metadata.json").read_text())["epoch"] == 2
    assert not (killed_dir / "results.json").exists()

    restarted = _run(script, "resume", str(killed_dir))
    resumed = _result(restarted)
    assert "Resuming" in restarted.stdout and "at epoch 3 of 5" in restarted.stdout
    assert resumed["resumed_from"] == 2
    assert _same(whole["weights"], resumed["weights"])
    assert whole["test"] == resumed["test"]
    assert _csv_rows(whole_dir / "metrics.csv") == _csv_rows(killed_dir / "metrics.csv")
    rates = {row["learning_rate"] for row in _csv_rows(whole_dir / "metrics.csv")}
    assert len(rates) > 1, "the plateau schedule should have dropped the rate at least once"
