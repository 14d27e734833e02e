"""Training data: scikit-learn's digits, a named data set (shapes, mnist,
fashion_mnist, cifar10, cifar100), or a folder of class sub-folders.

`load_source` finds the images and splits them (no TensorFlow: scanning and
splitting are plain Python, so a bad folder fails in a second, with a clear
message, before anything is built). `train_dataset` and `eval_dataset` turn a
split into tf.data pipelines: parallel decoding, resizing to the cached size,
an in-memory cache when it fits, the scheme's augmentation, batching and
prefetching.

Fixed parallelism, no tf.data autotuning. The autotuning thread wakes after
10, 20, 40, ... ms (its period doubles), and deleting an
iterator that a ``tf.function`` read from waits for its next wake: the
iterator's life is rounded up to 0.07, 0.15, 0.31, ..., 10.2, 20.5, 41 s.
Every ``model.fit`` and ``evaluate`` ends by deleting one. Measured on the
digits (lenet5, 20 epochs, 2 busy cores): ``fit`` took 20 to 44 s with
autotuning and 14.5 to 21 s without, at the same CPU time
(docs/training.md). Decoding and augmenting use every core instead, with
two batches prefetched.

Corrupt images. A bad file must not end a run hours in, so it is caught in
three layers, and every file skipped is counted and listed in the run record
(``results.json`` and ``skipped_files.txt``):

1. Always, while scanning: empty files, unreadable files and files whose
   first bytes are no JPEG, PNG, GIF or BMP signature are skipped.
2. ``verify_images`` ("auto": folders of at most 20,000 images): every image
   is decoded once, in parallel, before training; files that fail are
   skipped. This catches truncated files whose header looks right.
3. While training, a file that still fails to decode is dropped by
   ``ignore_errors`` (TensorFlow logs a warning naming the error) and the
   epoch wraps around to stay the same length, so the run goes on.

Splits are stratified and seeded: the same seed gives the same split on
every machine, which a restarted run and every worker of a cluster rely on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

# The tf.data pipeline's image functions (`backends.input_pipeline` hands
# this module and its Transforms to the run together).
from keras_classics.training.augment import Transforms

__all__ = [
    "Transforms",
    "IMAGE_EXTENSIONS",
    "Split",
    "DataSource",
    "load_source",
    "load_digits",
    "load_named",
    "scan_folder",
    "stratified_split",
]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp")
VERIFY_AUTO_LIMIT = 20_000
STATS_SAMPLE = 2_000

_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)


@dataclass
class Split:
    """Images (an array, or file paths) and their integer labels."""

    items: object
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index) -> "Split":
        index = np.asarray(index, dtype=np.int64)
        if isinstance(self.items, np.ndarray):
            items = self.items[index]
        else:
            items = [self.items[i] for i in index]
        return Split(items, self.labels[index])


@dataclass
class DataSource:
    """Where the images come from, their classes and the three splits."""

    name: str
    layout: str
    class_names: List[str]
    train: Split
    val: Split
    test: Split
    in_memory: bool
    image_channels: Optional[int] = None
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    ignored_files: int = 0
    # Training images that failed to decode in the pipeline itself (known
    # when the training set is cached).
    dropped_while_loading: int = 0

    @property
    def classes(self) -> int:
        return len(self.class_names)

    def summary(self) -> dict:
        return {
            "name": self.name,
            "layout": self.layout,
            "classes": self.classes,
            "class_names": list(self.class_names),
            "train": len(self.train),
            "val": len(self.val),
            "test": len(self.test),
            "skipped_files": len(self.skipped),
            "ignored_files": self.ignored_files,
            "dropped_while_loading": self.dropped_while_loading,
        }


# -- finding the data ------------------------------------------------------
def stratified_split(labels, val_fraction: float, test_fraction: float, seed: int):
    """Seeded per-class split into (train, val, test) index arrays."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    parts = ([], [], [])
    for label in np.unique(labels):
        index = np.flatnonzero(labels == label)
        index = index[rng.permutation(len(index))]
        n_test = int(round(len(index) * test_fraction))
        n_val = int(round(len(index) * val_fraction))
        parts[2].extend(index[:n_test])
        parts[1].extend(index[n_test : n_test + n_val])
        parts[0].extend(index[n_test + n_val :])
    return tuple(np.sort(np.asarray(p, dtype=np.int64)) for p in parts)


