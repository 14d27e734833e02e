"""Reading a functional Keras model's graph: which layers feed which.

Keras 3 keeps a layer's calls in the private ``_inbound_nodes``; this module
is the one place that reads it, so a change in Keras is mended here once.
`keras_classics.anatomy`, the spec checker's model summaries and the site all
go through `layer_calls` and `inbound_layer_names`.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

__all__ = ["layer_calls", "inbound_layer_names", "input_layer_names", "output_layer_names", "first_output_shape"]


def layer_calls(layer, model=None) -> List:
    """The nodes (calls) of ``layer`` that belong to ``model``.

    A layer reused in another model keeps that model's calls too; with
    ``model`` given, only the calls made inside it are returned (Keras
    names a model's nodes ``"<id(layer)>_ib-<index>"``).
    """
    nodes = list(getattr(layer, "_inbound_nodes", None) or ())
    own = set(getattr(model, "_nodes", ())) if model is not None else set()
    if not own:
        return nodes
    return [node for index, node in enumerate(nodes) if f"{id(layer)}_ib-{index}" in own]


def input_layer_names(model) -> Tuple[str, ...]:
    """Names of ``model``'s InputLayers."""
    return tuple(op.name for op in model.operations if type(op).__name__ == "InputLayer")


def output_layer_names(model) -> Tuple[str, ...]:
    """Names of the layers that produce ``model``'s outputs, in order."""
    return tuple(t._keras_history.operation.name for t in model.outputs)


def inbound_layer_names(layer, model=None) -> Tuple[str, ...]:
    """Names of the layers feeding ``layer``'s first call (in ``model``)."""
    nodes = layer_calls(layer, model)
    if not nodes:
        return ()
    return tuple(t._keras_history.operation.name for t in nodes[0].input_tensors)


def first_output_shape(layer, model=None) -> Optional[List[Optional[int]]]:
    """The output shape of ``layer``'s first call, without the batch axis."""
    nodes = layer_calls(layer, model)
    if not nodes or not nodes[0].output_tensors:
        return None
    return list(nodes[0].output_tensors[0].shape[1:])
