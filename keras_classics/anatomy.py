"""Layer-by-layer anatomy of a functional Keras model.

`anatomy(model)` walks the layers in execution order and reports, for each,
what a walkthrough of the network needs: kernel, stride, padding in pixels,
filters or units, groups, output shape, parameters (trainable and not),
multiply-accumulates, receptive field and activation memory. It works on any
functional model, branches and residual additions included.

Conventions (the same as `keras_classics.arithmetic`):

* Each layer is read through its spec type's rules
  (`keras_classics.spec.layer_types`), the ones `pytest spec/` and the site
  use: its MACs, padding and receptive field are computed there, once.
* MACs count the multiply-accumulates of convolutions and fully connected
  layers for one image, biases excluded; FLOPs = 2 x MACs. Pooling,
  normalisation, activations and additions cost 0 MACs here.
* The receptive field is along the height axis, in input pixels: ``size``
  (how many pixels one unit sees), ``jump`` (the input distance between
  neighbouring units) and ``start`` (the centre of the first unit's field).
  Where branches meet, a unit sees the largest field among its inputs.
  After a global pooling or a flatten every unit sees the whole image and
  the field is reported as that of the last spatial layer.
* Activation memory is the output's size for one image, in bytes, at the
  layer's compute dtype (float32: 4 bytes per value).

The module itself can be called: ``keras_classics.anatomy(model)`` is
``keras_classics.summary(model)``, the same rows shown as a table.
"""

from __future__ import annotations

import sys
import types
from dataclasses import asdict, dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

from keras_classics import arithmetic
from keras_classics.arithmetic import ReceptiveField
from keras_classics.graph import inbound_layer_names
from keras_classics.spec.layer_types import LAYER_TYPES, LayerType, type_of_class

__all__ = ["LayerRow", "Anatomy", "anatomy", "inbound_layer_names"]


@dataclass(frozen=True)
class LayerRow:
    """One layer of the anatomy table."""

    name: str
    type: str
    inputs: Tuple[str, ...]
    output_shape: Tuple[Optional[int], ...]
    kernel: Optional[Tuple[int, int]] = None
    stride: Optional[Tuple[int, int]] = None
    # Pixels of padding ((top, bottom), (left, right)) actually applied.
    padding: Optional[Tuple[Tuple[int, int], Tuple[int, int]]] = None
    filters: Optional[int] = None
    units: Optional[int] = None
    groups: Optional[int] = None
    trainable_params: int = 0
    non_trainable_params: int = 0
    macs: int = 0
    receptive_field: Optional[ReceptiveField] = None
    activation_bytes: int = 0

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    def as_dict(self) -> dict:
        row = asdict(self)
        row["params"] = self.params
        rf = self.receptive_field
        row["receptive_field"] = None if rf is None else {"size": rf.size, "jump": rf.jump, "start": rf.start}
        return row


@dataclass(frozen=True)
class Anatomy:
    """The rows of a model and its totals."""

    model_name: str
    input_shape: Tuple[Optional[int], ...]
    rows: List[LayerRow] = field(default_factory=list)

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable_params for r in self.rows)

    @property
    def non_trainable_params(self) -> int:
        return sum(r.non_trainable_params for r in self.rows)

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def flops(self) -> int:
        return arithmetic.flops(self.macs)

    @property
    def activation_bytes(self) -> int:
        return sum(r.activation_bytes for r in self.rows)

    def last_conv(self) -> Optional[LayerRow]:
        """The last layer with a kernel that mixes neighbours' channels."""
        convs = [r for r in self.rows if r.kernel is not None and (r.filters is not None)]
        return convs[-1] if convs else None

    def row(self, name: str) -> LayerRow:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no layer named {name!r} in {self.model_name}")

    def as_dict(self) -> dict:
        return {
            "model": self.model_name,
            "input_shape": list(self.input_shape),
            "layers": [r.as_dict() for r in self.rows],
            "totals": {
                "params": self.params,
                "trainable_params": self.trainable_params,
                "non_trainable_params": self.non_trainable_params,
                "macs": self.macs,
                "flops": self.flops,
                "activation_bytes": self.activation_bytes,
            },
        }


# --------------------------------------------------------------------------
# Reading the Keras graph
# --------------------------------------------------------------------------


def _weights_count(weights) -> int:
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def _shape(tensor) -> Tuple[Optional[int], ...]:
    return tuple(None if d is None else int(d) for d in tensor.shape[1:])


def _dtype_bytes(layer) -> int:
    name = str(getattr(layer, "compute_dtype", "float32"))
    for bits in ("64", "16", "8"):
        if name.endswith(bits):
            return int(bits) // 8
    return 4


def _spec_type(class_name: str, config) -> Optional[LayerType]:
    """The layer type whose rules describe a Keras layer: its spec type, or
    for a class no spec names the type it behaves like (a depthwise or other
    convolution, a pooling, a fully connected layer); None for the rest."""
    known = type_of_class(class_name)
    if known is not None:
        return known
    if "kernel_size" in config:
        return LAYER_TYPES["conv2d"]
    if "pool_size" in config:
        return LAYER_TYPES["max_pool"]
    if "units" in config:
        return LAYER_TYPES["dense"]
    return None


