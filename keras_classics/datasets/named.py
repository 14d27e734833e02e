"""The data sets ``--data`` names, as uint8 arrays in the keras.datasets convention.

* ``shapes`` (`keras_classics.datasets.shapes`): drawn on this machine,
  nothing to download. ``shapes:N`` keeps N training images, ``shapes-64``
  draws them at 64x64 (``shapes-64:N`` both).
* ``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``: loaded by
  ``keras.datasets`` itself, which downloads each once into
  ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``) and reads it
  from there afterwards. Where nothing is cached and nothing can be
  downloaded the loader gives up after a timeout (the download runs in a
  thread: name resolution can block where no socket timeout reaches) and
  says which file to put where.

`load` returns ``(x_train, y_train), (x_test, y_test)`` with ``x`` uint8
``(n, h, w, channels)`` (MNIST's gain a channel axis) and ``y`` int32
``(n,)`` (CIFAR's lose their second axis).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

__all__ = ["KERAS_SETS", "NAMES", "Named", "parse", "is_named", "load", "class_names", "keras_home"]

# Seconds to wait for a download before giving up.
DOWNLOAD_TIMEOUT_S = float(os.environ.get("KERAS_CLASSICS_DOWNLOAD_TIMEOUT", "20"))

KERAS_SETS = ("mnist", "fashion_mnist", "cifar10", "cifar100")
NAMES = ("shapes", "digits") + KERAS_SETS

TITLES = {
    "mnist": "MNIST",
    "fashion_mnist": "Fashion-MNIST",
    "cifar10": "CIFAR-10",
    "cifar100": "CIFAR-100",
}

# What keras.datasets reads, under $KERAS_HOME/datasets: the published
# files (what to download by hand) and where they go.
SOURCE_FILES = {
    "mnist": ("mnist.npz",),
    "fashion_mnist": (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ),
    "cifar10": ("cifar-10-python.tar.gz",),
    "cifar100": ("cifar-100-python.tar.gz",),
}
CACHE_PATH = {
    "mnist": "mnist.npz",
    "fashion_mnist": "fashion-mnist/",
    # keras.datasets keeps the archive under this name and extracts it on every load.
    "cifar10": "cifar-10-batches-py-target_archive",
    "cifar100": "cifar-100-python-target_archive",
}

_CLASSES = {
    "mnist": [str(i) for i in range(10)],
    "fashion_mnist": [
        "T-shirt/top",
        "trouser",
        "pullover",
        "dress",
        "coat",
        "sandal",
        "shirt",
        "sneaker",
        "bag",
        "ankle boot",
    ],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    "cifar100": (
        "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly "
        "camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup "
        "dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower "
        "leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid "
        "otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray road "
        "rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar sunflower "
        "sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale "
        "willow_tree wolf woman worm"
    ).split(),
}


@dataclass(frozen=True)
class Named:
    """A parsed ``--data`` name: the data set and, for shapes, its knobs."""

    name: str
    train_size: Optional[int] = None
    image_size: int = 32

    def __str__(self) -> str:
        text = self.name if self.image_size == 32 else f"{self.name}-{self.image_size}"
        return text if self.train_size is None else f"{text}:{self.train_size}"


_SHAPES = re.compile(r"^shapes(?:-(?P<size>\d+))?(?::(?P<train>\d+))?$")


def parse(data: Optional[str]) -> Optional[Named]:
    """The named data set ``data`` spells, or None for anything else (a folder).

    Raises ValueError for a malformed shapes name (``shapes-48``, ``shapes:0``).
    """
    if data is None:
        return None
    text = str(data)
    if text in NAMES and text != "shapes":
        return Named(text)
    match = _SHAPES.match(text)
    if not match:
        return None
    from keras_classics.datasets import shapes

    size = int(match["size"]) if match["size"] else 32
    if size not in shapes.SIZES:
        raise ValueError(
            f"--data {text!r}: shapes come at 32 or 64 pixels ('shapes' or 'shapes-64', "
            f"optionally with ':N' training images), not {size}"
        )
    train = int(match["train"]) if match["train"] else None
    if train is not None and train < 1:
        raise ValueError(f"--data {text!r}: ':N' is the number of training images, at least 1 (e.g. 'shapes:5000')")
    return Named("shapes", train, size)


def is_named(data: Optional[str]) -> bool:
    """Whether ``data`` names a data set rather than a folder."""
    return parse(data) is not None


def class_names(name: str):
    if name == "shapes":
        from keras_classics.datasets import shapes

        return list(shapes.CLASS_NAMES)
    if name == "digits":
        return [str(i) for i in range(10)]
    return list(_CLASSES[name])


def keras_home() -> str:
    """The folder keras.datasets caches in ($KERAS_HOME, else ~/.keras)."""
    try:
        from keras.src.backend.config import keras_home as home

        return home()
    except ImportError:  # pragma: no cover - a Keras without the private accessor
        return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def _where(name: str) -> str:
    """Which files to put where, in words."""
    files = ", ".join(SOURCE_FILES[name])
    path = os.path.join(keras_home(), "datasets", CACHE_PATH[name])
    if name.startswith("cifar"):
        return f"save {files} as {path}"
    return f"put {files} {'in' if path.endswith(os.sep) or path.endswith('/') else 'at'} {path}"


def _keras_load(name: str, timeout_s: Optional[float]):
    """``keras.datasets.<name>.load_data()``, or OSError within ``timeout_s``."""
    timeout_s = DOWNLOAD_TIMEOUT_S if timeout_s is None else timeout_s
    result = {}

    def fetch():
        import socket

        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(timeout_s)
        try:
            import keras

            result["data"] = getattr(keras.datasets, name).load_data()
        except BaseException as error:  # reported below, in the caller's thread
            result["error"] = error
        finally:
            socket.setdefaulttimeout(previous)

    worker = threading.Thread(target=fetch, name=f"{name}-download", daemon=True)
    worker.start()
    worker.join(timeout_s)
    title = TITLES[name]
    hint = (
        f"{_where(name)}, or use --data shapes (bundled: drawn on this machine, nothing to "
        "download), or pass --data with a folder of class sub-folders"
    )
    if worker.is_alive():
        raise OSError(f"{title} could not be downloaded within {timeout_s:g} s (no internet here?): {hint}")
    if "error" in result:
        error = result["error"]
        raise OSError(f"{title} could not be downloaded or read ({type(error).__name__}: {error}): {hint}")
    return result["data"]


def load(
    data, timeout_s: Optional[float] = None
) -> Tuple[Tuple[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]:
    """The arrays of a named data set (a name or a `Named`), uint8 NHWC and int32 labels."""
    named = data if isinstance(data, Named) else parse(data)
    if named is None:
        raise ValueError(
            f"{data!r} is not a named data set; the names are {', '.join(NAMES)} (and shapes-64, shapes:N)"
        )
    if named.name == "shapes":
        from keras_classics.datasets import shapes

        train_size = shapes.DEFAULT_TRAIN if named.train_size is None else named.train_size
        (x_train, y_train), (x_test, y_test) = shapes.load_data(
            train_size=train_size, test_size=shapes.DEFAULT_TEST, image_size=named.image_size
        )
    elif named.name == "digits":
        raise ValueError("the digits are loaded by keras_classics.training.data.load_digits, with their own split")
    else:
        (x_train, y_train), (x_test, y_test) = _keras_load(named.name, timeout_s)

    def tidy(x, y):
        x = np.asarray(x, dtype=np.uint8)
        if x.ndim == 3:
            x = x[..., None]
        return x, np.asarray(y).reshape(-1).astype(np.int32)

    return tidy(x_train, y_train), tidy(x_test, y_test)
