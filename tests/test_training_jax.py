"""Training on Keras's JAX backend, on a machine without TensorFlow.

Every child process here runs with ``KERAS_BACKEND=jax`` and a
``sys.meta_path`` finder that makes ``import tensorflow`` (and any
``tensorflow.*``) raise ModuleNotFoundError: that is how these tests stand
for a JAX-only GPU machine on a machine that has TensorFlow installed.
``XLA_FLAGS=--xla_force_host_platform_device_count=2`` (or the command's
``--cpu-replicas 2``) gives JAX two CPU devices, for
``keras.distribution.DataParallel``.

- ``keras-classics train lenet5`` finishes on the embedded digits, writes
  its run folder, and its best model loads through
  ``keras_classics.load_model`` in a fresh JAX process and, with the same
  predictions, under TensorFlow (in the test's own process).
- DataParallel over two devices splits each batch of 16 into 8 + 8, and
  one step from the same initial weights lands on the weights of the same
  step on one device.
- An image folder trains (Pillow decoding, a broken file skipped).
- A run with dropout interrupted after its second epoch's backup resumes at
  epoch 3 and ends bit-identical to a run that was never interrupted
  (weights, test metrics, every row of metrics.csv).
- ``--cpu-replicas 2`` gives JAX two devices. Several workers, and a
  backend that is not installed, are refused with one line (exit 2) saying
  what works.
- The NumPy pipeline's pieces agree with tf.data's: resizing to one grey
  level, the test transforms and LeNet's distortion to float rounding,
  decoding of every format; a resumed stream serves the same batches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 240

pytest.importorskip("jax")

NO_TENSORFLOW = textwrap.dedent(
    '''
    import importlib.abc, sys


    class NoTensorFlow(importlib.abc.MetaPathFinder):
        """Stands for a machine without TensorFlow: importing it fails."""

        def find_spec(self, name, path=None, target=None):
            if name == "tensorflow" or name.startswith("tensorflow."):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
            return None


    sys.meta_path.insert(0, NoTensorFlow())
    '''
)

COMMAND = NO_TENSORFLOW + textwrap.dedent(
    """
    from keras_classics.cli import main

    status = main(sys.argv[1:])
    assert "tensorflow" not in sys.modules
    sys.exit(status)
    """
)

# Loads a saved model and describes it, with its predictions for fixed
# inputs (a plain call: nothing to compile).
LOAD = textwrap.dedent(
    """
    import keras
    import numpy as np

    import keras_classics


    def load_and_predict(path):
        model = keras_classics.load_model(path)
        images = np.random.default_rng(0).uniform(-0.1, 1.175, (4, 32, 32, 1)).astype("float32")
        return {"backend": keras.backend.backend(), "name": model.name, "optimizer": type(model.optimizer).__name__,
                "predictions": keras.ops.convert_to_numpy(model(images)).tolist()}
    """
)

PRINT_LOADED = textwrap.dedent(
    """
    import json

    print("RESULT " + json.dumps(load_and_predict(sys.argv[1])))
    """
)

DATA_PARALLEL = NO_TENSORFLOW + textwrap.dedent(
    '''
    import json, os

    import keras
    import numpy as np
    from keras.src.backend.jax import distribution_lib as jax_distribution

    from keras_classics.training import TrainConfig, train

    # Keras hands every batch to this function to place it on the devices:
    # record how each image batch was split.
    shards = []
    place = jax_distribution.distribute_data_input


    def recording_place(per_process_batch, layout, batch_dim_name):
        placed = place(per_process_batch, layout, batch_dim_name)
        if np.ndim(per_process_batch) == 4:
            shards.append(sorted([str(s.device), s.data.shape[0]] for s in placed.addressable_shards))
        return placed


    jax_distribution.distribute_data_input = recording_place


    class FirstWeights(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = [w.tolist() for w in self.model.get_weights()]


    class InterruptBeforeEpoch(keras.callbacks.Callback):
        """Ctrl-C at the start of epoch ``epoch`` (0-based), once the
        backup of the epochs before it is committed."""

        def __init__(self, epoch):
            super().__init__()
            self.epoch = epoch

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == self.epoch:
                raise KeyboardInterrupt


    def tiny(input_shape, classes, dropout=0.0):
        inputs = keras.Input(input_shape)
        x = keras.layers.Conv2D(6, 3, activation="relu", name="conv")(inputs)
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name="dropout")(x)
        return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax", name="predictions")(x))


    def tiny_with_dropout(**shapes):
        # Its random generator's state must come back from the backup too.
        return tiny(**shapes, dropout=0.3)


    def last_weights(run_dir):
        model = keras.saving.load_model(os.path.join(run_dir, "last.keras"), compile=False)
        return [w.tolist() for w in model.get_weights()]


    root = sys.argv[1]
    common = dict(model="tiny", verbose=0, batch_size=16, learning_rate=0.05, optimizer="sgd",
                  extra={"input_shape": [8, 8, 1], "family": "lenet"})
    out = {"devices": keras.distribution.list_devices()}
    for strategy in ("default", "mirrored"):
        shards.clear()
        first = FirstWeights()
        result = train(TrainConfig(run_dir=os.path.join(root, strategy), strategy=strategy, epochs=1,
                                   steps_per_epoch=1, **common), model_fn=tiny, callbacks=[first])
        out[strategy] = {"first": first.weights, "last": last_weights(result.run_dir), "shards": list(shards),
                         "distribution": result.record["distribution"], "test": result.test}

    resume = dict(epochs=3, steps_per_epoch=3, strategy="mirrored", **common)
    whole = train(TrainConfig(run_dir=os.path.join(root, "whole"), **resume), model_fn=tiny_with_dropout)
    cut_dir = os.path.join(root, "cut")
    try:
        train(TrainConfig(run_dir=cut_dir, **resume), model_fn=tiny_with_dropout,
              callbacks=[InterruptBeforeEpoch(2)])
    except KeyboardInterrupt:
        with open(os.path.join(cut_dir, "backup", "training_metadata.json")) as handle:
            out["interrupted_after"] = json.load(handle)["epoch"]
    resumed = train(TrainConfig(run_dir=cut_dir, **resume), model_fn=tiny_with_dropout)
    out["whole"] = {"weights": last_weights(whole.run_dir), "test": whole.test,
                    "metrics": open(os.path.join(whole.run_dir, "metrics.csv")).read()}
    out["resumed"] = {"weights": last_weights(cut_dir), "test": resumed.test, "from": resumed.resumed_from,
                      "metrics": open(os.path.join(cut_dir, "metrics.csv")).read()}

    # An image folder, decoded by Pillow every epoch (the digits above are
    # cached in memory).
    result = train(TrainConfig(data=sys.argv[2], run_dir=os.path.join(root, "folder"), cache="none", epochs=1,
                               strategy="mirrored", **{**common, "batch_size": 4}),
                   model_fn=tiny)
    out["folder"] = {"test": result.test, "data": result.record["data"], "skipped": result.record["skipped_files"]}
    out["tensorflow_loaded"] = "tensorflow" in sys.modules
    print("RESULT " + json.dumps(out))
    '''
)


def _env(backend="jax", devices=None):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "XLA_FLAGS")}
    env.update(PYTHONPATH=ROOT, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    if devices:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    return env


def _run(code: str, *args, **env):
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=TIMEOUT, env=_env(**env)
    )


def _result(completed):
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-4000:]
    line = [l for l in completed.stdout.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def _largest_difference(a, b) -> float:
    assert len(a) == len(b)
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def command_run(tmp_path_factory):
    """``keras-classics train lenet5``, no TensorFlow."""
    run_dir = tmp_path_factory.mktemp("jax") / "lenet5"
    argv = ["train", "lenet5", "--epochs", "2", "--steps-per-epoch", "4"]
    completed = _run(COMMAND, *argv, "--run-dir", str(run_dir), "--verbose", "2")
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-4000:]
    return run_dir, completed


def test_the_command_trains_lenet5_without_tensorflow(command_run):
    run_dir, completed = command_run
    assert "lenet5 on digits: test accuracy" in completed.stdout
    for name in ("config.json", "results.json", "best.keras", "last.keras", "metrics.csv", "curves.png"):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "backup" / "training_metadata.json").is_file()
    record = json.loads((run_dir / "results.json").read_text())
    assert record["versions"]["backend"] == "jax" and "tensorflow" not in record["versions"]
    assert record["distribution"]["strategy"] == "default" and record["distribution"]["replicas"] == 1
    assert record["epochs"] == 2 and record["steps_per_epoch"] == 4
    assert 0.0 <= record["test"]["accuracy"] <= 1.0 and np.isfinite(record["test"]["loss"])
    rows = (run_dir / "metrics.csv").read_text().splitlines()
    assert len(rows) == 1 + 2  # header and one row per epoch


def test_the_saved_model_loads_under_jax_and_under_tensorflow(command_run):
    run_dir, _ = command_run
    best = str(run_dir / "best.keras")
    on_jax = _result(_run(NO_TENSORFLOW + LOAD + PRINT_LOADED, best))
    # This process runs the TensorFlow backend.
    namespace = {}
    exec(LOAD, namespace)
    on_tensorflow = namespace["load_and_predict"](best)
    assert (on_jax["backend"], on_tensorflow["backend"]) == ("jax", "tensorflow")
    assert on_jax["name"] == on_tensorflow["name"] == "lenet5"
    assert on_jax["optimizer"] == on_tensorflow["optimizer"]
    predictions = np.asarray(on_jax["predictions"])
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, atol=1e-5)  # softmax rows
    # One file, two backends: the same function up to float rounding.
    np.testing.assert_allclose(predictions, np.asarray(on_tensorflow["predictions"]), atol=1e-5)


def _image_folder(root):
    """Two classes of 7 small images in four formats, and one broken file."""
    from PIL import Image

    rng = np.random.default_rng(4)
    for label, colour in (("red", (200, 30, 30)), ("blue", (30, 30, 200))):
        (root / label).mkdir(parents=True)
        for i, suffix in enumerate(["png", "jpg", "bmp", "gif"] * 2):
            pixels = np.clip(np.array(colour) + rng.integers(-20, 20, (10, 12, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / label / f"{i}.{suffix}")
    (root / "red" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    return root


@pytest.fixture(scope="module")
def data_parallel(tmp_path_factory):
    folder = _image_folder(tmp_path_factory.mktemp("images") / "data")
    return _result(_run(DATA_PARALLEL, str(tmp_path_factory.mktemp("dp")), str(folder), devices=2))


def test_data_parallel_splits_each_batch_and_matches_one_device(data_parallel):
    out = data_parallel
    assert out["devices"] == ["cpu:0", "cpu:1"]
    one, two = out["default"], out["mirrored"]
    assert one["distribution"]["replicas"] == 1 and one["shards"] == []
    assert two["distribution"] == {
        "strategy": "DataParallel",
        "replicas": 2,
        "devices": ["cpu:0", "cpu:1"],
        "batch_per_replica": 8,
    }
    # The training batch of 16 (the first placed) went 8 to each device;
    # every evaluation batch split evenly too, its padding included.
    assert [n for _, n in two["shards"][0]] == [8, 8] and two["shards"][0][0][0] != two["shards"][0][1][0]
    assert all(len(split) == 2 and split[0][1] == split[1][1] for split in two["shards"])
    assert _largest_difference(one["first"], two["first"]) == 0.0
    assert _largest_difference(one["first"], one["last"]) > 1e-3  # the step moved the weights
    # The same global batch and mean gradient, reduced in another order:
    # float32 rounding only.
    assert _largest_difference(one["last"], two["last"]) < 1e-6
    assert one["test"]["accuracy"] == pytest.approx(two["test"]["accuracy"], abs=1e-6)
    assert one["test"]["loss"] == pytest.approx(two["test"]["loss"], rel=1e-5)


def test_an_interrupted_run_resumes_bit_identical_under_jax(data_parallel):
    out = data_parallel
    assert out["interrupted_after"] == 2
    assert out["resumed"]["from"] == 2
    assert _largest_difference(out["whole"]["weights"], out["resumed"]["weights"]) == 0.0
    assert out["whole"]["test"] == out["resumed"]["test"]
    assert out["whole"]["metrics"] == out["resumed"]["metrics"]  # every epoch's row
    assert out["tensorflow_loaded"] is False


def test_several_workers_are_refused_in_one_line(tmp_path):
    run_dir = tmp_path / "run"
    completed = _run(COMMAND, "train", "lenet5", "--strategy", "multiworker", "--run-dir", str(run_dir))
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert "needs the TensorFlow backend" in lines[0] and "DataParallel" in lines[0]
    assert not run_dir.exists()


# -- the NumPy input pipeline against tf.data's (in this process) -------------------------
def _stats(name):
    from keras_classics.training.augment import Stats

    return Stats(
        # AlexNet's 256 for a 224 crop: round(32 * 256 / 224) = 37; the
        # CIFAR ResNets' mean image is the input's size.
        mean_image=np.full({"alexnet": (37, 37, 3), "resnet_cifar": (32, 32, 3)}.get(name, (1, 1, 3)), 0.5, np.float32),
        channel_mean=np.array([0.5, 0.4, 0.3], np.float32),
        channel_std=np.array([0.2, 0.2, 0.2], np.float32),
        eigval=np.array([0.2, 0.02, 0.005], np.float32),
        eigvec=np.eye(3, dtype=np.float32),
    )


@pytest.mark.parametrize("name", ["alexnet", "lenet", "resnet", "resnet_cifar", "unit", "vgg"])
def test_numpy_transforms_match_tensorflow_to_one_grey_level(name):
    import tensorflow as tf

    from keras_classics.training.augment import NumpyTransforms, Transforms, get_scheme

    image = np.random.default_rng(0).integers(0, 256, (40, 52, 3), dtype=np.uint8)
    with_tf = Transforms(get_scheme(name), 32, 3, stats=_stats(name))
    with_numpy = NumpyTransforms(get_scheme(name), 32, 3, stats=_stats(name))
    for training in (True, False):
        # Pillow and TensorFlow resize with the same antialiased bilinear
        # filter; each rounds to uint8 on its own.
        a = with_tf.load(tf.constant(image), training=training).numpy()
        b = with_numpy.load(image, training=training)
        assert a.shape == b.shape and b.dtype == np.uint8
        assert np.abs(a.astype(int) - b).max() <= 1
    # From the same cached image, the test transforms (crop, normalisation)
    # agree to float rounding.
    loaded = with_numpy.load(image, training=False)
    expected = with_tf.test(tf.constant(loaded)).numpy()
    np.testing.assert_allclose(with_numpy.test(loaded), expected, rtol=1e-6, atol=1e-5)
    first = with_numpy.train(with_numpy.load(image), (1, 2, 3))
    assert first.shape == (32, 32, 3)
    np.testing.assert_array_equal(first, with_numpy.train(with_numpy.load(image), (1, 2, 3)))
    assert not np.array_equal(first, with_numpy.train(with_numpy.load(image), (1, 2, 4)))


def test_lenet_distortion_resamples_like_tensorflow():
    import tensorflow as tf

    from keras_classics.training.augment import NumpyTransforms, affine_warp, get_scheme

    x = np.random.default_rng(1).random((32, 32, 1)).astype(np.float32)
    transforms = NumpyTransforms(get_scheme("lenet"), 32, 1)
    # Draws three times the paper-scale limits: pixels fall outside too.
    for u in np.random.default_rng(2).uniform(-3, 3, (4, 5)):
        a0, a1, a2, b1, b2 = transforms._distortion(u)
        expected = tf.raw_ops.ImageProjectiveTransformV3(
            images=x[None],
            transforms=tf.constant([[a0, a1, a2, 0.0, b1, b2, 0.0, 0.0]], tf.float32),
            output_shape=[32, 32],
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="CONSTANT",
        )[0].numpy()
        np.testing.assert_allclose(affine_warp(x, a0, a1, a2, b1, b2), expected, atol=1e-5)


def test_pillow_decodes_every_format_as_tensorflow_does(tmp_path):
    import tensorflow as tf
    from PIL import Image

    from keras_classics.training import data, numpy_data

    colours = np.random.default_rng(3).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    for fmt, mode, suffix in (("PNG", "RGB", "png"), ("GIF", "P", "gif"), ("BMP", "RGB", "bmp"), ("PNG", "L", "l.png")):
        path = str(tmp_path / f"image.{suffix}")
        Image.fromarray(colours).convert(mode).save(path, fmt)
        for channels in (1, 3):
            ours = numpy_data.decode(path, channels, False)
            theirs = data.decode(tf.constant(path), channels, False).numpy()
            assert ours.shape == theirs.shape == (10, 12, channels), (suffix, channels)
            assert np.abs(ours.astype(int) - theirs).max() <= 1, (suffix, channels)


def test_a_resumed_stream_serves_the_batches_of_the_uninterrupted_one():
    from keras_classics.training import data, numpy_data
    from keras_classics.training.augment import NumpyTransforms, get_scheme

    source = data.load_digits()
    transforms = NumpyTransforms(get_scheme("lenet"), 32, 1)

    def stream(first_epoch, cache):
        return numpy_data.train_dataset(
            source, transforms, batch_size=8, steps_per_epoch=3, first_epoch=first_epoch, epochs=4, seed=5, cache=cache
        )

    whole, resumed = stream(0, cache=True), stream(2, cache=False)
    assert len(whole) == 12 and len(resumed) == 6
    for step in range(6):
        x, y = whole[6 + step]
        x_again, y_again = resumed[step]
        np.testing.assert_array_equal(x, x_again)
        np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(whole[0][0], whole[3][0])  # epochs differ
    labels = np.concatenate([whole[i][1] for i in range(3)])
    assert len(set(labels.tolist())) > 5  # a shuffle, not one class after another


def test_an_image_folder_trains_without_tensorflow(data_parallel):
    run = data_parallel["folder"]
    assert [item["path"].endswith("broken.png") for item in run["skipped"]] == [True]
    assert run["data"]["classes"] == 2 and run["data"]["cached"] is False
    assert run["data"]["train"] + run["data"]["val"] + run["data"]["test"] == 16
    assert 0.0 <= run["test"]["accuracy"] <= 1.0


def test_cpu_replicas_splits_the_cpu_for_jax(tmp_path):
    # Two devices make DataParallel the automatic choice, and a global batch
    # of 15 cannot be split between them: refused before anything is built.
    run_dir = tmp_path / "run"
    completed = _run(COMMAND, "train", "lenet5", "--cpu-replicas", "2", "--batch-size", "15", "--run-dir", str(run_dir))
    assert completed.returncode == 2
    assert "does not split evenly across 2 replicas" in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert not run_dir.exists()


def test_a_missing_backend_is_named_in_one_line(tmp_path):
    # Keras's default backend, TensorFlow, on a machine without it.
    run_dir = tmp_path / "run"
    completed = _run(COMMAND, "train", "lenet5", "--run-dir", str(run_dir), backend="tensorflow")
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert "(tensorflow," in lines[0] and "KERAS_BACKEND=jax" in lines[0]
    assert not run_dir.exists()
