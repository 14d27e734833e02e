"""The input pipeline without TensorFlow: NumPy arrays and ``keras.utils.PyDataset``.

The backends other than TensorFlow (JAX above all) train from here; the
TensorFlow backend keeps tf.data (`keras_classics.training.data`). The
functions have the same names and arguments as there, so the run calls
whichever `keras_classics.training.backends.input_pipeline` returns.

- Images: the digits are arrays already; image files are decoded with
  Pillow (every format the scan accepts; first frame of a GIF; RGB, then
  grey by the same luma weights as ``tf.image.rgb_to_grayscale``).
- The same guarantees as the tf.data pipeline: training batch ``i`` is a
  function of (seed, epoch, position) alone, so a resumed run sees the
  batches an uninterrupted run saw; every epoch is exactly
  ``steps_per_epoch`` batches; files that fail to decode are skipped.
- One `TrainBatches` serves every epoch from the first to the last, as
  one stream (Keras keeps a dataset's iterator across epochs when
  ``steps_per_epoch`` is given), so no epoch counter needs to follow Keras's
  calls. Decoding and augmenting run in a thread pool, one batch at a time.
- Several devices (``keras.distribution.DataParallel``) split every batch
  evenly, a partial last batch included: evaluation then pads that batch
  with copies weighted 0, and `EvalBatches.loss_scale` undoes what the
  padding does to the mean loss (accuracy honours the weights by itself).
"""

from __future__ import annotations

import concurrent.futures
from typing import List, Optional

import keras
import numpy as np

from keras_classics.training.augment import NumpyTransforms as Transforms
from keras_classics.training.data import (
    PARALLEL_CALLS,
    STATS_SAMPLE,
    DataSource,
    PixelMoments,
    Split,
    drop_undecodable,
    no_image_decodes,
    stats_sample,
)

__all__ = ["Transforms", "decode", "verify_images", "compute_stats", "train_dataset", "eval_dataset"]

# ITU-R BT.601 luma, the weights of tf.image.rgb_to_grayscale.
_LUMA = np.array([0.2989, 0.5870, 0.1140], np.float32)

_POOL: Optional[concurrent.futures.ThreadPoolExecutor] = None
_AHEAD: Optional[concurrent.futures.ThreadPoolExecutor] = None


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    # Pillow and NumPy release the GIL while they work, so threads decode
    # and augment in parallel.
    global _POOL
    if _POOL is None:
        _POOL = concurrent.futures.ThreadPoolExecutor(PARALLEL_CALLS, thread_name_prefix="keras-classics-input")
    return _POOL


def _ahead() -> concurrent.futures.ThreadPoolExecutor:
    # One thread of its own that prepares the next training batch (with
    # `_pool`'s help) while the model trains on this one; in `_pool` it
    # could wait for its own tasks and never get them.
    global _AHEAD
    if _AHEAD is None:
        _AHEAD = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="keras-classics-next-batch")
    return _AHEAD


def decode(item, channels: int, in_memory: bool) -> np.ndarray:
    """A path or an in-memory image -> uint8 (h, w, channels)."""
    if in_memory:
        image = np.asarray(item, np.uint8)
    else:
        from PIL import Image

        with Image.open(item) as handle:
            # RGB first, as the tf.data pipeline does: palette, alpha and
            # CMYK images all become three plain channels.
            image = np.asarray(handle.convert("RGB"), np.uint8)
    have = image.shape[-1]
    if have == 1 and channels == 3:
        return np.repeat(image, 3, axis=-1)
    if have == 3 and channels == 1:
        return np.round(image.astype(np.float32) @ _LUMA).clip(0, 255).astype(np.uint8)[..., None]
    return image


def _decodes(item, channels: int) -> bool:
    try:
        decode(item, channels, False)
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a bad file
        return False
    return True


def verify_images(source: DataSource, channels: int, mode: str = "auto") -> DataSource:
    """Decode every file once (in parallel); drop the ones that fail."""

    def decodes(split: Split) -> np.ndarray:
        return np.fromiter(_pool().map(lambda item: _decodes(item, channels), split.items), bool, len(split))

    return drop_undecodable(source, mode, decodes)


