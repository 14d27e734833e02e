"""Which pixels and which regions a class score depends on.

Saliency (Simonyan, Vedaldi and Zisserman 2014) is the gradient of the
class score with respect to the input pixels. Grad-CAM (Selvaraju et al.
2017) weights each channel of a convolution layer by the spatial mean of
the score's gradient there, sums the channels and keeps the positive part:
a coarse map of where the evidence for the class lies.

Both use the class score before the soft-max, as the papers do: the
soft-max couples every class, so its gradient would mix in the others.
"""

from __future__ import annotations

from typing import Optional

import keras
import numpy as np
from keras import ops

from keras_classics.visualize._gradients import compiled_gradients
from keras_classics.visualize._graph import (
    as_batch,
    cached,
    check_class,
    class_scores,
    default_layer,
    get_layer,
    linear_output,
    main_output,
    spatial_layer_names,
)

__all__ = ["saliency", "grad_cam", "predicted_class", "default_cam_layer"]


def predicted_class(model, image) -> int:
    """The class the model gives ``image``."""
    return int(np.argmax(main_output(model.predict_on_batch(as_batch(model, image)))[0]))


def _score_model(model, layer: Optional[str] = None):
    """A model from the input to the class scores before the soft-max
    (and, with ``layer``, that layer's output first), kept per model."""

    def make():
        scores, _ = class_scores(model)
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        if layer is None:
            return keras.Model(inputs, scores, name=f"{model.name}_scores")
        return keras.Model(inputs, [model.get_layer(layer).output, scores], name=f"{model.name}_{layer}_scores")

    return cached(model, ("scores", layer), make)


def _one_hot(model, class_index: Optional[int]) -> np.ndarray:
    """The class as a one-hot row; all zeros: the predicted class."""
    scores, _ = class_scores(model)
    row = np.zeros((1, int(scores.shape[-1])), "float32")
    if class_index is not None:
        row[0, class_index] = 1.0
    return row


def _chosen_score(scores, one_hot):
    """The score of the one-hot class, or of the highest-scoring class
    where ``one_hot`` is all zeros (chosen inside the compiled function, so
    the default class costs no extra forward pass)."""
    predicted = ops.one_hot(ops.argmax(scores[0]), scores.shape[-1], dtype=scores.dtype)[None]
    chosen = ops.where(ops.sum(one_hot) > 0, one_hot, predicted)
    return ops.sum(scores[:1] * chosen)


def _checked_class(model, class_index: Optional[int]) -> Optional[int]:
    check_class(model, 0)  # a class output at all
    return None if class_index is None else check_class(model, class_index)


def saliency(model, image, class_index: Optional[int] = None) -> np.ndarray:
    """d(class score) / d(input), shape (h, w, c).

    The class score is the input of the soft-max (whether the output layer
    computes the soft-max itself or a ``Softmax`` layer follows), as in
    Simonyan et al.: the soft-max couples every class. Simonyan et al.
    show ``max over channels of |gradient|``; the rendering does that, the
    array keeps the sign. ``class_index`` None: the predicted class.
    """
    batch = as_batch(model, image)
    class_index = _checked_class(model, class_index)
    scores_of = _score_model(model)

    def forward(x, one_hot):
        scores = scores_of(x, training=False)
        return _chosen_score(scores, one_hot), [], []

    with linear_output(model):
        step = compiled_gradients(model, ("saliency",), forward)
        _, gradient, _, _, _ = step(batch, _one_hot(model, class_index))
    return gradient[0]


def default_cam_layer(model) -> str:
    """Grad-CAM's default layer: the last spatial block output
    (`keras_classics.visualize.default_layer`)."""
    return default_layer(model)


def grad_cam(model, image, layer: Optional[str] = None, class_index: Optional[int] = None) -> np.ndarray:
    """Grad-CAM of ``class_index`` at a spatial layer, at its resolution.

    ``relu(sum_k alpha_k A_k)`` with ``alpha_k`` the mean over positions of
    d(score)/d(A_k) (Selvaraju et al. 2017, Eqs. 1 and 2), the score being
    the class's input to the soft-max. Shape (h', w') of the layer's map;
    `map_geometry` says which input pixels its cells stand for.

    Args:
        layer: any layer with a spatial output (the convolutions, their
            activations, pooling, residual additions, concatenations);
            None: the last spatial block output (`default_layer`: the
            ReLU after a ResNet's last addition, GoogLeNet's last
            inception concatenation, a chain's last convolution with more
            than one position; a 1x1 map, like LeNet-5's C5, can say
            nothing about where).
        class_index: None: the predicted class.
    """
    batch = as_batch(model, image)
    class_index = _checked_class(model, class_index)
    if layer is None:
        layer = default_layer(model)
    target = get_layer(model, layer, spatial_layer_names(model), what="spatial layer")
    both = _score_model(model, layer)

    def forward(x, one_hot):
        maps, scores = both(x, training=False)
        return _chosen_score(scores, one_hot), [maps], []

    with linear_output(model):
        step = compiled_gradients(model, ("grad_cam", layer), forward, watched_layers=[target], wrt_input=False)
        _, _, (maps,), (maps_gradient,), _ = step(batch, _one_hot(model, class_index))
    weights = maps_gradient[0].mean(axis=(0, 1))
    return np.maximum(np.tensordot(maps[0], weights, axes=([2], [0])), 0.0).astype("float32")
