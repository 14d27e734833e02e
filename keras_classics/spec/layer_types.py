"""One definition per layer type of the spec format (spec/FORMAT.md).

A `LayerType` holds everything the package knows about a kind of layer:

* its YAML fields and their defaults (``None``: no default; the schema,
  spec/schema.yaml, says which are required);
* the Keras classes that may implement it and the config key of each field;
* its shape and parameter rule (`LayerType.output`), its cost rule
  (`LayerType.cost`: multiply-accumulates and weights without biases) and
  how it slides over the image (`LayerType.window`, for the receptive field).

The spec checker, `keras_classics.anatomy` and the site's spec facts read
these rules and nothing else, so a type is added by adding one entry to
`LAYER_TYPES` (and its fields to spec/schema.yaml). The rules compute from a
layer's fields and its inputs' shapes; the expected values they are
compared with come from the YAML alone.

Conventions (`keras_classics.arithmetic`): MACs count the
multiply-accumulates of convolutions and fully connected layers for one
image, biases excluded; pooling, normalisation, activations and merges cost
none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from keras_classics import arithmetic

__all__ = [
    "LayerType",
    "Output",
    "Cost",
    "Window",
    "ArithmeticProblem",
    "LAYER_TYPES",
    "type_of_class",
    "pair",
    "padding_pairs",
    "activation_name",
]

Shape = List[int]
Fields = Mapping[str, Any]


class ArithmeticProblem(ValueError):
    """A layer whose inputs or fields admit no output (bad kernel, bad merge)."""


@dataclass(frozen=True)
class Output:
    """What a layer's fields and inputs imply: its output shape and
    parameters, how they are counted (a formula to print) and the
    trainable parameters (None where all are)."""

    shape: Shape
    params: int
    how: str
    trainable: Optional[int] = None


@dataclass(frozen=True)
class Cost:
    """Multiply-accumulates for one image and learned weights without biases."""

    macs: int = 0
    weights: int = 0


@dataclass(frozen=True)
class Window:
    """How a layer slides over the image: kernel, stride and dilation as
    (height, width) pairs, and its padding as a Keras word or
    ``((top, bottom), (left, right))`` pixels. ``shows_padding`` is False
    where the padding is not the layer's own (a shortcut's subsampling)."""

    kernel: Tuple[int, int]
    stride: Tuple[int, int]
    padding: Union[str, Tuple[Tuple[int, int], Tuple[int, int]]] = "valid"
    dilation: Tuple[int, int] = (1, 1)
    shows_padding: bool = True

    def pixels(self, size: Sequence[int]) -> Tuple[Tuple[int, int], Tuple[int, int]]:
        """The padding actually applied on an input of ``size`` (height, width)."""
        if not isinstance(self.padding, str):
            return self.padding
        return tuple(
            arithmetic.resolve_padding(
                size[axis], self.kernel[axis], self.stride[axis], self.padding, self.dilation[axis]
            )
            for axis in (0, 1)
        )

    def step(self, rf: arithmetic.ReceptiveField, size: Sequence[int]) -> arithmetic.ReceptiveField:
        """The receptive field (along the height) after this layer."""
        before = self.pixels(size)[0][0]
        return arithmetic.receptive_field_step(rf, self.kernel[0], self.stride[0], before, self.dilation[0])


# --------------------------------------------------------------------------
# Values as written in the YAML or in a Keras config
# --------------------------------------------------------------------------


def pair(value) -> Tuple[int, int]:
    """``3`` or ``[3, 3]`` -> ``(3, 3)``."""
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def padding_pairs(value) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """A zero_padding's ``p``, ``[before, after]`` or ``[[t, b], [l, r]]``
    (or Keras's config) as ``((top, bottom), (left, right))``."""
    if isinstance(value, int):
        return ((value, value), (value, value))
    value = list(value)
    if all(isinstance(v, int) for v in value):
        return ((value[0], value[1]), (value[0], value[1]))
    return tuple((int(v[0]), int(v[1])) for v in value)


def activation_name(value) -> Optional[str]:
    """An activation as a plain name: ``"relu"``, ``"keras_classics>scaled_tanh"``
    -> ``"scaled_tanh"``, a serialised dict -> its registered name."""
    if value is None:
        return "linear"
    if isinstance(value, dict):
        # A serialised function: {"class_name": "function", "config":
        # "keras_classics>scaled_tanh", "registered_name": "function"}.
        inner = value.get("config")
        if isinstance(inner, dict):
            inner = inner.get("name")
        value = inner or value.get("registered_name") or value.get("class_name")
    if callable(value):
        value = getattr(value, "__name__", type(value).__name__)
    value = str(value)
    return value.rsplit(">", 1)[-1]


def connection_count(connections) -> int:
    """A sparse convolution's (input map, output map) pairs: a list or a count."""
    return len(connections) if isinstance(connections, (list, tuple)) else int(connections)


def _one_input(layer_type: str, shapes: Sequence[Sequence[int]], rank: Optional[int] = None) -> List[int]:
    if len(shapes) != 1:
        raise ArithmeticProblem(f"a {layer_type} layer takes one input, got {len(shapes)}")
    shape = list(shapes[0])
    if rank is not None and len(shape) != rank:
        shown = "[" + ", ".join(map(str, shape)) + "]"
        raise ArithmeticProblem(f"a {layer_type} layer needs a (height, width, channels) input, got {shown}")
    return shape


def _sizes(function, shape, kernel, stride, *args, **kwargs) -> List[int]:
    try:
        return [
            function(shape[0], kernel[0], stride[0], *args, **kwargs),
            function(shape[1], kernel[1], stride[1], *args, **kwargs),
        ]
    except ValueError as error:
        raise ArithmeticProblem(str(error)) from None


# --------------------------------------------------------------------------
# The rules, type by type
# --------------------------------------------------------------------------


def _conv_output(t: str, f: Fields, shapes) -> Output:
    h, w, c = _one_input(t, shapes, 3)
    kh, kw = pair(f["kernel"])
    dh, dw = pair(f["dilation"])
    if dh != dw:
        raise ArithmeticProblem("different dilations along height and width are not supported")
    out = _sizes(arithmetic.conv_output_size, (h, w), (kh, kw), pair(f["stride"]), f["padding"], dh)
    try:
        params = arithmetic.conv_params((kh, kw), c, f["filters"], f["groups"], f["use_bias"])
    except ValueError as error:
        raise ArithmeticProblem(str(error)) from None
    bias = f" + {f['filters']}" if f["use_bias"] else ""
    return Output(out + [f["filters"]], params, f"{kh}*{kw}*{c // f['groups']}*{f['filters']}{bias}")


def _conv_cost(f: Fields, in_shapes, out_shape) -> Cost:
    kernel = pair(f["kernel"])
    weights = arithmetic.conv_params(kernel, in_shapes[0][-1], f["filters"], f["groups"], use_bias=False)
    macs = arithmetic.conv_macs(tuple(out_shape[:2]), kernel, in_shapes[0][-1], f["filters"], f["groups"])
    return Cost(macs, weights)


def _sparse_conv_output(t: str, f: Fields, shapes) -> Output:
    h, w, c = _one_input(t, shapes, 3)
    kh, kw = pair(f["kernel"])
    out = _sizes(arithmetic.conv_output_size, (h, w), (kh, kw), pair(f["stride"]), f["padding"])
    table = f["connections"]
    if isinstance(table, list):
        bad = [list(p) for p in table if not (p[0] < c and p[1] < f["filters"])]
        if bad:
            raise ArithmeticProblem(f"connections {bad} name maps outside {c} inputs x {f['filters']} outputs")
        if len({tuple(p) for p in table}) != len(table):
            raise ArithmeticProblem("connections lists a pair twice")
    n = connection_count(table)
    return Output(out + [f["filters"]], kh * kw * n + f["filters"], f"{kh}*{kw}*{n} + {f['filters']}")


def _sparse_conv_cost(f: Fields, in_shapes, out_shape) -> Cost:
    kh, kw = pair(f["kernel"])
    weights = kh * kw * connection_count(f["connections"])
    return Cost(out_shape[0] * out_shape[1] * weights, weights)


def _subsampling_output(t: str, f: Fields, shapes) -> Output:
    h, w, c = _one_input(t, shapes, 3)
    out = _sizes(arithmetic.pool_output_size, (h, w), pair(f["pool"]), pair(f["stride"]))
    return Output(out + [c], 2 * c, f"2*{c}")


def _pool_output(t: str, f: Fields, shapes) -> Output:
    h, w, c = _one_input(t, shapes, 3)
    out = _sizes(arithmetic.pool_output_size, (h, w), pair(f["pool"]), pair(f["stride"]), f["padding"])
    return Output(out + [c], 0, "0")


def _global_pool_output(t: str, f: Fields, shapes) -> Output:
    _, _, c = _one_input(t, shapes, 3)
    return Output([c], 0, "0")


def _zero_padding_output(t: str, f: Fields, shapes) -> Output:
    h, w, c = _one_input(t, shapes, 3)
    (top, bottom), (left, right) = padding_pairs(f["padding"])
    return Output([h + top + bottom, w + left + right, c], 0, "0")


def _same_shape(t: str, f: Fields, shapes) -> Output:
    return Output(_one_input(t, shapes), 0, "0")


def _batch_norm_output(t: str, f: Fields, shapes) -> Output:
    shape = _one_input(t, shapes)
    counts = arithmetic.batch_norm_params(shape[-1])
    return Output(shape, counts.total, f"4*{shape[-1]}", counts.trainable)


def _flatten_output(t: str, f: Fields, shapes) -> Output:
    return Output([math.prod(_one_input(t, shapes))], 0, "0")


def _dense_output(t: str, f: Fields, shapes) -> Output:
    shape = _one_input(t, shapes)
    params = arithmetic.dense_params(shape[-1], f["units"], f["use_bias"])
    bias = f" + {f['units']}" if f["use_bias"] else ""
    return Output(shape[:-1] + [f["units"]], params, f"{shape[-1]}*{f['units']}{bias}")


def _dense_cost(f: Fields, in_shapes, out_shape) -> Cost:
    macs = arithmetic.dense_macs(in_shapes[0][-1], f["units"])
    return Cost(macs, macs)


def _rbf_output(t: str, f: Fields, shapes) -> Output:
    shape = _one_input(t, shapes)
    return Output(shape[:-1] + [f["units"]], shape[-1] * f["units"], f"{shape[-1]}*{f['units']}")


def _zero_pad_shortcut_output(t: str, f: Fields, shapes) -> Output:
    h, w, c = _one_input(t, shapes, 3)
    sh, sw = pair(f["stride"])
    if f["filters"] < c:
        raise ArithmeticProblem(
            f"filters {f['filters']} is fewer than the {c} input channels; option A only pads channels with zeros"
        )
    return Output([-(-h // sh), -(-w // sw), f["filters"]], 0, "0")


def _show_shapes(shapes) -> str:
    return ", ".join("[" + ", ".join(map(str, s)) + "]" for s in shapes)


def _concat_output(t: str, f: Fields, shapes) -> Output:
    if len(shapes) < 2:
        raise ArithmeticProblem(f"{t} needs two or more inputs, got {len(shapes)}")
    first = shapes[0]
    for shape in shapes[1:]:
        if len(shape) != len(first) or list(shape[:-1]) != list(first[:-1]):
            raise ArithmeticProblem(f"concat needs equal shapes but for the channels, got {_show_shapes(shapes)}")
    return Output(list(first[:-1]) + [sum(s[-1] for s in shapes)], 0, "0")


def _add_output(t: str, f: Fields, shapes) -> Output:
    if len(shapes) < 2:
        raise ArithmeticProblem(f"add needs two or more inputs, got {len(shapes)}")
    if any(list(s) != list(shapes[0]) for s in shapes[1:]):
        raise ArithmeticProblem(f"add needs equal shapes, got {_show_shapes(shapes)}")
    return Output(list(shapes[0]), 0, "0")


def _no_cost(f: Fields, in_shapes, out_shape) -> Cost:
    return Cost()


def _sliding(kernel_field: str) -> Callable[[Fields], Window]:
    def window(f: Fields) -> Window:
        return Window(pair(f[kernel_field]), pair(f["stride"]), f.get("padding", "valid"), pair(f.get("dilation", 1)))

    return window


def _padding_window(f: Fields) -> Window:
    return Window((1, 1), (1, 1), padding_pairs(f["padding"]))


def _shortcut_window(f: Fields) -> Window:
    # Option A subsamples by striding: a 1x1 window at the shortcut's stride.
    return Window((1, 1), pair(f["stride"]), ((0, 0), (0, 0)), shows_padding=False)


def _relu_activation(config: Mapping[str, Any]) -> str:
    """A ReLU layer read as the activation it applies (``relu``, or with its
    unusual arguments spelled out)."""
    odd = {
        k: config.get(k) for k in ("max_value", "negative_slope", "threshold") if config.get(k) not in (None, 0, 0.0)
    }
    return "relu" if not odd else "relu(" + ", ".join(f"{k}={v}" for k, v in odd.items()) + ")"


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerType:
    """A layer type of the spec format (see the module docstring)."""

    name: str
    fields: Mapping[str, Any]  # YAML field -> default (None: no default)
    keras_classes: Tuple[str, ...]
    config_keys: Mapping[str, str]  # YAML field -> Keras config key
    output: Callable[[str, Fields, List[Shape]], Output]
    cost: Callable[[Fields, Sequence[Sequence[int]], Sequence[int]], Cost] = _no_cost
    window: Optional[Callable[[Fields], Window]] = None  # None: keeps the receptive field
    weighted: bool = False  # counts towards a network's depth (learned weights, batch norm aside)
    merge: bool = False  # takes two or more inputs
    # Classes read differently from their config: class name -> field -> reader.
    readers: Mapping[str, Mapping[str, Callable[[Mapping[str, Any]], Any]]] = field(default_factory=dict)

    def defaults(self, written: Mapping[str, Any]) -> Dict[str, Any]:
        """The type's fields, as written or at their defaults."""
        fields = {key: written.get(key, default) for key, default in self.fields.items()}
        if "pool" in fields and fields.get("stride") is None:
            fields["stride"] = fields["pool"]  # pools and subsampling stride by their window
        return fields

    def expected(self, fields: Fields, shapes: List[Shape]) -> Output:
        """The output shape and parameters ``fields`` imply on inputs of ``shapes``."""
        return self.output(self.name, fields, shapes)

    def model_value(self, class_name: str, config: Mapping[str, Any], field_name: str):
        """A Keras layer's value of a YAML field, from its config (KeyError
        naming the missing config key when the config lacks it)."""
        reader = self.readers.get(class_name, {}).get(field_name)
        if reader is not None:
            return reader(config)
        key = self.config_keys[field_name]
        if key not in config:
            raise KeyError(key)
        value = config[key]
        if field_name == "activation":
            return activation_name(value)
        if field_name == "connections":
            return [tuple(p) for p in value]
        if self.name == "zero_padding":
            return padding_pairs(value)
        if key == "strides" and value is None and "pool" in self.config_keys:
            return config[self.config_keys["pool"]]
        return value

    def fields_from_config(self, class_name: str, config: Mapping[str, Any]) -> Dict[str, Any]:
        """A Keras layer's fields in YAML terms, at the type's defaults where
        its config is silent."""
        written = {}
        for name in self.config_keys:
            try:
                written[name] = self.model_value(class_name, config, name)
            except KeyError:
                pass
        return self.defaults(written)


_CONV_KEYS = {
    "kernel": "kernel_size",
    "stride": "strides",
    "padding": "padding",
    "dilation": "dilation_rate",
    "filters": "filters",
    "groups": "groups",
    "use_bias": "use_bias",
    "activation": "activation",
}
_POOL_FIELDS = {"pool": None, "stride": None, "padding": "valid"}
_POOL_KEYS = {"pool": "pool_size", "stride": "strides", "padding": "padding"}

_TYPES = (
    LayerType(
        "conv2d",
        {
            "kernel": None,
            "stride": 1,
            "padding": "valid",
            "dilation": 1,
            "filters": None,
            "groups": 1,
            "use_bias": True,
            "activation": "linear",
        },
        ("Conv2D", "GroupedConv2D"),
        _CONV_KEYS,
        _conv_output,
        _conv_cost,
        _sliding("kernel"),
        weighted=True,
    ),
    # LeNet-5's C3: each output map reads only the input maps its table lists.
    LayerType(
        "sparse_conv2d",
        {"kernel": None, "stride": 1, "padding": "valid", "filters": None, "connections": None, "activation": "linear"},
        ("SparseConv2D",),
        {
            "kernel": "kernel_size",
            "stride": "strides",
            "padding": "padding",
            "filters": "filters",
            "connections": "connection_table",
            "activation": "activation",
        },
        _sparse_conv_output,
        _sparse_conv_cost,
        _sliding("kernel"),
        weighted=True,
    ),
    # LeNet-5's S2 and S4: sums of windows, one coefficient and one bias per map.
    LayerType(
        "subsampling",
        {"pool": None, "stride": None, "activation": "linear"},
        ("Subsampling",),
        {"pool": "pool_size", "stride": "strides", "activation": "activation"},
        _subsampling_output,
        lambda f, i, o: Cost(0, i[0][-1]),
        _sliding("pool"),
        weighted=True,
    ),
    LayerType("max_pool", _POOL_FIELDS, ("MaxPooling2D",), _POOL_KEYS, _pool_output, window=_sliding("pool")),
    LayerType("avg_pool", _POOL_FIELDS, ("AveragePooling2D",), _POOL_KEYS, _pool_output, window=_sliding("pool")),
    LayerType("global_avg_pool", {}, ("GlobalAveragePooling2D",), {}, _global_pool_output),
    LayerType("global_max_pool", {}, ("GlobalMaxPooling2D",), {}, _global_pool_output),
    LayerType(
        "zero_padding",
        {"padding": None},
        ("ZeroPadding2D",),
        {"padding": "padding"},
        _zero_padding_output,
        window=_padding_window,
    ),
    LayerType(
        "lrn",
        {"size": None, "alpha": None, "beta": None, "bias": None},
        ("LocalResponseNormalization",),
        {"size": "size", "alpha": "alpha", "beta": "beta", "bias": "bias"},
        _same_shape,
    ),
    LayerType(
        "batch_norm",
        {"epsilon": None, "trainable_params": None},
        ("BatchNormalization",),
        {"epsilon": "epsilon"},
        _batch_norm_output,
    ),
    LayerType(
        "activation",
        {"activation": None},
        ("Activation", "ReLU"),
        {"activation": "activation"},
        _same_shape,
        readers={"ReLU": {"activation": _relu_activation}},
    ),
    LayerType("dropout", {"rate": None}, ("Dropout",), {"rate": "rate"}, _same_shape),
    LayerType("flatten", {}, ("Flatten",), {}, _flatten_output),
    LayerType(
        "dense",
        {"units": None, "use_bias": True, "activation": "linear"},
        ("Dense",),
        {"units": "units", "use_bias": "use_bias", "activation": "activation"},
        _dense_output,
        _dense_cost,
        weighted=True,
    ),
    # The paper's RBF prototypes are "chosen by hand and kept fixed"; they are
    # weights all the same, one distance term per input and unit.
    LayerType(
        "rbf",
        {"units": None, "trainable_params": 0},
        ("EuclideanRBF",),
        {"units": "units"},
        _rbf_output,
        _dense_cost,
        weighted=True,
    ),
    # ResNet's option A: subsample by striding, pad the new channels with zeros.
    LayerType(
        "zero_pad_shortcut",
        {"stride": None, "filters": None},
        ("ZeroPadShortcut",),
        {"stride": "strides", "filters": "filters"},
        _zero_pad_shortcut_output,
        window=_shortcut_window,
    ),
    LayerType("concat", {}, ("Concatenate",), {}, _concat_output, merge=True),
    LayerType("add", {}, ("Add",), {}, _add_output, merge=True),
)

LAYER_TYPES: Dict[str, LayerType] = {t.name: t for t in _TYPES}

_BY_CLASS: Dict[str, LayerType] = {cls: t for t in _TYPES for cls in t.keras_classes}


def type_of_class(class_name: str) -> Optional[LayerType]:
    """The spec type a Keras class implements (None for classes no spec type names)."""
    return _BY_CLASS.get(class_name)
