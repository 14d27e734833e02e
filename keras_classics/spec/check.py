"""The checks of `pytest spec/`, as plain functions returning problem lines.

Each function takes a `Spec` (from `keras_classics.spec.loader`) and, where
the model is involved, a plain-Python summary of the built model
(`keras_classics.spec.model_cache`), and
returns a list of problems, one line each, in the form::

    alexnet.yaml:42 conv2: output_shape expected [27, 27, 256], got [26, 26, 256]

An empty list means the check passed. Nothing here imports Keras: the
arithmetic comes from `keras_classics.arithmetic`, the model from its
summary, so the functions can be tested on small hand-made inputs.
"""

from __future__ import annotations

import fnmatch
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from keras_classics.spec.layer_types import (  # noqa: F401 (activation_name: re-exported for tests)
    LAYER_TYPES,
    ArithmeticProblem,
    activation_name,
    padding_pairs,
)
from keras_classics.spec.loader import Layer, Spec

_SINGLE_INPUT = {name for name, t in LAYER_TYPES.items() if not t.merge}


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


def same_value(a, b) -> bool:
    """Equality that lets ``3`` equal ``[3, 3]`` and floats differ by rounding."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)
    if isinstance(a, (list, tuple)) and isinstance(b, (int, float)):
        a, b = b, a
    if isinstance(a, (int, float)) and isinstance(b, (list, tuple)):
        return len(b) > 0 and all(same_value(a, item) for item in b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


def show(value) -> str:
    """Values printed as in the YAML: lists, not tuples."""
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    return repr(value)


def _collapse(model_value, yaml_value):
    """Show a model's ``(3, 3)`` as ``3`` where the YAML wrote ``3``."""
    if isinstance(yaml_value, int) and isinstance(model_value, (list, tuple)) and len(set(model_value)) == 1:
        return model_value[0]
    return model_value


# --------------------------------------------------------------------------
# (a) The YAML against the arithmetic
# --------------------------------------------------------------------------


def expected(layer: Layer, shapes: List[List[int]]) -> Tuple[List[int], int, str, Optional[int]]:
    """What ``layer``'s fields and its inputs' shapes imply:
    ``(output_shape, params, how the params are counted, trainable params)``
    (trainable None where it equals params), by its type's rule."""
    if layer.type not in LAYER_TYPES:
        raise ArithmeticProblem(f"unknown layer type {layer.type!r}")
    out = LAYER_TYPES[layer.type].expected(layer.fields, shapes)
    return list(out.shape), out.params, out.how, out.trainable


def input_shapes(spec: Spec, layer: Layer) -> Tuple[List[List[int]], List[str]]:
    """The declared shapes of ``layer``'s inputs, from the YAML, and the
    problems (an input that is not listed before it)."""
    position = {l.name: k for k, l in enumerate(spec.layers)}
    here = position[layer.name]
    shapes, problems = [], []
    for name in layer.inputs:
        if name == "input":
            shapes.append(list(spec.input_shape))
        elif name not in position:
            problems.append(f"input {name!r} is not a layer of this file")
        elif position[name] >= here:
            problems.append(
                f"input {name!r} is listed after this layer (line "
                f"{spec.layers[position[name]].line}); list layers after their inputs"
            )
        else:
            shapes.append(list(spec.layers[position[name]].output_shape))
    return shapes, problems


def arithmetic_problems(spec: Spec, layer: Layer) -> List[str]:
    """(a): does ``layer``'s output_shape and params follow from its fields
    and the shapes its inputs declare?"""
    prefix = f"{spec.file_name}:{layer.line} {layer.name}: "
    shapes, problems = input_shapes(spec, layer)
    if problems:
        return [prefix + p for p in problems]
    if layer.type in _SINGLE_INPUT and len(layer.inputs) != 1:
        return [prefix + f"a {layer.type} layer takes one input, got inputs {show(layer.inputs)}"]
    try:
        shape, params, how, trainable = expected(layer, shapes)
    except ArithmeticProblem as error:
        return [prefix + f"{error} (inputs {', '.join(map(show, shapes))})" + layer.where()]
    out = []
    if list(layer.output_shape) != shape:
        out.append(
            prefix + f"output_shape {show(layer.output_shape)} does not follow from its input "
            f"{', '.join(map(show, shapes))} and fields: the arithmetic gives {show(shape)}"
            + layer.where("output_shape")
        )
    if layer.params != params:
        out.append(
            prefix + f"params {layer.params} does not follow from its input and fields: "
            f"{how} = {params}" + layer.where("params")
        )
    written = layer.fields.get("trainable_params")
    if layer.type == "batch_norm" and written is not None and written != trainable:
        out.append(prefix + f"trainable_params {written} does not follow: 2*{shape[-1]} = {trainable}")
    if layer.type == "rbf" and written not in (0, params):
        out.append(prefix + f"trainable_params {written} must be 0 (fixed prototypes) or all {params} params")
    return out


