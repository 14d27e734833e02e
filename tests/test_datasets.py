"""The bundled shapes set and the named data sets of ``--data``.

Shapes: the same seed gives the same bytes (in this process and in a fresh
one), the shapes and dtypes of the keras.datasets convention, balanced
classes, a damaged cache drawn again, argument errors that say what is
right, classes that differ, and pixels a linear classifier cannot read.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_classics.datasets import shapes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("KERAS_CLASSICS_CACHE", str(folder))
    return folder


def _sha(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# -- determinism ----------------------------------------------------------------
def test_same_seed_same_bytes_in_process_and_in_a_fresh_process():
    x, y = shapes.render(30, seed=7)
    again_x, again_y = shapes.render(30, seed=7)
    assert np.array_equal(x, again_x) and np.array_equal(y, again_y)
    code = (
        "import hashlib, numpy as np\n"
        "from keras_classics.datasets import shapes\n"
        "x, y = shapes.render(30, seed=7)\n"
        "h = hashlib.sha256(); h.update(x.tobytes()); h.update(y.tobytes()); print(h.hexdigest())\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == _sha(x, y)


def test_another_seed_gives_other_images():
    x, _ = shapes.render(30, seed=7)
    other, _ = shapes.render(30, seed=8)
    assert not np.array_equal(x, other)


def test_a_smaller_set_is_a_prefix_and_the_test_set_does_not_depend_on_the_training_size(cache):
    (x_small, y_small), (t_small, _) = shapes.load_data(train_size=40, test_size=20, seed=3)
    (x_big, y_big), (t_big, _) = shapes.load_data(train_size=90, test_size=20, seed=3)
    assert np.array_equal(x_small, x_big[:40]) and np.array_equal(y_small, y_big[:40])
    assert np.array_equal(t_small, t_big)
    # The test images are not the training images.
    assert not np.array_equal(t_small, x_big[:20])


def test_64_pixels_draw_the_same_scenes():
    x32, y32 = shapes.render(20, seed=1, image_size=32, options=shapes.CLEAN)
    x64, y64 = shapes.render(20, seed=1, image_size=64, options=shapes.CLEAN)
    assert np.array_equal(y32, y64)
    # Averaging 2x2 pixels of the 64x64 render gives the 32x32 render up to
    # the edges' anti-aliasing (a one-pixel ramp at either resolution).
    pooled = x64.astype(float).reshape(20, 32, 2, 32, 2, 3).mean(axis=(2, 4))
    assert np.mean(np.abs(pooled - x32)) < 12


# -- the keras.datasets convention -------------------------------------------------
def test_shapes_and_dtypes(cache):
    (x_train, y_train), (x_test, y_test) = shapes.load_data(train_size=25, test_size=15, image_size=64)
    assert x_train.shape == (25, 64, 64, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (25,) and y_train.dtype == np.uint8
    assert x_test.shape == (15, 64, 64, 3) and y_test.shape == (15,)
    assert set(np.unique(y_train)) <= set(range(10))
    assert len(shapes.CLASS_NAMES) == 10 == len(set(shapes.CLASS_NAMES))


def test_class_balance():
    # Every run of ten consecutive images holds each class once, so the
    # counts of any prefix differ by at most one.
    _, y = shapes.render(shapes.CHUNK + 37, seed=2)
    counts = np.bincount(y, minlength=10)
    assert counts.max() - counts.min() <= 1
    assert counts.sum() == shapes.CHUNK + 37
    assert sorted(y[:10].tolist()) == list(range(10))


def test_the_defaults_are_the_promised_sizes():
    import inspect

    defaults = inspect.signature(shapes.load_data).parameters
    assert defaults["test_size"].default >= 10_000
    assert defaults["image_size"].default == 32


# -- the cache ---------------------------------------------------------------------
def test_the_cache_is_written_and_read_back(cache):
    first = shapes.load_data(train_size=12, test_size=12, seed=4)
    files = sorted(p.name for p in cache.rglob("*.npz"))
    assert files == ["test-00000.npz", "train-00000.npz"]
    assert not list(cache.rglob(".part-*")), "no temporary file is left behind"
    second = shapes.load_data(train_size=12, test_size=12, seed=4)
    assert np.array_equal(first[0][0], second[0][0])


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip_pixel"])
def test_a_damaged_cache_is_drawn_again(cache, damage):
    (x, y), _ = shapes.load_data(train_size=12, test_size=1, seed=5)
    (path,) = cache.rglob("train-00000.npz")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a cache file")
    else:
        # Change one stored pixel and keep the file valid: the digest catches it.
        with np.load(path) as stored:
            kept = {key: stored[key].copy() for key in stored.files}
        kept["x"][0, 0, 0, 0] ^= 1
        np.savez(path, **kept)
    (x_again, y_again), _ = shapes.load_data(train_size=12, test_size=1, seed=5)
    assert np.array_equal(x, x_again) and np.array_equal(y, y_again)
    # And the file was rewritten whole.
    assert shapes._read_block(str(path), 32) is not None


def test_cache_false_writes_nothing(cache):
    shapes.load_data(train_size=5, test_size=5, cache=False)
    assert not cache.exists()


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_CLASSICS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert shapes.cache_dir() == os.path.join(str(tmp_path), "keras_classics")
    monkeypatch.setenv("KERAS_CLASSICS_CACHE", str(tmp_path / "mine"))
    assert shapes.cache_dir() == str(tmp_path / "mine")


# -- argument errors -----------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"image_size": 48}, "image_size must be one of 32, 64"),
        ({"train_size": 0}, "train_size must be at least 1"),
        ({"test_size": 2.5}, "test_size must be a whole number"),
        ({"seed": -1}, "seed must be a whole number 0 or more"),
    ],
)
def test_argument_errors_say_what_is_right(cache, kwargs, words):
    with pytest.raises((ValueError, TypeError), match=words):
        shapes.load_data(**{"train_size": 5, "test_size": 5, **kwargs})


# -- the classes can be told apart, but not by a linear read of the pixels -----------
def test_each_class_has_its_own_mask():
    masks = shapes.canonical_masks(32) > 0.5
    assert masks.shape == (10, 32, 32)
    for a in range(10):
        assert masks[a].sum() > 40, shapes.CLASS_NAMES[a]
        for b in range(a):
            differ = np.logical_xor(masks[a], masks[b]).mean()
            assert differ > 0.04, (shapes.CLASS_NAMES[a], shapes.CLASS_NAMES[b], differ)


def test_clean_upright_renders_are_recognised_by_nearest_class_mean():
    # Without pose, background, clutter, occluder, colour or noise every
    # image of a class is the same: the nearest class mean must be exact.
    plain = shapes.Options(pose=False, background=False, colour=False, clutter=False, occluder=False, noise=False)
    x, y = shapes.render(100, seed=0, options=plain)
    flat = x.reshape(len(x), -1).astype(float)
    means = np.stack([flat[y == k].mean(axis=0) for k in range(10)])
    distance = ((flat[:, None, :] - means[None]) ** 2).sum(axis=-1)
    assert (distance.argmin(axis=1) == y).mean() == 1.0


def test_logistic_regression_on_the_pixels_stays_far_below_a_cnn_free_ceiling():
    from sklearn.linear_model import LogisticRegression

    x, y = shapes.render(2000, seed=11)
    xt, yt = shapes.render(1000, seed=11, split="test")
    scale = np.float32(1.0 / 255.0)
    # Strong regularisation: it converges in about 70 iterations (seconds).
    model = LogisticRegression(C=1e-3, max_iter=100)
    model.fit(x.reshape(len(x), -1) * scale, y)
    accuracy = model.score(xt.reshape(len(xt), -1) * scale, yt)
    # 60% is the data card's ceiling for a linear read of the pixels.
    assert accuracy < 0.60, accuracy


# -- --data names --------------------------------------------------------------------
def test_names_parse_and_bad_shapes_names_say_what_is_right():
    from keras_classics.datasets import named

    assert named.parse("shapes") == named.Named("shapes", None, 32)
    assert named.parse("shapes:5000") == named.Named("shapes", 5000, 32)
    assert named.parse("shapes-64:300") == named.Named("shapes", 300, 64)
    assert str(named.parse("shapes-64:300")) == "shapes-64:300"
    assert named.parse("cifar100") == named.Named("cifar100")
    # Anything else is a folder.
    assert named.parse("runs/my_images") is None and named.parse("shapes_folder") is None
    with pytest.raises(ValueError, match="32 or 64 pixels"):
        named.parse("shapes-48")
    with pytest.raises(ValueError, match="at least 1"):
        named.parse("shapes:0")


def test_train_source_from_shapes(cache, monkeypatch):
    from keras_classics.training import data as data_lib

    monkeypatch.setattr(shapes, "DEFAULT_TEST", 30)
    source = data_lib.load_source("shapes:100", val_fraction=0.2, test_fraction=0.15, seed=1)
    assert source.in_memory and source.image_channels == 3
    assert source.class_names == list(shapes.CLASS_NAMES)
    # Ten images of each class; 20% of each class to validation.
    assert len(source.train) == 80 and len(source.val) == 20 and len(source.test) == 30
    assert np.bincount(source.val.labels, minlength=10).tolist() == [2] * 10
    x, y = shapes.load_data(train_size=100, test_size=30)[1]
    assert np.array_equal(source.test.items, x) and np.array_equal(source.test.labels, y)


_KERAS_SETS = r"""
import gzip, io, json, os, pickle, sys, tarfile, urllib.error
import numpy as np

