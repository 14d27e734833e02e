"""Occlusion sensitivity (Zeiler and Fergus 2014, Sec. 4.2, Fig. 7).

A grey square slides over the image; at each position the network
classifies the occluded copy. Where the class probability drops, the
network was looking. Every occluded copy is built in a batch with
``keras.ops`` and classified by the model's compiled predict step, so the
whole map costs what ``model.predict`` on the same images costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

import numpy as np
from keras import ops

from keras_classics.visualize._graph import VisualizeError, as_batch, check_class, main_output

__all__ = ["Occlusion", "occlusion_sensitivity", "occluder_boxes"]


@dataclass(frozen=True)
class Occlusion:
    """The result of `occlusion_sensitivity`.

    ``probability``: (rows, cols), the class probability with the square at
    each position; ``baseline``: the probability of the unoccluded image;
    ``drop``: ``baseline - probability``, the map to look at; ``stride``
    and ``size``: the square's step and side in pixels. Cell (i, j) is the
    square centred on the input block ``[i*stride, (i+1)*stride)`` by
    ``[j*stride, (j+1)*stride)``.
    """

    probability: np.ndarray
    baseline: float
    stride: int
    size: int
    class_index: int

    @property
    def drop(self) -> np.ndarray:
        return self.baseline - self.probability


def occluder_boxes(height: int, width: int, size: int, stride: int):
    """The squares' (top, left, bottom, right), clipped to the image, one
    row of the map after another. Square (i, j) is centred on the stride
    block (i, j), so the map lines up with the image when scaled by
    ``stride``."""
    offset = (size - stride) // 2
    rows = -(-height // stride)
    cols = -(-width // stride)
    boxes = []
    for i in range(rows):
        for j in range(cols):
            top, left = i * stride - offset, j * stride - offset
            boxes.append((max(top, 0), max(left, 0), min(top + size, height), min(left + size, width)))
    return rows, cols, np.asarray(boxes, dtype="int32")


def _masks(height: int, width: int, boxes: np.ndarray):
    """(n, h, w, 1) with 1 inside each box, built with keras.ops."""
    ys = ops.reshape(ops.arange(height), (1, height, 1, 1))
    xs = ops.reshape(ops.arange(width), (1, 1, width, 1))
    top, left, bottom, right = (ops.reshape(ops.convert_to_tensor(boxes[:, k]), (-1, 1, 1, 1)) for k in range(4))
    inside = ops.logical_and(
        ops.logical_and(ops.greater_equal(ys, top), ops.less(ys, bottom)),
        ops.logical_and(ops.greater_equal(xs, left), ops.less(xs, right)),
    )
    return ops.cast(inside, "float32")


def occlusion_sensitivity(
    model,
    image,
    class_index: Optional[int] = None,
    size: Optional[int] = None,
    stride: int = 8,
    fill: Union[str, float] = "mean",
    batch_size: int = 128,
) -> Occlusion:
    """The class probability as a square of ``fill`` slides over ``image``.

    Args:
        model: a functional Keras classifier (soft-max output).
        image: one model input (h, w, c), preprocessed as in training.
        class_index: the class; None: the one the model predicts.
        size: the square's side in pixels; None: a quarter of the input
            side, rounded to a multiple of ``stride``.
        stride: pixels between square positions.
        fill: "mean" (the image's per-channel mean: grey on a normalised
            input) or a number in the model's input scale.
        batch_size: occluded images per forward pass.
    """
    batch = as_batch(model, image)
    height, width = batch.shape[1:3]
    if stride < 1:
        raise VisualizeError(f"stride must be at least 1 pixel, got {stride}")
    if size is None:
        size = max(stride, int(round(min(height, width) / 4 / stride)) * stride)
    if not 1 <= size <= min(height, width):
        raise VisualizeError(f"occluder size must be between 1 and {min(height, width)} pixels, got {size}")
    baseline_scores = np.asarray(main_output(model.predict_on_batch(batch)))
    if class_index is None:
        class_index = int(np.argmax(baseline_scores[0]))
    class_index = check_class(model, class_index)
    if isinstance(fill, str):
        if fill != "mean":
            raise VisualizeError(f"fill must be 'mean' or a number, got {fill!r}")
        fill_value = ops.mean(batch, axis=(0, 1, 2), keepdims=True)
    else:
        fill_value = float(fill)

    rows, cols, boxes = occluder_boxes(height, width, size, stride)
    probabilities = []
    for start in range(0, len(boxes), batch_size):
        mask = _masks(height, width, boxes[start : start + batch_size])
        occluded = batch * (1.0 - mask) + fill_value * mask
        scores = model.predict_on_batch(ops.convert_to_numpy(occluded))
        probabilities.append(np.asarray(main_output(scores))[:, class_index])
    probability = np.concatenate(probabilities).reshape(rows, cols)
    return Occlusion(
        probability=probability,
        baseline=float(baseline_scores[0, class_index]),
        stride=int(stride),
        size=int(size),
        class_index=class_index,
    )
