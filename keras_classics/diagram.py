"""Architecture diagrams as standalone SVG, without Graphviz or pydot.

Layers become labelled blocks (name, type, output shape) placed in rows by
their depth in the graph, so parallel branches (an Inception module's four
paths, a projection shortcut) stand side by side. An edge that skips rows,
such as a residual shortcut, is drawn as an arc to the right of the column,
so skip connections stay visible.

`to_block_svg` draws a residual network one block per box instead, with
its stages marked and each shortcut drawn beside the block it skips:
identity shortcuts dashed, projections solid with their 1x1 convolution
named, zero-padding shortcuts dotted.

Both take a ``language``: ``"en"`` (the default) or ``"zh"``, whose words
are the site's Chinese terms (docs/glossary.zh.md); shapes, numbers and
layer names are the same in both. A drawing is never narrower than its
own title.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from xml.sax.saxutils import escape

from keras_classics._svg import check_language, font_family, text_width
from keras_classics.anatomy import Anatomy, LayerRow

__all__ = ["to_svg", "to_block_svg", "residual_blocks", "write_svg"]

BOX_W, BOX_H = 190, 38
COL_W, ROW_H = 206, 62
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


# Long Keras class names, shortened so the label fits its box.
_SHORT_TYPES = {
    "LocalResponseNormalization": "LRN",
    "BatchNormalization": "BatchNorm",
    "GlobalAveragePooling2D": "GlobalAvgPool",
    "GlobalMaxPooling2D": "GlobalMaxPool",
}
# The layer types in Chinese, as the site's layer tables name them.
_CHINESE_TYPES = {
    "Conv2D": "卷积",
    "GroupedConv2D": "分组卷积",
    "SparseConv2D": "稀疏卷积",
    "MaxPooling2D": "最大池化",
    "AveragePooling2D": "平均池化",
    "Subsampling": "下采样",
    "GlobalAveragePooling2D": "全局平均池化",
    "GlobalMaxPooling2D": "全局最大池化",
    "Dense": "全连接",
    "EuclideanRBF": "RBF",
    "LocalResponseNormalization": "LRN",
    "BatchNormalization": "批归一化",
    "Dropout": "Dropout",
    "Flatten": "展平",
    "Concatenate": "拼接",
    "Add": "相加",
    "Activation": "激活",
    "ReLU": "ReLU",
    "Softmax": "softmax",
    "ZeroPadding2D": "零填充",
    "ZeroPadShortcut": "零填充捷径",
    "Negate": "取负",
}


def _type_label(layer_type: str, language: str) -> str:
    if language == "zh":
        return _CHINESE_TYPES.get(layer_type, _SHORT_TYPES.get(layer_type, layer_type))
    return _SHORT_TYPES.get(layer_type, layer_type)


def _subtitle(anatomy: Anatomy, language: str) -> str:
    """Parameters, MACs and input under a drawing's title."""
    if language == "zh":
        return f"参数量 {anatomy.params:,}，乘加次数 {anatomy.macs / 1e6:,.1f}M，输入 {_shape(anatomy.input_shape)}"
    return f"{anatomy.params:,} parameters, {anatomy.macs / 1e6:,.1f}M MACs, input {_shape(anatomy.input_shape)}"


def _fit_width(width: int, lines) -> int:
    """``width``, widened where a heading line (text, size, bold) would not
    fit between the margins."""
    needed = max(MARGIN + text_width(text, size, bold) + MARGIN for text, size, bold in lines)
    return max(width, int(needed + 0.999))


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


def _is_side_head(name: str) -> bool:
    # Auxiliary classifiers (GoogLeNet's aux1_*, aux2_*) hang off the main
    # path and never rejoin it: they get a lane of their own on the right.
    return name.startswith("aux")