home = os.environ["KERAS_HOME"]
datasets = os.path.join(home, "datasets")
os.makedirs(os.path.join(datasets, "fashion-mnist"), exist_ok=True)
rng = np.random.default_rng(0)

# MNIST: one .npz of four arrays.
mnist = {"x_train": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), "y_train": np.arange(30, dtype=np.uint8) % 10,
         "x_test": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8), "y_test": np.arange(12, dtype=np.uint8) % 10}
np.savez(os.path.join(datasets, "mnist.npz"), **mnist)

# Fashion-MNIST: gzipped IDX files (magic 2049 for labels, 2051 for images, big-endian).
def idx(path, array):
    header = np.array([2049 if array.ndim == 1 else 2051, *array.shape], dtype=">i4").tobytes()
    with gzip.open(path, "wb") as out:
        out.write(header + array.tobytes())
fashion = {k: v[::-1].copy() for k, v in mnist.items()}
for name, key in [("train-images-idx3-ubyte.gz", "x_train"), ("train-labels-idx1-ubyte.gz", "y_train"),
                  ("t10k-images-idx3-ubyte.gz", "x_test"), ("t10k-labels-idx1-ubyte.gz", "y_test")]:
    idx(os.path.join(datasets, "fashion-mnist", name), fashion[key])

