"""Training data: splits, image folders and their bad cases, the papers'
transforms, and the per-epoch pipeline a resumed run depends on.

Expected values come from the definitions (LeNet-5's -0.1/1.175 scaling,
a centre crop's position, the split fractions), not from running the code.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

from keras_classics.training import data as data_lib
from keras_classics.training.augment import SCHEMES, Stats, Transforms, get_scheme

PIL = pytest.importorskip("PIL.Image", reason="pillow writes the test images")


def _png_bytes(height=12, width=16, seed=0, mode="RGB"):
    rng = np.random.default_rng(seed)
    shape = (height, width, 3) if mode == "RGB" else (height, width)
    buffer = io.BytesIO()
    PIL.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(buffer, "PNG")
    return buffer.getvalue()


def _write(path, payload: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)


def make_folder(root, classes=("cat", "dog"), per_class=6, size=(12, 16)):
    for c, name in enumerate(classes):
        for i in range(per_class):
            _write(root / name / f"{i}.png", _png_bytes(*size, seed=100 * c + i))
    return root


# -- splits -------------------------------------------------------------------
def test_stratified_split_is_seeded_disjoint_and_per_class():
    labels = np.repeat(np.arange(4), 20)
    train, val, test = data_lib.stratified_split(labels, 0.15, 0.25, seed=3)
    again = data_lib.stratified_split(labels, 0.15, 0.25, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, val, test), again))
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(80))
    # Per class of 20: round(20 * 0.25) = 5 test, round(20 * 0.15) = 3 val.
    for label in range(4):
        assert (labels[test] == label).sum() == 5
        assert (labels[val] == label).sum() == 3
    other = data_lib.stratified_split(labels, 0.15, 0.25, seed=4)
    assert not np.array_equal(test, other[2])


def test_digits_are_embedded_and_split():
    source = data_lib.load_digits(0.15, 0.15, seed=1)
    # scikit-learn ships 1,797 8x8 digits in 10 classes.
    assert len(source.train) + len(source.val) + len(source.test) == 1797
    assert source.classes == 10
    assert source.train.items.shape[1:] == (8, 8, 1) and source.train.items.dtype == np.uint8
    assert source.train.items.max() == 255  # 16, full ink, maps to 255
    assert 250 <= len(source.test) <= 290


# -- image folders and bad data ----------------------------------------------
def test_class_folders_are_found_and_split(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=10)
    _write(tmp_path / "pets" / "cat" / "notes.txt", b"not an image")
    _write(tmp_path / "pets" / "dog" / ".hidden.png", b"")
    source = data_lib.scan_folder(root, 0.2, 0.2, seed=0)
    assert source.class_names == ["cat", "dog"]
    assert (len(source.train), len(source.val), len(source.test)) == (12, 4, 4)
    assert source.ignored_files == 1 and not source.skipped
    assert all(p.endswith(".png") for p in source.train.items)


def test_train_val_layout_halves_val_into_validation_and_test(tmp_path):
    make_folder(tmp_path / "data" / "train", per_class=5)
    make_folder(tmp_path / "data" / "val", per_class=4)
    source = data_lib.scan_folder(tmp_path / "data")
    assert len(source.train) == 10
    assert (len(source.val), len(source.test)) == (4, 4)
    assert "halved" in source.layout


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data_lib.scan_folder(tmp_path / "nowhere")


def test_a_file_is_not_a_data_folder(tmp_path):
    _write(tmp_path / "one.png", _png_bytes())
    with pytest.raises(NotADirectoryError, match="not a folder"):
        data_lib.scan_folder(tmp_path / "one.png")


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no class sub-folders"):
        data_lib.scan_folder(tmp_path / "empty")


def test_images_without_class_folders_get_a_hint(tmp_path):
    _write(tmp_path / "flat" / "a.png", _png_bytes())
    with pytest.raises(ValueError, match="own sub-folder"):
        data_lib.scan_folder(tmp_path / "flat")


def test_class_folder_without_images_is_named(tmp_path):
    root = make_folder(tmp_path / "pets")
    (root / "bird").mkdir()
    _write(root / "bird" / "readme.txt", b"no images here")
    with pytest.raises(ValueError, match=r"without usable images: .*bird"):
        data_lib.scan_folder(root)


def test_class_folder_of_only_broken_files_says_so(tmp_path):
    root = make_folder(tmp_path / "pets")
    _write(root / "bird" / "a.jpg", b"")
    _write(root / "bird" / "b.jpg", b"GIF? no, plain text")
    with pytest.raises(ValueError, match=r"bird \(2 skipped"):
        data_lib.scan_folder(root)


def test_one_class_is_not_enough(tmp_path):
    root = make_folder(tmp_path / "pets", classes=("cat",), per_class=10)
    with pytest.raises(ValueError, match="at least 2"):
        data_lib.scan_folder(root)


def test_too_few_images_for_the_splits(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=1)
    with pytest.raises(ValueError, match="split is empty"):
        data_lib.scan_folder(root)


def test_empty_and_non_image_files_are_skipped_and_listed(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=8)
    _write(root / "cat" / "empty.jpg", b"")
    _write(root / "dog" / "text.png", b"hello, I am not a PNG")
    source = data_lib.scan_folder(root)
    reasons = dict((os.path.basename(p), why) for p, why in source.skipped)
    assert reasons == {"empty.jpg": "empty file", "text.png": "not a JPEG, PNG, GIF or BMP file"}
    assert len(source.train) + len(source.val) + len(source.test) == 16


def test_truncated_image_is_caught_by_verification(tmp_path):
    root = make_folder(tmp_path / "pets", per_class=8)
    whole = _png_bytes(seed=7)
    _write(root / "dog" / "truncated.png", whole[: len(whole) // 2])
    source = data_lib.scan_folder(root, seed=0)
    assert not source.skipped  # the header is a PNG's
    verified = data_lib.verify_images(source, channels=3, mode="yes")
    assert [os.path.basename(p) for p, _ in verified.skipped] == ["truncated.png"]
    everything = list(verified.train.items) + list(verified.val.items) + list(verified.test.items)
    assert not any(p.endswith("truncated.png") for p in everything)
    assert len(everything) == 16


def test_a_corrupt_file_does_not_stop_the_pipeline(tmp_path):
    """Layer 3: a file that fails to decode mid-run is dropped and counted;
    every epoch still yields all its batches."""
    root = make_folder(tmp_path / "pets", per_class=8)
    source = data_lib.scan_folder(root, 0.125, 0.125, seed=0)
    whole = _png_bytes(seed=9)
    broken = tmp_path / "broken.png"
    _write(broken, whole[: len(whole) // 2])
    source.train = data_lib.Split(
        list(source.train.items) + [str(broken)], np.append(source.train.labels, 0).astype(np.int32)
    )
    transforms = Transforms(get_scheme("unit"), 8, 3)
    steps = len(source.train) // 4
    for cache in (True, False):
        dataset = data_lib.train_dataset(
            source,
            transforms,
            batch_size=4,
            steps_per_epoch=steps,
            first_epoch=0,
            epochs=2,
            seed=1,
            cache=cache,
        )
        batches = list(dataset.as_numpy_iterator())
        assert len(batches) == 2 * steps
        assert all(x.shape == (4, 8, 8, 3) for x, _ in batches)
    assert source.dropped_while_loading == 1


# -- transforms ----------------------------------------------------------------
def test_lenet_scaling_is_the_papers():
    import tensorflow as tf

    t = Transforms(get_scheme("lenet"), 32, 1, augment=False)
    background = t.test(t.load(tf.zeros([8, 8, 1], tf.uint8), training=False))
    ink = t.test(t.load(tf.fill([8, 8, 1], tf.constant(255, tf.uint8)), training=False))
    # Sec. II.A: background -0.1, foreground 1.175.
    np.testing.assert_allclose(background.numpy(), -0.1, atol=1e-6)
    np.testing.assert_allclose(ink.numpy(), 1.175, atol=1e-6)
    assert background.shape == (32, 32, 1)


def test_scheme_sides_scale_with_the_input():
    # AlexNet: 256 for a 224 crop, so 64 * 256 / 224 = 73.1 -> 73 for a 64 crop.
    t = Transforms(get_scheme("alexnet"), 64, 3)
    assert t.train_sides == (73, 73) and t.test_side == 73
    # VGG: S in [256, 512] -> [73, 146]; Q = 384 -> 110.
    t = Transforms(get_scheme("vgg"), 64, 3)
    assert t.train_sides == (73, 146) and t.test_side == 110 and t.load_side(True) == 146
    t = Transforms(get_scheme("vgg"), 64, 3, augment=False)
    assert t.load_side(True) == 110


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_every_scheme_gives_the_input_shape_deterministically(name):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    image = tf.constant(rng.integers(0, 256, (40, 52, 3), dtype=np.uint8))
    stats = Stats(
        # AlexNet's 256 for a 224 crop: round(32 * 256 / 224) = 37; the
        # CIFAR ResNets' mean image is the input's size.
        mean_image=np.full({"alexnet": (37, 37, 3), "resnet_cifar": (32, 32, 3)}.get(name, (1, 1, 3)), 0.5, np.float32),
        channel_mean=np.array([0.5, 0.4, 0.3], np.float32),
        channel_std=np.array([0.2, 0.2, 0.2], np.float32),
        eigval=np.array([0.2, 0.02, 0.005], np.float32),
        eigvec=np.eye(3, dtype=np.float32),
    )
    t = Transforms(get_scheme(name), 32, 3, stats=stats)
    loaded = t.load(image, training=True)
    seed = tf.constant([5, 6], tf.int64)
    a, b = t.train(loaded, seed), t.train(loaded, seed)
    assert a.shape == (32, 32, 3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    others = [t.train(loaded, tf.constant([5, s], tf.int64)).numpy() for s in range(7, 11)]
    assert any(not np.array_equal(a.numpy(), o) for o in others)
    test = t.test(t.load(image, training=False))
    assert test.shape == (32, 32, 3)


def test_centre_crop_takes_the_middle():
    import tensorflow as tf

    from keras_classics.training.augment import center_crop

    image = tf.reshape(tf.range(36), [6, 6, 1])
    crop = center_crop(image, 2).numpy()[..., 0]
    # Rows and columns 2 and 3 of a 6x6 grid numbered row by row.
    np.testing.assert_array_equal(crop, [[14, 15], [20, 21]])


def test_mean_image_and_pca_lighting():
    import tensorflow as tf

    stats = Stats(
        mean_image=np.full((37, 37, 3), 0.25, np.float32),
        eigval=np.array([0.1, 0.0, 0.0], np.float32),
        eigvec=np.eye(3, dtype=np.float32),
    )
    t = Transforms(get_scheme("alexnet"), 32, 3, augment=False, stats=stats)
    grey = tf.fill([37, 37, 3], tf.constant(64, tf.uint8))
    # (64/255 - 0.25) * 255 = 0.25: Caffe's 0..255 scale minus the mean image.
    np.testing.assert_allclose(t.test(grey).numpy(), 64 - 63.75, atol=1e-3)
    # Lighting moves every pixel by the same RGB shift along eigvec 0 only.
    t = Transforms(get_scheme("alexnet"), 32, 3, stats=stats)
    shift = t._lighting(tf.zeros([4, 4, 3]), tf.constant([1, 2], tf.int64)).numpy()
    assert np.ptp(shift.reshape(-1, 3), axis=0).max() < 1e-7
    assert shift[0, 0, 0] != 0 and shift[0, 0, 1] == 0 and shift[0, 0, 2] == 0


def test_stats_come_from_the_training_pixels():
    source = data_lib.load_digits(seed=0)
    t = Transforms(get_scheme("resnet"), 8, 1)
    stats = data_lib.compute_stats(source, t, seed=0, limit=300)
    assert stats.channel_mean.shape == (1,) and 0 < stats.channel_mean[0] < 1
    assert stats.channel_std[0] > 0.1
    # One channel: the covariance's eigenvalue is the variance.
    np.testing.assert_allclose(stats.eigval[0], stats.channel_std[0] ** 2, rtol=1e-4)


# -- the per-epoch stream ------------------------------------------------------
def _stream(source, first_epoch, epochs, **kw):
    t = Transforms(
        get_scheme("resnet"),
        8,
        1,
        stats=Stats(
            channel_mean=np.array([0.3], np.float32),
            channel_std=np.array([0.3], np.float32),
            eigval=np.array([0.05], np.float32),
            eigvec=np.ones((1, 1), np.float32),
        ),
    )
    dataset = data_lib.train_dataset(
        source,
        t,
        batch_size=8,
        steps_per_epoch=3,
        first_epoch=first_epoch,
        epochs=epochs,
        seed=11,
        cache=kw.pop("cache", True),
        **kw,
    )
    return list(dataset.as_numpy_iterator())


def test_an_epoch_is_the_same_whichever_epoch_the_stream_starts_at():
    """What a run restarted at epoch 2 sees is what an uninterrupted run saw."""
    source = data_lib.load_digits(seed=0)
    whole = _stream(source, 0, 4)
    resumed = _stream(source, 2, 4)
    uncached = _stream(source, 2, 4, cache=False)
    assert len(whole) == 12 and len(resumed) == 6
    for (xa, ya), (xb, yb), (xc, yc) in zip(whole[6:], resumed, uncached):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
        np.testing.assert_array_equal(xa, xc)
    # Epochs differ from each other (new shuffle, new augmentation).
    assert not np.array_equal(whole[0][1], whole[3][1])


def test_shards_make_up_the_global_batch():
    import tensorflow as tf

    source = data_lib.load_digits(seed=0)
    whole = _stream(source, 0, 1)
    parts = []
    for pipeline in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=pipeline, num_replicas_in_sync=2)
        parts.append(_stream(source, 0, 1, input_context=context))
    for step, (x, y) in enumerate(whole):
        (x0, y0), (x1, y1) = parts[0][step], parts[1][step]
        assert x0.shape[0] == x1.shape[0] == 4  # 8 split over 2 replicas
        np.testing.assert_array_equal(np.sort(np.concatenate([y0, y1])), np.sort(y))
        np.testing.assert_array_equal(y0, y[0::2])


def test_eval_pass_has_every_image_once():
    source = data_lib.load_digits(seed=0)
    t = Transforms(get_scheme("lenet"), 32, 1, augment=False)
    dataset, steps = data_lib.eval_dataset(source, "test", t, batch_size=64, cache=True)
    assert steps == -(-len(source.test) // 64)
    labels = np.concatenate([y for (_, y), _ in zip(dataset.as_numpy_iterator(), range(steps))])
    np.testing.assert_array_equal(labels, source.test.labels)


def test_several_outputs_get_the_label_each():
    source = data_lib.load_digits(seed=0)
    t = Transforms(get_scheme("lenet"), 32, 1, augment=False)
    dataset, _ = data_lib.eval_dataset(source, "val", t, batch_size=16, cache=False, num_outputs=3)
    x, ys = next(iter(dataset.as_numpy_iterator()))
    assert len(ys) == 3 and all(np.array_equal(ys[0], y) for y in ys)


def test_cache_decision_follows_the_size():
    source = data_lib.load_digits(seed=0)
    t = Transforms(get_scheme("vgg"), 224, 3)
    # 1,259 training digits at 512 x 683 x 3 bytes is about 1.3 GB.
    assert data_lib.estimated_cache_bytes(source, t) > 1e9
    assert data_lib.should_cache(source, t, "none") is False
    assert data_lib.should_cache(source, t, "memory") is True
