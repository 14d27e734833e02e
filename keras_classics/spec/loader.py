"""Read a spec file (spec/FORMAT.md): YAML with line numbers, schema, templates.

`load_spec` turns ``spec/<model>.yaml`` into a `Spec` whose layers are
expanded, validated against ``spec/schema.yaml`` and filled with their
defaults. Everything here is plain Python (PyYAML and jsonschema): nothing
is built, so a malformed file fails fast, naming its file and line.

A spec is data that anyone may hand to ``pytest spec/``, so what it can make
the loader do is bounded (the limits below, each far above what the papers'
networks need): the file's size, what YAML aliases add (a few lines of
nested aliases, the "billion laughs", would otherwise become billions of
values for the schema check to walk), how many layers and template uses the
templates expand to, and the size of what a ``{placeholder}`` produces
(arithmetic is on integers only, as spec/FORMAT.md says). Past a limit the
loader stops at once with a SpecError naming the file and line.
"""

from __future__ import annotations

import ast
import functools
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import jsonschema
import yaml

from keras_classics.spec.layer_types import LAYER_TYPES

# The spec files live in the checkout, beside the package: <root>/spec/.
SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
SCHEMA_PATH = SPEC_DIR / "schema.yaml"

MAX_TEMPLATE_DEPTH = 8

# The limits (module docstring). Of the real specs, resnet152_v1_5.yaml
# expands to the most layers (519), resnet110.yaml uses templates the most
# times (54) and googlenet_aux.yaml is the largest file (14 KB); none uses
# an alias, and no expanded string is longer than 23 characters.
MAX_FILE_BYTES = 1 << 20
MAX_ALIAS_VALUES = 10_000  # values (scalars, lists, mappings) that aliases add
MAX_LAYERS = 5_000  # expanded layers; also the most template uses
MAX_EXPANDED_VALUES = 1_000_000  # values the templates' substitutions produce
MAX_STRING = 10_000  # characters of a substituted string
MAX_INT_BITS = 63  # an integer a placeholder computes fits in int64


class SpecError(Exception):
    """A spec file that cannot be read; ``messages`` holds one line per problem,
    each starting with ``<file>:<line>:``."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


# --------------------------------------------------------------------------
# YAML with line numbers
# --------------------------------------------------------------------------


class LineDict(dict):
    """A mapping that remembers its line and the line of each key (1-based)."""

    line: int = 0
    key_lines: Dict[Any, int]


class LineList(list):
    """A sequence that remembers its line and the line of each item (1-based)."""

    line: int = 0
    item_lines: List[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry their source lines, which
    rejects duplicate keys (PyYAML would silently keep the last), and which
    stops once its aliases would add more than MAX_ALIAS_VALUES values."""

    def __init__(self, stream):
        super().__init__(stream)
        self._alias_values = 0
        self._node_sizes: Dict[int, int] = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:  # an undefined alias is PyYAML's own error
                self._alias_values += _expanded_size(node, self._node_sizes)
                if self._alias_values > MAX_ALIAS_VALUES:
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"the aliases up to *{event.anchor} add more than {MAX_ALIAS_VALUES:,} values "
                        "to the file (each alias repeats its anchor's whole content); a spec needs far "
                        "fewer: write the values out",
                        event.start_mark,
                    )
        return super().compose_node(parent, index)


def _expanded_size(node, sizes: Dict[int, int]) -> int:
    """How many values ``node`` stands for once every alias inside it is
    expanded; memoised per node, so shared (aliased) nodes cost once."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    else:
        size = 1
    sizes[id(node)] = size
    return size


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)  # merge keys (<<)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result.key_lines:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r} (first at line {result.key_lines[key]})",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path):
    """Parse ``path``, keeping line numbers; a syntax error becomes a SpecError."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SpecError([f"{path.name}:1: the file has {size:,} bytes; a spec file has at most {MAX_FILE_BYTES:,}"])
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        raise SpecError([f"{path.name}:{line}: YAML error: {problem}"]) from None
    except RecursionError:
        # PyYAML composes nested collections recursively.
        raise SpecError([f"{path.name}:1: YAML error: lists or mappings nested too deeply"]) from None


def line_of(document, path: Sequence) -> int:
    """The line of the deepest node along ``path`` (keys and indices)."""
    node = document
    line = getattr(document, "line", 0) or 1
    for step in path:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(step, line)
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
        else:
            break
        node = node[step]
    return line


