"""Worked arithmetic: a layer's output size, parameters and receptive
field written out from its spec entry, each checked against the rule."""

from __future__ import annotations

import logging
import math
from typing import List

import spec_facts
from macro_format import TIMES, num, shape, tex
from spec_facts import LayerFacts, ModelFacts, model_facts

log = logging.getLogger("mkdocs.hooks.keras_classics")


def _floor_formula(size: int, before: int, after: int, kernel: int, stride: int, out: int) -> str:
    pad = f" + {before} + {after}" if before or after else ""
    if stride == 1:
        return f"{size}{pad} - {kernel} + 1 = {out}"
    return rf"\left\lfloor \frac{{{size}{pad} - {kernel}}}{{{stride}}} \right\rfloor + 1 = {out}"


def _rf_formula(before, after, kernel: int, stride: int) -> str:
    """The receptive-field recurrence with the layer's numbers in it."""
    if before is None or after is None:
        return ""
    return (
        f"$r = {before.size} + ({kernel} - 1) \\cdot {before.jump} = {after.size}$ pixels, "
        f"jump $j = {before.jump} \\cdot {stride} = {after.jump}$"
    )


def _check(facts: ModelFacts, lf: LayerFacts, what: str, ours, declared) -> None:
    if ours != declared:
        log.warning(f"{facts.file}:{lf.layer.line} {lf.name}: the worked {what} gives {ours}, the spec says {declared}")


def walk(model: str, *names: str) -> str:
    """Each named layer of ``spec/<model>.yaml`` with its output size,
    parameters, MACs and receptive field worked out from its fields."""
    facts = model_facts(model)
    items = []
    for name in names:
        lf = facts.layer(name)
        source = lf.layer.inputs[0] if lf.layer.inputs else "input"
        rf_before = spec_facts.ReceptiveField() if source == "input" else facts.layer(source).receptive_field
        items.append(_walk_one(facts, lf, rf_before))
    return "\n".join(items) + "\n"


def _check_rule(facts: ModelFacts, lf: LayerFacts) -> None:
    """The layer type's own rule (the one `pytest spec/` applies) against
    the output size and parameter count the page is about to print."""
    implied = spec_facts.LAYER_TYPES[lf.type].expected(lf.layer.fields, [list(s) for s in lf.input_shapes])
    _check(facts, lf, "output shape", tuple(implied.shape), lf.output_shape)
    _check(facts, lf, "parameter count", implied.params, lf.params)