def _layout(anatomy: Anatomy) -> Tuple[Dict[str, Tuple[float, int]], float, float, int]:
    """Each node's lane (horizontal position, in columns) and row (longest
    path from the input). A chain keeps its parent's lane; the branches of
    a fork spread around it; a merge sits between its inputs. So a branch
    stays in one column, and an edge down that column crosses no other
    branch's box."""
    depth: Dict[str, int] = {"input": 0}
    children: Dict[str, List[str]] = {"input": []}
    for row in anatomy.rows:
        parents = [depth.get(name, 0) for name in row.inputs] or [0]
        depth[row.name] = max(parents) + 1
        children.setdefault(row.name, [])
        for parent in row.inputs:
            children.setdefault(parent, []).append(row.name)
    order = {row.name: i for i, row in enumerate(anatomy.rows)}
    merges = [row for row in anatomy.rows if len(row.inputs) > 1]
    merge_names = {row.name for row in merges}

    def branch_order(parent: str, siblings: List[str]) -> List[str]:
        # Branches in the order their merge lists them (an inception
        # module's concatenation: 1x1, 3x3, 5x5, pool), not the order
        # Keras happened to run them.
        merge = next((m for m in merges if order[m.name] > order.get(parent, -1)), None)
        if merge is None:
            return siblings
        key = {}
        for child in siblings:
            node = child
            while node not in merge.inputs and len(children.get(node, [])) == 1:
                node = children[node][0]
            key[child] = merge.inputs.index(node) if node in merge.inputs else len(merge.inputs)
        return sorted(siblings, key=lambda c: key[c])

    lane: Dict[str, float] = {"input": 0.0}
    for row in anatomy.rows:
        parents = [p for p in row.inputs if p in lane] or ["input"]
        if len(parents) > 1:
            lane[row.name] = sum(lane[p] for p in parents) / len(parents)
            continue
        parent = parents[0]
        if _is_side_head(row.name) and not _is_side_head(parent):
            lane[row.name] = None  # placed once every main lane is known
            continue
        if _is_side_head(parent) and lane.get(parent) is None:
            lane[row.name] = None
            continue
        # A merge among the children takes its lane from all its inputs, so
        # it does not spread the others (a residual addition reading the
        # block's input must not push the block sideways).
        siblings = [
            c for c in children[parent] if (not _is_side_head(c) or _is_side_head(parent)) and c not in merge_names
        ]
        if len(siblings) > 1:
            siblings = branch_order(parent, siblings)
        if len(siblings) <= 1:
            lane[row.name] = lane[parent]
        else:
            index = siblings.index(row.name)
            lane[row.name] = lane[parent] + index - (len(siblings) - 1) / 2
    main = [v for v in lane.values() if v is not None]
    side = max(main) + 1.25
    for name, value in lane.items():
        if value is None:
            lane[name] = side
    low = min(lane.values())
    high = max(lane.values())
    place = {name: (lane[name], depth[name]) for name in lane}
    return place, low, high, max(depth.values())