def format_path(path: Sequence) -> str:
    """``['layers', 3, 'kernel']`` -> ``layers[3].kernel``."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


# --------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@functools.lru_cache(maxsize=None)
def _validator(definition: Optional[str] = None) -> jsonschema.Draft202012Validator:
    schema = _schema()
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return jsonschema.Draft202012Validator(schema)


def _leaf_errors(errors):
    """Descend into if/then, allOf and $ref so that each message points at the
    field that is wrong rather than at the layer that contains it."""
    for error in errors:
        if error.context and error.validator in ("oneOf", "anyOf"):
            # The schema's oneOfs are alternatives of form (3 or [3, 3]); the
            # alternative that got deepest explains the problem best.
            yield jsonschema.exceptions.best_match(error.context)
        else:
            yield error


def schema_errors(
    document,
    file_name: str,
    definition: Optional[str] = None,
    prefix: Sequence = (),
    line_source=None,
    suffix: str = "",
) -> List[str]:
    """Validation messages, one line each: ``file:line: path: message``."""
    messages = []
    source = line_source if line_source is not None else document
    for error in _leaf_errors(_validator(definition).iter_errors(document)):
        path = list(error.absolute_path)
        text = _short(error)
        if error.validator == "unevaluatedProperties":
            # A layer whose type's `then` fails (a bad or missing field)
            # leaves all its fields "unevaluated": name only the unknown ones.
            unknown = _unknown_fields(error.instance)
            if not unknown:
                continue
            allowed = ", ".join(_COMMON_FIELDS + tuple(LAYER_TYPES[error.instance["type"]].fields))
            text = (
                f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                f"for a {error.instance['type']} layer (fields: {allowed})"
            )
            path = path + [unknown[0]]
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
            path = path + extra[:1]
        line = line_of(source, path)
        where = format_path(list(prefix) + list(error.absolute_path)) or "(top level)"
        messages.append((line, f"{file_name}:{line}: {where}: {text}{suffix}"))
    return [message for _, message in sorted(messages, key=lambda m: m[0])]


_COMMON_FIELDS = ("name", "type", "inputs", "output_shape", "params")


def _unknown_fields(layer) -> List[str]:
    if not isinstance(layer, dict) or layer.get("type") not in LAYER_TYPES:
        return []  # the type's own error says it
    allowed = set(_COMMON_FIELDS) | set(LAYER_TYPES[layer["type"]].fields)
    return [key for key in layer if key not in allowed]


def _short(error) -> str:
    message = error.message
    if len(message) > 300:
        message = message[:297] + "..."
    return message


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
}


class TemplateLimit(Exception):
    """A placeholder or a template use that cannot be expanded: its result
    is too large, it is not integer arithmetic, or it divides by zero. The
    message says which; `expand` adds the file and line."""


class _Budget:
    """How many more values the substitutions may produce (MAX_EXPANDED_VALUES)."""

    def __init__(self, limit: int = MAX_EXPANDED_VALUES):
        self.left = limit
        self.limit = limit

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise TemplateLimit(
                f"the templates' substitutions produce more than {self.limit:,} values; "
                "a spec needs far fewer (is a list variable copied into itself?)"
            )


def _checked_int(value: int, expression: str) -> int:
    if value.bit_length() > MAX_INT_BITS:
        raise TemplateLimit(f"{{{expression}}} gives a number of {len(str(abs(value))):,} digits; the limit is 2**63")
    return value


def _evaluate(expression: str, variables: Dict[str, Any]):
    """Value of ``{expression}``: a variable, or integer arithmetic over
    variables (``i-1``, ``4*f``) with + - * //."""
    name = expression.strip()
    if name in variables:
        return variables[name]
    try:
        tree = ast.parse(name, mode="eval").body
    except (SyntaxError, ValueError):
        raise KeyError(name) from None

    def walk(node):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return _checked_int(node.value, name)
        if isinstance(node, ast.Name):
            if node.id not in variables:
                raise KeyError(node.id)
            value = variables[node.id]
            if not isinstance(value, int) or isinstance(value, bool):
                # str * int would repeat the text, list + list join lists:
                # arithmetic is on integers only.
                raise TemplateLimit(
                    f"{{{name}}}: arithmetic is on integers, and {node.id} is {type(value).__name__} {_short_repr(value)}"
                )
            return value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.FloorDiv) and right == 0:
                raise TemplateLimit(f"{{{name}}} divides by zero")
            return _checked_int(_OPERATORS[type(node.op)](left, right), name)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise KeyError(name)

    return walk(tree)


