"""What a layer computes for given images: feature maps and top patches.

Top patches are the right-hand panels of ZFNet's Fig. 2: for one channel,
the image regions of a data set that excite it most, each cut to the
region the unit can see, its receptive field as `keras_classics.anatomy`
computes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from keras import ops

from keras_classics.visualize._graph import (
    VisualizeError,
    activation_model,
    as_batch,
    cached,
    check_channel,
    default_layer,
    get_layer,
    spatial_layer_names,
)

__all__ = ["feature_maps", "TopPatch", "top_patches", "receptive_box", "map_geometry"]


def _numpy(tensor) -> np.ndarray:
    # An eager call: a new sub-model per call would retrace predict's graph.
    return ops.convert_to_numpy(tensor)


def feature_maps(model, image, layer: str) -> np.ndarray:
    """The output of ``layer`` for one image, shape (height, width, channels).

    ``image`` is one model input (h, w, c), preprocessed as in training.
    """
    get_layer(model, layer, spatial_layer_names(model), what="spatial layer")
    return _numpy(activation_model(model, layer)(as_batch(model, image), training=False))[0]


@dataclass(frozen=True)
class TopPatch:
    """One of the strongest responses of a channel in a data set.

    ``image_index``: which image; ``row``, ``col``: the unit in the layer's
    map; ``layer``, ``channel``: which map (the defaults resolved);
    ``value``: its activation; ``box``: (top, left, bottom, right)
    of its receptive field in input pixels, bottom and right exclusive
    (it may reach past the image into the padding); ``crop``: the pixels
    inside the box, zero where the box leaves the image.
    """

    image_index: int
    layer: str
    channel: int
    row: int
    col: int
    value: float
    box: Tuple[int, int, int, int]
    crop: np.ndarray


def _field(model, layer: str, image_shape=None):
    """``layer``'s receptive field from `keras_classics.anatomy`.

    A model that accepts any input size ((None, None, c)) has no shapes to
    count with; its anatomy is taken on a copy of its graph built for
    ``image_shape`` ((height, width), or (height, width, channels)), since
    "same" padding at a stride depends on the size.
    """
    from keras_classics.anatomy import anatomy

    shape = tuple(model.inputs[0].shape[1:])
    if any(side is None for side in shape[:2]):
        if image_shape is None:
            raise VisualizeError(
                f"model {model.name!r} accepts any input size {shape}, so where its units look depends on the "
                "image: give the image's shape (input_shape=(height, width))"
            )
        fixed = (int(image_shape[0]), int(image_shape[1]), shape[2])

        def copy():
            import keras

            return keras.models.clone_model(model, input_tensors=keras.Input(fixed))

        model = cached(model, ("fixed", fixed), copy)
    try:
        row = anatomy(model).row(layer)
    except (KeyError, ValueError) as error:
        raise VisualizeError(f"layer {layer!r} has no receptive field in the anatomy: {error}") from None
    if row.receptive_field is None:
        raise VisualizeError(f"layer {layer!r} has no receptive field in the anatomy")
    return row.receptive_field


def receptive_box(model, layer: str, row: int, col: int, field=None, input_shape=None) -> Tuple[int, int, int, int]:
    """(top, left, bottom, right) of the input pixels unit (row, col) of
    ``layer`` sees, bottom and right exclusive, from `keras_classics.anatomy`.

    The anatomy gives the field along the height (size, jump and the centre
    of the first unit); the networks here have square kernels, strides
    and padding, so the width follows the same numbers. ``field``: the
    layer's `ReceptiveField` when the caller already has it;
    ``input_shape``: (height, width) of the image, needed only by a model
    that accepts any size.
    """
    if field is None:
        field = _field(model, layer, input_shape)
    first_edge = field.start - (field.size - 1) / 2.0
    top = int(round(first_edge + row * field.jump))
    left = int(round(first_edge + col * field.jump))
    return top, left, top + field.size, left + field.size


def map_geometry(model, layer: str, input_shape=None) -> Tuple[float, int]:
    """(centre of unit 0's field, pixels between units) of ``layer``'s map,
    in input pixels, from `keras_classics.anatomy`.

    A figure that lays a layer's map over the input needs it: valid
    convolutions shrink the map, so its cells are not spread evenly over the
    whole image (LeNet-5's 10x10 C3 covers pixels 6.5 to 24.5 of 32).
    ``input_shape``: (height, width) of the image, needed only by a model
    that accepts any size.
    """
    field = _field(model, layer, input_shape)
    return float(field.start), int(field.jump)


def _crop(image: np.ndarray, box: Tuple[int, int, int, int]) -> np.ndarray:
    top, left, bottom, right = box
    height, width = image.shape[:2]
    out = np.zeros((bottom - top, right - left) + image.shape[2:], dtype=image.dtype)
    src_top, src_left = max(top, 0), max(left, 0)
    src_bottom, src_right = min(bottom, height), min(right, width)
    if src_bottom > src_top and src_right > src_left:
        out[src_top - top : src_bottom - top, src_left - left : src_right - left] = image[
            src_top:src_bottom, src_left:src_right
        ]
    return out


def top_patches(
    model,
    images,
    layer: Optional[str] = None,
    channel: Optional[int] = None,
    k: int = 9,
    display: Optional[np.ndarray] = None,
    batch_size: int = 128,
) -> List[TopPatch]:
    """The ``k`` strongest responses of ``channel`` of ``layer`` over ``images``.

    One patch per image (the unit with the largest activation there), the
    ``k`` images with the largest such maxima first, as in ZFNet's Fig. 2.

    Args:
        model: a functional Keras model.
        images: model inputs, shape (n, h, w, c), preprocessed as in training.
        layer: a layer with a spatial output; None: the last spatial
            block output (`keras_classics.visualize.default_layer`).
        channel: which of its channels; None: the one with the strongest
            activation over ``images`` (a channel that is off, or dead,
            everywhere would show nothing but the first images).
        k: how many patches.
        display: the same images as they should be shown (raw pixels,
            any dtype, same height and width); default ``images``.
        batch_size: images per forward pass.
    """
    if layer is None:
        layer = default_layer(model)
    conv = get_layer(model, layer, spatial_layer_names(model), what="spatial layer")
    if channel is not None:
        channel = check_channel(conv, channel)
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or len(images) == 0:
        raise VisualizeError(f"top_patches needs a batch of images (n, h, w, c), got shape {images.shape}")
    display = images if display is None else np.asarray(display)
    if display.shape[:3] != images.shape[:3]:
        raise VisualizeError(f"display images {display.shape} do not match the model inputs {images.shape}")
    sub_model = activation_model(model, layer)
    # Per image and channel: the largest activation and where it is.
    best_value, best_index = [], []
    width = None
    for start in range(0, len(images), batch_size):
        maps = _numpy(sub_model(images[start : start + batch_size], training=False))
        width = maps.shape[2]
        flat = maps.reshape(len(maps), -1, maps.shape[-1])
        if channel is not None:
            flat = flat[..., channel : channel + 1]
        best_index.append(np.argmax(flat, axis=1))
        best_value.append(np.max(flat, axis=1))
    best_value = np.concatenate(best_value)
    best_index = np.concatenate(best_index)
    if channel is None:
        column = int(np.argmax(best_value.max(axis=0)))
        channel = column
    else:
        column = 0
    best_value, best_index = best_value[:, column], best_index[:, column]
    field = _field(model, layer, images.shape[1:3])
    # Stable sort: among equal maxima the earlier image comes first.
    order = np.argsort(-best_value, kind="stable")[:k]
    patches = []
    for image_index in order:
        row, col = divmod(int(best_index[image_index]), width)
        box = receptive_box(model, layer, row, col, field)
        patches.append(
            TopPatch(
                image_index=int(image_index),
                channel=channel,
                layer=layer,
                row=row,
                col=col,
                value=float(best_value[image_index]),
                box=box,
                crop=_crop(display[image_index], box),
            )
        )
    return patches
