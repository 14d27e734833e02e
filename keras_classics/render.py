"""Renderers for an `Anatomy`: a terminal table, Markdown and JSON."""

from __future__ import annotations

import json
from typing import Callable, Dict, List, Sequence

from keras_classics.anatomy import Anatomy, LayerRow

__all__ = ["to_table", "to_markdown", "to_json", "RENDERERS", "human_count", "human_bytes"]


def human_count(value: int) -> str:
    """1234567 -> '1.23M' (SI prefixes, three significant digits)."""
    for threshold, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return str(value)


def human_bytes(value: int) -> str:
    for threshold, suffix in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if value >= threshold:
            return f"{value / threshold:.1f} {suffix}"
    return f"{value} B"


def _pair(value) -> str:
    if value is None:
        return ""
    a, b = value
    return str(a) if a == b else f"{a}x{b}"


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


def _rf(row: LayerRow) -> str:
    rf = row.receptive_field
    if rf is None:
        return ""
    start = int(rf.start) if float(rf.start).is_integer() else rf.start
    return f"{rf.size} / {rf.jump} / {start}"


# Column title, how to read it from a row, right-aligned?
_COLUMNS: Sequence = (
    ("layer", lambda r: r.name, False),
    ("type", lambda r: r.type, False),
    ("kernel", lambda r: _pair(r.kernel), True),
    ("stride", lambda r: _pair(r.stride), True),
    ("pad", lambda r: _padding(r.padding), True),
    ("maps", lambda r: "" if r.filters is None and r.units is None else str(r.filters or r.units), True),
    ("groups", lambda r: "" if not r.groups or r.groups == 1 else str(r.groups), True),
    ("output", lambda r: _shape(r.output_shape), True),
    ("params", lambda r: f"{r.params:,}" if r.params else "", True),
    ("MACs", lambda r: human_count(r.macs) if r.macs else "", True),
    ("RF size/jump/start", _rf, True),
    ("memory", lambda r: human_bytes(r.activation_bytes), True),
)


def _cells(anatomy: Anatomy) -> List[List[str]]:
    return [[read(row) for _, read, _ in _COLUMNS] for row in anatomy.rows]


def _totals_line(anatomy: Anatomy) -> str:
    return (
        f"{anatomy.model_name}: input {_shape(anatomy.input_shape)}, "
        f"{anatomy.params:,} parameters ({anatomy.trainable_params:,} trainable, "
        f"{anatomy.non_trainable_params:,} non-trainable), "
        f"{human_count(anatomy.macs)} MACs ({human_count(anatomy.flops)} FLOPs), "
        f"activations {human_bytes(anatomy.activation_bytes)} per image"
    )


def to_table(anatomy: Anatomy) -> str:
    """A fixed-width table for the terminal, totals last."""
    titles = [title for title, _, _ in _COLUMNS]
    rows = _cells(anatomy)
    widths = [max([len(t)] + [len(r[i]) for r in rows]) for i, t in enumerate(titles)]

    def line(cells):
        out = []
        for cell, width, (_, _, right) in zip(cells, widths, _COLUMNS):
            out.append(cell.rjust(width) if right else cell.ljust(width))
        return "  ".join(out).rstrip()

    rule = "-" * len(line(titles))
    body = [line(titles), rule] + [line(r) for r in rows] + [rule, _totals_line(anatomy)]
    return "\n".join(body) + "\n"


def to_markdown(anatomy: Anatomy) -> str:
    """A GitHub/MkDocs Markdown table, totals in a closing paragraph."""
    titles = [title for title, _, _ in _COLUMNS]
    align = ["---:" if right else ":---" for _, _, right in _COLUMNS]
    lines = ["| " + " | ".join(titles) + " |", "| " + " | ".join(align) + " |"]
    for cells in _cells(anatomy):
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n\n" + _totals_line(anatomy) + "\n"


def to_json(anatomy: Anatomy) -> str:
    """Every field of every row, machine-readable."""
    return json.dumps(anatomy.as_dict(), indent=2) + "\n"


RENDERERS: Dict[str, Callable[[Anatomy], str]] = {
    "table": to_table,
    "markdown": to_markdown,
    "json": to_json,
}