def _short_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _copy(value, budget: _Budget):
    """A deep copy of a variable's value (lists and mappings), counted."""
    budget.spend(1)
    if isinstance(value, list):
        return [_copy(item, budget) for item in value]
    if isinstance(value, dict):
        return {key: _copy(item, budget) for key, item in value.items()}
    return value


def substitute(value, variables: Dict[str, Any], budget: Optional[_Budget] = None):
    """Put ``variables`` into ``value``: a string that is exactly ``"{v}"``
    takes v's value with its type; other strings get ``{v}`` replaced by its
    text. Lists and mappings are substituted item by item.

    Raises KeyError for an unknown variable and `TemplateLimit` for a
    result over the module's limits; ``budget`` counts the values produced
    across calls (a fresh one per call by default)."""
    if budget is None:
        budget = _Budget()
    budget.spend(1)
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return _copy(_evaluate(whole.group(1), variables), budget)
        if "{" not in value:
            return value
        text = _PLACEHOLDER.sub(lambda m: _text(_evaluate(m.group(1), variables), m.group(1)), value)
        if len(text) > MAX_STRING:
            raise TemplateLimit(
                f"{value[:40]!r}{'...' if len(value) > 40 else ''} becomes {len(text):,} characters; "
                f"the limit is {MAX_STRING:,}"
            )
        return text
    if isinstance(value, list):
        return [substitute(item, variables, budget) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, variables, budget) for key, item in value.items()}
    return value


def _text(value, expression: str) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_STRING:
        raise TemplateLimit(f"{{{expression}}} gives {len(text):,} characters; the limit is {MAX_STRING:,}")
    return text


@dataclass
class RawLayer:
    """A layer as written (templates expanded), before defaults."""

    fields: Dict[str, Any]
    line: int  # the line of the layer, or of the outermost template use
    source: Any  # the LineDict it came from, for the lines of its keys
    where: str  # its path in the document: layers[3] or templates.block[1]
    via: str = ""  # "template t (line n)" when it came from a template
    template: str = ""  # t, when it came from a template


def expand(document, file_name: str) -> List[RawLayer]:
    """Expand every template use in ``layers``, in place of the use.

    Raises SpecError, naming the file and line, for unknown templates and
    variables, and as soon as the expansion passes a limit (MAX_LAYERS
    layers or template uses, MAX_EXPANDED_VALUES values, or a placeholder's
    result: see `TemplateLimit`)."""
    templates = document.get("templates") or {}
    errors: List[str] = []
    out: List[RawLayer] = []
    budget = _Budget()
    uses = [0]
    top = [""]  # the entry of ``layers`` being expanded

    def stop(line: int, where: str, problem: str):
        # Past a limit nothing more is expanded: the first problem is the one to fix.
        raise SpecError(errors + [f"{file_name}:{line}: {where}: {problem}"])

    def use(entry, entry_where: str, line: int, variables: Dict[str, Any], stack: Tuple[str, ...]):
        name = entry["template"]
        entry_line = getattr(entry, "line", line)
        if name not in templates:
            known = ", ".join(templates) or "none"
            errors.append(
                f"{file_name}:{entry_line}: {entry_where}.template: unknown template {name!r} (templates: {known})"
            )
            return
        if name in stack or len(stack) >= MAX_TEMPLATE_DEPTH:
            errors.append(
                f"{file_name}:{entry_line}: {entry_where}: template {name!r} uses "
                f"itself ({' -> '.join(stack + (name,))})"
            )
            return
        repeat = entry.get("repeat", 1)
        start = entry.get("start", 1)
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (repeat, start)):
            return  # the schema's message says it
        if uses[0] + repeat > MAX_LAYERS:
            before = f" after {uses[0]:,} earlier uses" if uses[0] else ""
            stop(
                entry_line,
                f"{entry_where}.repeat",
                f"repeat {repeat:,}{before} expands template {name!r} more than {MAX_LAYERS:,} times; "
                f"a spec expands to at most {MAX_LAYERS:,} layers and template uses",
            )
        uses[0] += repeat
        for i in range(start, start + repeat):
            scope = dict(variables)
            scope["i"] = i
            try:
                own = substitute(dict(entry.get("vars") or {}), scope, budget)
            except KeyError as missing:
                errors.append(
                    f"{file_name}:{entry_line}: {entry_where}.vars: unknown variable "
                    f"{missing.args[0]!r} (known: {', '.join(sorted(scope))})"
                )
                return
            except TemplateLimit as error:
                stop(entry_line, f"{entry_where}.vars", str(error))
            scope.update(own)
            scope["i"] = i
            body = templates[name]
            for k, item in enumerate(body):
                item_where = f"templates.{name}[{k}]"
                if "template" in item:
                    use(item, item_where, line, scope, stack + (name,))
                    continue
                try:
                    fields = substitute(dict(item), scope, budget)
                except KeyError as missing:
                    item_line = body.item_lines[k]
                    errors.append(
                        f"{file_name}:{item_line}: {item_where}: unknown variable "
                        f"{missing.args[0]!r} (used at line {line}; known: "
                        f"{', '.join(sorted(scope))})"
                    )
                    continue
                except TemplateLimit as error:
                    stop(body.item_lines[k], item_where, f"{error} (used at line {line})")
                if len(out) >= MAX_LAYERS:
                    stop(line, top[0], f"the templates expand to more than {MAX_LAYERS:,} layers")
                via = f"template {name} at line {body.item_lines[k]}, used at line {line}"
                out.append(RawLayer(fields, line, item, item_where, via, name))

    for index, entry in enumerate(document["layers"]):
        where = top[0] = f"layers[{index}]"
        line = document["layers"].item_lines[index]
        if "template" in entry:
            use(entry, where, line, {}, ())
        else:
            out.append(RawLayer(dict(entry), line, entry, where))
    if errors:
        raise SpecError(errors)
    return out