def compute_stats(source: DataSource, transforms, seed: int, limit: int = STATS_SAMPLE):
    """The `augment.Stats` the scheme needs (as `data.compute_stats`)."""
    from keras_classics.training.augment import Stats

    if not transforms.needs:
        return Stats()
    split = stats_sample(source, seed, limit)
    channels = transforms.channels
    moments = PixelMoments(channels, want_image="mean_image" in transforms.needs)

    def load(item):
        try:
            image = transforms.load(decode(item, channels, source.in_memory), training=True)
        except Exception:  # noqa: BLE001 - a file that fails to decode is left out
            return None
        return image.astype(np.float64) / 255.0

    for x in _pool().map(load, split.items):
        if x is not None:
            pixels = x.reshape(-1, channels)
            moments.add(x, pixels.sum(0), pixels.T @ pixels, len(pixels))
    return moments.stats(source.name, split)


def _with_outputs(labels: np.ndarray, num_outputs: int):
    return labels if num_outputs == 1 else tuple(labels for _ in range(num_outputs))


class _Images:
    """A split's images at the cached size: loaded once up front (``cache``)
    or decoded again on each request."""

    def __init__(self, source: DataSource, split_name: str, transforms, cache: bool):
        split = getattr(source, split_name)
        training = split_name == "train"
        self.split = split
        self.in_memory = source.in_memory
        self.transforms = transforms
        self.training = training
        self.cached: Optional[List] = None
        self.dropped = 0
        if cache:
            loaded = list(_pool().map(self._load_or_none, split.items))
            keep = [i for i, image in enumerate(loaded) if image is not None]
            self.dropped = len(loaded) - len(keep)
            if not keep:
                raise ValueError(no_image_decodes(source.name, split_name, list(split.items)))
            self.split = split.subset(keep)
            self.cached = [loaded[i] for i in keep]

    def __len__(self) -> int:
        return len(self.split)

    def _load_or_none(self, item):
        try:
            return self.transforms.load(decode(item, self.transforms.channels, self.in_memory), self.training)
        except Exception:  # noqa: BLE001 - Pillow raises many kinds for a bad file
            return None

    def get(self, index: int):
        """The image at ``index``, or None when its file fails to decode."""
        if self.cached is not None:
            return self.cached[index]
        return self._load_or_none(self.split.items[index])


class _Batches(keras.utils.PyDataset):
    """Batches of a split's images for ``fit`` or ``evaluate``."""

    def __init__(self, images: _Images, transforms, batch_size: int, num_outputs: int = 1):
        super().__init__()
        self.images = images
        self.transforms = transforms
        self.batch_size = batch_size
        self.num_outputs = num_outputs

    def _batch(self, examples, indices):
        """The model's input and labels for ``examples`` (model inputs) of
        the images at ``indices``."""
        x = np.stack([np.asarray(example, np.float32) for example in examples])
        y = self.images.split.labels[np.asarray(indices, np.int64)].astype(np.int32)
        return x, y