def _layer_row(
    layer, inputs: Tuple[str, ...], rf: Optional[ReceptiveField]
) -> Tuple[LayerRow, Optional[ReceptiveField]]:
    config = layer.get_config()
    class_name = type(layer).__name__
    out_shape = _shape(layer.output)
    in_shape = _shape(layer.input) if inputs and not isinstance(layer.input, (list, tuple)) else None
    values = 1
    for d in out_shape:
        values *= d or 1
    row = dict(
        name=layer.name,
        type=class_name,
        inputs=inputs,
        output_shape=out_shape,
        trainable_params=_weights_count(layer.trainable_weights),
        non_trainable_params=_weights_count(layer.non_trainable_weights),
        activation_bytes=values * _dtype_bytes(layer),
    )
    spatial_in = in_shape is not None and len(in_shape) == 3
    layer_type = _spec_type(class_name, config) if in_shape is not None else None
    if layer_type is None or (layer_type.window is not None and not spatial_in):
        if spatial_in and len(out_shape) == 3 and in_shape[0] and out_shape[0] and in_shape[0] > out_shape[0]:
            # A resolution change without a kernel (a shortcut that
            # subsamples by striding): a 1x1 window at the layer's stride.
            stride = -(-in_shape[0] // out_shape[0])
            row.update(stride=(stride, stride))
            if rf is not None:
                rf = arithmetic.receptive_field_step(rf, 1, stride, 0)
        return LayerRow(receptive_field=rf, **row), rf

    fields = layer_type.fields_from_config(class_name, config)
    if "kernel" in layer_type.fields:  # a convolution: its maps out, its groups
        fields["filters"] = out_shape[-1]
        if "depth_multiplier" in config:  # depthwise: one group per input map
            fields["groups"] = in_shape[-1]
        row.update(filters=out_shape[-1], groups=int(fields.get("groups", 1)))
    if "units" in fields:
        row.update(units=int(fields["units"]))
    row.update(macs=layer_type.cost(fields, [in_shape], out_shape).macs)
    if layer_type.window is not None and None not in in_shape[:2]:
        window = layer_type.window(fields)
        if "kernel" in fields or "pool" in fields:
            row.update(kernel=window.kernel, stride=window.stride)
        elif window.stride != (1, 1):
            row.update(stride=window.stride)
        if window.shows_padding:
            row.update(padding=window.pixels(in_shape[:2]))
        if rf is not None:
            rf = window.step(rf, in_shape[:2])
    return LayerRow(receptive_field=rf, **row), rf


def _merge(fields: Sequence[Optional[ReceptiveField]]) -> Optional[ReceptiveField]:
    fields = [f for f in fields if f is not None]
    if not fields:
        return None
    return max(fields, key=lambda f: (f.size, f.jump))


def anatomy(model) -> Anatomy:
    """Rows for every layer of a functional ``model``, in execution order.

    >>> import keras
    >>> from keras_classics.anatomy import anatomy
    >>> inputs = keras.Input((32, 32, 3))
    >>> x = keras.layers.Conv2D(8, 3, name="conv")(inputs)
    >>> table = anatomy(keras.Model(inputs, x))
    >>> table.row("conv").macs == 30 * 30 * 8 * 3 * 3 * 3
    True
    >>> table.row("conv").receptive_field.size
    3
    """
    try:
        model_inputs = list(model.inputs)
    except (AttributeError, ValueError):
        model_inputs = []
    if not model_inputs or not hasattr(model, "layers"):
        raise ValueError(f"anatomy() needs a functional keras.Model built on keras.Input, got {type(model).__name__}")
    fields: Dict[str, Optional[ReceptiveField]] = {}
    # A Sequential model does not list its InputLayer among its layers:
    # seed the field where each input comes from.
    for tensor in model_inputs:
        fields[tensor._keras_history.operation.name] = ReceptiveField()
    rows: List[LayerRow] = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            fields[layer.name] = ReceptiveField()
            continue
        inputs = inbound_layer_names(layer, model)
        incoming = _merge([fields.get(name) for name in inputs])
        if isinstance(layer.output, (list, tuple)):
            raise ValueError(f"layer {layer.name!r} has several outputs; anatomy() supports one per layer")
        row, rf = _layer_row(layer, inputs, incoming)
        if len(row.output_shape) != 3:
            # Past the spatial layers the field no longer grows; keep the last.
            rf = incoming
            row = replace(row, receptive_field=incoming)
        fields[layer.name] = rf
        rows.append(row)
    input_shape = _shape(model_inputs[0])
    return Anatomy(model_name=model.name, input_shape=input_shape, rows=rows)


class _CallableModule(types.ModuleType):
    """Lets ``keras_classics.anatomy(model)`` do what it reads as: the
    model's anatomy, as the `keras_classics.summary` that shows it (an
    `Anatomy` itself, with ``rows``, ``row(name)`` and the totals)."""

    def __call__(self, model, input_shape=None, **options):
        from keras_classics.display.model_summary import summary

        return summary(model, input_shape, **options)


sys.modules[__name__].__class__ = _CallableModule
