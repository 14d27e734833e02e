"""The lab's data: whole data sets as NumPy arrays, resized once.

Lab runs are short (seconds per epoch), so the arrays are fed to the
training step directly: no tf.data pipeline, whose autotuning thread adds
a wait at the end of every short epoch.

Every data set comes in three parts: the training images, a validation
split (where learning rates are chosen and early stopping watches) and the
held-out test images (measured once per run, never chosen on).

* ``digits`` (default): scikit-learn's 1,797 8x8 digits, bundled with its
  wheel (via `keras_classics.training.data.load_digits`), with that
  loader's seeded split: 75% training, 10% validation, 15% test.
* a folder of class sub-folders (any layout `scan_folder` accepts): every
  image decoded and resized into memory, with the same split.
* ``shapes`` (`keras_classics.datasets.shapes`): drawn on this machine on
  first use and cached; 10,000 training images (``shapes:N``: N), the
  next 2,000 of its training stream for validation, 10,000 test images.
* ``cifar10``, ``cifar100``, ``mnist``, ``fashion_mnist``: keras.datasets,
  which downloads each once into ~/.keras/datasets; a CPU-sized subset
  (10,000 training, 2,000 validation, 2,000 test images). Where a set
  cannot be downloaded the loader gives up after a short timeout with a
  clear error instead of waiting.

An experiment's ``train_size`` keeps that many training images
(`LabData.with_train_size`): a seeded draw with every class in proportion,
the same for every arm and seed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import numpy as np

# Where keras.datasets keeps CIFAR-10 once downloaded.
CIFAR10_CACHE = os.path.join(os.path.expanduser("~"), ".keras", "datasets", "cifar-10-batches-py")
# Lab runs stay CPU-sized on CIFAR-10 too: a fixed subset.
CIFAR10_TRAIN_IMAGES = 10_000
CIFAR10_VAL_IMAGES = 2_000
CIFAR10_TEST_IMAGES = 2_000
# The bundled shapes: training images (``shapes:N`` chooses), the
# validation split (the next images of the training stream) and test images.
SHAPES_TRAIN_IMAGES = 10_000
SHAPES_VAL_IMAGES = 2_000
SHAPES_TEST_IMAGES = 10_000
DOWNLOAD_TIMEOUT_S = float(os.environ.get("KERAS_CLASSICS_DOWNLOAD_TIMEOUT", "20"))
SPLIT_SEED = 1337


@dataclass
class LabData:
    name: str
    facts: dict  # what the data is, for the record and the pages (`description`)
    x_train: np.ndarray  # float32 (n, size, size, channels), standardised
    y_train: np.ndarray  # int32
    x_val: np.ndarray  # the validation split: chosen on
    y_val: np.ndarray
    x_test: np.ndarray  # the held-out test images: measured, never chosen on
    y_test: np.ndarray
    classes: int

    @property
    def input_shape(self):
        return tuple(self.x_train.shape[1:])

    def description(self, language: str = "en") -> str:
        """The data in words (`keras_classics.lab.words.data_description`)."""
        from keras_classics.lab.words import data_description

        return data_description(self.facts, language)

    def subset(self, train: int, val: int, test: int) -> "LabData":
        """The first ``train``, ``val`` and ``test`` images (the quick mode's data)."""
        return LabData(
            self.name,
            self.facts | {"quick": [train, val, test]},
            self.x_train[:train],
            self.y_train[:train],
            self.x_val[:val],
            self.y_val[:val],
            self.x_test[:test],
            self.y_test[:test],
            self.classes,
        )

    def with_train_size(self, size: Optional[int]) -> "LabData":
        """``size`` training images, drawn with every class in proportion
        (a seeded draw, the same for every arm and seed); all of them for
        None. The validation and test images stay."""
        n = len(self.x_train)
        if size is None or size == n:
            return self
        if size > n:
            raise ValueError(f"train_size {size} is more than the {n} training images of {self.name}")
        keep = _stratified_prefix(self.y_train, size, SPLIT_SEED)
        return LabData(
            self.name,
            self.facts | {"train_size": size},
            self.x_train[keep],
            self.y_train[keep],
            self.x_val,
            self.y_val,
            self.x_test,
            self.y_test,
            self.classes,
        )


def _stratified_prefix(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Indices of ``size`` items, each class's share as in ``labels``
    (largest remainders), each class's items in a seeded random order;
    returned sorted so that the kept images keep their order."""
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * size / len(labels)
    take = np.floor(exact).astype(int)
    for index in np.argsort(-(exact - take), kind="stable")[: size - int(take.sum())]:
        take[index] += 1
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)]
    return np.sort(np.concatenate(chosen))


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 or float (n, h, w, c) -> float32 in [0, 1] at size x size (bilinear)."""
    import tensorflow as tf

    images = images.astype(np.float32) / 255.0
    if images.shape[1:3] == (size, size):
        return images
    out = [
        tf.image.resize(images[i : i + 512], (size, size), method="bilinear").numpy()
        for i in range(0, len(images), 512)
    ]
    return np.concatenate(out).astype(np.float32)


def _standardise(x_train, *others):
    # One mean and one standard deviation over the training pixels, as the
    # papers subtract a mean image; the other splits get the same numbers.
    mean, std = float(x_train.mean()), float(x_train.std()) or 1.0
    return [(x - mean) / std for x in (x_train, *others)]


def _digits(size: int) -> LabData:
    from keras_classics.training.data import load_digits

    source = load_digits(seed=SPLIT_SEED)
    x_train, x_val, x_test = _standardise(
        *(_resize(part.items, size) for part in (source.train, source.val, source.test))
    )
    return LabData(
        "digits",
        {
            "data": "digits",
            "size": size,
            "train": len(x_train),
            "val": len(x_val),
            "test": len(x_test),
            "seed": SPLIT_SEED,
        },
        x_train,
        source.train.labels.astype(np.int32),
        x_val,
        source.val.labels.astype(np.int32),
        x_test,
        source.test.labels.astype(np.int32),
        10,
    )


def _folder(path: str, size: int) -> LabData:
    import tensorflow as tf

    from keras_classics.training.data import scan_folder

    source = scan_folder(path, seed=SPLIT_SEED)

    def load(split):
        images = []
        for item in split.items:
            image = tf.io.decode_image(tf.io.read_file(item), expand_animations=False)
            if image.shape[-1] == 1:
                image = tf.image.grayscale_to_rgb(image)
            elif image.shape[-1] == 4:
                image = image[..., :3]
            images.append(tf.image.resize(image, (size, size)).numpy())
        return np.stack(images).astype(np.float32) / 255.0

    x_train, x_val, x_test = _standardise(load(source.train), load(source.val), load(source.test))
    return LabData(
        source.name,
        {
            "data": "folder",
            "path": path,
            "layout": source.layout,
            "size": size,
            "train": len(x_train),
            "val": len(x_val),
            "test": len(x_test),
            "seed": SPLIT_SEED,
        },
        x_train,
        source.train.labels.astype(np.int32),
        x_val,
        source.val.labels.astype(np.int32),
        x_test,
        source.test.labels.astype(np.int32),
        source.classes,
    )


def fetch_cifar10(timeout_s: Optional[float] = None):
    """`keras.datasets.cifar10.load_data()`, or OSError within ``timeout_s``
    (`keras_classics.datasets.named`: the download runs in a daemon thread,
    since a machine without internet may block in name resolution, which no
    socket timeout covers)."""
    from keras_classics.datasets import named

    return named._keras_load("cifar10", DOWNLOAD_TIMEOUT_S if timeout_s is None else timeout_s)


def _keras_set(name: str, size: int) -> LabData:
    """MNIST, Fashion-MNIST, CIFAR-10 or CIFAR-100 through keras.datasets,
    cut to a CPU-sized subset."""
    from keras_classics.datasets import named

    if name == "cifar10":
        (x_all, y_all), (x_test, y_test) = fetch_cifar10()
    else:
        (x_all, y_all), (x_test, y_test) = named._keras_load(name, DOWNLOAD_TIMEOUT_S)
    y_all, y_test = np.asarray(y_all).reshape(-1), np.asarray(y_test).reshape(-1)
    if x_all.ndim == 3:
        x_all, x_test = x_all[..., None], x_test[..., None]
    # Fixed prefixes (the files are shuffled): training images, then the
    # next ones of its training set as the validation split.
    end = CIFAR10_TRAIN_IMAGES + CIFAR10_VAL_IMAGES
    x_train, y_train = x_all[:CIFAR10_TRAIN_IMAGES], y_all[:CIFAR10_TRAIN_IMAGES]
    x_val, y_val = x_all[CIFAR10_TRAIN_IMAGES:end], y_all[CIFAR10_TRAIN_IMAGES:end]
    x_test, y_test = x_test[:CIFAR10_TEST_IMAGES], y_test[:CIFAR10_TEST_IMAGES]
    x_train, x_val, x_test = _standardise(*(_resize(x, size) for x in (x_train, x_val, x_test)))
    return LabData(
        name,
        {"data": name, "size": size, "train": len(x_train), "val": len(x_val), "test": len(x_test)},
        x_train,
        y_train.astype(np.int32),
        x_val,
        y_val.astype(np.int32),
        x_test,
        y_test.astype(np.int32),
        len(named.class_names(name)),
    )


def _shapes(named, size: int) -> LabData:
    """The bundled shapes: ``SHAPES_TRAIN_IMAGES`` training images (or the
    name's ``:N``), the next ``SHAPES_VAL_IMAGES`` of the training stream as
    the validation split, and ``SHAPES_TEST_IMAGES`` test images."""
    from keras_classics.datasets import shapes

    train = SHAPES_TRAIN_IMAGES if named.train_size is None else named.train_size
    (x_all, y_all), (x_test, y_test) = shapes.load_data(
        train_size=train + SHAPES_VAL_IMAGES, test_size=SHAPES_TEST_IMAGES, image_size=named.image_size
    )
    x_train, x_val, x_test = _standardise(*(_resize(x, size) for x in (x_all[:train], x_all[train:], x_test)))
    return LabData(
        "shapes",
        {
            "data": "shapes",
            "name": str(named),
            "drawn": named.image_size,
            "size": size,
            "train": len(x_train),
            "val": len(x_val),
            "test": len(x_test),
            "seed": 0,
            "version": shapes.VERSION,
        },
        x_train,
        y_all[:train].astype(np.int32),
        x_val,
        y_all[train:].astype(np.int32),
        x_test,
        y_test.astype(np.int32),
        len(shapes.CLASS_NAMES),
    )


def load(data: Optional[str], size: int) -> LabData:
    """The lab data named by ``--data``: None or "digits", "shapes" (and
    "shapes:N", "shapes-64"), "mnist", "fashion_mnist", "cifar10",
    "cifar100", or a folder."""
    from keras_classics.datasets import named as named_lib

    if data in (None, "digits"):
        return _digits(size)
    named = named_lib.parse(data)
    if named is not None and named.name == "shapes":
        return _shapes(named, size)
    if named is not None:
        return _keras_set(named.name, size)
    if not os.path.isdir(data):
        raise ValueError(
            f"--data {data!r} is neither 'digits', 'cifar10' nor an existing folder of class sub-folders; "
            f"the named data sets are {', '.join(named_lib.NAMES)} (shapes:N for N training images)"
        )
    return _folder(data, size)