# --------------------------------------------------------------------------
# (b) The model against the YAML
# --------------------------------------------------------------------------


def _model_field(layer: Layer, summary_layer, field: str):
    """The model's value of a YAML field (raises KeyError when absent)."""
    value = LAYER_TYPES[layer.type].model_value(summary_layer.class_name, summary_layer.config, field)
    if field == "connections":
        # Compared as the YAML writes it: the pairs, or their number.
        return sorted(value) if isinstance(layer.fields["connections"], list) else len(value)
    return value


# The activation formulas a spec may give constants for (schema: activations).
ACTIVATION_FORMS = {
    "A * tanh(S * x)": lambda x, c: c["A"] * math.tanh(c["S"] * x),
}


def _number(value) -> float:
    """A constant as the YAML writes it: a number or a fraction ``"2/3"``."""
    if isinstance(value, str):
        numerator, denominator = value.split("/")
        return int(numerator) / int(denominator)
    return float(value)


def activation_constant_problems(spec: Spec, layer: Layer, got) -> List[str]:
    """The model's activation function against the formula and constants
    the spec records for it (``activations``), at a few points."""
    name = layer.fields.get("activation")
    recorded = spec.activations.get(name)
    if recorded is None or got.activation_values is None:
        return []
    from keras_classics.spec.model_cache import ACTIVATION_POINTS

    constants = {key: _number(value) for key, value in recorded["constants"].items()}
    form = ACTIVATION_FORMS[recorded["form"]]
    for x, have in zip(ACTIVATION_POINTS, got.activation_values):
        want = form(x, constants)
        if not math.isclose(have, want, rel_tol=1e-5, abs_tol=1e-6):
            shown = ", ".join(f"{key} = {value}" for key, value in recorded["constants"].items())
            line = spec.lines.get("activations", layer.line)
            return [
                f"{spec.file_name}:{layer.line} {layer.name}: activation {name}: the model's "
                f"gives f({x:g}) = {have:.6g}, {recorded['form']} with {shown} gives {want:.6g} "
                f"(activations, line {line})" + layer.where("activation")
            ]
    return []


def _yaml_field(layer: Layer, field: str):
    value = layer.fields[field]
    if field == "connections" and isinstance(value, list):
        return sorted(tuple(p) for p in value)
    if layer.type == "zero_padding":
        return padding_pairs(value)
    return value


def _difference(field: str, want, have) -> str:
    """A field that differs; a connection table by the pairs it lacks and adds."""
    if field == "connections" and isinstance(want, list) and isinstance(have, list):
        missing = sorted(set(map(tuple, want)) - set(map(tuple, have)))
        extra = sorted(set(map(tuple, have)) - set(map(tuple, want)))
        return (
            f"connections: the model's table lacks {show(missing) if missing else 'no pair'} and "
            f"adds {show(extra) if extra else 'no pair'} (pairs [input_map, output_map])"
        )
    return f"{field} expected {show(want)}, got {show(_collapse(have, want))}"


def model_problems(spec: Spec, layer: Layer, summary) -> List[str]:
    """(b): the registered model's layer of this name against the YAML."""
    prefix = f"{spec.file_name}:{layer.line} {layer.name}: "
    got = summary.layers.get(layer.name)
    if got is None:
        return [prefix + f"the model {summary.name!r} (built with its registered defaults) has no layer of that name"]
    out = []
    layer_type = LAYER_TYPES[layer.type]
    classes = layer_type.keras_classes
    if got.class_name not in classes:
        out.append(
            prefix + f"type {layer.type} expects Keras class {' or '.join(classes)}, got "
            f"{got.class_name} ({got.class_module})" + layer.where("type")
        )
    else:
        for field in layer_type.config_keys:
            want = _yaml_field(layer, field)
            if want is None:  # optional field not written (batch_norm epsilon)
                continue
            try:
                have = _model_field(layer, got, field)
            except KeyError as missing:
                out.append(prefix + f"{field}: the model's {got.class_name} config has no {missing.args[0]!r}")
                continue
            if not same_value(want, have):
                out.append(prefix + _difference(field, want, have) + layer.where(field))
        out += activation_constant_problems(spec, layer, got)
        if layer.fields.get("trainable_params") is not None:
            if layer.fields["trainable_params"] != got.trainable_params:
                out.append(
                    prefix + f"trainable_params expected {layer.fields['trainable_params']}, got {got.trainable_params}"
                )
        if layer.type == "concat":
            axis = got.config.get("axis", -1)
            if axis not in (-1, len(layer.output_shape)):
                out.append(prefix + f"concatenates along axis {axis}, not the channels (-1)")
    if got.calls != 1:
        out.append(prefix + f"is called {got.calls} times in the model; a spec lists each call as a layer of its own")
    want_inputs, have_inputs = list(layer.inputs), list(got.inbound)
    if layer.type == "add":  # a sum does not depend on the order of its terms
        want_inputs, have_inputs = sorted(want_inputs), sorted(have_inputs)
    if want_inputs != have_inputs:
        out.append(prefix + f"inputs expected {show(layer.inputs)}, got {show(got.inbound)}" + layer.where("inputs"))
    if got.output_shape is not None and list(layer.output_shape) != list(got.output_shape):
        out.append(
            prefix + f"output_shape expected {show(layer.output_shape)}, got "
            f"{show(got.output_shape)}" + layer.where("output_shape")
        )
    if layer.params != got.params:
        out.append(prefix + f"params expected {layer.params}, got {got.params}" + layer.where("params"))
    return out


