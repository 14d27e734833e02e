"""Architecture diagrams as standalone SVG, without Graphviz or pydot.

Layers become labelled blocks (name, type, output shape) placed in rows by
their depth in the graph, so parallel branches (an Inception module's four
paths, a projection shortcut) stand side by side. An edge that skips rows,
such as a residual shortcut, is drawn as an arc to the right of the column,
so skip connections stay visible.
"""

from __future__ import annotations

import os
import tempfile
from typing import Dict, List, Tuple
from xml.sax.saxutils import escape

from keras_classics.anatomy import Anatomy

__all__ = ["to_svg", "write_svg"]

BOX_W, BOX_H = 230, 38
COL_W, ROW_H = 260, 62
MARGIN = 30
# Fill colours by layer family, so the eye finds the convolutions.
_COLOURS = {
    "conv": "#cfe2ff",
    "pool": "#d1f0d9",
    "dense": "#ffe0b3",
    "norm": "#eadcf8",
    "merge": "#f8d7da",
    "input": "#e9ecef",
}


def _family(layer_type: str) -> str:
    lowered = layer_type.lower()
    if "conv" in lowered:
        return "conv"
    if "pool" in lowered or "subsampling" in lowered:
        return "pool"
    if lowered in ("dense", "euclideanrbf"):
        return "dense"
    if "normalization" in lowered:
        return "norm"
    if lowered in ("add", "concatenate"):
        return "merge"
    return "input"


def _shape(shape) -> str:
    return "x".join("?" if d is None else str(d) for d in shape)


def _layout(anatomy: Anatomy) -> Tuple[Dict[str, Tuple[int, int]], List[List[str]]]:
    """Depth of every node (longest path from the input), then a column
    within its row in order of execution."""
    depth: Dict[str, int] = {"input": 0}
    for row in anatomy.rows:
        parents = [depth.get(name, 0) for name in row.inputs] or [0]
        depth[row.name] = max(parents) + 1
    rows: List[List[str]] = [[] for _ in range(max(depth.values()) + 1)]
    rows[0].append("input")
    for row in anatomy.rows:
        rows[depth[row.name]].append(row.name)
    place = {name: (column, d) for d, names in enumerate(rows) for column, name in enumerate(names)}
    return place, rows


def to_svg(anatomy: Anatomy, title: str | None = None) -> str:
    """The diagram of ``anatomy`` as an SVG document."""
    place, rows = _layout(anatomy)
    widest = max(len(r) for r in rows)
    width = 2 * MARGIN + widest * COL_W + 120  # room on the right for skip arcs
    header = 40
    height = 2 * MARGIN + header + len(rows) * ROW_H

    def centre(name: str) -> Tuple[float, float]:
        column, d = place[name]
        offset = (widest - len(rows[d])) * COL_W / 2
        x = MARGIN + offset + column * COL_W + COL_W / 2
        y = MARGIN + header + d * ROW_H + BOX_H / 2
        return x, y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
        f"<title>{escape(title or anatomy.model_name)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 14}" font-size="16" font-weight="bold">'
        f"{escape(title or anatomy.model_name)}</text>",
        f'<text x="{MARGIN}" y="{MARGIN + 32}" font-size="12" fill="#444">'
        f"{anatomy.params:,} parameters, {anatomy.macs / 1e6:,.1f}M MACs, input "
        f"{_shape(anatomy.input_shape)}</text>",
    ]

    # Edges first, so the blocks sit on top of them.
    for row in anatomy.rows:
        x2, y2 = centre(row.name)
        for parent in row.inputs:
            if parent not in place:
                continue
            x1, y1 = centre(parent)
            top, bottom = y1 + BOX_H / 2, y2 - BOX_H / 2
            span = place[row.name][1] - place[parent][1]
            if span <= 1 or x1 != x2:
                path = f"M {x1:.1f} {top:.1f} C {x1:.1f} {top + 14:.1f}, {x2:.1f} {bottom - 14:.1f}, {x2:.1f} {bottom:.1f}"
            else:
                # A skip connection: bow out to the right of the column.
                bow = x1 + BOX_W / 2 + 20 + min(span, 12) * 4
                path = (
                    f"M {x1 + BOX_W / 2:.1f} {y1:.1f} C {bow:.1f} {y1:.1f}, {bow:.1f} {y2:.1f}, "
                    f"{x2 + BOX_W / 2:.1f} {y2:.1f}"
                )
            parts.append(f'<path d="{path}" fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>')

    def block(name: str, kind: str, label: str) -> None:
        x, y = centre(name)
        colour = _COLOURS[_family(kind) if name != "input" else "input"]
        parts.append(
            f'<g><rect x="{x - BOX_W / 2:.1f}" y="{y - BOX_H / 2:.1f}" width="{BOX_W}" height="{BOX_H}" '
            f'rx="6" fill="{colour}" stroke="#333" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{y - 3:.1f}" font-size="12" font-weight="bold" text-anchor="middle">'
            f"{escape(name)}</text>"
            f'<text x="{x:.1f}" y="{y + 12:.1f}" font-size="10.5" text-anchor="middle" fill="#222">'
            f"{escape(label)}</text></g>"
        )

    block("input", "input", f"Input · {_shape(anatomy.input_shape)}")
    for row in anatomy.rows:
        detail = row.type
        if row.kernel is not None:
            detail += f" {row.kernel[0]}x{row.kernel[1]}"
            if row.stride and row.stride != (1, 1):
                detail += f"/{row.stride[0]}"
        block(row.name, row.type, f"{detail} · {_shape(row.output_shape)}")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_svg(anatomy: Anatomy, path: str, title: str | None = None) -> None:
    """Write the diagram to ``path`` atomically: a failure leaves no file."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {directory!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path!r}: it is a folder; give a file name ending in .svg")
    svg = to_svg(anatomy, title)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".diagram-", suffix=".svg")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(svg)
        # mkstemp makes the file private; give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