def to_svg(anatomy: Anatomy, title: str | None = None, language: str = "en") -> str:
    """The diagram of ``anatomy`` as an SVG document, its words in
    ``language`` (``"en"`` or ``"zh"``)."""
    check_language(language)
    place, low, high, deepest = _layout(anatomy)
    header = 40
    height = 2 * MARGIN + header + (deepest + 1) * ROW_H
    occupied: Dict[Tuple[float, int], str] = {place[name]: name for name in place}

    def lane_is_free(column: float, first: int, last: int) -> bool:
        return all((column, d) not in occupied for d in range(first, last + 1))

    def skips(parent: str, child: str) -> bool:
        """An edge down its own lane over boxes of that lane: drawn as an
        arc to the right."""
        (c1, d1), (c2, d2) = place[parent], place[child]
        return c1 == c2 and d2 - d1 > 1 and not lane_is_free(c1, d1 + 1, d2 - 1)

    any_skip = any(skips(p, row.name) for row in anatomy.rows for p in row.inputs if p in place)
    arc_room = 120 if any_skip else 0  # to the right of the last lane
    heading = title or anatomy.model_name
    subtitle = _subtitle(anatomy, language)
    width = _fit_width(
        int(2 * MARGIN + (high - low + 1) * COL_W + arc_room), [(heading, 16, True), (subtitle, 12, False)]
    )

    def centre(name: str) -> Tuple[float, float]:
        column, d = place[name]
        x = MARGIN + (column - low) * COL_W + COL_W / 2
        y = MARGIN + header + d * ROW_H + BOX_H / 2
        return x, y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{font_family(language)}">',
        f"<title>{escape(heading)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 14}" font-size="16" font-weight="bold">{escape(heading)}</text>',
        f'<text x="{MARGIN}" y="{MARGIN + 32}" font-size="12" fill="#444">{escape(subtitle)}</text>',
    ]

    # Edges first, so the blocks sit on top of them.
    for row in anatomy.rows:
        x2, y2 = centre(row.name)
        for parent in row.inputs:
            if parent not in place:
                continue
            x1, y1 = centre(parent)
            top, bottom = y1 + BOX_H / 2, y2 - BOX_H / 2
            (c1, d1), (c2, d2) = place[parent], place[row.name]
            if skips(parent, row.name):
                # A skip connection over boxes of its own lane: bow out to
                # the right of the column.
                span = d2 - d1
                bow = x1 + BOX_W / 2 + 20 + min(span, 12) * 4
                path = (
                    f"M {x1 + BOX_W / 2:.1f} {y1:.1f} C {bow:.1f} {y1:.1f}, {bow:.1f} {y2:.1f}, "
                    f"{x2 + BOX_W / 2:.1f} {y2:.1f}"
                )
            elif c1 != c2 and d2 - d1 > 1 and lane_is_free(c1, d1 + 1, d2 - 1):
                # Down the parent's own (empty) lane, then across in the gap
                # above the target's row: never under another branch's box.
                turn = y2 - BOX_H / 2 - (ROW_H - BOX_H)
                path = (
                    f"M {x1:.1f} {top:.1f} L {x1:.1f} {turn:.1f} "
                    f"C {x1:.1f} {turn + 14:.1f}, {x2:.1f} {bottom - 14:.1f}, {x2:.1f} {bottom:.1f}"
                )
            else:
                path = (
                    f"M {x1:.1f} {top:.1f} C {x1:.1f} {top + 14:.1f}, {x2:.1f} {bottom - 14:.1f}, {x2:.1f} {bottom:.1f}"
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

    block("input", "input", f"{'输入' if language == 'zh' else 'Input'} · {_shape(anatomy.input_shape)}")
    for row in anatomy.rows:
        detail = _type_label(row.type, language)
        if row.kernel is not None:
            detail += f" {row.kernel[0]}x{row.kernel[1]}"
            if row.stride and row.stride != (1, 1):
                detail += f"/{row.stride[0]}"
        block(row.name, row.type, f"{detail} · {_shape(row.output_shape)}")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


_BLOCK = re.compile(r"^(conv\d+)_(block\d+)_(.+)$")
_SHORTCUT_STYLES = {
    # kind: (stroke, width, dash pattern)
    "identity": ("#777", 1.4, "6 4"),
    "projection": ("#c0392b", 2.6, ""),
    "zero-pad": ("#7d3c98", 2.0, "2 3"),
}


@dataclass(frozen=True)
class ResidualBlock:
    """One residual block, summarised from its layers."""

    stage: str  # "conv3"
    name: str  # "conv3_block1"
    convs: Tuple[LayerRow, ...]  # the residual branch, in order
    shortcut: str  # "identity", "projection" or "zero-pad"
    shortcut_layer: Optional[LayerRow]
    output_shape: Tuple
    params: int
    macs: int


def residual_blocks(anatomy: Anatomy) -> Tuple[List[LayerRow], List[ResidualBlock], List[LayerRow]]:
    """The stem's layers, the blocks (layers named ``convN_blockM_*``) and
    the head's layers of a residual network."""
    stem: List[LayerRow] = []
    head: List[LayerRow] = []
    grouped: Dict[str, List[LayerRow]] = {}
    for row in anatomy.rows:
        match = _BLOCK.match(row.name)
        if match:
            grouped.setdefault(f"{match.group(1)}_{match.group(2)}", []).append(row)
        elif grouped:
            head.append(row)
        else:
            stem.append(row)
    if not grouped:
        raise ValueError(
            f"{anatomy.model_name} has no layer named convN_blockM_*: to_block_svg draws residual "
            "networks only; use to_svg for any other model"
        )
    blocks = []
    for name, rows in grouped.items():
        shortcut_layer = next(
            (r for r in rows if "_0_" in r.name and r.kernel is not None or r.name.endswith("_0_shortcut")), None
        )
        if shortcut_layer is None:
            kind = "identity"
        elif shortcut_layer.kernel is not None:
            kind = "projection"
        else:
            kind = "zero-pad"
        convs = tuple(r for r in rows if r.kernel is not None and r.filters is not None and r is not shortcut_layer)
        blocks.append(
            ResidualBlock(
                stage=name.split("_")[0],
                name=name,
                convs=convs,
                shortcut=kind,
                shortcut_layer=shortcut_layer,
                output_shape=rows[-1].output_shape,
                params=sum(r.params for r in rows),
                macs=sum(r.macs for r in rows),
            )
        )
    return stem, blocks, head


def _conv_text(row: LayerRow) -> str:
    text = f"{row.kernel[0]}x{row.kernel[1]} {row.filters}"
    if row.stride and row.stride != (1, 1):
        text += f" /{row.stride[0]}"
    return text


# The words of a block diagram, by language.
_BLOCK_WORDS = {
    "en": {
        "stem": "stem",
        "head": "head",
        "by block": ", block by block",
        "params": "params",
        "pool": "pool",
        "global avg pool": "global avg pool",
        "flatten": "flatten",
        "dense": "dense",
        "identity": "identity shortcut",
        "projection": "projection shortcut",
        "zero-pad": "zero-pad shortcut",
        "1x1 conv": "1x1 conv",
        "zero-pad to": "zero-pad to {channels}, /{stride}",
    },
    "zh": {
        "stem": "主干开头",
        "head": "输出头",
        "by block": "：逐个残差块",
        "params": "个参数",
        "pool": "池化",
        "global avg pool": "全局平均池化",
        "flatten": "展平",
        "dense": "全连接",
        "identity": "恒等捷径",
        "projection": "投影捷径",
        "zero-pad": "零填充捷径",
        "1x1 conv": "1x1 卷积",
        "zero-pad to": "零填充到 {channels}，/{stride}",
    },
}


def _blocks_summary(count: int, language: str) -> str:
    if language == "zh":
        return f"{count} 个残差块"
    return f"{count} blocks"


def _stage_summary(count: int, language: str) -> str:
    if language == "zh":
        return f"{count} 个块"
    return f"{count} block{'s' if count != 1 else ''}"


def to_block_svg(anatomy: Anatomy, title: str | None = None, language: str = "en") -> str:
    """A residual network block by block: one box per block (its
    convolutions, output shape and parameters), stages marked on the left,
    each shortcut drawn to the right of the block it skips; its words in
    ``language`` (``"en"`` or ``"zh"``)."""
    check_language(language)
    say = _BLOCK_WORDS[language]
    stem, blocks, head = residual_blocks(anatomy)
    box_w, box_h, gap = 300, 50, 40
    label_w = 150  # stage labels on the left
    right = 250  # shortcuts and their labels on the right
    header = 64
    x = MARGIN + label_w + box_w / 2
    boxes = []  # (kind, y, lines, colour, block or None)
    y = MARGIN + header
    stem_text = " · ".join(
        _conv_text(r) if r.kernel and r.filters else f"{say['pool']} {r.kernel[0]}x{r.kernel[1]}/{r.stride[0]}"
        for r in stem
        if r.kernel is not None
    )
    boxes.append(("stem", y, [say["stem"], stem_text, _shape(stem[-1].output_shape)], _COLOURS["conv"], None))
    y += box_h + gap
    stage_spans: Dict[str, List[float]] = {}
    for block in blocks:
        lines = [
            block.name,
            " · ".join(_conv_text(r) for r in block.convs),
            f"{_shape(block.output_shape)} · {block.params:,} {say['params']}",
        ]
        boxes.append(("block", y, lines, "#dbe9ff", block))
        stage_spans.setdefault(block.stage, [y, y])[1] = y + box_h
        y += box_h + gap
    words = {"GlobalAveragePooling2D": say["global avg pool"], "Flatten": say["flatten"]}
    head_text = " · ".join(
        words.get(r.type, f"{say['dense']} {r.units}" if r.units else r.type)
        for r in head
        if r.type in ("GlobalAveragePooling2D", "Dense", "Flatten")
    )
    boxes.append(
        ("head", y, [say["head"], head_text, _shape(head[-1].output_shape) if head else ""], _COLOURS["dense"], None)
    )
    height = int(y + box_h + MARGIN)
    heading = f"{title or anatomy.model_name}{say['by block']}"
    subtitle = (
        f"{_subtitle(anatomy, language)}{'；' if language == 'zh' else '; '}{_blocks_summary(len(blocks), language)}"
    )
    width = _fit_width(int(MARGIN * 2 + label_w + box_w + right), [(heading, 16, True), (subtitle, 12, False)])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{font_family(language)}">',
        f"<title>{escape(heading)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 14}" font-size="16" font-weight="bold">{escape(heading)}</text>',
        f'<text x="{MARGIN}" y="{MARGIN + 32}" font-size="12" fill="#444">{escape(subtitle)}</text>',
    ]
    # The legend: what each kind of shortcut looks like.
    lx = MARGIN
    for kind, (stroke, stroke_w, dash) in _SHORTCUT_STYLES.items():
        if not any(b.shortcut == kind for b in blocks):
            continue
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{lx}" y1="{MARGIN + 48}" x2="{lx + 30}" y2="{MARGIN + 48}" stroke="{stroke}" '
            f'stroke-width="{stroke_w}"{dash_attr}/>'
            f'<text x="{lx + 36}" y="{MARGIN + 52}" font-size="12" fill="#222">{say[kind]}</text>'
        )
        lx += 170
    # Stage bands behind the blocks, labelled on the left.
    for stage, (top, bottom) in stage_spans.items():
        members = [b for b in blocks if b.stage == stage]
        parts.append(
            f'<rect x="{MARGIN}" y="{top - gap / 2 + 4:.1f}" width="{label_w + box_w + right - 20}" '
            f'height="{bottom - top + gap - 8:.1f}" rx="8" fill="#f4f6fa" stroke="#d5dbe5"/>'
        )
        mid = (top + bottom) / 2
        parts.append(
            f'<text x="{MARGIN + 10}" y="{mid - 6:.1f}" font-size="13" font-weight="bold">{stage}</text>'
            f'<text x="{MARGIN + 10}" y="{mid + 10:.1f}" font-size="11" fill="#333">'
            f"{_stage_summary(len(members), language)} · "
            f"{members[0].output_shape[0]}x{members[0].output_shape[1]}</text>"
        )
    # The main path, then the shortcuts beside their blocks.
    for (_, y1, _, _, _), (_, y2, _, _, _) in zip(boxes, boxes[1:]):
        parts.append(
            f'<line x1="{x}" y1="{y1 + box_h}" x2="{x}" y2="{y2 - 1}" stroke="#555" '
            f'stroke-width="1.2" marker-end="url(#arrow)"/>'
        )
    for kind, y1, _, _, block in boxes:
        if block is None:
            continue
        stroke, stroke_w, dash = _SHORTCUT_STYLES[block.shortcut]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        above, below = y1 - gap / 2, y1 + box_h + gap / 2
        side = x + box_w / 2 + 26
        # The shortcut leaves the main path a little below the previous
        # addition, so that two neighbouring shortcuts never merge into
        # one line, and enters this block's addition from the right.
        start = above + 10
        parts.append(
            f'<path d="M {x} {start:.1f} L {side} {start:.1f} L {side} {below:.1f} L {x + 9} {below:.1f}" '
            f'fill="none" stroke="{stroke}" stroke-width="{stroke_w}"{dash_attr} marker-end="url(#arrow)"/>'
            f'<circle cx="{x}" cy="{start:.1f}" r="3" fill="{stroke}"/>'
        )
        parts.append(
            f'<circle cx="{x}" cy="{below:.1f}" r="8" fill="white" stroke="#333"/>'
            f'<text x="{x}" y="{below + 4:.1f}" font-size="13" text-anchor="middle">+</text>'
        )
        if block.shortcut != "identity" and block.shortcut_layer is not None:
            layer = block.shortcut_layer
            what = (
                f"{say['1x1 conv']} {layer.filters}"
                + (f" /{layer.stride[0]}" if layer.stride and layer.stride != (1, 1) else "")
                if block.shortcut == "projection"
                else say["zero-pad to"].format(channels=layer.output_shape[-1], stride=layer.stride[0])
            )
            parts.append(
                f'<text x="{side + 8}" y="{y1 + box_h / 2 + 4:.1f}" font-size="11" fill="{stroke}">'
                f"{escape(what)}</text>"
            )
    for kind, y1, lines, colour, block in boxes:
        parts.append(
            f'<rect x="{x - box_w / 2}" y="{y1}" width="{box_w}" height="{box_h}" rx="6" '
            f'fill="{colour}" stroke="#333"/>'
        )
        for i, (line, size, weight) in enumerate(zip(lines, (12, 11, 10.5), ("bold", "normal", "normal"))):
            parts.append(
                f'<text x="{x}" y="{y1 + 15 + i * 14}" font-size="{size}" font-weight="{weight}" '
                f'text-anchor="middle">{escape(line)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_svg(anatomy: Anatomy, path: str, title: str | None = None, language: str = "en") -> None:
    """Write the diagram to ``path`` atomically: a failure leaves no file."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {directory!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path!r}: it is a folder; give a file name ending in .svg")
    svg = to_svg(anatomy, title, language)
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
