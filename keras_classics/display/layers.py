"""An `Anatomy` as a `Table`: one row per layer, the totals under it.

The readable cells (``11x11``, ``1.23M``, ``195 / 8 / 97``) go to the
terminal, Markdown, LaTeX and HTML; the values (``macs``, ``rf_size``, ...)
to CSV, JSON and the DataFrame, one number per cell.
"""

from __future__ import annotations

import json
from typing import Callable, Dict, Sequence

from keras_classics.anatomy import Anatomy, LayerRow
from keras_classics.display.table import Column, Table

__all__ = [
    "layer_table",
    "totals_line",
    "human_count",
    "human_bytes",
    "to_table",
    "to_markdown",
    "to_json",
    "RENDERERS",
]


def human_count(value: int) -> str:
    """1234567 -> '1.23M' (SI prefixes, three significant digits)."""
    for threshold, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return str(value)


def human_bytes(value: int) -> str:
    """2048 -> '2.0 KiB' (binary prefixes)."""
    for threshold, suffix in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if value >= threshold:
            return f"{value / threshold:.1f} {suffix}"
    return f"{value} B"


def _pair(value) -> str:
    if value is None:
        return ""
    a, b = value
    return str(a) if a == b else f"{a}x{b}"


def _size(value) -> str:
    """A kernel or stride as height x width, for the machine formats."""
    return "" if value is None else f"{value[0]}x{value[1]}"


def _padding(value) -> str:
    """Pixels before/after; one figure when all four sides agree."""
    if value is None:
        return ""
    (top, bottom), (left, right) = value
    if top == bottom == left == right:
        return str(top)
    if (top, bottom) == (left, right):
        return f"{top}/{bottom}"
    return f"{top}/{bottom},{left}/{right}"


def _shape(shape) -> str:
    return "x".join("?" if d is None else str(d) for d in shape)


def _start(rf) -> float | int:
    return int(rf.start) if float(rf.start).is_integer() else rf.start


def _rf(row: LayerRow) -> str:
    rf = row.receptive_field
    if rf is None:
        return ""
    return f"{rf.size} / {rf.jump} / {_start(rf)}"


def _maps(row: LayerRow):
    return row.filters if row.filters is not None else row.units


def _groups(row: LayerRow):
    return row.groups if row.groups and row.groups != 1 else None


# Shown to a reader: title, the cell's text, right-aligned?
_SHOWN: Sequence = (
    ("layer", lambda r: r.name, False),
    ("type", lambda r: r.type, False),
    ("kernel", lambda r: _pair(r.kernel), True),
    ("stride", lambda r: _pair(r.stride), True),
    ("pad", lambda r: _padding(r.padding), True),
    ("maps", lambda r: "" if _maps(r) is None else str(_maps(r)), True),
    ("groups", lambda r: "" if _groups(r) is None else str(_groups(r)), True),
    ("output", lambda r: _shape(r.output_shape), True),
    ("params", lambda r: f"{r.params:,}" if r.params else "", True),
    ("MACs", lambda r: human_count(r.macs) if r.macs else "", True),
    ("RF size/jump/start", _rf, True),
    ("memory", lambda r: human_bytes(r.activation_bytes), True),
)

# Read by a program: key, value (None for an empty cell), a number?
_VALUES: Sequence = (
    ("layer", lambda r: r.name, False),
    ("type", lambda r: r.type, False),
    ("kernel", lambda r: _size(r.kernel) or None, False),
    ("stride", lambda r: _size(r.stride) or None, False),
    ("padding", lambda r: _padding(r.padding) or None, False),
    ("maps", _maps, True),
    ("groups", _groups, True),
    ("output_shape", lambda r: _shape(r.output_shape), False),
    ("params", lambda r: r.params, True),
    ("trainable_params", lambda r: r.trainable_params, True),
    ("non_trainable_params", lambda r: r.non_trainable_params, True),
    ("macs", lambda r: r.macs, True),
    ("rf_size", lambda r: None if r.receptive_field is None else r.receptive_field.size, True),
    ("rf_jump", lambda r: None if r.receptive_field is None else r.receptive_field.jump, True),
    ("rf_start", lambda r: None if r.receptive_field is None else _start(r.receptive_field), True),
    ("activation_bytes", lambda r: r.activation_bytes, True),
    ("inputs", lambda r: " ".join(r.inputs), False),
)


def totals_line(anatomy: Anatomy) -> str:
    """The model's totals in one sentence."""
    return (
        f"{anatomy.model_name}: input {_shape(anatomy.input_shape)}, "
        f"{anatomy.params:,} parameters ({anatomy.trainable_params:,} trainable, "
        f"{anatomy.non_trainable_params:,} non-trainable), "
        f"{human_count(anatomy.macs)} MACs ({human_count(anatomy.flops)} FLOPs), "
        f"activations {human_bytes(anatomy.activation_bytes)} per image"
    )


def layer_table(anatomy: Anatomy, title: str | None = None) -> Table:
    """The anatomy as a `Table`: readable cells for people, one value per
    cell for programs (CSV columns ``layer``, ``type``, ``kernel``,
    ``stride``, ``padding``, ``maps``, ``groups``, ``output_shape``,
    ``params``, ``trainable_params``, ``non_trainable_params``, ``macs``,
    ``rf_size``, ``rf_jump``, ``rf_start``, ``activation_bytes``,
    ``inputs``), the totals under it."""
    return Table(
        [Column(name, name, right) for name, _, right in _SHOWN],
        text=[[read(row) for _, read, _ in _SHOWN] for row in anatomy.rows],
        values=[[read(row) for _, read, _ in _VALUES] for row in anatomy.rows],
        value_columns=[Column(key, key, number) for key, _, number in _VALUES],
        title=title,
        notes=[totals_line(anatomy)],
    )


def to_table(anatomy: Anatomy) -> str:
    """A fixed-width table for the terminal, totals last."""
    return layer_table(anatomy).to_text()


def to_markdown(anatomy: Anatomy) -> str:
    """A GitHub/MkDocs Markdown table, totals in a closing paragraph."""
    return layer_table(anatomy).to_markdown()


def to_json(anatomy: Anatomy) -> str:
    """Every field of every row, machine-readable (`Anatomy.as_dict`)."""
    return json.dumps(anatomy.as_dict(), indent=2) + "\n"


RENDERERS: Dict[str, Callable[[Anatomy], str]] = {
    "table": to_table,
    "markdown": to_markdown,
    "json": to_json,
}