# CIFAR: pickled dicts of bytes keys; each row is 1024 red, 1024 green, 1024 blue values.
def cifar_rows(n, offset):
    rows = np.zeros((n, 3, 32, 32), dtype=np.uint8)
    rows[:, 0] = (np.arange(n) + offset)[:, None, None] % 251
    rows[:, 1] = 100
    rows[:, 2, 0, 1] = 7  # blue, row 0, column 1
    return rows.reshape(n, 3072)

def tar(path, folder, members):
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for name, payload in members.items():
            # Protocol 3: the published files are Python 2 pickles, whose byte
            # strings Python 3 cannot write; keras's unpickler reads both.
            data = pickle.dumps(payload, protocol=3)
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

members = {f"data_batch_{i}": {b"data": cifar_rows(10000, 10000 * (i - 1)), b"labels": [j % 10 for j in range(10000)]}
           for i in range(1, 6)}
members["test_batch"] = {b"data": cifar_rows(20, 0), b"labels": [j % 10 for j in range(20)]}
tar(os.path.join(datasets, "cifar-10-batches-py-target_archive"), "cifar-10-batches-py", members)
tar(os.path.join(datasets, "cifar-100-python-target_archive"), "cifar-100-python", {
    "train": {b"data": cifar_rows(40, 0), b"fine_labels": [j % 100 for j in range(40)], b"coarse_labels": [0] * 40},
    "test": {b"data": cifar_rows(10, 3), b"fine_labels": [99 - j for j in range(10)], b"coarse_labels": [1] * 10},
})

# The stand-ins do not have the published files' hashes, which keras checks
# before reading; nothing may be downloaded either.
import keras.src.utils.file_utils as file_utils
file_utils.validate_file = lambda *args, **kwargs: True
def offline(*args, **kwargs):
    raise urllib.error.URLError("no network in the tests")
file_utils.urlretrieve = offline

from keras_classics.datasets import named
out = {}
for name in ("mnist", "fashion_mnist", "cifar10", "cifar100"):
    (x, y), (xt, yt) = named.load(name, timeout_s=60)
    out[name] = {"shape": list(x.shape), "test_shape": list(xt.shape), "dtype": str(x.dtype), "y_dtype": str(y.dtype),
                 "y": y[:12].tolist(), "yt": yt[:10].tolist(), "sum0": int(x[0].astype(int).sum())}
    if name.startswith("cifar"):
        out[name]["pixel"] = x[5, 0, 0].tolist(), int(x[0, 0, 1, 2]), int(x[0, 1, 0, 2])
