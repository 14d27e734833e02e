"""Training runs in this process: the run folder and its record, restarts,
bad settings, a NaN loss, auxiliary outputs and the command line.

Tiny models and a few steps keep each run to a few seconds; the LeNet-5
target (>= 97% on the digits) runs the real command once, marked slow.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time

import pytest

keras = pytest.importorskip("keras")

from keras_classics.cli import main  # noqa: E402
from keras_classics.training import DivergedError, TrainConfig, train  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny(input_shape, classes):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(0.25, name="dropout")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs)


def tiny_with_aux(input_shape, classes):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    heads = [
        keras.layers.Dense(classes, activation="softmax", name=n)(x)
        for n in ("predictions", "aux1_predictions", "aux2_predictions")
    ]
    return keras.Model(inputs, heads)


def nan_model(input_shape, classes):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(classes, name="dense")(x)
    x = keras.layers.Lambda(lambda t: t * float("nan"), name="broken")(x)
    return keras.Model(inputs, keras.layers.Softmax()(x))


def config(run_dir, **kw):
    settings = dict(
        model="tiny",
        run_dir=str(run_dir),
        epochs=2,
        batch_size=32,
        steps_per_epoch=4,
        learning_rate=0.05,
        verbose=0,
        extra={"input_shape": [8, 8, 1], "family": "lenet"},
    )
    settings.update(kw)
    return TrainConfig(**settings)


def test_a_run_leaves_its_record(tmp_path, capsys):
    run_dir = tmp_path / "run"
    result = train(config(run_dir), model_fn=tiny)
    for name in ("config.json", "results.json", "best.keras", "last.keras", "metrics.csv", "curves.png"):
        assert (run_dir / name).is_file(), name
    backup = json.loads((run_dir / "backup" / "training_metadata.json").read_text())
    assert backup["epoch"] == 2
    events = [f for _, _, files in os.walk(run_dir / "logs") for f in files if "tfevents" in f]
    assert len(events) == 2  # train/ and validation/

    with open(run_dir / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["epoch"] for r in rows] == ["0", "1"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(rows[0])

    record = json.loads((run_dir / "results.json").read_text())
    assert record["test"]["accuracy"] == pytest.approx(result.accuracy)
    assert set(record["test"]) == {"loss", "accuracy"}
    assert record["settings"]["learning_rate"] == 0.05 and record["settings"]["epochs"] == 2
    assert record["hyperparameters"]["optimizer"] == "adam"  # the LeNet recipe
    assert record["data"]["name"] == "digits" and record["data"]["classes"] == 10
    assert record["distribution"]["replicas"] == 1
    assert record["steps_per_epoch"] == 4
    assert record["timing"]["train_images_per_s"] > 0

    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[-1].startswith("tiny on digits: test accuracy ")
    assert f"run folder {run_dir}" in lines[-1]


def test_restarts_finish_resume_or_refuse(tmp_path, capsys):
    run_dir = tmp_path / "run"
    first = train(config(run_dir), model_fn=tiny)
    with pytest.raises(ValueError, match="already holds a finished run"):
        train(config(run_dir), model_fn=tiny)

    # A run whose epochs all finished but whose record did not (no
    # results.json) is completed from its backup, best epoch included...
    (run_dir / "results.json").unlink()
    capsys.readouterr()
    again = train(config(run_dir), model_fn=tiny)
    assert "all 2 epochs had finished" in capsys.readouterr().out
    assert again.resumed_from == 2
    assert again.test == first.test
    assert again.best_epoch == first.best_epoch is not None

    # ... but only under the same settings.
    (run_dir / "results.json").unlink()
    with pytest.raises(ValueError, match=r"other settings \(epochs: 2 then, 3 now\)"):
        train(config(run_dir, epochs=3), model_fn=tiny)
    fresh = train(config(run_dir, epochs=3, overwrite=True), model_fn=tiny)
    assert fresh.resumed_from == 0 and fresh.epochs == 3


def test_a_start_that_failed_before_any_epoch_does_not_block_new_settings(tmp_path):
    run_dir = tmp_path / "run"
    with pytest.raises(ValueError, match="does not fit lenet5"):
        train(config(run_dir, model="lenet5", input_size=16, extra={}))
    assert not run_dir.exists()  # the failed start left nothing behind
    result = train(config(run_dir, model="lenet5", extra={}, epochs=1, steps_per_epoch=2))
    assert result.record["data"]["input_shape"] == [32, 32, 1]


def test_a_foreign_folder_is_left_alone(tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(ValueError, match="not a keras-classics run folder"):
        train(config(tmp_path, overwrite=True), model_fn=tiny)
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_nan_loss_stops_with_a_clear_message(tmp_path):
    run_dir = tmp_path / "run"
    # Called from Python, the message names train()'s argument (the command line's --lr: test_training_surface).
    with pytest.raises(
        DivergedError, match=r"loss became nan at epoch 1, batch 1.*\(it was 0.05\), e.g. learning_rate=0.005,"
    ):
        train(config(run_dir), model_fn=nan_model)
    # Nothing was backed up from the broken epoch.
    assert not any((run_dir / "backup").glob("epoch-*"))
    assert not (run_dir / "best.keras").exists()


def test_auxiliary_outputs_weigh_point_three_and_metrics_stay_on_the_main_one(tmp_path):
    # One test batch of all 269 test digits, so the per-output means add up.
    result = train(
        config(
            tmp_path / "run",
            extra={"input_shape": [8, 8, 1], "family": "googlenet"},
            learning_rate=0.01,
            batch_size=269,
            preprocess="unit",
        ),
        model_fn=tiny_with_aux,
    )
    losses = {k: v for k, v in result.test.items() if k.endswith("loss")}
    # GoogLeNet Sec. 5: total = main + 0.3 * (aux1 + aux2).
    assert losses["loss"] == pytest.approx(
        losses["predictions_loss"] + 0.3 * (losses["aux1_predictions_loss"] + losses["aux2_predictions_loss"]), rel=1e-4
    )
    assert [k for k in result.test if k.endswith("accuracy")] == ["predictions_accuracy"]
    assert result.accuracy == result.test["predictions_accuracy"]


def test_backup_restores_callback_state_and_dropout_rng(tmp_path):
    import numpy as np

    from keras_classics.training import callbacks as cb

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 64)

    def session():
        keras.utils.set_random_seed(1)
        model = tiny((8, 8, 1), 3)
        model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
        plateau, best = cb.PlateauDivider(patience=1), cb.BestEpoch()
        backup = cb.ResumableBackup(
            str(tmp_path / "backup"), cb.stateful_attributes([("lr", plateau), ("best_epoch", best)])
        )
        return model, plateau, best, backup

    model, plateau, best, backup = session()
    assert backup.restore(model) == 0
    model.fit(
        x, y, epochs=4, batch_size=16, validation_data=(x[:16], y[:16]), verbose=0, callbacks=[plateau, best, backup]
    )
    state = (plateau.best, plateau.wait, plateau.drops, best.best, best.best_epoch)
    seeds = [np.asarray(g.state) for g in cb._seed_generators(model)]
    assert seeds  # the dropout layer draws from one
    rate = float(model.optimizer.learning_rate)

    model, plateau, best, backup = session()
    assert backup.restore(model) == 4
    assert float(model.optimizer.learning_rate) == rate
    for generator, value in zip(cb._seed_generators(model), seeds):
        np.testing.assert_array_equal(np.asarray(generator.state), value)
    plateau.on_train_begin()
    backup.on_train_begin()  # after the others, as in fit
    assert (plateau.best, plateau.wait, plateau.drops, best.best, best.best_epoch) == state


def test_an_image_folder_with_broken_files_trains_and_lists_them(tmp_path):
    import io

    import numpy as np

    PIL = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for label in ("ants", "bees"):
        folder = tmp_path / "data" / label
        folder.mkdir(parents=True)
        for i in range(12):
            buffer = io.BytesIO()
            PIL.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).save(buffer, "PNG")
            (folder / f"{i}.png").write_bytes(buffer.getvalue())
    good = (tmp_path / "data" / "ants" / "0.png").read_bytes()
    (tmp_path / "data" / "ants" / "empty.png").write_bytes(b"")
    (tmp_path / "data" / "bees" / "notes.jpg").write_text("not a picture")
    (tmp_path / "data" / "bees" / "cut.png").write_bytes(good[: len(good) // 2])

    run_dir = tmp_path / "run"
    result = train(
        config(
            run_dir,
            data=str(tmp_path / "data"),
            batch_size=4,
            preprocess="vgg",
            extra={"input_shape": [8, 8, 3], "family": "vgg"},
        ),
        model_fn=tiny,
    )
    record = result.record
    assert record["data"]["layout"] == "class folders" and record["data"]["class_names"] == ["ants", "bees"]
    assert sorted(os.path.basename(s["path"]) for s in record["skipped_files"]) == ["cut.png", "empty.png", "notes.jpg"]
    assert len((run_dir / "skipped_files.txt").read_text().splitlines()) == 3
    assert record["data"]["train"] + record["data"]["val"] + record["data"]["test"] == 24
    stats = np.load(run_dir / "stats.npz")
    assert stats["channel_mean"].shape == (3,)  # VGG's mean RGB value


def test_mixed_precision_needs_a_gpu(tmp_path):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="needs a GPU"):
        train(config(tmp_path / "run", mixed_precision=True), model_fn=tiny)


# -- the command line ----------------------------------------------------------
def test_command_trains_a_registered_network(tmp_path, capsys):
    run_dir = tmp_path / "lenet"
    status = main(
        ["train", "lenet5", "--epochs", "1", "--steps-per-epoch", "3", "--run-dir", str(run_dir), "--verbose", "0"]
    )
    assert status == 0
    assert "lenet5 on digits: test accuracy" in capsys.readouterr().out
    record = json.loads((run_dir / "results.json").read_text())
    assert record["data"]["input_shape"] == [32, 32, 1]
    assert record["preprocessing"]["name"] == "lenet"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "lenet5", "--data", "/no/such/folder"], "does not exist"),
        (["train", "lenet_5"], "unknown model 'lenet_5'"),
        (["train", "lenet5", "--input-size", "16"], "does not fit lenet5"),
        (["train", "lenet5", "--batch-size", "5000"], "fewer than one batch"),
    ],
)
def test_command_errors_are_one_line(argv, message, tmp_path, capsys):
    status = main(argv + ["--run-dir", str(tmp_path / "run"), "--verbose", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err[-1].startswith("keras-classics train: error: ") and message in err[-1]


@pytest.mark.slow
def test_lenet5_reaches_97_percent_on_the_digits(tmp_path):
    """The README's main job: ``keras-classics train lenet5``, as typed."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "keras_classics.cli", "train", "lenet5", "--verbose", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    seconds = time.perf_counter() - started
    assert completed.returncode == 0, completed.stderr[-3000:]
    record = json.loads((tmp_path / "runs" / "lenet5" / "results.json").read_text())
    print(f"lenet5: test accuracy {record['test']['accuracy']:.4f} in {seconds:.1f} s")
    assert record["test"]["accuracy"] >= 0.97
    assert completed.stdout.strip().splitlines()[-1].startswith("lenet5 on digits: test accuracy")
