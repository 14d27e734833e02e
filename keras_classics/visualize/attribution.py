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

import numpy as np

from keras_classics.visualize._gradients import gradients
from keras_classics.visualize._graph import (
    activation_model,
    as_batch,
    check_class,
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


def saliency(model, image, class_index: Optional[int] = None) -> np.ndarray:
    """d(class score) / d(input), shape (h, w, c).

    Simonyan et al. show ``max over channels of |gradient|``; the
    rendering does that, the array keeps the sign.
    """
    batch = as_batch(model, image)
    class_index = check_class(model, predicted_class(model, batch) if class_index is None else class_index)

    def forward(x):
        return main_output(model(x, training=False))[0, class_index], []

    with linear_output(model):
        _, gradient, _, _ = gradients(forward, batch)
    return gradient[0]


def default_cam_layer(model) -> str:
    """Grad-CAM's default layer: the last spatial block output
    (`keras_classics.visualize.default_layer`)."""
    return default_layer(model)


def grad_cam(model, image, layer: Optional[str] = None, class_index: Optional[int] = None) -> np.ndarray:
    """Grad-CAM of ``class_index`` at a convolution layer, at its resolution.

    ``relu(sum_k alpha_k A_k)`` with ``alpha_k`` the mean over positions of
    d(score)/d(A_k) (Selvaraju et al. 2017, Eqs. 1 and 2). Shape (h', w')
    of the layer's map; `map_geometry` says which input pixels its cells
    stand for.

    Args:
        layer: any layer with a spatial output (the convolutions, their
            activations, pooling, residual additions, concatenations);
            None: the last spatial block output (`default_layer`: the
            ReLU after a ResNet's last addition, GoogLeNet's last
            inception concatenation, a chain's last convolution with more
            than one position; a 1x1 map, like LeNet-5's C5, can say
            nothing about where).
    """
    batch = as_batch(model, image)
    class_index = check_class(model, predicted_class(model, batch) if class_index is None else class_index)
    if layer is None:
        layer = default_cam_layer(model)
    target = get_layer(model, layer, spatial_layer_names(model), what="spatial layer")
    both = activation_model(model, [layer, model.outputs[0]._keras_history.operation.name])

    def forward(x):
        maps, scores = both(x, training=False)
        return scores[0, class_index], [maps]

    with linear_output(model):
        _, _, (maps,), (maps_gradient,) = gradients(forward, batch, watched_layers=[target])
    weights = maps_gradient[0].mean(axis=(0, 1))
    return np.maximum(np.tensordot(maps[0], weights, axes=([2], [0])), 0.0).astype("float32")