# --------------------------------------------------------------------------
# The spec
# --------------------------------------------------------------------------


@dataclass
class Layer:
    """One expanded layer, its fields filled with their defaults."""

    name: str
    type: str
    inputs: List[str]
    output_shape: List[int]
    params: int
    fields: Dict[str, Any]  # type-specific fields, defaults included
    written: Dict[str, Any]  # the fields as written (no defaults)
    line: int
    via: str = ""
    template: str = ""  # the template it came from, if any
    field_lines: Dict[str, int] = field(default_factory=dict)  # field -> line in the template

    def where(self, field_name: str = "") -> str:
        """For a layer made by a template, where ``field_name`` is written:
        `` (params at line 27 of template block, used at line 38)``; empty
        for a layer written in ``layers``, whose own line says it."""
        if not self.template:
            return ""
        line = self.field_lines.get(field_name) or self.field_lines.get("name") or 0
        what = f"{field_name} at line {line}" if field_name in self.field_lines else f"line {line}"
        return f" ({what} of template {self.template}, used at line {self.line})"

    def get(self, name: str):
        """A field by its YAML name (``inputs``, ``params`` included)."""
        if name in ("name", "type", "inputs", "output_shape", "params"):
            return getattr(self, name)
        if name not in self.fields:
            raise KeyError(name)
        return self.fields[name]


@dataclass
class Spec:
    """A spec file, read, validated and expanded."""

    path: Path
    model: str
    input_shape: List[int]
    layers: List[Layer]
    outputs: List[str]
    totals: Dict[str, int]
    deviations: List[Dict[str, Any]]
    choices: List[Dict[str, Any]]
    lines: Dict[str, int] = field(default_factory=dict)  # top-level key -> line
    item_lines: Dict[str, List[int]] = field(default_factory=dict)  # deviations/choices
    # (deviation index, figure index) -> line of each deviation's paper_prints entry
    figure_lines: Dict[Tuple[int, int], int] = field(default_factory=dict)
    # activation name -> {form, constants, source}, where the paper gives a formula
    activations: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return self.path.name

    def layer(self, name: str) -> Optional[Layer]:
        return self._by_name.get(name)

    def __post_init__(self):
        self._by_name = {layer.name: layer for layer in self.layers}


def _defaults(layer_type: str, written: Dict[str, Any]) -> Dict[str, Any]:
    return LAYER_TYPES[layer_type].defaults(written)


