"""The explorer's stack of layers, in Python: the layer format and the walk
through it.

A layer is a plain dict, the format the explorer page and the notebook
widget edit (and ``stack.js`` reads)::

    {"kind": "conv", "name": "conv1", "kernel": 11, "stride": 4, "padding": "valid",
     "dilation": 1, "filters": 96, "groups": 1, "bias": True}
    {"kind": "pool", "name": "pool1", "op": "max", "kernel": 3, "stride": 2,
     "padding": "valid", "rounding": "floor"}

``padding`` is ``"valid"``, ``"same"``, ``p`` or ``[before, after]``, as in
`keras_classics.arithmetic`. Two optional keys come from a real network:
``in_channels``, the channels a merge (a concatenation) fed the layer, which
its predecessor in the chain alone does not give; and ``model_params`` and
``model_macs``, the parameters and MACs of the original layer where they are
not the plain count (LeNet-5's sparse C3, its trainable subsampling).

`evaluate` walks a stack exactly as ``evaluateStack`` in ``stack.js`` does;
tests/test_explorer_node.py holds the two to the same rows.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

from keras_classics import arithmetic

__all__ = ["KINDS", "check_layer", "check_layers", "check_input", "evaluate"]

KINDS = ("conv", "pool")
# Each kind's keys, in the order the layers are written out.
_FIELDS = {
    "conv": ("kind", "name", "kernel", "stride", "padding", "dilation", "filters", "groups", "bias"),
    "pool": ("kind", "name", "op", "kernel", "stride", "padding", "rounding"),
}
_OPTIONAL = ("in_channels", "model_params", "model_macs")
_DEFAULTS = {
    "conv": {"name": "", "stride": 1, "padding": "valid", "dilation": 1, "groups": 1, "bias": True},
    "pool": {"name": "", "op": "max", "padding": "valid", "rounding": "floor"},
}
_REQUIRED = {"conv": ("kernel", "filters"), "pool": ("kernel",)}


def _positive_int(where: str, key: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where}: {key} must be an integer >= {minimum}, got {value!r}")
    return value


def check_layer(layer: Mapping[str, Any], index: int = 0) -> Dict[str, Any]:
    """``layer`` in the explorer's format with its defaults filled in, or a
    ValueError naming the layer and the key that is wrong.

    Only the form is checked here (known keys, integers, words); whether the
    numbers fit together (a kernel larger than its input) is the
    arithmetic's to say, layer by layer, in `evaluate`.
    """
    where = f"layer {index}"
    if not isinstance(layer, Mapping):
        raise ValueError(f"{where} must be a dict with a 'kind' of 'conv' or 'pool', got {layer!r}")
    kind = layer.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be 'conv' or 'pool', got {kind!r}")
    known = _FIELDS[kind] + _OPTIONAL
    unknown = sorted(set(layer) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown} for a {kind} layer; known: {sorted(known)}")
    missing = [key for key in _REQUIRED[kind] if key not in layer]
    if missing:
        raise ValueError(f"{where}: a {kind} layer needs {', '.join(missing)}")
    given = {**_DEFAULTS[kind], **layer}
    if kind == "pool" and given.get("stride") is None:
        given["stride"] = given["kernel"]
    out = {key: given[key] for key in known if key in given}
    if not isinstance(out["name"], str):
        raise ValueError(f"{where}: name must be a string, got {out['name']!r}")
    for key in ("kernel", "stride", "dilation", "filters", "groups", "in_channels"):
        if key in out:
            _positive_int(where, key, out[key])
    for key in ("model_params", "model_macs"):
        if key in out:
            _positive_int(where, key, out[key], 0)
    padding = out["padding"]
    if isinstance(padding, tuple):
        padding = out["padding"] = list(padding)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{where}: padding must be 'valid', 'same', pixels or [before, after], got {padding!r}")
    elif isinstance(padding, list):
        if len(padding) != 2:
            raise ValueError(f"{where}: padding as a list must be [before, after], got {padding!r}")
        for value in padding:
            _positive_int(where, "padding", value, 0)
    else:
        _positive_int(where, "padding", padding, 0)
    if kind == "conv" and not isinstance(out["bias"], bool):
        raise ValueError(f"{where}: bias must be true or false, got {out['bias']!r}")
    if kind == "pool":
        if out["op"] not in ("max", "avg"):
            raise ValueError(f"{where}: op must be 'max' or 'avg', got {out['op']!r}")
        if out["rounding"] not in ("floor", "ceil"):
            raise ValueError(f"{where}: rounding must be 'floor' or 'ceil', got {out['rounding']!r}")
    return out


def check_layers(layers: Sequence[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Every layer through `check_layer`."""
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise ValueError(f"layers must be a list of layer dicts, got {type(layers).__name__}")
    return [check_layer(layer, index) for index, layer in enumerate(layers)]


