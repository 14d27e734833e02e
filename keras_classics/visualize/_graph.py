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
    "block_outputs",
    "default_layer",
    "check_graph",
    "class_scores",
    "ends_in_softmax",
    "cached",
    "is_plain_relu_layer",
]


class VisualizeError(ValueError):
    """A layer, channel or class that the method cannot use, and why."""


def check_graph(model) -> None:
    """Raise `VisualizeError` unless ``model`` is a graph of layers the
    methods can read: a functional or Sequential model with an input."""
    try:
        inputs = model.inputs
        outputs = model.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if not inputs or not outputs:
        kind = type(model).__name__
        raise VisualizeError(
            f"the model is a subclassed {kind} whose call() is Python code, not a graph of layers, so its "
            "layers' outputs cannot be reached; build it with the functional API (keras.Input, then call the "
            "layers) or as a keras.Sequential starting with keras.Input, and load its weights into that"
        )


def _is_input(layer) -> bool:
    return type(layer).__name__ == "InputLayer"


def _output_rank(layer) -> Optional[int]:
    output = layer.output
    if isinstance(output, (list, tuple)):
        return None
    return len(output.shape)


def spatial_layer_names(model) -> List[str]:
    """Layers whose output is a (batch, height, width, channels) map."""
    check_graph(model)
    return [layer.name for layer in model.layers if not _is_input(layer) and _output_rank(layer) == 4]


def conv_layer_names(model) -> List[str]:
    """Layers that hold a convolution kernel and output a spatial map."""
    check_graph(model)
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


# Layers that only subsample, pad, crop, reshape or pass the features of
# the layer before (dropout is the identity at inference): a block output
# is where features are computed, not where they are resampled.
_RESAMPLING = {
    "MaxPooling2D",
    "AveragePooling2D",
    "Subsampling",  # LeNet-5's S2 and S4: a 2x2 average with one weight per map
    "ZeroPadding2D",
    "Cropping2D",
    "Reshape",
    "Dropout",
    "SpatialDropout2D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "Identity",
    "UpSampling2D",
}


def _graph(model):
    """(names in topological order, successors) of the layers on a path from
    the input to the main output (the first one)."""
    from keras_classics.graph import inbound_layer_names

    inputs = [t._keras_history.operation.name for t in model.inputs]
    layers = {layer.name: layer for layer in model.layers}
    predecessors = {name: [p for p in inbound_layer_names(layer, model)] for name, layer in layers.items()}
    for name in inputs:
        predecessors.setdefault(name, [])
    successors: Dict[str, List[str]] = {name: [] for name in predecessors}
    for name, before in predecessors.items():
        for p in before:
            successors.setdefault(p, []).append(name)
            predecessors.setdefault(p, [])
    # Ancestors of the main output, descendants of the inputs.
    main = model.outputs[0]._keras_history.operation.name
    up, stack = {main}, [main]
    while stack:
        for p in predecessors.get(stack.pop(), []):
            if p not in up:
                up.add(p)
                stack.append(p)
    down, stack = set(inputs), list(inputs)
    while stack:
        for s in successors.get(stack.pop(), []):
            if s not in down:
                down.add(s)
                stack.append(s)
    keep = up & down
    # Kahn's topological order, ties in the model's own order.
    rank = {name: i for i, name in enumerate([*inputs, *layers])}
    waiting = {n: sum(1 for p in predecessors[n] if p in keep) for n in keep}
    ready = sorted((n for n in keep if waiting[n] == 0), key=rank.get)
    order = []
    while ready:
        name = ready.pop(0)
        order.append(name)
        for s in successors.get(name, []):
            if s in keep:
                waiting[s] -= 1
                if waiting[s] == 0:
                    ready.append(s)
                    ready.sort(key=rank.get)
    return order, {n: [s for s in successors.get(n, []) if s in keep] for n in keep}


def block_outputs(model) -> List[str]:
    """The layers every path from the input to the (main) output passes
    through, in order: in a chain every layer; in a residual network the
    ReLU after each addition (and the addition); in GoogLeNet each inception
    module's concatenation; never a layer inside a branch.

    Read from the graph: in a topological order a layer is such a cut
    point exactly when no connection jumps over it.
    """
    check_graph(model)
    order, successors = _graph(model)
    position = {name: i for i, name in enumerate(order)}
    cuts, reach = [], 0
    for i, name in enumerate(order):
        if reach <= i and i > 0:
            cuts.append(name)
        reach = max([reach, *(position[s] for s in successors[name])])
    return cuts


def default_layer(model) -> str:
    """The last spatial block output: the last of `block_outputs` whose
    output is a map of more than one position and which computes features
    rather than resampling them (a pooling, padding or dropout layer
    passes on the block output before it, at a lower resolution).

    ResNets: the ReLU after the last addition; GoogLeNet: inception 5b's
    concatenation; AlexNet, ZFNet, VGG, LeNet-5: the last convolution (its
    ReLU) before the final pooling and the classifier.
    """
    chosen = None
    for name in block_outputs(model):
        layer = model.get_layer(name)
        if _is_input(layer) or _output_rank(layer) != 4 or type(layer).__name__ in _RESAMPLING:
            continue
        height, width = layer.output.shape[1:3]
        if height is not None and width is not None and int(height) * int(width) <= 1:
            continue
        chosen = name
    if chosen is None:
        raise VisualizeError(
            f"model {model.name!r} has no spatial layer (an output of shape (batch, height, width, channels) with "
            "more than one position) on the path to its output, so there is no map to show; this method needs "
            "a convolutional network"
        )
    return chosen


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


def _softmax_layer(layer) -> bool:
    """A layer that is a soft-max and nothing else."""
    kind = type(layer).__name__
    return kind == "Softmax" or (kind == "Activation" and activation_name(layer) == "softmax")


def class_scores(model):
    """The class scores before the soft-max of the main output.

    Returns ``(tensor, fused)``: ``tensor`` is the symbolic tensor of the
    scores (the input of a final ``Softmax`` or ``Activation("softmax")``
    layer, else the output itself); ``fused`` is True when the output
    layer computes its soft-max itself (``Dense(..., activation="softmax")``),
    so the scores are that output under `linear_output`.
    """
    output = model.outputs[0]
    layer = output._keras_history.operation
    if _softmax_layer(layer):
        from keras_classics.graph import layer_calls

        nodes = layer_calls(layer, model)
        return nodes[0].input_tensors[0], False
    return output, activation_name(layer) == "softmax"


def ends_in_softmax(model) -> bool:
    """Whether the main output is a probability (a soft-max, fused or a layer)."""
    tensor, fused = class_scores(model)
    return fused or tensor is not model.outputs[0]


def cached(model, key, make):
    """``make()``, kept per model and ``key`` for later calls (sub-models,
    whose predict functions then compile once)."""
    from keras_classics.visualize._gradients import _COMPILED

    per_model = _COMPILED.get(model)
    if per_model is None:
        per_model = _COMPILED[model] = {}
    key = ("cached", key)
    if key not in per_model:
        per_model[key] = make()
    return per_model[key]


def is_plain_relu_layer(layer) -> bool:
    """A ``keras.layers.ReLU`` with its defaults: max(x, 0), nothing more."""
    if type(layer).__name__ != "ReLU":
        return False
    config = layer.get_config()
    return (
        config.get("max_value") is None
        and float(config.get("negative_slope", 0.0) or 0.0) == 0.0
        and float(config.get("threshold", 0.0) or 0.0) == 0.0
    )


def as_batch(model, image) -> np.ndarray:
    """One image (h, w, c) or a batch of one, checked against the model input."""
    check_graph(model)
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