# --------------------------------------------------------------------------
# Per-file checks
# --------------------------------------------------------------------------


def _line(spec: Spec, key: str) -> int:
    return spec.lines.get(key, spec.lines.get("layers", 1))


def layer_trainable(layer: Layer) -> int:
    """Trainable parameters a layer declares: batch norm's gamma and beta
    (its trainable_params, or 2 x channels), everything else all its params."""
    if layer.type == "batch_norm":
        written = layer.fields.get("trainable_params")
        return written if written is not None else 2 * layer.output_shape[-1]
    if layer.type == "rbf":
        return layer.fields["trainable_params"]
    return layer.params


def totals_problems(spec: Spec, summary=None) -> List[str]:
    """The layers' params add up to totals.params, which is the model's
    count_params() (and the same for trainable_params when given)."""
    where = f"{spec.file_name}:{_line(spec, 'totals')} totals: "
    out = []
    declared = spec.totals["params"]
    total = sum(layer.params for layer in spec.layers)
    if total != declared:
        out.append(where + f"params {declared} is not the sum of the layers' params, {total}")
    if summary is not None and summary.params != declared:
        out.append(where + f"params expected {declared}, got {summary.params} (model.count_params())")
    if "trainable_params" in spec.totals:
        declared_t = spec.totals["trainable_params"]
        total_t = sum(layer_trainable(layer) for layer in spec.layers)
        if total_t != declared_t:
            out.append(
                where + f"trainable_params {declared_t} is not the sum of the layers' trainable params, {total_t}"
            )
        if summary is not None and summary.trainable_params != declared_t:
            out.append(where + f"trainable_params expected {declared_t}, got {summary.trainable_params}")
    return out


def coverage_problems(spec: Spec, summary) -> List[str]:
    """Every model layer but the InputLayer is listed, nothing listed is
    missing, and the model's outputs are the spec's."""
    out = []
    layers_line = _line(spec, "layers")
    listed = {layer.name for layer in spec.layers}
    for name, got in summary.layers.items():
        if got.class_name == "InputLayer":
            continue
        if name not in listed:
            out.append(
                f"{spec.file_name}:{layers_line} layers: the model's layer {name!r} ({got.class_name}) is not listed"
            )
    for layer in spec.layers:
        if layer.name not in summary.layers:
            out.append(f"{spec.file_name}:{layer.line} {layer.name}: listed, but the model has no layer of that name")
    if len(summary.input_shapes) != 1:
        out.append(
            f"{spec.file_name}:{_line(spec, 'input_shape')} input_shape: the model has "
            f"{len(summary.input_shapes)} inputs; a spec describes one"
        )
    if list(spec.outputs) != list(summary.outputs):
        out.append(
            f"{spec.file_name}:{_line(spec, 'outputs')} outputs expected "
            f"{show(spec.outputs)}, got {show(summary.outputs)}"
        )
    return out


def input_shape_problems(spec: Spec, summary=None, registered_shape: Optional[Sequence[int]] = None) -> List[str]:
    """input_shape is the model's input shape and the registry entry's."""
    where = f"{spec.file_name}:{_line(spec, 'input_shape')} input_shape: "
    out = []
    if summary is not None and summary.input_shapes and list(summary.input_shapes[0]) != list(spec.input_shape):
        out.append(
            where + f"expected {show(spec.input_shape)}, got {show(summary.input_shapes[0])} (the model's input)"
        )
    if registered_shape is not None and list(registered_shape) != list(spec.input_shape):
        out.append(
            where + f"expected {show(spec.input_shape)}, got {show(list(registered_shape))} "
            "(the registry entry's input_shape)"
        )
    return out


def _match(names: Sequence[str], pattern: str) -> List[str]:
    return [name for name in names if fnmatch.fnmatchcase(name, pattern)]