def check_input(size, channels) -> Dict[str, int]:
    """The input of a stack, ``{"size": n, "channels": c}``."""
    return {"size": _positive_int("input", "size", size), "channels": _positive_int("input", "channels", channels)}


def _get(layer: Mapping[str, Any], key: str, default):
    # A key left out or None takes its default (JavaScript's ``??``).
    value = layer.get(key)
    return default if value is None else value


def evaluate(input: Mapping[str, int], layers: Sequence[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """One row per layer: ``size_in``, ``channels_in``, ``padding`` (pixels
    before and after), ``size_out``, ``channels_out``, ``rf`` (``size``,
    ``jump``, ``start``), ``params``, ``macs`` and ``error`` (None).

    The walk stops at the first layer the arithmetic refuses; that row holds
    the error's message in ``error`` and no output.

    >>> rows = evaluate({"size": 32, "channels": 1}, [
    ...     {"kind": "conv", "kernel": 5, "filters": 6},
    ...     {"kind": "pool", "kernel": 2, "stride": 2}])
    >>> [(r["size_out"], r["params"], r["rf"]["size"]) for r in rows]
    [(28, 156, 5), (14, 0, 6)]
    """
    rows: List[Dict[str, Any]] = []
    size, channels = input["size"], input["channels"]
    rf = arithmetic.ReceptiveField()
    for index, layer in enumerate(layers):
        channels_in = _get(layer, "in_channels", channels)
        row: Dict[str, Any] = {"index": index, "size_in": size, "channels_in": channels_in, "error": None}
        kernel, padding = layer.get("kernel"), _get(layer, "padding", "valid")
        try:
            if layer.get("kind") == "conv":
                stride, dilation, groups = (
                    _get(layer, "stride", 1),
                    _get(layer, "dilation", 1),
                    _get(layer, "groups", 1),
                )
                filters = layer.get("filters")
                size_out = arithmetic.conv_output_size(size, kernel, stride, padding, dilation)
                pixels = arithmetic.resolve_padding(size, kernel, stride, padding, dilation)
                params = arithmetic.conv_params(kernel, channels_in, filters, groups, _get(layer, "bias", True))
                macs = arithmetic.conv_macs(size_out, kernel, channels_in, filters, groups)
                rf = arithmetic.receptive_field_step(rf, kernel, stride, pixels[0], dilation)
                channels_out = filters
            elif layer.get("kind") == "pool":
                stride = _get(layer, "stride", kernel)
                size_out = arithmetic.pool_output_size(size, kernel, stride, padding, _get(layer, "rounding", "floor"))
                pixels = arithmetic.resolve_padding(size, kernel, stride, padding, 1)
                params = macs = 0
                rf = arithmetic.receptive_field_step(rf, kernel, stride, pixels[0], 1)
                channels_out = channels_in
            else:
                raise ValueError(f"a layer's kind must be 'conv' or 'pool', got {layer.get('kind')!r}")
        except ValueError as error:
            row["error"] = str(error)
            rows.append(row)
            break
        row.update(
            padding=list(pixels),
            size_out=size_out,
            channels_out=channels_out,
            params=params,
            macs=macs,
            rf={"size": rf.size, "jump": rf.jump, "start": rf.start},
        )
        rows.append(row)
        size, channels = size_out, channels_out
    return rows