def _walk_one(facts: ModelFacts, lf: LayerFacts, rf_before) -> str:
    f = lf.layer.fields
    t = lf.type
    lines: List[str] = []
    in_shape = lf.input_shape if lf.input_shapes else ()
    out = lf.output_shape
    head = f"- **`{lf.name}`**"
    _check_rule(facts, lf)
    if t in ("conv2d", "sparse_conv2d", "max_pool", "avg_pool", "subsampling"):
        kernel = spec_facts.pair(f.get("kernel", f.get("pool")))[0]
        stride = spec_facts.pair(f["stride"])[0]
        before, after = lf.padding
        what = f"{kernel}{TIMES}{kernel} " + {
            "conv2d": "convolution, {filters} filters",
            "sparse_conv2d": "convolution over a connection table, {filters} maps",
            "max_pool": "max pooling",
            "avg_pool": "average pooling",
            "subsampling": "trainable subsampling",
        }[t].format(filters=f.get("filters"))
        padding = f.get("padding", "valid")
        pad_words = (
            "no padding"
            if (before, after) == (0, 0)
            else (
                f"{before} pixel{'s' if before != 1 else ''} before and {after} after"
                if before != after
                else f"{before} pixel{'s' if before != 1 else ''} on each side"
            )
        )
        if padding == "same":
            pad_words = (
                "`same` padding, which pads nothing here"
                if (before, after) == (0, 0)
                else f"`same` padding: {pad_words}"
            )
        lines.append(f"{head}: {what}, stride {stride}, {pad_words}, on {shape(in_shape)}.")
        size = in_shape[0]
        lines.append(
            f"    - output size: ${_floor_formula(size, before, after, kernel, stride, out[0])}$, so {shape(out)}"
        )
        if padding == "same" and stride > 1:
            lines.append(
                rf"    - with `same`, TensorFlow aims at $\lceil {size} / {stride} \rceil = {out[0]}$ "
                f"and pads whatever that needs, the odd pixel after"
            )
        if t == "conv2d":
            groups = f["groups"]
            c = in_shape[-1] // groups
            bias = " + 1" if f["use_bias"] else ""
            group_words = (
                f" (each filter sees {c} of the {in_shape[-1]} input maps: {groups} groups)" if groups > 1 else ""
            )
            lines.append(
                f"    - parameters: $({kernel} \\cdot {kernel} \\cdot {c}{bias}) \\cdot {f['filters']} = "
                f"{tex(lf.params)}${group_words}"
                if bias
                else f"    - parameters: ${kernel} \\cdot {kernel} \\cdot {c} \\cdot {f['filters']} = {tex(lf.params)}$ "
                f"(no bias){group_words}"
            )
            lines.append(
                f"    - MACs: ${out[0]} \\cdot {out[1]} \\cdot {f['filters']} \\cdot ({kernel} \\cdot {kernel} \\cdot {c}) "
                f"= {tex(lf.macs)}$"
            )
        elif t == "sparse_conv2d":
            n = spec_facts.connection_count(f["connections"])
            lines.append(
                f"    - parameters: ${kernel} \\cdot {kernel} \\cdot {n} + {f['filters']} = {tex(lf.params)}$ "
                f"({n} input-output map pairs, one bias per map)"
            )
            lines.append(
                f"    - MACs: ${out[0]} \\cdot {out[1]} \\cdot {kernel} \\cdot {kernel} \\cdot {n} = {tex(lf.macs)}$"
            )
        elif t == "subsampling":
            lines.append(
                f"    - parameters: $2 \\cdot {in_shape[-1]} = {tex(lf.params)}$ (a coefficient and a bias per map)"
            )
        else:
            lines.append("    - parameters: none")
        dilation = spec_facts.pair(f.get("dilation", 1))[0]
        lines.append(
            f"    - receptive field: {_rf_formula(rf_before, lf.receptive_field, dilation * (kernel - 1) + 1, stride)}"
        )
    elif t == "zero_padding":
        (top, bottom) = lf.padding
        lines.append(f"{head}: zero padding, {top} pixel{'s' if top != 1 else ''} before and {bottom} after.")
        lines.append(f"    - output size: ${in_shape[0]} + {top} + {bottom} = {out[0]}$")
    elif t == "dense":
        n_in = in_shape[-1]
        units = f["units"]
        bias = f" + {tex(units)}" if f["use_bias"] else ""
        lines.append(f"{head}: fully connected, {num(n_in)} inputs to {num(units)} units.")
        lines.append(f"    - parameters: ${tex(n_in)} \\cdot {tex(units)}{bias} = {tex(lf.params)}$")
        lines.append(f"    - MACs: ${tex(n_in)} \\cdot {tex(units)} = {tex(lf.macs)}$")
    elif t == "rbf":
        lines.append(f"{head}: Euclidean RBF units, {in_shape[-1]} inputs to {f['units']} outputs.")
        lines.append(
            f"    - fixed prototypes: ${in_shape[-1]} \\cdot {f['units']} = {tex(lf.weights)}$ numbers, "
            f"{num(lf.params - (facts.layer(lf.name).get('trainable_params') or 0))} of them not trained"
        )
    elif t == "flatten":
        product = r" \cdot ".join(str(d) for d in in_shape)
        lines.append(f"{head}: the {shape(in_shape)} maps become one vector, ${product} = {tex(out[0])}$ numbers.")
    elif t in ("global_avg_pool", "global_max_pool"):
        kind = "average" if t == "global_avg_pool" else "maximum"
        lines.append(
            f"{head}: the {kind} of each of the {in_shape[-1]} maps over all "
            f"${in_shape[0]} \\times {in_shape[1]}$ positions: {out[0]} numbers, no parameters."
        )
    elif t == "concat":
        channels = [s[-1] for s in lf.input_shapes]
        lines.append(
            f"{head}: stacks {len(channels)} branches along the channels, "
            f"${' + '.join(str(c) for c in channels)} = {out[-1]}$, so {shape(out)}."
        )
    elif t == "add":
        lines.append(
            f"{head}: adds {' and '.join(f'`{n}`' for n in lf.layer.inputs)}, both {shape(out)}; no parameters."
        )
    elif t == "batch_norm":
        c = out[-1]
        lines.append(
            f"{head}: batch norm over {c} channels, $4 \\cdot {c} = {tex(lf.params)}$ numbers: "
            f"$\\gamma$ and $\\beta$ are trained, the moving mean and variance are not."
        )
    elif t == "zero_pad_shortcut":
        stride = spec_facts.pair(f["stride"])[0]
        every = {2: "second", 3: "third", 4: "fourth"}.get(stride, f"{stride}th")
        lines.append(
            f"{head}: takes every {every} pixel ($\\lceil {in_shape[0]} / {stride} \\rceil = {out[0]}$) "
            f"and pads the {in_shape[-1]} channels with zeros to {out[-1]}; no parameters."
        )
    elif t == "lrn":
        lines.append(
            f"{head}: local response normalisation across {f['size']} neighbouring maps "
            f"($k = {f['bias']:g}$, $\\alpha = {_tex_float(f['alpha'])}$, $\\beta = {f['beta']:g}$); "
            f"keeps {shape(out)}, no parameters."
        )
    elif t == "dropout":
        lines.append(
            f"{head}: while training, zeroes each of its {num(math.prod(out))} inputs with probability "
            f"{f['rate']:g} (and scales the rest by $1/{1 - f['rate']:g}$); does nothing at inference."
        )
    elif t == "activation":
        lines.append(f"{head}: applies `{f['activation']}` to {shape(out)}; no parameters.")
    else:
        lines.append(f"{head}: {t}, keeps {shape(out)}; no parameters.")
    return "\n".join(lines)


