"""``train`` as a newcomer meets it: from Python and from the shell.

- A message names what to change in the caller's own language:
  ``overwrite=True`` from Python, ``--overwrite`` from the command line.
- One ``best_epoch``, numbered from 1 as printed, in ``TrainResult``,
  ``results.json`` and the summary line.
- Ctrl-C says how to resume: the exact call (Python) or command (shell),
  which, run again, resumes.
- ``make train`` resumes its newest unfinished run rather than starting
  over, and never trains a finished one again.

The interrupts are real SIGINTs to real processes (``make`` included).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

keras = pytest.importorskip("keras")

from keras_classics.cli import main, make_parser  # noqa: E402
from keras_classics.training import TrainConfig, spelling, train  # noqa: E402
from keras_classics.training.cli import config_from_args  # noqa: E402
from keras_classics.training.run import unfinished_run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 300


def tiny(input_shape, classes):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax", name="predictions")(x))


def config(run_dir, **kw):
    settings = dict(
        model="tiny",
        run_dir=str(run_dir),
        epochs=4,
        batch_size=32,
        steps_per_epoch=4,
        learning_rate=0.05,
        verbose=0,
        extra={"input_shape": [8, 8, 1], "family": "lenet"},
    )
    settings.update(kw)
    return TrainConfig(**settings)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "TF_CPP_MIN_LOG_LEVEL")}
    env.update(PYTHONPATH=ROOT, **extra)
    return env


# -- overwrite, in the caller's language ------------------------------------------
def test_running_a_finished_cell_again_names_the_python_argument(tmp_path):
    first = train(config(tmp_path / "run"), model_fn=tiny)
    with pytest.raises(ValueError) as refused:
        train(config(tmp_path / "run"), model_fn=tiny)
    message = str(refused.value)
    assert "pass overwrite=True to train again, or choose another run_dir" in message
    assert "--" not in message
    again = train(config(tmp_path / "run"), model_fn=tiny, overwrite=True)
    assert again.resumed_from == 0 and again.test == first.test  # same seed, trained afresh


def test_the_command_line_names_the_flag(tmp_path, capsys):
    argv = ["train", "lenet5", "--epochs", "1", "--steps-per-epoch", "2", "--run-dir", str(tmp_path / "run")]
    assert main([*argv, "--verbose", "0"]) == 0
    capsys.readouterr()
    assert main([*argv, "--verbose", "0"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("keras-classics train: error: run folder")
    assert "pass --overwrite to train again, or choose another --run-dir" in error
    assert main([*argv, "--verbose", "0", "--overwrite"]) == 0


def test_other_messages_follow_the_caller_too(tmp_path, capsys):
    with pytest.raises(ValueError, match=r"fewer than one batch of 5000; lower batch_size$"):
        train(config(tmp_path / "run", batch_size=5000), model_fn=tiny)
    status = main(["train", "lenet5", "--batch-size", "5000", "--run-dir", str(tmp_path / "cli")])
    assert status == 2 and capsys.readouterr().err.strip().endswith("lower --batch-size")


@pytest.mark.parametrize(
    "settings",
    [
        dict(model="lenet5"),
        dict(model="resnet20", epochs=3, run_dir="runs/my run", augment=False, lr_milestones=(2, 3)),
        dict(model="alexnet", learning_rate=0.01, data="/data/images", overwrite=True, verbose=2, seed=7),
        dict(model="vgg16_bn", strategy="mirrored", cache="none", val_fraction=0.2, schedule="step"),
    ],
)
def test_the_spelt_command_is_the_same_run(settings):
    wanted = TrainConfig(**settings)
    with spelling.command_line():
        line = spelling.command(wanted)
    words = shlex.split(line)
    assert words[:2] == ["keras-classics", "train"]
    args, extra = make_parser().parse_known_args(words[1:])
    assert extra == [] and config_from_args(args) == wanted
    call = spelling.call(wanted)
    assert eval(call, {"train": lambda **kw: TrainConfig(**kw)}) == wanted


# -- one best_epoch --------------------------------------------------------------
def test_one_best_epoch_everywhere_numbered_from_one(tmp_path, capsys):
    run_dir = tmp_path / "run"
    result = train(config(run_dir, epochs=5), model_fn=tiny)
    with open(run_dir / "metrics.csv") as handle:
        losses = [float(row["val_loss"]) for row in csv.DictReader(handle)]
    # The epoch with the lowest validation loss, counted from 1 by hand.
    lowest = 1 + min(range(len(losses)), key=losses.__getitem__)
    record = json.loads((run_dir / "results.json").read_text())
    printed = re.search(r"best epoch (\d+) of 5", capsys.readouterr().out).group(1)
    assert result.best_epoch == record["best_epoch"] == int(printed) == lowest


# -- Ctrl-C says how to resume ----------------------------------------------------
INTERRUPTED_IN_PYTHON = textwrap.dedent(
    """
    import os, signal, sys
    import keras
    from keras_classics.training import train

    class CtrlC(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2 and os.environ.get("PRESS_CTRL_C"):
                os.kill(os.getpid(), signal.SIGINT)

    try:
        train(model="lenet5", epochs=4, steps_per_epoch=3, run_dir=sys.argv[1], verbose=2, callbacks=[CtrlC()])
    except KeyboardInterrupt:
        sys.exit(130)
    """
)


@pytest.mark.slow
def test_ctrl_c_in_python_prints_the_call_that_resumes(tmp_path):
    script = tmp_path / "cell.py"
    script.write_text(INTERRUPTED_IN_PYTHON)
    run_dir = str(tmp_path / "run")
    cut = subprocess.run(
        [sys.executable, str(script), run_dir],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_env(PRESS_CTRL_C="1"),
    )
    assert cut.returncode == 130, cut.stderr[-3000:]
    said = [line for line in cut.stderr.splitlines() if line.startswith("train interrupted")]
    assert said, cut.stderr[-3000:]
    call = said[-1].split("To resume, call ", 1)[1]
    assert call == f"train(model='lenet5', run_dir={run_dir!r}, epochs=4, steps_per_epoch=3, verbose=2)"
    # That call, as printed, resumes the run.
    resumed = subprocess.run(
        [sys.executable, "-c", f"from keras_classics.training import train; {call}"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_env(),
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"Resuming {run_dir} at epoch 3 of 4" in resumed.stdout
    assert json.loads((tmp_path / "run" / "results.json").read_text())["resumed_from_epoch"] == 3


def _wait_for_backup(run_dir, epoch, process, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    marker = os.path.join(run_dir, "backup", f"epoch-{epoch:04d}.json")
    while not os.path.exists(marker):
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "no backup appeared"
        time.sleep(0.05)


@pytest.mark.slow
def test_ctrl_c_on_the_command_line_prints_the_command_that_resumes(tmp_path):
    run_dir = str(tmp_path / "run")
    command = [sys.executable, "-m", "keras_classics.cli", "train", "lenet5", "--epochs", "40"]
    command += ["--steps-per-epoch", "3", "--run-dir", run_dir, "--verbose", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    _wait_for_backup(run_dir, 1, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 130, err[-3000:]
    last = err.strip().splitlines()[-1]
    prefix = f"keras-classics train: interrupted; {run_dir} keeps every finished epoch; to resume, run: "
    assert last.startswith(prefix), last
    again = last[len(prefix) :]
    expected = f"{shlex.quote(sys.executable)} -m keras_classics.cli train lenet5 --run-dir {run_dir} --epochs 40"
    assert again == f"{expected} --steps-per-epoch 3 --verbose 2"
    resumed = subprocess.run(shlex.split(again), capture_output=True, text=True, timeout=TIMEOUT, env=_env())
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert re.search(rf"Resuming {re.escape(run_dir)} at epoch \d+ of 40", resumed.stdout), resumed.stdout[-2000:]
    assert os.path.exists(os.path.join(run_dir, "results.json"))


# -- make train resumes ----------------------------------------------------------
def _make_train(runs, bin_dir, *extra_args, popen=False):
    train_args = "--epochs 40 --steps-per-epoch 3 --verbose 2"
    # STAMP= leaves out the set-up (this venv is the one under test), and
    # BIN and RUNS point make at it and at a scratch folder.
    command = ["make", "-s", "-C", ROOT, "train", "STAMP=", f"BIN={bin_dir}", f"RUNS={runs}"]
    command.append(f"TRAIN_ARGS={train_args}")
    if popen:
        # Its own process group, which gets the SIGINT as a terminal's Ctrl-C would.
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), start_new_session=True
        )
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=_env())


@pytest.fixture
def bin_dir(tmp_path):
    """The installed ``keras-classics`` beside this Python, as make runs it;
    a stand-in that runs this checkout's CLI where there is none."""
    here = os.path.dirname(sys.executable)
    if os.path.exists(os.path.join(here, "keras-classics")):
        return here
    stand_in = tmp_path / "bin"
    stand_in.mkdir()
    script = stand_in / "keras-classics"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m keras_classics.cli "$@"\n')
    script.chmod(0o755)
    return str(stand_in)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_train_after_ctrl_c_resumes_the_same_folder(tmp_path, bin_dir):
    runs = tmp_path / "runs"
    first = _make_train(runs, bin_dir, popen=True)
    deadline = time.monotonic() + TIMEOUT
    while not list(runs.glob("lenet5-*/backup/epoch-0001.json")):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGINT)  # Ctrl-C in the terminal
    out, err = first.communicate(timeout=TIMEOUT)
    (folder,) = runs.iterdir()
    assert not (folder / "results.json").exists()
    # The program as make ran it (or as the shell finds it), then the run's settings and folder.
    assert f"train lenet5 --run-dir {folder} --epochs 40 --steps-per-epoch 3 --verbose 2" in err, err[-2000:]

    again = _make_train(runs, bin_dir)
    assert again.returncode == 0, again.stderr[-3000:]
    assert re.search(rf"Resuming {re.escape(str(folder))} at epoch \d+ of 40", again.stdout), again.stdout[-2000:]
    assert [p.name for p in runs.iterdir()] == [folder.name]  # no new folder
    record = json.loads((folder / "results.json").read_text())
    assert record["resumed_from_epoch"] >= 2 and record["epochs"] == 40