def _check_splits(source: DataSource) -> DataSource:
    for name in ("train", "val", "test"):
        if len(getattr(source, name)) == 0:
            raise ValueError(
                f"data {source.name!r}: the {name} split is empty ({len(source.train)} train, "
                f"{len(source.val)} val, {len(source.test)} test images); add images or change "
                "--val-fraction / --test-fraction"
            )
    return source


def load_digits(val_fraction: float = 0.10, test_fraction: float = 0.15, seed: int = 1337) -> DataSource:
    """scikit-learn's 1,797 bundled 8x8 digits (nothing is downloaded).

    Pixels go from sklearn's 0..16 ink scale to uint8 0..255 (255 = ink).
    """
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = np.round(digits.images * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)[..., None]
    labels = digits.target.astype(np.int32)
    split = Split(images, labels)
    train, val, test = stratified_split(labels, val_fraction, test_fraction, seed)
    return _check_splits(
        DataSource(
            name="digits",
            layout="sklearn digits",
            class_names=[str(i) for i in range(10)],
            train=split.subset(train),
            val=split.subset(val),
            test=split.subset(test),
            in_memory=True,
            image_channels=1,
        )
    )


def _image_problem(path: str) -> Optional[str]:
    """Why ``path`` is not an image we can decode, from its first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as error:
        return f"unreadable: {error.strerror or error}"
    if not head:
        return "empty file"
    if not any(head.startswith(sig) for sig, _ in _SIGNATURES):
        return "not a JPEG, PNG, GIF or BMP file"
    return None


def _list_images(folder: str):
    """Image paths under ``folder`` (sorted), skipped (path, why), ignored count."""
    images, skipped, ignored = [], [], 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            if not name.lower().endswith(IMAGE_EXTENSIONS):
                ignored += 1
                continue
            problem = _image_problem(path)
            if problem:
                skipped.append((path, problem))
            else:
                images.append(path)
    return images, skipped, ignored


def _class_folders(root: str) -> List[str]:
    with os.scandir(root) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))


def _scan_classes(root: str, class_names: Optional[Sequence[str]] = None):
    """(paths, labels, class_names, skipped, ignored) of ``root/<class>/...``."""
    found = _class_folders(root)
    if not found:
        loose = [n for n in os.listdir(root) if n.lower().endswith(IMAGE_EXTENSIONS)]
        hint = (
            f" It holds {len(loose)} image file(s) directly: put each class's images in their own sub-folder."
            if loose
            else ""
        )
        raise ValueError(f"data folder {root!r} has no class sub-folders; expected {root}/<class name>/<image>." + hint)
    if class_names is None:
        class_names = found
    else:
        extra = sorted(set(found) - set(class_names))
        if extra:
            raise ValueError(f"{root!r} has class folder(s) the training folder lacks: {', '.join(extra[:5])}")
    paths, labels, skipped, ignored, empty = [], [], [], 0, []
    for label, name in enumerate(class_names):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            continue
        images, bad, n_ignored = _list_images(folder)
        skipped += bad
        ignored += n_ignored
        if not images:
            why = f" ({len(bad)} skipped as unreadable or not images)" if bad else ""
            empty.append(f"{folder}{why}")
        paths += images
        labels += [label] * len(images)
    if empty:
        raise ValueError(
            "class folder(s) without usable images: "
            + "; ".join(empty[:5])
            + (f"; and {len(empty) - 5} more" if len(empty) > 5 else "")
            + ". Add images (.jpg, .jpeg, .png, .gif, .bmp) or remove the folder."
        )
    return paths, np.asarray(labels, dtype=np.int32), list(class_names), skipped, ignored


def scan_folder(path, val_fraction: float = 0.10, test_fraction: float = 0.15, seed: int = 1337) -> DataSource:
    """Find the images of an image folder and split them.

    Two layouts: ``path/<class>/<image>`` (split into train, val and test by
    the fractions), or ``path/train/<class>/...`` with ``path/val/`` (or
    ``validation/``) and optionally ``path/test/``: the folders are the
    splits; without ``test/``, ``val/`` is halved into validation and test.
    """
    root = os.fspath(path)
    if not os.path.exists(root):
        raise FileNotFoundError(f"data folder {root!r} does not exist")
    if not os.path.isdir(root):
        raise NotADirectoryError(f"data path {root!r} is not a folder of class sub-folders")
    subfolders = _class_folders(root)
    val_name = next((n for n in ("val", "validation") if n in subfolders), None)
    name = os.path.basename(os.path.normpath(root)) or root

    if "train" in subfolders and val_name:
        paths, labels, classes, skipped, ignored = _scan_classes(os.path.join(root, "train"))
        train = Split(paths, labels)
        v_paths, v_labels, _, v_skipped, v_ignored = _scan_classes(os.path.join(root, val_name), classes)
        skipped += v_skipped
        ignored += v_ignored
        val_all = Split(v_paths, v_labels)
        if "test" in subfolders:
            t_paths, t_labels, _, t_skipped, t_ignored = _scan_classes(os.path.join(root, "test"), classes)
            skipped += t_skipped
            ignored += t_ignored
            val, test, layout = val_all, Split(t_paths, t_labels), "train/val/test folders"
        else:
            half_val, _, half_test = stratified_split(v_labels, 0.0, 0.5, seed)
            val, test = val_all.subset(half_val), val_all.subset(half_test)
            layout = f"train/{val_name} folders ({val_name} halved into validation and test)"
    else:
        paths, labels, classes, skipped, ignored = _scan_classes(root)
        everything = Split(paths, labels)
        train_i, val_i, test_i = stratified_split(labels, val_fraction, test_fraction, seed)
        train, val, test = everything.subset(train_i), everything.subset(val_i), everything.subset(test_i)
        layout = "class folders"
    if len(classes) < 2:
        raise ValueError(f"data folder {root!r} has {len(classes)} class; training needs at least 2")
    return _check_splits(
        DataSource(
            name=name,
            layout=layout,
            class_names=classes,
            train=train,
            val=val,
            test=test,
            in_memory=False,
            skipped=skipped,
            ignored_files=ignored,
        )
    )


def load_named(data: str, val_fraction: float, seed: int) -> DataSource:
    """A named data set (`keras_classics.datasets.named`: shapes, mnist,
    fashion_mnist, cifar10, cifar100) as an in-memory source.

    Its own test set is the test split (``test_fraction`` does not apply);
    ``val_fraction`` of its training images, per class and seeded, become
    the validation split.
    """
    from keras_classics.datasets import named as named_lib

    named = named_lib.parse(data)
    (x_train, y_train), (x_test, y_test) = named_lib.load(named)
    train_i, val_i, _ = stratified_split(y_train, val_fraction, 0.0, seed)
    everything = Split(x_train, y_train)
    return _check_splits(
        DataSource(
            name=str(named),
            layout=f"{named.name} (its own test set; {val_fraction:g} of its training images for validation)",
            class_names=named_lib.class_names(named.name),
            train=everything.subset(train_i),
            val=everything.subset(val_i),
            test=Split(x_test, y_test),
            in_memory=True,
            image_channels=int(x_train.shape[-1]),
        )
    )


def load_source(data: Optional[str], val_fraction: float, test_fraction: float, seed: int) -> DataSource:
    """`load_digits` when ``data`` is None or "digits", `load_named` for the
    other named data sets (shapes, mnist, ...), else `scan_folder`."""
    from keras_classics.datasets.named import is_named

    if data is None or data == "digits":
        return load_digits(val_fraction, test_fraction, seed)
    if is_named(data):
        return load_named(data, val_fraction, seed)
    return scan_folder(data, val_fraction, test_fraction, seed)


# -- TensorFlow from here on ---------------------------------------------------
def decode(item, channels: int, in_memory: bool):
    """A path or an in-memory image -> uint8 (h, w, channels)."""
    import tensorflow as tf

    if in_memory:
        image = tf.convert_to_tensor(item)
        have = image.shape[-1]
        if have == 1 and channels == 3:
            image = tf.image.grayscale_to_rgb(image)
        elif have == 3 and channels == 1:
            image = tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))), tf.uint8)
        return image
    # Decode to RGB, then convert: TensorFlow's GIF, BMP and CMYK JPEG
    # decoders cannot produce one channel themselves, so asking them for it
    # would drop valid images that a three-channel network reads fine.
    image = tf.io.decode_image(tf.io.read_file(item), channels=3, expand_animations=False)
    image.set_shape([None, None, 3])
    if channels == 1:
        image = tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))), tf.uint8)
    return image


def verify_images(source: DataSource, channels: int, mode: str = "auto") -> DataSource:
    """Decode every file once (in parallel); drop the ones that fail.

    ``mode``: "yes", "no", or "auto" (only when at most 20,000 files).
    """

    def decodes(split: Split) -> np.ndarray:
        import tensorflow as tf

        index = np.arange(len(split))
        ds = tf.data.Dataset.from_tensor_slices((index, list(split.items)))
        ds = ds.map(
            lambda i, path: (i, tf.shape(decode(path, channels, False))),
            num_parallel_calls=PARALLEL_CALLS,
        ).ignore_errors()
        ds = without_autotune(ds)
        good = np.zeros(len(split), dtype=bool)
        for i, _ in ds.as_numpy_iterator():
            good[i] = True
        return good

    return drop_undecodable(source, mode, decodes)


def drop_undecodable(source: DataSource, mode: str, decodes) -> DataSource:
    """`verify_images` for any decoder: ``decodes(split)`` says which of a
    split's files decode (a boolean array); the others are skipped."""
    if source.in_memory or mode == "no":
        return source
    total = len(source.train) + len(source.val) + len(source.test)
    if mode == "auto" and total > VERIFY_AUTO_LIMIT:
        return source
    for name in ("train", "val", "test"):
        split = getattr(source, name)
        good = decodes(split)
        bad = [split.items[i] for i in np.flatnonzero(~good)]
        for path in bad:
            source.skipped.append((path, "cannot be decoded (corrupt or truncated)"))
        if not good.any():
            raise ValueError(no_image_decodes(source.name, name, bad))
        if bad:
            setattr(source, name, split.subset(np.flatnonzero(good)))
    return _check_splits(source)


