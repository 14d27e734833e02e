"""The lab's data: whole data sets as NumPy arrays, resized once.

Lab runs are short (seconds per epoch), so the arrays are fed to the
training step directly: no tf.data pipeline, whose autotuning thread adds
a wait at the end of every short epoch.

* ``digits`` (default): scikit-learn's 1,797 8x8 digits, bundled with its
  wheel (via `keras_classics.training.data.load_digits`). The seeded split
  of that loader is kept; its validation and test parts together are the
  lab's held-out set (about 25%, 450 images), since the lab selects
  nothing on them.
* a folder of class sub-folders (any layout `scan_folder` accepts): every
  image decoded and resized into memory.
* ``cifar10``: `keras.datasets.cifar10`, which downloads it once into
  ~/.keras/datasets. Where it cannot be downloaded the loader gives up
  after a short timeout with a clear error instead of waiting.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Optional

import numpy as np

# Where keras.datasets keeps CIFAR-10 once downloaded.
CIFAR10_CACHE = os.path.join(os.path.expanduser("~"), ".keras", "datasets", "cifar-10-batches-py")
# Lab runs stay CPU-sized on CIFAR-10 too: a fixed subset.
CIFAR10_TRAIN_IMAGES = 10_000
CIFAR10_VAL_IMAGES = 2_000
DOWNLOAD_TIMEOUT_S = float(os.environ.get("KERAS_CLASSICS_DOWNLOAD_TIMEOUT", "20"))
SPLIT_SEED = 1337


@dataclass
class LabData:
    name: str
    description: str
    x_train: np.ndarray  # float32 (n, size, size, channels), standardised
    y_train: np.ndarray  # int32
    x_val: np.ndarray
    y_val: np.ndarray
    classes: int

    @property
    def input_shape(self):
        return tuple(self.x_train.shape[1:])

    def subset(self, train: int, val: int) -> "LabData":
        """The first ``train`` and ``val`` images (the quick mode's data)."""
        return LabData(
            self.name,
            self.description + f" (quick: first {train} training, {val} held-out images)",
            self.x_train[:train],
            self.y_train[:train],
            self.x_val[:val],
            self.y_val[:val],
            self.classes,
        )


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


def _standardise(x_train, x_val):
    # One mean and one standard deviation over the training pixels, as the
    # papers subtract a mean image; the held-out set gets the same numbers.
    mean, std = float(x_train.mean()), float(x_train.std()) or 1.0
    return (x_train - mean) / std, (x_val - mean) / std


def _digits(size: int) -> LabData:
    from keras_classics.training.data import load_digits

    source = load_digits(seed=SPLIT_SEED)
    held_out_x = np.concatenate([source.val.items, source.test.items])
    held_out_y = np.concatenate([source.val.labels, source.test.labels])
    x_train, x_val = _standardise(_resize(source.train.items, size), _resize(held_out_x, size))
    return LabData(
        "digits",
        f"scikit-learn digits, 8x8 resized to {size}x{size} (bilinear), {len(x_train)} training and "
        f"{len(x_val)} held-out images (split seed {SPLIT_SEED})",
        x_train,
        source.train.labels.astype(np.int32),
        x_val,
        held_out_y.astype(np.int32),
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

    held_out = type(source.val)(
        list(source.val.items) + list(source.test.items), np.concatenate([source.val.labels, source.test.labels])
    )
    x_train, x_val = _standardise(load(source.train), load(held_out))
    return LabData(
        source.name,
        f"image folder {path} ({source.layout}), resized to {size}x{size}, {len(x_train)} training and "
        f"{len(x_val)} held-out images",
        x_train,
        source.train.labels.astype(np.int32),
        x_val,
        held_out.labels.astype(np.int32),
        source.classes,
    )


def fetch_cifar10(timeout_s: Optional[float] = None):
    """`keras.datasets.cifar10.load_data()`, or OSError within ``timeout_s``.

    The download runs in a daemon thread: a machine without internet may
    block in name resolution, which no socket timeout covers, so the wait
    is bounded from outside.
    """
    timeout_s = DOWNLOAD_TIMEOUT_S if timeout_s is None else timeout_s
    result = {}

    def load():
        import socket

        socket.setdefaulttimeout(timeout_s)
        try:
            import keras

            result["data"] = keras.datasets.cifar10.load_data()
        except BaseException as error:  # reported below, in the caller's thread
            result["error"] = error

    worker = threading.Thread(target=load, name="cifar10-download", daemon=True)
    worker.start()
    worker.join(timeout_s)
    hint = (
        f"put the extracted cifar-10-batches-py folder at {CIFAR10_CACHE}, or pass --data with a folder "
        "of class sub-folders, or leave --data out for the bundled digits"
    )
    if worker.is_alive():
        raise OSError(f"CIFAR-10 could not be downloaded within {timeout_s:g} s (no internet here?): {hint}")
    if "error" in result:
        error = result["error"]
        raise OSError(f"CIFAR-10 could not be downloaded ({type(error).__name__}: {error}): {hint}")
    return result["data"]


def _cifar10(size: int) -> LabData:
    (x_train, y_train), (x_test, y_test) = fetch_cifar10()
    # A fixed, class-balanced enough prefix (CIFAR-10's files are shuffled).
    x_train, y_train = x_train[:CIFAR10_TRAIN_IMAGES], y_train[:CIFAR10_TRAIN_IMAGES, 0]
    x_val, y_val = x_test[:CIFAR10_VAL_IMAGES], y_test[:CIFAR10_VAL_IMAGES, 0]
    x_train, x_val = _standardise(_resize(x_train, size), _resize(x_val, size))
    return LabData(
        "cifar10",
        f"CIFAR-10 (keras.datasets), the first {len(x_train)} training and {len(x_val)} test images, at {size}x{size}",
        x_train,
        y_train.astype(np.int32),
        x_val,
        y_val.astype(np.int32),
        10,
    )


def load(data: Optional[str], size: int) -> LabData:
    """The lab data named by ``--data``: None or "digits", "cifar10", or a folder."""
    if data in (None, "digits"):
        return _digits(size)
    if data == "cifar10":
        return _cifar10(size)
    if not os.path.isdir(data):
        raise ValueError(f"--data {data!r} is neither 'digits', 'cifar10' nor an existing folder of class sub-folders")
    return _folder(data, size)
