"""Projecting one activation back to pixels: ZFNet's deconvnet and guided
backpropagation.

Zeiler and Fergus (2014, Sec. 2.1) attach a deconvnet to a trained network:
to see what one activation responds to, they set every other activation
of its layer to zero and run the layers backwards, each step the inverse
of a forward one. Unpooling puts each value back where the forward max
pooling found its maximum (the recorded "switches"); rectification passes
the signal through a ReLU; filtering applies the transposed filters.

Those three steps are what backpropagation does through max pooling and
convolutions anyway: the gradient of a max pool is routed to the switch,
and the gradient of a convolution is the convolution with the transposed
filters. Only the ReLU differs. Backpropagation lets the signal through
where the forward input was positive; the deconvnet rectifies the signal
itself; guided backpropagation (Springenberg et al. 2015) does both. So
both methods here are a gradient with a replaced ReLU rule, computed
through the model's own layers (`keras.ops.custom_gradient`), and the
switches are the ones of the forward pass on this very image.

Layers the deconvnet has no inverse for (a tanh or sigmoid, LeNet-5's
RBF output) stop it with an error that names the layer and the reason.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from keras import ops

from keras_classics.visualize._gradients import compiled_gradients
from keras_classics.visualize._graph import (
    VisualizeError,
    activation_model,
    activation_name,
    as_batch,
    cached,
    check_channel,
    conv_layer_names,
    default_layer,
    get_layer,
    is_plain_relu_layer,
    spatial_layer_names,
)

__all__ = ["Projection", "deconvnet", "guided_backprop", "check_invertible"]

# Layers with a backward step of the deconvnet: linear maps (their
# transpose), max pooling (switches), reshaping and merging (routing).
_PASSABLE = {
    "InputLayer",
    "Conv2D",
    "GroupedConv2D",
    "SparseConv2D",
    "DepthwiseConv2D",
    "Dense",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Flatten",
    "Reshape",
    "Dropout",
    "ZeroPadding2D",
    "Cropping2D",
    "BatchNormalization",
    "Concatenate",
    "Add",
    "Activation",
    "ReLU",
    "LocalResponseNormalization",
    "Identity",
}
_PASSABLE_ACTIVATIONS = {None, "relu", "linear"}
# The paper's deconvnet lists no inverse for contrast normalisation: the
# reconstruction passes it unchanged.
_STRAIGHT_THROUGH = {"LocalResponseNormalization"}


@dataclass(frozen=True)
class Projection:
    """A reconstruction in pixel space of one activation.

    ``pixels``: (h, w, c), the input-space signal; ``layer``, ``channel``,
    ``row``, ``col``: the activation projected; ``value``: its value;
    ``box``: its receptive field (top, left, bottom, right), bottom and
    right exclusive, outside which ``pixels`` is zero.
    """

    pixels: np.ndarray
    layer: str
    channel: int
    row: int
    col: int
    value: float
    box: Tuple[int, int, int, int]


def check_invertible(model, layer: str) -> None:
    """Raise `VisualizeError` naming the first layer between the input and
    ``layer`` that the deconvnet cannot pass, and why."""
    items = activation_model(model, layer).layers
    if not any(item.name in conv_layer_names(model) for item in items):
        raise VisualizeError(
            f"the deconvnet and guided backpropagation project through convolutions, and model {model.name!r} "
            f"has none up to layer {layer!r}; use saliency, which needs none"
        )
    for item in items:
        kind = type(item).__name__
        if kind == "ReLU" and not is_plain_relu_layer(item):
            raise VisualizeError(
                f"the deconvnet cannot pass layer {item.name!r}: a ReLU with a maximum, slope or threshold "
                f"({item.get_config()}) is not the plain max(x, 0) whose rule the deconvnet knows"
            )
        function = activation_name(item)
        if function not in _PASSABLE_ACTIVATIONS:
            raise VisualizeError(
                f"the deconvnet cannot pass layer {item.name!r}: its activation is {function}, and the "
                "deconvnet inverts only ReLU (by rectifying), max pooling (by its switches) and linear "
                "layers (by their transposed weights); choose a network with ReLU, such as lenet5_modern"
            )
        if kind not in _PASSABLE:
            raise VisualizeError(
                f"the deconvnet cannot pass layer {item.name!r}: {kind} is neither a linear map, a ReLU, "
                "a pooling nor a reshaping, so it has no deconvnet inverse"
            )


def _relu_rule(kind: str):
    @ops.custom_gradient
    def relu(x):
        y = ops.relu(x)

        def backward(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            if kind == "deconvnet":
                # Rectify the backward signal itself (Sec. 2.1).
                return ops.relu(upstream)
            # Guided: rectify the signal and keep only where the input was on.
            return ops.relu(upstream) * ops.cast(ops.greater(x, 0), upstream.dtype)

        return y, backward

    return relu


@contextlib.contextmanager
def _relu_rules(model, kind: str):
    """Within the block every ReLU of ``model`` follows the method's rule:
    a layer's own ``activation="relu"``, an ``Activation("relu")`` layer and
    a ``keras.layers.ReLU`` layer alike; restored on exit."""
    rule = _relu_rule(kind)
    swapped, called = [], []
    try:
        for layer in model.layers:
            if activation_name(layer) == "relu":
                swapped.append((layer, layer.activation))
                layer.activation = rule
            elif is_plain_relu_layer(layer):
                called.append(layer)
                layer.call = lambda inputs, *args, **kwargs: rule(inputs)
        yield
    finally:
        for layer, function in swapped:
            layer.activation = function
        for layer in called:
            del layer.call  # the class's own method shows through again


@contextlib.contextmanager
def _straight_through(model):
    """Within the block the layers of ``_STRAIGHT_THROUGH`` pass gradients unchanged."""
    saved = []

    def wrap(original):
        @ops.custom_gradient
        def call(x):
            def backward(*args, upstream=None):
                if upstream is None:
                    (upstream,) = args
                return upstream

            return original(x), backward

        return call

    try:
        for layer in model.layers:
            if type(layer).__name__ in _STRAIGHT_THROUGH:
                saved.append(layer)
                layer.call = wrap(layer.call)
        yield
    finally:
        for layer in saved:
            del layer.call  # the class's own method shows through again


def _project(
    kind: str, model, image, layer: Optional[str], channel: Optional[int], position: Optional[tuple]
) -> Projection:
    if layer is None:
        layer = default_layer(model)
    target = get_layer(model, layer, spatial_layer_names(model), what="spatial layer")
    if channel is not None:
        channel = check_channel(target, channel)
    check_invertible(model, layer)
    batch = as_batch(model, image)
    sub_model = cached(model, ("to", layer), lambda: activation_model(model, layer))
    all_maps = np.asarray(sub_model.predict_on_batch(batch))[0]
    if channel is None:
        # The channel with the strongest activation anywhere in the map.
        channel = int(np.argmax(all_maps.reshape(-1, all_maps.shape[-1]).max(axis=0)))
    maps = all_maps[..., channel]
    if position is None:
        row, col = np.unravel_index(int(np.argmax(maps)), maps.shape)
    else:
        row, col = (int(p) for p in position)
        if not (0 <= row < maps.shape[0] and 0 <= col < maps.shape[1]):
            raise VisualizeError(f"position {(row, col)} is outside layer {layer!r}'s {maps.shape} map")
    value = float(maps[row, col])
    mask = np.zeros((1, *all_maps.shape), "float32")
    mask[0, row, col, channel] = 1.0

    def forward(x, unit):
        activation = ops.sum(sub_model(x, training=False) * unit)
        # The backward pass starts from the activation's own value, all
        # others zero (Sec. 2.1).
        return activation * ops.stop_gradient(activation), [], []

    with _relu_rules(sub_model, kind), _straight_through(sub_model):
        step = compiled_gradients(model, (kind, layer), forward)
        _, pixels, _, _, _ = step(batch, mask)
    from keras_classics.visualize.activations import receptive_box

    return Projection(
        pixels=pixels[0],
        layer=layer,
        channel=channel,
        row=int(row),
        col=int(col),
        value=value,
        box=receptive_box(model, layer, int(row), int(col), input_shape=batch.shape[1:3]),
    )


def deconvnet(
    model, image, layer: Optional[str] = None, channel: Optional[int] = None, position: Optional[tuple] = None
) -> Projection:
    """ZFNet's deconvnet projection of one activation to pixel space.

    Args:
        model: a functional Keras model of ReLU, pooling and linear layers.
        image: one model input (h, w, c).
        layer: a layer with a spatial output; None: the last spatial
            block output (`keras_classics.visualize.default_layer`).
        channel: the feature map; None: the one with the strongest
            activation for this image.
        position: (row, col) in that map; None: its strongest activation
            for this image, as in the paper's figures.
    """
    return _project("deconvnet", model, image, layer, channel, position)


def guided_backprop(
    model, image, layer: Optional[str] = None, channel: Optional[int] = None, position: Optional[tuple] = None
) -> Projection:
    """Guided backpropagation (Springenberg et al. 2015) of one activation:
    the deconvnet's rectification and the forward ReLU's mask together.
    Arguments as for `deconvnet`."""
    return _project("guided", model, image, layer, channel, position)