def no_image_decodes(data_name: str, split_name: str, paths: Sequence[str]) -> str:
    """The message for a split none of whose images could be decoded."""
    shown = "; ".join(repr(p) for p in list(paths)[:5])
    more = f"; and {len(paths) - 5} more" if len(paths) > 5 else ""
    return (
        f"data {data_name!r}: none of the {len(paths)} images of the {split_name} split could be "
        f"decoded (corrupt, truncated or not really images): {shown}{more}. Replace or remove "
        "these files"
    )


def estimated_cache_bytes(source: DataSource, transforms) -> int:
    """Rough memory for caching every decoded, resized image (uint8)."""

    def side_bytes(side, n):
        side = side or transforms.input_size
        # Photos are about 4:3; a square crop is exactly side x side.
        aspect = 1.0 if transforms.scheme.square or side == transforms.input_size else 4 / 3
        return int(n * side * side * aspect * transforms.channels)

    return side_bytes(transforms.load_side(True), len(source.train)) + side_bytes(
        transforms.load_side(False), len(source.val) + len(source.test)
    )


def should_cache(source: DataSource, transforms, mode: str) -> bool:
    if mode != "auto":
        return mode == "memory"
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        memory = 8 << 30
    return estimated_cache_bytes(source, transforms) <= min(4 << 30, memory // 4)


_GRAPH_SEED = 20_160_627


def _epoch_seed(seed: int, epoch):
    import tensorflow as tf

    return tf.cast(seed, tf.int64) * 1_000_003 + tf.cast(epoch, tf.int64)


def _with_outputs(num_outputs: int):
    if num_outputs == 1:
        return lambda x, y: (x, y)
    return lambda x, y: (x, tuple(y for _ in range(num_outputs)))


# Parallel calls of each map: one per core, as autotuning settles on for
# these CPU-bound maps; two batches ahead keep the model fed.
PARALLEL_CALLS = max(1, os.cpu_count() or 1)
PREFETCH_BATCHES = 2


def without_autotune(dataset):
    """``dataset`` with tf.data's autotuning off (see the module doc)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def _options():
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False  # see the module doc
    # Every worker reads the same (seeded) stream; train_dataset shards it
    # itself, and the evaluation sets are split by element.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return options


def train_dataset(
    source: DataSource,
    transforms,
    *,
    batch_size: int,
    steps_per_epoch: int,
    first_epoch: int,
    epochs: int,
    seed: int,
    cache: bool,
    num_outputs: int = 1,
    input_context=None,
):
    """The training stream from ``first_epoch`` to ``epochs``, epoch by epoch.

    Epoch ``e`` is a function of (seed, e) only: its shuffle is seeded by
    both, its augmentation by (seed, e, position), so a run restarted at
    epoch ``e`` sees exactly the batches an uninterrupted run saw. Each
    epoch is exactly ``steps_per_epoch`` batches (wrapping around if images
    were dropped), which keeps Keras's single iterator aligned with epochs.

    With ``input_context`` (``strategy.distribute_datasets_from_function``),
    the batches are per replica and each input pipeline keeps every n-th
    element of the same global stream, so a global batch holds the same
    examples whatever the number of workers or replicas.
    """
    import tensorflow as tf

    split = source.train
    n = len(split)
    channels = transforms.channels
    items = split.items if source.in_memory else list(split.items)
    base = tf.data.Dataset.from_tensor_slices((items, split.labels))

    def load(item, label):
        return transforms.load(decode(item, channels, source.in_memory), training=True), label

    pool = None
    if cache:
        pool = base.map(load, num_parallel_calls=PARALLEL_CALLS).ignore_errors(log_warning=True)
        pool = without_autotune(pool.cache())
        # Fill the cache in one full pass now: the epochs read only part of
        # it (whole batches, or --steps-per-epoch), and tf.data discards a
        # cache that no iterator read to the end. The pass also counts the
        # images that failed to decode.
        kept = int(pool.reduce(tf.constant(0, tf.int64), lambda count, _: count + 1))
        source.dropped_while_loading = n - kept
        if kept == 0:
            raise ValueError(no_image_decodes(source.name, "train", list(split.items)))
    per_step = batch_size
    shards, shard = 1, 0
    if input_context is not None:
        per_step = input_context.get_per_replica_batch_size(batch_size)
        shards, shard = input_context.num_input_pipelines, input_context.input_pipeline_id
    to_outputs = _with_outputs(num_outputs)

    def one_epoch(epoch):
        # The shuffle's seed is a tensor (the epoch's); TensorFlow pairs it
        # with the graph-level seed, and a graph seed of 0 (tf.random.set_seed(0))
        # makes Dataset.shuffle test the tensor as a Python bool and fail.
        # Pinning this function's graph seed makes the order depend on
        # (seed, epoch) alone, whatever the global seed.
        tf.compat.v1.get_default_graph().seed = _GRAPH_SEED
        epoch_seed = _epoch_seed(seed, epoch)
        if pool is not None:
            stream = pool.shuffle(n, seed=epoch_seed)
        else:
            stream = base.shuffle(n, seed=epoch_seed).map(load, num_parallel_calls=PARALLEL_CALLS)
            stream = stream.ignore_errors(log_warning=True)
        stream = stream.repeat().take(steps_per_epoch * batch_size).enumerate()
        if shards > 1:
            stream = stream.shard(shards, shard)
        key = tf.stack([tf.cast(seed, tf.int64), tf.cast(epoch, tf.int64)])

        def augment(position, example):
            image, label = example
            image_seed = tf.random.experimental.stateless_fold_in(key, position)
            return transforms.train(image, image_seed), label

        stream = stream.map(augment, num_parallel_calls=PARALLEL_CALLS)
        return stream.batch(per_step, drop_remainder=True).map(to_outputs)

    dataset = tf.data.Dataset.range(first_epoch, epochs).flat_map(one_epoch)
    return dataset.prefetch(PREFETCH_BATCHES).with_options(_options())


def eval_dataset(
    source: DataSource,
    split_name: str,
    transforms,
    *,
    batch_size: int,
    cache: bool,
    num_outputs: int = 1,
    replicas: int = 1,
):
    """A validation or test split: the test transform, batched, in order.

    Returns ``(dataset, steps)``: the dataset repeats, and ``steps`` batches
    are one pass (the last one partial). Keras then never has to discover
    the length of a pipeline whose length ``ignore_errors`` hides.
    ``replicas`` is not needed here: tf.distribute splits a partial batch
    itself.
    """
    import tensorflow as tf

    split = getattr(source, split_name)
    channels = transforms.channels
    items = split.items if source.in_memory else list(split.items)
    dataset = tf.data.Dataset.from_tensor_slices((items, split.labels))

    def load(item, label):
        return transforms.load(decode(item, channels, source.in_memory), training=False), label

    dataset = dataset.map(load, num_parallel_calls=PARALLEL_CALLS).ignore_errors(log_warning=True)
    if cache:
        dataset = without_autotune(dataset.cache())
        # Fill it now: under a strategy Keras reads one batch to build the
        # metrics and drops that iterator, which would discard a half-filled
        # cache (with a warning).
        dataset.reduce(tf.constant(0, tf.int64), lambda count, _: count + 1)
    dataset = dataset.map(lambda x, y: (transforms.test(x), y), num_parallel_calls=PARALLEL_CALLS)
    dataset = dataset.batch(batch_size).map(_with_outputs(num_outputs)).repeat()
    steps = -(-len(split) // batch_size)
    return dataset.prefetch(PREFETCH_BATCHES).with_options(_options()), steps


def compute_stats(source: DataSource, transforms, seed: int, limit: int = STATS_SAMPLE):
    """The `augment.Stats` the scheme needs, from up to ``limit`` training
    images (a seeded sample, so every run and worker gets the same numbers)."""
    from keras_classics.training.augment import Stats

    if not transforms.needs:
        return Stats()
    import tensorflow as tf

    split = stats_sample(source, seed, limit)
    items = split.items if source.in_memory else list(split.items)
    channels = transforms.channels

    def moments(item):
        image = transforms.load(decode(item, channels, source.in_memory), training=True)
        x = tf.cast(image, tf.float64) / 255.0
        pixels = tf.reshape(x, [-1, channels])
        return x, tf.reduce_sum(pixels, 0), tf.matmul(pixels, pixels, transpose_a=True), tf.shape(pixels)[0]

    dataset = tf.data.Dataset.from_tensor_slices(items).map(moments, num_parallel_calls=PARALLEL_CALLS)
    dataset = without_autotune(dataset.ignore_errors())
    moments_sum = PixelMoments(channels, want_image="mean_image" in transforms.needs)
    for x, pixel_sum, pixel_outer, pixels in dataset.as_numpy_iterator():
        moments_sum.add(x, pixel_sum, pixel_outer, int(pixels))
    return moments_sum.stats(source.name, split)


def stats_sample(source: DataSource, seed: int, limit: int = STATS_SAMPLE) -> Split:
    """The seeded sample of training images the statistics come from."""
    split = source.train
    if len(split) > limit:
        rng = np.random.default_rng(seed)
        split = split.subset(np.sort(rng.choice(len(split), limit, replace=False)))
    return split


class PixelMoments:
    """Running sums of pixels (and images) in [0, 1], turned into `Stats`."""

    def __init__(self, channels: int, want_image: bool):
        self.total = np.zeros(channels)
        self.outer = np.zeros((channels, channels))
        self.count = 0
        self.want_image = want_image
        self.image_sum = None
        self.images = 0

    def add(self, x, pixel_sum, pixel_outer, pixels: int) -> None:
        self.total += pixel_sum
        self.outer += pixel_outer
        self.count += pixels
        if self.want_image:
            self.image_sum = x if self.image_sum is None else self.image_sum + x
            self.images += 1

    def stats(self, data_name: str, split: Split):
        from keras_classics.training.augment import Stats

        if self.count == 0:
            raise ValueError(no_image_decodes(data_name, "train", list(split.items)))
        mean = self.total / self.count
        covariance = self.outer / self.count - np.outer(mean, mean)
        eigval, eigvec = np.linalg.eigh(covariance)
        order = np.argsort(eigval)[::-1]
        return Stats(
            mean_image=(self.image_sum / self.images).astype(np.float32) if self.want_image else None,
            channel_mean=mean.astype(np.float32),
            channel_std=np.sqrt(np.maximum(np.diag(covariance), 1e-12)).astype(np.float32),
            eigval=np.maximum(eigval[order], 0).astype(np.float32),
            eigvec=eigvec[:, order].astype(np.float32),
        )