class TrainBatches(_Batches):
    """Every training batch from ``first_epoch`` to ``epochs``, in order.

    Batch ``i`` is step ``i % steps`` of epoch ``first_epoch + i // steps``.
    Epoch ``e``'s order is a permutation seeded by (seed, e), continued by a
    fresh one when the epoch wraps around; the image at position ``p`` of
    epoch ``e`` is augmented with the seed (seed, e, p).
    """

    def __init__(self, images: _Images, transforms, *, steps_per_epoch, first_epoch, epochs, seed, **batching):
        super().__init__(images, transforms, **batching)
        self.steps = steps_per_epoch
        self.first_epoch = first_epoch
        self.epochs = max(epochs, first_epoch)
        self.seed = seed
        self._orders = {}
        self._next = None  # (index, future) of the batch being prepared

    def __len__(self) -> int:
        return self.steps * (self.epochs - self.first_epoch)

    def _order(self, epoch: int, lap: int) -> np.ndarray:
        key = (epoch, lap)
        if key not in self._orders:
            if len(self._orders) > 8:  # only the current epoch's are read again
                self._orders.clear()
            self._orders[key] = np.random.default_rng([self.seed, epoch, lap]).permutation(len(self.images))
        return self._orders[key]

    def _example(self, epoch: int, position: int):
        n = len(self.images)
        # An image that fails to decode gives its place to the next one.
        for offset in range(n):
            lap, place = divmod(position + offset, n)
            index = int(self._order(epoch, lap)[place])
            image = self.images.get(index)
            if image is not None:
                return self.transforms.train(image, (self.seed, epoch, position)), index
        raise ValueError(no_image_decodes("training", "train", list(self.images.split.items)))

    def __getitem__(self, index: int):
        # Keras reads the batches in order: prepare the next one meanwhile.
        # A batch depends on its index alone, so this changes no number.
        index = int(index)
        ready = self._next
        batch = ready[1].result() if ready is not None and ready[0] == index else self._make(index)
        self._next = (index + 1, _ahead().submit(self._make, index + 1)) if index + 1 < len(self) else None
        return batch

    def _make(self, index: int):
        epoch, step = divmod(index, self.steps)
        epoch += self.first_epoch
        first = step * self.batch_size
        examples = list(_pool().map(lambda p: self._example(epoch, p), range(first, first + self.batch_size)))
        x, y = self._batch([x for x, _ in examples], [i for _, i in examples])
        return x, _with_outputs(y, self.num_outputs)


class EvalBatches(_Batches):
    """A validation or test split in order, the test transform applied.

    With ``replicas`` > 1 every batch must split evenly: the last one is
    padded with copies of its last image at weight 0.
    """

    def __init__(self, images: _Images, transforms, *, replicas: int = 1, **batching):
        super().__init__(images, transforms, **batching)
        self.replicas = replicas
        n = len(images)
        padded = -(-n // replicas) * replicas
        # Keras divides each batch's summed loss by the batch's size, pads
        # included, and weighs the batch by that size: the mean loss over
        # the split comes out n / padded times too small.
        self.loss_scale = padded / n

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def _test_image(self, index: int):
        image = self.images.get(index)
        if image is None:
            raise ValueError(
                f"{self.images.split.items[index]!r} cannot be decoded; run with --verify-images yes to "
                "skip such files before training"
            )
        return self.transforms.test(image)

    def __getitem__(self, index: int):
        first = int(index) * self.batch_size
        indices = list(range(first, min(first + self.batch_size, len(self.images))))
        x, y = self._batch(_pool().map(self._test_image, indices), indices)
        if self.replicas == 1:
            return x, _with_outputs(y, self.num_outputs)
        pad = -len(indices) % self.replicas
        weights = np.concatenate([np.ones(len(indices), np.float32), np.zeros(pad, np.float32)])
        x = np.concatenate([x, np.repeat(x[-1:], pad, axis=0)])
        y = np.concatenate([y, np.repeat(y[-1:], pad)])
        return x, _with_outputs(y, self.num_outputs), weights


def train_dataset(source: DataSource, transforms, *, cache: bool, input_context=None, **stream):
    """The training stream (see `TrainBatches`); ``stream`` holds
    ``batch_size``, ``steps_per_epoch``, ``first_epoch``, ``epochs``,
    ``seed`` and ``num_outputs``, as `data.train_dataset` takes them.

    Global batches: under ``keras.distribution`` Keras splits each across
    the devices itself, so ``input_context`` (a tf.distribute notion) must be
    None.
    """
    if input_context is not None:
        raise ValueError("the NumPy input pipeline serves global batches; it takes no tf.distribute input context")
    images = _Images(source, "train", transforms, cache=cache)
    source.dropped_while_loading = images.dropped
    return TrainBatches(images, transforms, **stream)


def eval_dataset(source: DataSource, split_name: str, transforms, *, cache: bool, **batching):
    """A validation or test split (see `EvalBatches`; ``batching``:
    ``batch_size``, ``num_outputs``, ``replicas``); ``(dataset, steps)`` as
    `data.eval_dataset` returns."""
    images = _Images(source, split_name, transforms, cache=cache)
    dataset = EvalBatches(images, transforms, **batching)
    return dataset, len(dataset)