def _field_problems(spec: Spec, entry: Dict[str, Any], value, where: str, what: str) -> List[str]:
    """Each layer that ``entry['layers']`` names holds ``value`` in ``entry['field']``."""
    names = [layer.name for layer in spec.layers]
    field = entry["field"]
    out = []
    for pattern in entry["layers"]:
        matched = _match(names, pattern)
        if not matched:
            out.append(where + f"{pattern!r} matches no layer")
            continue
        for name in matched:
            layer = spec.layer(name)
            try:
                have = layer.get(field)
            except KeyError:
                out.append(where + f"{name} ({layer.type}, line {layer.line}) has no field {field!r}")
                continue
            if have is None or not same_value(have, value):
                out.append(where + f"{name} (line {layer.line}): {field} is {show(have)}, {what} {show(value)}")
    return out


def deviation_problems(spec: Spec, summary=None) -> List[str]:
    """Each deviation is real (ours != paper) and true of the YAML: its
    layers exist (or, for presence: absent, do not) and hold ``ours``."""
    out = []
    names = [layer.name for layer in spec.layers]
    model_names = [] if summary is None else [n for n, l in summary.layers.items() if l.class_name != "InputLayer"]
    for k, deviation in enumerate(spec.deviations):
        line = spec.item_lines.get("deviations", [])[k] if spec.item_lines.get("deviations") else 1
        where = f"{spec.file_name}:{line} deviations[{k}]: "
        paper, ours = deviation["paper"], deviation["ours"]
        if same_value(paper, ours):
            out.append(where + f"ours ({show(ours)}) equals paper ({show(paper)}): not a deviation")
            continue
        if deviation["field"] == "presence":
            for pattern in deviation["layers"]:
                in_yaml = _match(names, pattern)
                in_model = _match(model_names, pattern)
                if ours == "present":
                    if not in_yaml:
                        out.append(where + f"{pattern!r} matches no layer, but ours is present")
                    elif summary is not None and not in_model:
                        out.append(where + f"{pattern!r} matches no layer of the model, but ours is present")
                else:
                    present = sorted(set(in_yaml) | set(in_model))
                    if present:
                        out.append(where + f"ours is absent, but {pattern!r} matches {show(present)}")
            continue
        out += _field_problems(spec, deviation, ours, where, "the deviation says ours =")
        out += _figure_problems(spec, k, deviation, where)
    return out


def _figure_problems(spec: Spec, k: int, deviation: Dict[str, Any], where: str) -> List[str]:
    """Each figure the paper prints for a layer as the paper has it
    (``paper_prints``) follows from the layer with ``paper`` put in place of
    ``ours``, by the layer type's rule, on the inputs the YAML declares."""
    out = []
    names = [layer.name for layer in spec.layers]
    for j, figure in enumerate(deviation.get("paper_prints") or []):
        at = f"{spec.file_name}:{spec.figure_lines.get((k, j), 1)} deviations[{k}].paper_prints[{j}]: "
        layer = spec.layer(figure["layer"])
        if layer is None or not any(figure["layer"] in _match(names, p) for p in deviation["layers"]):
            out.append(at + f"{figure['layer']!r} is not one of the deviation's layers {show(deviation['layers'])}")
            continue
        field, paper = deviation["field"], deviation["paper"]
        if field in ("presence", "inputs", "output_shape", "params"):
            out.append(at + f"a deviation of {field} implies no figure to recompute")
            continue
        type_name = paper if field == "type" else layer.type
        if type_name not in LAYER_TYPES:
            out.append(at + f"the paper's type {type_name!r} is not a layer type")
            continue
        paper_type = LAYER_TYPES[type_name]
        written = {key: value for key, value in layer.written.items() if key in paper_type.fields}
        if field != "type":
            written[field] = paper
        written.update(figure.get("with") or {})
        shapes, problems = input_shapes(spec, layer)
        try:
            if problems:
                raise ArithmeticProblem("; ".join(problems))
            implied = paper_type.expected(paper_type.defaults(written), shapes)
        except (ArithmeticProblem, KeyError, TypeError) as error:
            out.append(at + f"{layer.name} as the paper has it cannot be computed: {error}")
            continue
        change = f"{field} {show(paper)}" + "".join(
            f", {key} {show(value)}" for key, value in (figure.get("with") or {}).items()
        )
        for key, got in (("params", implied.params), ("output_shape", implied.shape)):
            if key in figure and not same_value(figure[key], got):
                out.append(
                    at + f"{layer.name} with {change} has {key} {show(got)}, but the paper "
                    f"prints {show(figure[key])} ({figure['source']})"
                )
    return out


def choice_problems(spec: Spec) -> List[str]:
    """Each choice's layers exist and hold its value."""
    out = []
    lines = spec.item_lines.get("choices") or []
    for k, choice in enumerate(spec.choices):
        where = f"{spec.file_name}:{lines[k] if k < len(lines) else 1} choices[{k}]: "
        out += _field_problems(spec, choice, choice["value"], where, "the choice says")
    return out