def load_spec(path, expected_model: Optional[str] = None) -> Spec:
    """Read, validate and expand ``path``. Raises SpecError listing every
    problem found, each naming the file and line. ``expected_model``
    defaults to the file's stem: a file's ``model`` must be its name."""
    path = Path(path)
    file_name = path.name
    document = read_yaml(path)
    if not isinstance(document, LineDict):
        raise SpecError(
            [f"{file_name}:1: the file must be a mapping with model, paper, input_shape, layers and totals"]
        )
    errors = schema_errors(document, file_name)

    expected_model = path.stem if expected_model is None else expected_model
    if isinstance(document.get("model"), str) and document["model"] != expected_model:
        line = document.key_lines["model"]
        errors.append(
            f"{file_name}:{line}: model: {document['model']!r} must be the file's name "
            f"{expected_model!r} (spec/<registered name>.yaml)"
        )

    try:
        raw_layers = expand(document, file_name)
    except SpecError as error:
        raise SpecError(errors + error.messages) from None
    except Exception:  # the schema errors above already say what is wrong
        if errors:
            raise SpecError(errors) from None
        raise
    for raw in raw_layers:
        if raw.via:  # layers written directly were validated with the document
            errors += schema_errors(
                raw.fields, file_name, "layer", prefix=[raw.where], line_source=raw.source, suffix=f" ({raw.via})"
            )
    if errors:
        # A template used n times repeats its errors n times: keep the first.
        raise SpecError(list(dict.fromkeys(errors)))

    layers: List[Layer] = []
    seen: Dict[str, int] = {}
    previous = "input"
    for raw in raw_layers:
        written = {k: v for k, v in raw.fields.items() if k not in ("name", "type", "inputs", "output_shape", "params")}
        name = raw.fields["name"]
        if name in seen:
            errors.append(
                f"{file_name}:{raw.line}: {name}: listed twice (first at line {seen[name]})"
                + (f" ({raw.via})" if raw.via else "")
            )
            continue
        if name == "input":
            errors.append(f"{file_name}:{raw.line}: 'input' names the model's input; no layer may take that name")
            continue
        seen[name] = raw.line
        inputs = raw.fields.get("inputs", [previous])
        if isinstance(inputs, str):
            inputs = [inputs]
        layers.append(
            Layer(
                name=name,
                type=raw.fields["type"],
                inputs=list(inputs),
                output_shape=list(raw.fields["output_shape"]),
                params=raw.fields["params"],
                fields=_defaults(raw.fields["type"], written),
                written=written,
                line=raw.line,
                via=raw.via,
                template=raw.template,
                field_lines=dict(getattr(raw.source, "key_lines", {})) if raw.template else {},
            )
        )
        previous = name
    if errors:
        raise SpecError(errors)

    outputs = list(document.get("outputs") or [layers[-1].name])
    item_lines = {key: list(document[key].item_lines) for key in ("deviations", "choices") if key in document}
    figure_lines = {
        (k, j): figures.item_lines[j]
        for k, deviation in enumerate(document.get("deviations") or [])
        for figures in [deviation.get("paper_prints")]
        if isinstance(figures, LineList)
        for j in range(len(figures))
    }
    return Spec(
        path=path,
        model=document["model"],
        input_shape=list(document["input_shape"]),
        layers=layers,
        outputs=outputs,
        totals=dict(document["totals"]),
        deviations=[_plain(d) for d in document.get("deviations") or []],
        choices=[_plain(c) for c in document.get("choices") or []],
        lines=dict(document.key_lines),
        item_lines=item_lines,
        figure_lines=figure_lines,
        activations=_plain(document.get("activations") or {}),
    )


def _plain(value):
    """LineDict/LineList -> dict/list (for data handed to checks)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def spec_files(directory: Path = SPEC_DIR) -> List[Path]:
    """Every spec file in ``directory``: the ``*.yaml`` files but the schema."""
    return sorted(p for p in Path(directory).glob("*.yaml") if p.name != SCHEMA_PATH.name)


def read_model_name(path) -> Optional[str]:
    """The ``model`` field of a spec file without validating it (None when
    the file cannot be read): enough to match files with the registry."""
    try:
        document = read_yaml(Path(path))
    except SpecError:
        return None
    if isinstance(document, dict) and isinstance(document.get("model"), str):
        return document["model"]
    return None