out["mnist_sum0"] = int(mnist["x_train"][0].astype(int).sum())
out["fashion_sum0"] = int(fashion["x_train"][0].astype(int).sum())
os.remove(os.path.join(datasets, "mnist.npz"))
try:
    named.load("mnist", timeout_s=30)
except OSError as error:
    out["missing"] = str(error)
print(json.dumps(out))
"""


def test_keras_datasets_are_read_by_keras_own_code_from_files_in_their_formats(tmp_path):
    import json

    env = dict(
        os.environ,
        KERAS_HOME=str(tmp_path / "keras_home"),
        PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    result = subprocess.run([sys.executable, "-c", _KERAS_SETS], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    mnist, fashion = out["mnist"], out["fashion_mnist"]
    assert mnist["shape"] == [30, 28, 28, 1] and mnist["test_shape"] == [12, 28, 28, 1]
    assert mnist["dtype"] == "uint8" and mnist["y_dtype"] == "int32"
    assert mnist["y"] == [i % 10 for i in range(12)] and mnist["sum0"] == out["mnist_sum0"]
    # Fashion-MNIST's stand-in is MNIST's reversed.
    assert fashion["shape"] == [30, 28, 28, 1] and fashion["y"] == [(29 - i) % 10 for i in range(12)]
    assert fashion["sum0"] == out["fashion_sum0"]
    cifar10, cifar100 = out["cifar10"], out["cifar100"]
    # CIFAR-10's loader always reads 5 x 10,000 training images.
    assert cifar10["shape"] == [50000, 32, 32, 3] and cifar10["test_shape"] == [20, 32, 32, 3]
    # Rows become (height, width, channel): image 5 is red 5, green 100;
    # the blue 7 sits at row 0, column 1, not row 1, column 0.
    assert cifar10["pixel"] == [[5, 100, 0], 7, 0]
    assert cifar10["y"] == [i % 10 for i in range(12)] and cifar10["y_dtype"] == "int32"
    assert cifar100["shape"] == [40, 32, 32, 3] and cifar100["yt"] == [99 - i for i in range(10)]
    # Nothing cached and no internet: a message that says where the file goes.
    missing = out["missing"]
    assert missing.startswith("MNIST could not be downloaded"), missing
    assert os.path.join("keras_home", "datasets", "mnist.npz") in missing and "--data shapes" in missing


def test_lab_data_from_shapes_keeps_validation_apart_from_training(cache, monkeypatch):
    from keras_classics.lab import data as lab_data

    monkeypatch.setattr(lab_data, "SHAPES_VAL_IMAGES", 20)
    monkeypatch.setattr(lab_data, "SHAPES_TEST_IMAGES", 30)
    lab = lab_data.load("shapes:50", 32)
    assert lab.x_train.shape == (50, 32, 32, 3) and lab.x_val.shape == (20, 32, 32, 3)
    assert lab.x_test.shape == (30, 32, 32, 3) and lab.classes == 10
    (x, y), (_, y_test) = shapes.load_data(train_size=70, test_size=30)
    # Training is the stream's first 50 images, validation the next 20.
    assert np.array_equal(lab.y_train, y[:50]) and np.array_equal(lab.y_val, y[50:])
    assert np.array_equal(lab.y_test, y_test)
    # One mean and one spread, from the training pixels, for every split.
    assert abs(float(lab.x_train.mean())) < 1e-4 and abs(float(lab.x_train.std()) - 1) < 1e-3
    assert "shapes:50" in lab.description() and "shapes:50" in lab.description("zh")


def test_visualize_reads_shapes_test_images_in_the_network_channels(cache, monkeypatch):
    from keras_classics import visualize_cli

    monkeypatch.setattr(shapes, "DEFAULT_TEST", 12)
    colour = visualize_cli.data_images("shapes:100", 3, 5)
    grey = visualize_cli.data_images("shapes:100", 1, 5)
    (_, _), (x_test, _) = shapes.load_data(train_size=100, test_size=12)
    assert len(colour) == 5 and np.array_equal(np.stack(colour), x_test[:5])
    assert np.stack(grey).shape == (5, 32, 32, 1)
    # ITU-R 601 luma, as the training pipeline converts colour to grey.
    luma = x_test[:5].astype(float) @ np.array([0.2989, 0.5870, 0.1140])
    assert np.max(np.abs(np.stack(grey)[..., 0] - luma)) <= 1.0
