"""What every builder shares: the keras.applications argument contract.

Each builder in this package takes the same keyword-only arguments
(``include_top, weights, input_tensor, input_shape, pooling, classes,
classifier_activation, name``) and goes through the helpers here, so a bad
argument gets the same clear message from every network, before any layer
is built.
"""

from __future__ import annotations

import os
from typing import Iterable, Optional, Sequence, Tuple

import keras

from keras_classics import arithmetic

_POOLING_CHOICES = (None, "avg", "max")


def check_common_args(
    *,
    include_top: bool,
    weights,
    pooling,
    classes: int,
    classifier_activation,
    model_name: str,
) -> None:
    """Validate the contract arguments that do not depend on the input."""
    if weights is not None:
        if not isinstance(weights, (str, os.PathLike)):
            raise ValueError(
                f"{model_name}: weights must be None (random initialisation) or the path to a "
                f"weights file; got {weights!r}. keras_classics downloads nothing: pretrained "
                "weights must be a local file."
            )
        if not os.path.isfile(weights):
            raise ValueError(
                f"{model_name}: weights file {os.fspath(weights)!r} does not exist. keras_classics "
                "downloads nothing (no pretrained 'imagenet' weights): pass None for random "
                "initialisation or the path of a local .weights.h5 or .keras file."
            )
    if pooling not in _POOLING_CHOICES:
        raise ValueError(f"{model_name}: pooling must be None, 'avg' or 'max', got {pooling!r}")
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
        raise ValueError(f"{model_name}: classes must be an integer >= 1, got {classes!r}")
    if classifier_activation is not None and not (
        isinstance(classifier_activation, str) or callable(classifier_activation)
    ):
        raise ValueError(
            f"{model_name}: classifier_activation must be None, an activation name such as "
            f"'softmax', or a callable; got {classifier_activation!r}"
        )


def min_input_size(spatial_layers: Iterable[Sequence]) -> int:
    """Smallest square input a chain of spatial layers accepts.

    ``spatial_layers`` lists the layers that change the resolution, each as
    ``(kernel, stride, padding[, rounding])`` in the conventions of
    `keras_classics.arithmetic`; builders derive it from their own
    architecture tables.
    """
    return arithmetic.min_input_size(spatial_layers)


def make_input(
    *,
    input_tensor,
    input_shape: Optional[Sequence[Optional[int]]],
    default_shape: Tuple[int, int, int],
    min_size: int,
    model_name: str,
    channels: Optional[int] = None,
):
    """Return the image input, checked against what the network accepts.

    ``channels`` pins the channel count where the network needs one (None:
    any positive count). ``min_size`` is the smallest height and width that
    keeps every feature map at least 1x1.
    """
    if input_tensor is not None:
        if not keras.backend.is_keras_tensor(input_tensor):
            raise ValueError(
                f"{model_name}: input_tensor must be a Keras tensor (from keras.Input or a "
                f"layer's output), got {type(input_tensor).__name__}"
            )
        shape = tuple(input_tensor.shape[1:])
        if input_shape is not None and tuple(input_shape) != shape:
            raise ValueError(
                f"{model_name}: input_shape {tuple(input_shape)} disagrees with input_tensor's "
                f"shape {shape}; pass one or make them equal"
            )
    else:
        shape = tuple(default_shape) if input_shape is None else tuple(input_shape)

    if len(shape) != 3:
        raise ValueError(
            f"{model_name}: input_shape must be (height, width, channels), got {shape}"
        )
    height, width, depth = shape
    if depth is None or depth < 1:
        raise ValueError(f"{model_name}: the channel count must be known and >= 1, got {depth}")
    if channels is not None and depth != channels:
        raise ValueError(
            f"{model_name}: expects {channels} input channel(s), got {depth} "
            f"(input_shape {shape})"
        )
    for axis, value in (("height", height), ("width", width)):
        if value is not None and value < min_size:
            raise ValueError(
                f"{model_name}: input {axis} {value} is too small; the smallest input that "
                f"works is {min_size}x{min_size} (default {default_shape[0]}x{default_shape[1]})"
            )

    if input_tensor is not None:
        return input_tensor
    return keras.Input(shape=shape, name="input")


def pool_features(x, pooling, name_prefix: str = ""):
    """Global pooling for ``include_top=False``: None, 'avg' or 'max'."""
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name=f"{name_prefix}avg_pool")(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name=f"{name_prefix}max_pool")(x)
    return x


def build_model(img_input, outputs, *, name: str, weights, model_name: str) -> keras.Model:
    """Wrap the graph in a functional model and load ``weights`` if given.

    With an ``input_tensor`` from another graph, the model's inputs are that
    graph's source inputs, as in keras.applications.
    """
    inputs = keras.utils.get_source_inputs(img_input)
    # A lone input is passed bare, so that calling the model on one tensor
    # matches its input structure (a one-item list would warn on each call).
    model = keras.Model(inputs[0] if len(inputs) == 1 else inputs, outputs, name=name)
    if weights is not None:
        load_weights(model, weights, model_name=model_name)
    return model


def load_weights(model: keras.Model, path, *, model_name: str) -> None:
    """Load a weights file, turning a mismatch into a clear error."""
    path = os.fspath(path)
    try:
        if path.endswith(".keras"):
            source = keras.saving.load_model(path, compile=False)
            model.set_weights(source.get_weights())
        else:
            model.load_weights(path)
    except Exception as error:  # Keras raises several types for a mismatch.
        raise ValueError(
            f"{model_name}: the weights in {path!r} do not fit this architecture "
            f"({model.count_params():,} parameters in {len(model.weights)} arrays): {error}"
        ) from error