def _tex_float(value: float) -> str:
    """1e-4 -> '10^{-4}', 2e-05 -> '2 \\cdot 10^{-5}'."""
    mantissa, exponent = f"{value:e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else f"{mantissa} \\cdot {power}"


def params_formula(model: str, layer: str) -> str:
    """How a conv or dense layer's parameter count is made, e.g.
    '(11·11·3 + 1)·96', read from its spec fields (checked against them)."""
    facts = model_facts(model)
    lf = facts.layer(layer)
    f = lf.layer.fields
    dot = "\u00b7"
    if lf.type == "conv2d":
        kh, kw = spec_facts.pair(f["kernel"])
        c = lf.input_shape[-1] // f["groups"]
        text = (
            f"({kh}{dot}{kw}{dot}{c} + 1){dot}{f['filters']}"
            if f["use_bias"]
            else f"{kh}{dot}{kw}{dot}{c}{dot}{f['filters']}"
        )
    elif lf.type == "dense":
        n = lf.input_shape[-1]
        text = f"{n}{dot}{f['units']}" + (f" + {f['units']}" if f["use_bias"] else "")
        if lf.layer.inputs and facts.layers.get(lf.layer.inputs[0]) is not None:
            source = facts.layer(lf.layer.inputs[0])
            if source.type == "flatten" and len(source.input_shape) == 3:
                h, w, ch = source.input_shape
                text = f"{h}{dot}{w}{dot}{ch}{dot}{f['units']}" + (f" + {f['units']}" if f["use_bias"] else "")
    else:
        raise ValueError(f"params_formula: {model}/{layer} is a {lf.type} layer; only conv2d and dense")
    _check_rule(facts, lf)
    return text
