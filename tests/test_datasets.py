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
