"""Reading a functional model for the visualisation methods.

Finding layers by name (a bad name lists the good ones), sub-models that
end at a layer, the class score before the soft-max, and temporary
changes to layers' activations (the deconvnet's and guided backpropagation's
ReLU rules, a linear output for class scores), always undone.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Dict, Iterator, List, Optional

import keras
import numpy as np

__all__ = [
    "VisualizeError",
    "get_layer",
    "spatial_layer_names",
    "conv_layer_names",
    "first_conv_layer",
    "activation_model",
    "kernel_of",
    "activation_name",
    "replaced_activations",
    "as_batch",
    "linear_output",
    "check_channel",
    "check_class",
    "main_output",
]


class VisualizeError(ValueError):
    """A layer, channel or class that the method cannot use, and why."""


def _is_input(layer) -> bool:
    return type(layer).__name__ == "InputLayer"


def _output_rank(layer) -> Optional[int]:
    output = layer.output
    if isinstance(output, (list, tuple)):
        return None
    return len(output.shape)


def spatial_layer_names(model) -> List[str]:
    """Layers whose output is a (batch, height, width, channels) map."""
    return [layer.name for layer in model.layers if not _is_input(layer) and _output_rank(layer) == 4]


def conv_layer_names(model) -> List[str]:
    """Layers that hold a convolution kernel and output a spatial map."""
    return [
        layer.name
        for layer in model.layers
        if _output_rank(layer) == 4 and "kernel_size" in layer.get_config() and hasattr(layer, "kernel")
    ]


def first_conv_layer(model) -> str:
    names = conv_layer_names(model)
    if not names:
        raise VisualizeError(f"model {model.name!r} has no convolution layer")
    return names[0]


def get_layer(model, name: str, allowed: Optional[List[str]] = None, what: str = "layer"):
    """``model.get_layer(name)``, or an error that lists the valid names."""
    names = allowed if allowed is not None else [l.name for l in model.layers if not _is_input(l)]
    if name not in names:
        exists = any(l.name == name for l in model.layers)
        why = " exists but is not one this method can use" if exists else " is not in the model"
        raise VisualizeError(f"{what} {name!r}{why}; choose one of: {', '.join(names)}")
    return model.get_layer(name)


def activation_model(model, layer_names) -> keras.Model:
    """A model from ``model``'s input to the outputs of ``layer_names``
    (a list: one output per name; a string: that layer's output alone)."""
    single = isinstance(layer_names, str)
    names = [layer_names] if single else list(layer_names)
    outputs = [model.get_layer(name).output for name in names]
    # A lone input passed bare: calling the model on one tensor then matches
    # its input structure (a one-item list warns on every call).
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, outputs[0] if single else outputs, name=f"{model.name}_to_{names[-1]}")


def kernel_of(layer) -> np.ndarray:
    """The layer's kernel as (kh, kw, in_channels_per_group, filters).

    LeNet-5's sparse C3 stores only its connected weights; its dense
    equivalent (zeros where a map is not connected) is what it computes.
    """
    if hasattr(layer, "full_kernel"):
        return keras.ops.convert_to_numpy(layer.full_kernel())
    if not hasattr(layer, "kernel"):
        raise VisualizeError(f"layer {layer.name!r} ({type(layer).__name__}) has no kernel")
    return keras.ops.convert_to_numpy(layer.kernel)


def activation_name(layer) -> Optional[str]:
    """The name of a layer's own activation function, or None if it has none."""
    function = getattr(layer, "activation", None)
    if function is None:
        return None
    return getattr(function, "__name__", type(function).__name__)


@contextlib.contextmanager
def replaced_activations(model, replacements: Dict[str, Callable]) -> Iterator[None]:
    """Within the block, every layer of ``model`` whose activation is named
    in ``replacements`` uses the replacement instead; restored on exit.

    Layers call ``self.activation`` each time they run (Conv2D, Dense,
    Activation), so the eager forward pass picks the replacement up.
    """
    saved = []
    try:
        for layer in model.layers:
            name = activation_name(layer)
            if name in replacements:
                saved.append((layer, layer.activation))
                layer.activation = replacements[name]
        yield
    finally:
        for layer, function in saved:
            layer.activation = function


@contextlib.contextmanager
def linear_output(model) -> Iterator[None]:
    """Within the block the output layer's soft-max is the identity, so the
    model returns class scores (the soft-max's inputs)."""
    saved = []
    try:
        for output in model.outputs:
            layer = output._keras_history.operation
            if activation_name(layer) == "softmax":
                saved.append((layer, layer.activation))
                layer.activation = keras.activations.linear
        yield
    finally:
        for layer, function in saved:
            layer.activation = function


def as_batch(model, image) -> np.ndarray:
    """One image (h, w, c) or a batch of one, checked against the model input."""
    array = np.asarray(image, dtype="float32")
    if array.ndim == 3:
        array = array[None]
    expected = tuple(model.inputs[0].shape[1:])
    if array.ndim != 4 or array.shape[0] != 1:
        raise VisualizeError(f"expected one image of shape {expected}, got an array of shape {array.shape}")
    if any(e is not None and e != a for e, a in zip(expected, array.shape[1:])):
        raise VisualizeError(f"image shape {array.shape[1:]} does not match the model input {expected}")
    return array


def check_channel(layer, channel: int) -> int:
    channels = int(layer.output.shape[-1])
    if not 0 <= int(channel) < channels:
        raise VisualizeError(
            f"channel {channel} is out of range for layer {layer.name!r}: it has {channels} channels (0 to {channels - 1})"
        )
    return int(channel)


def check_class(model, class_index: int) -> int:
    classes = int(model.outputs[0].shape[-1])
    if len(model.outputs[0].shape) != 2:
        raise VisualizeError(
            f"model {model.name!r} has no class output (its output shape is {tuple(model.outputs[0].shape)}); "
            "build it with include_top=True"
        )
    if not 0 <= int(class_index) < classes:
        raise VisualizeError(
            f"class {class_index} is out of range: the model has {classes} classes (0 to {classes - 1})"
        )
    return int(class_index)


def main_output(values):
    """The first output of a model's result (GoogLeNet also returns its
    auxiliary classifiers' outputs after the main one)."""
    if isinstance(values, dict):
        return next(iter(values.values()))
    if isinstance(values, (list, tuple)):
        return values[0]
    return values
