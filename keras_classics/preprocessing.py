"""`preprocess`: images made into a network's input the way it was trained.

``keras_classics.preprocess(image, source)`` is what ``keras-classics
visualize`` does before it looks inside a network, public, so that a
notebook can write ``grad_cam(model, preprocess(image, "runs/lenet5"))``.
The work is done by the code that trains and converts, not by a copy:

* a run folder of ``keras-classics train`` (or a ``.keras`` file inside
  one): the run's recorded preprocessing scheme and training-set
  statistics (`keras_classics.training.run_folder`), applied as its
  evaluation does (`keras_classics.training.augment.Transforms`: the
  scheme's test-time resize and central crop, then its normalisation);
* a weights file written by ``keras-classics convert`` (or a
  `keras_classics.convert.Preprocessing`): the source's own convention
  (`keras_classics.convert.preprocess`);
* a Keras model alone: pixels scaled to [0, 1] and resized to its input,
  as ``visualize`` treats a model without a run folder (a model knows
  nothing of how it was trained; give its run folder when there is one).
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Optional, Tuple

import numpy as np

__all__ = ["preprocess", "PreprocessError"]


class PreprocessError(ValueError):
    """Images or a source that `preprocess` cannot work with."""


def preprocess(images, model_or_run, *, display: bool = False):
    """Images, 0 to 255, made into the input of a model, as in training.

    Args:
        images: one image ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``, a batch
            ``(N, H, W, C)`` or a list of images (sizes may differ), pixel
            values 0 to 255 (uint8, or floats on that scale); or an image
            file's path, or a list of paths.
        model_or_run: a run folder of ``keras-classics train`` (or its
            ``best.keras``/``last.keras``), a weights file written by
            ``keras-classics convert``, a
            `keras_classics.convert.Preprocessing`, or a Keras model (pixels
            in [0, 1] at its input size; see the module doc).
        display: also return the images as the network sees them, uint8
            after the resize and crop, for drawing a map over them.

    Returns:
        A float32 batch ``(N, h, w, c)`` for ``model.predict``, ``grad_cam``
        and the other visualizations; with ``display=True`` the pair
        ``(inputs, shown)``.

    Grey images become three equal channels for a colour network, colour
    images grey (ITU-R 601 luma, as Pillow's ``convert("L")``) for a grey one.
    """
    from keras_classics import convert

    if isinstance(model_or_run, convert.Preprocessing) or _is_converted_file(model_or_run):
        batch = _batch(images, channels=3)
        inputs = convert.preprocess(np.stack(batch) if _same_size(batch) else _need_same(batch), model_or_run)
        if display:
            raise PreprocessError(
                "display=True is for run folders and models; a converted file's images are resized by "
                "keras_classics.convert.preprocess, whose output is the input itself"
            )
        return inputs
    return apply_transforms(_transforms(model_or_run), images, display=display)


def apply_transforms(transforms, images, *, display: bool = False):
    """`preprocess` with given evaluation `keras_classics.training.augment.Transforms`
    (what ``keras-classics visualize`` has made for its model and run)."""
    batch = _batch(images, channels=transforms.channels)
    loaded = [transforms.load(image, training=False) for image in batch]
    inputs = np.stack([np.asarray(transforms.test(image)) for image in loaded]).astype("float32")
    if not display:
        return inputs
    shown = np.stack([np.asarray(image) for image in loaded])
    if shown.shape[1:3] != inputs.shape[1:3]:  # a central crop after resizing
        import tensorflow as tf

        shown = np.stack([np.asarray(tf.image.resize_with_crop_or_pad(s, *inputs.shape[1:3])) for s in shown])
    return inputs, shown


# -- the source -----------------------------------------------------------------
def _is_converted_file(source) -> bool:
    """A weights file that `keras_classics.convert` wrote (it records its
    source's input convention)."""
    if not isinstance(source, (str, os.PathLike)):
        return False
    path = os.fspath(source)
    if not (os.path.isfile(path) and path.endswith(".h5")):
        return False
    from keras_classics import convert

    try:
        convert.conversion_info(path)
    except (ValueError, OSError):
        raise PreprocessError(
            f"{path!r} was not written by keras-classics convert, so its input convention is unknown; "
            "give the run folder it was trained in, or the model for plain [0, 1] pixels"
        ) from None
    return True


def _transforms(source):
    """The evaluation `Transforms` for a run folder or a model."""
    from keras_classics.training import run_folder
    from keras_classics.training.augment import Stats, Transforms, get_scheme

    if isinstance(source, (str, os.PathLike)):
        run_dir = _run_dir(os.fspath(source))
        size, channels = _run_input(run_dir)
        scheme = run_folder.read_preprocessing(run_dir)
        return Transforms(get_scheme(scheme), size, channels, augment=False, stats=run_folder.read_stats(run_dir))
    inputs = getattr(source, "inputs", None)
    if not inputs:
        raise PreprocessError(
            f"preprocess needs a run folder, a .keras file in one, a file of keras-classics convert or a "
            f"Keras model; got {type(source).__name__}"
        )
    shape = tuple(inputs[0].shape)
    if len(shape) != 4 or shape[1] is None or shape[1] != shape[2]:
        raise PreprocessError(f"the model's input is {shape}; preprocess makes square images (None, side, side, c)")
    return Transforms(get_scheme("unit"), int(shape[1]), int(shape[3]), augment=False, stats=Stats())


def _run_dir(path: str) -> str:
    if os.path.isfile(path) and path.endswith(".keras"):
        folder = os.path.dirname(path) or "."
        if os.path.exists(os.path.join(folder, "config.json")):
            return folder
        raise PreprocessError(
            f"{path!r} is not in a run folder (no config.json beside it), so how it was trained is unknown; "
            "load it with keras_classics.load_model and pass the model for plain [0, 1] pixels"
        )
    if not os.path.isdir(path):
        what = "does not exist" if not os.path.exists(path) else "is neither a run folder nor a .keras or .h5 file"
        raise PreprocessError(
            f"{path!r} {what}; give a run folder of keras-classics train, a .keras file in one, "
            "a weights file of keras-classics convert or a Keras model"
        )
    if not os.path.exists(os.path.join(path, "config.json")):
        raise PreprocessError(f"{path!r} is a folder without config.json, not a run folder of keras-classics train")
    return path


def _run_input(run_dir: str) -> Tuple[int, int]:
    """(side, channels) of the run's model input: results.json records it;
    an unfinished run has its settings and the registry's input."""
    results = os.path.join(run_dir, "results.json")
    if os.path.exists(results):
        with open(results, encoding="utf-8") as handle:
            shape = (json.load(handle).get("data") or {}).get("input_shape")
        if shape:
            return int(shape[0]), int(shape[-1])
    with open(os.path.join(run_dir, "config.json"), encoding="utf-8") as handle:
        settings = json.load(handle)
    from keras_classics import registry

    try:
        entry = registry.get_entry(settings.get("model", ""))
    except registry.UnknownModelError:
        raise PreprocessError(
            f"{run_dir!r} names the model {settings.get('model')!r}, which is not registered, and has no "
            "results.json that records its input shape"
        ) from None
    return int(settings.get("input_size") or entry.input_shape[0]), int(entry.input_shape[-1])


# -- the images -------------------------------------------------------------------
def _batch(images, channels: int):
    """A list of uint8 (h, w, channels) arrays."""
    if isinstance(images, (str, os.PathLike)):
        images = [images]
    if isinstance(images, (list, tuple)):
        items = [_read(image, channels) if isinstance(image, (str, os.PathLike)) else image for image in images]
        if not items:
            raise PreprocessError("preprocess got an empty list of images")
        return [_one(np.asarray(image), channels, f"image {i}") for i, image in enumerate(items)]
    x = np.asarray(images)
    if x.ndim == 2 or (x.ndim == 3 and x.shape[-1] in (1, 3, 4)):
        return [_one(x, channels, "the image")]
    if x.ndim == 3:
        raise PreprocessError(
            f"an array of shape {x.shape} is neither an image (H, W, 1 or 3) nor a batch (N, H, W, C); "
            f"for a batch of grey images add the channel axis: images[..., None]"
        )
    if x.ndim == 4:
        return [_one(image, channels, f"image {i}") for i, image in enumerate(x)]
    raise PreprocessError(
        f"preprocess expects an image (H, W), (H, W, 1) or (H, W, 3), a batch (N, H, W, C), a list of "
        f"images or image paths; got an array of shape {x.shape}"
    )


def _read(path, channels: int) -> np.ndarray:
    from keras_classics import images

    return images.read_image(os.fspath(path), channels=channels)


def _one(x: np.ndarray, channels: int, label: str) -> np.ndarray:
    if x.ndim == 2:
        x = x[..., np.newaxis]
    if x.ndim != 3 or x.shape[-1] not in (1, 3, 4):
        raise PreprocessError(f"{label} has shape {x.shape}; an image is (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)")
    if x.shape[-1] == 4:
        x = x[..., :3]
    if x.dtype != np.uint8:
        if not np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_:
            raise PreprocessError(f"{label} holds {x.dtype} values; give pixels 0 to 255")
        x = x.astype(np.float64)
        if not np.all(np.isfinite(x)):
            raise PreprocessError(f"{label} holds NaN or infinite values; give pixels 0 to 255")
        if x.size and x.max() <= 1.0:
            warnings.warn(
                f"{label}'s values all lie in [0, 1]; preprocess expects pixels 0 to 255 (it applies "
                "the run's scaling itself): multiply by 255 if these are [0, 1] pixels",
                stacklevel=4,
            )
        if x.min() < 0 or x.max() > 255:
            raise PreprocessError(f"{label} has values from {x.min():g} to {x.max():g}; give pixels 0 to 255")
        x = np.round(x).astype(np.uint8)
    if x.shape[-1] == 1 and channels == 3:
        x = np.repeat(x, 3, axis=-1)
    elif x.shape[-1] == 3 and channels == 1:
        # ITU-R 601 luma, rounded, as Pillow's convert("L").
        luma = x.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        x = np.clip(np.round(luma), 0, 255).astype(np.uint8)[..., np.newaxis]
    return x


def _same_size(batch) -> bool:
    return len({image.shape for image in batch}) == 1


def _need_same(batch) -> Optional[np.ndarray]:
    sizes = sorted({f"{image.shape[0]}x{image.shape[1]}" for image in batch})
    raise PreprocessError(
        f"the images have several sizes ({', '.join(sizes)}); for a converted file preprocess them one at a time"
    )