# -- which folder make train resumes ----------------------------------------------
def _fake_run(folder, settings: TrainConfig, *, finished=False, age=0.0):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(settings.to_dict()))
    if finished:
        (folder / "results.json").write_text("{}")
    stamp = time.time() - age
    os.utime(folder / "config.json", (stamp, stamp))


def test_the_newest_unfinished_run_of_the_same_settings_is_chosen(tmp_path):
    wanted = TrainConfig(model="lenet5", epochs=3, run_dir=str(tmp_path / "lenet5-new"))
    same = dataclasses.replace(wanted, run_dir=None)
    _fake_run(tmp_path / "lenet5-a", same, age=300)
    _fake_run(tmp_path / "lenet5-b", same, age=200)
    _fake_run(tmp_path / "lenet5-c", same, finished=True, age=10)
    _fake_run(tmp_path / "lenet5-d", dataclasses.replace(same, epochs=5), age=5)
    _fake_run(tmp_path / "other-e", same, age=1)
    found, passed_over = unfinished_run(str(tmp_path / "lenet5-*"), wanted)
    assert found == str(tmp_path / "lenet5-b")  # c is finished: never chosen; e does not match
    assert passed_over == [(str(tmp_path / "lenet5-d"), "epochs: 5 then, 3 now")]


def test_a_finished_run_is_never_chosen_and_a_busy_one_is_left_alone(tmp_path):
    from keras_classics.training.safe_io import RunFolderLock

    wanted = TrainConfig(model="lenet5", epochs=3)
    _fake_run(tmp_path / "lenet5-done", wanted, finished=True)
    assert unfinished_run(str(tmp_path / "lenet5-*"), wanted) == (None, [])
    _fake_run(tmp_path / "lenet5-busy", wanted)
    with RunFolderLock(str(tmp_path / "lenet5-busy")):  # a run in progress (flock: per open file)
        assert unfinished_run(str(tmp_path / "lenet5-*"), wanted) == (None, [])
    assert unfinished_run(str(tmp_path / "lenet5-*"), wanted)[0] == str(tmp_path / "lenet5-busy")
