"""A network's architecture drawing as an object: layer by layer, or block
by block for a deep network, each block expandable.

`Diagram` wraps the layouts of `keras_classics.diagram`: ``to_svg`` for the
layer-by-layer view and, for the block view, ``to_block_svg`` for residual
networks (their shortcuts drawn by kind) and ``to_svg`` on the network
folded into one box per block for the others (GoogLeNet's inception
modules, VGG's blocks, the plain networks' blocks).

A block is the set of layers that share a name prefix: ``convN_blockM``
(ResNet and its plain twins), ``inceptionNx`` and ``auxN`` (GoogLeNet),
``blockN`` (VGG). The block view is the default for a network that has
blocks and whose layer-by-layer drawing would be more than
`BLOCK_VIEW_DEPTH` rows deep (ResNet-50's is 168 rows, 10,578 px tall).

``expand(name)`` draws one block layer by layer. In Jupyter a block view
shows as HTML: the drawing, then each block under a heading that opens
onto its layers (HTML ``<details>``, which SVG lacks).

>>> import keras_classics
>>> drawing = keras_classics.summary("resnet50").diagram()
>>> drawing.block_view, len(drawing.blocks)  # 3 + 4 + 6 + 3 blocks (He et al., Table 1)
(True, 16)
>>> drawing.expand("conv2_block1").block_view
False
"""

from __future__ import annotations

import base64
import difflib
import html
import re
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

from keras_classics.anatomy import Anatomy, LayerRow
from keras_classics.display.svg import SvgImage

__all__ = ["Diagram", "diagram", "block_groups", "BLOCK_VIEW_DEPTH"]

# Deeper than this many rows, a network with blocks is drawn block by block
# (30 rows of the layer-by-layer drawing are about 2,000 px).
BLOCK_VIEW_DEPTH = 30

_RESIDUAL = re.compile(r"^(conv\d+_block\d+)_")
_BLOCK_NAMES = (
    _RESIDUAL,  # ResNet and the plain networks: conv3_block1_2_conv
    re.compile(r"^(inception\d+[a-z])_"),  # GoogLeNet: inception4a_3x3_reduce
    re.compile(r"^(aux\d+)_"),  # GoogLeNet's auxiliary classifiers
    re.compile(r"^(block\d+)_"),  # VGG: block3_conv2
)


def block_groups(anatomy: Anatomy) -> Dict[str, List[LayerRow]]:
    """The network's blocks, ``{block name: its layers}``, in the order
    they first run; empty for a network without named blocks."""
    groups: Dict[str, List[LayerRow]] = {}
    for row in anatomy.rows:
        for pattern in _BLOCK_NAMES:
            match = pattern.match(row.name)
            if match:
                groups.setdefault(match.group(1), []).append(row)
                break
    return groups


def _depth(anatomy: Anatomy) -> int:
    """Rows of the layer-by-layer drawing: the longest path from the input."""
    depth: Dict[str, int] = {}
    for row in anatomy.rows:
        depth[row.name] = 1 + max((depth.get(name, 0) for name in row.inputs), default=0)
    return max(depth.values(), default=0)


def _is_residual(groups: Dict[str, List[LayerRow]]) -> bool:
    """ResNet's blocks, each with its addition: drawn by ``to_block_svg``,
    which shows each shortcut and its kind."""
    return bool(groups) and all(
        _RESIDUAL.match(name + "_") and any(row.type == "Add" for row in rows) for name, rows in groups.items()
    )


def _contents(rows: List[LayerRow]) -> str:
    """What a block holds, in a few words: ``2 conv 3x3, pool``."""
    convs = [r for r in rows if r.kernel is not None and r.filters is not None]
    pools = [r for r in rows if "Pool" in r.type]
    dense = [r for r in rows if r.units is not None]
    words = []
    if convs:
        kernels = {r.kernel for r in convs}
        kernel = next(iter(kernels))
        words.append(f"{len(convs)} conv" + (f" {kernel[0]}x{kernel[1]}" if len(kernels) == 1 else ""))
    if pools:
        words.append("pool" if len(pools) == 1 else f"{len(pools)} pool")
    if dense:
        words.append(f"{len(dense)} fc")
    return ", ".join(words) or f"{len(rows)} layers"


def _folded(anatomy: Anatomy, groups: Dict[str, List[LayerRow]]) -> Anatomy:
    """The network with each block folded into one row: its contents as
    its type, its last layer's output, the sums of its parameters, MACs
    and memory; so the totals stay the network's."""
    owner = {row.name: name for name, rows in groups.items() for row in rows}
    rows: List[LayerRow] = []
    done = set()
    for row in anatomy.rows:
        block = owner.get(row.name)
        if block is None:
            rows.append(replace(row, inputs=tuple(dict.fromkeys(owner.get(i, i) for i in row.inputs))))
            continue
        if block in done:
            continue
        done.add(block)
        members = groups[block]
        inside = {r.name for r in members}
        inputs = tuple(dict.fromkeys(owner.get(i, i) for r in members for i in r.inputs if i not in inside))
        last = members[-1]
        rows.append(
            LayerRow(
                name=block,
                type=_contents(members),
                inputs=inputs,
                output_shape=last.output_shape,
                trainable_params=sum(r.trainable_params for r in members),
                non_trainable_params=sum(r.non_trainable_params for r in members),
                macs=sum(r.macs for r in members),
                receptive_field=last.receptive_field,
                activation_bytes=sum(r.activation_bytes for r in members),
            )
        )
    return Anatomy(model_name=anatomy.model_name, input_shape=anatomy.input_shape, rows=rows)


def _inputs_named_input(anatomy: Anatomy) -> Anatomy:
    """The drawing's input box is called ``input``: a layer fed by a model
    input of another name (Keras calls it ``input_layer``) is joined to it."""
    known = {row.name for row in anatomy.rows}
    rows = [
        replace(row, inputs=tuple(dict.fromkeys(i if i in known else "input" for i in row.inputs)))
        for row in anatomy.rows
    ]
    return Anatomy(model_name=anatomy.model_name, input_shape=anatomy.input_shape, rows=rows)


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


class Diagram(SvgImage):
    """The drawing of a model's anatomy: ``_repr_svg_`` (and, for a block
    view, ``_repr_html_`` with each block expandable), ``save(path)`` as
    SVG, PNG or PDF, ``expand(block)``.

    Args:
        anatomy: the model's `keras_classics.anatomy.Anatomy` (or `Summary`).
        blocks: True for one box per block, False for one per layer, None
            to choose: blocks for a network with blocks deeper than
            `BLOCK_VIEW_DEPTH` rows.
        title: the drawing's title (default: the model's name).
    """

    def __init__(self, anatomy: Anatomy, blocks: Optional[bool] = None, title: Optional[str] = None):
        from keras_classics import diagram as layouts

        self.anatomy = anatomy
        self.groups = block_groups(anatomy)
        title = title or anatomy.model_name
        if blocks and not self.groups:
            raise ValueError(
                f"{anatomy.model_name} has no blocks to draw one box each (layers named convN_blockM_*, "
                "inceptionNx_*, auxN_* or blockN_*); draw it layer by layer"
            )
        if blocks is None:
            blocks = bool(self.groups) and _depth(anatomy) > BLOCK_VIEW_DEPTH
        self.block_view = bool(blocks)
        if not self.block_view:
            svg = layouts.to_svg(_inputs_named_input(anatomy), title=title)
        elif _is_residual(self.groups):
            svg = layouts.to_block_svg(anatomy, title=title)
        else:
            svg = layouts.to_svg(_inputs_named_input(_folded(anatomy, self.groups)), title=f"{title}, block by block")
        super().__init__(svg, title=title)

    @property
    def blocks(self) -> Tuple[str, ...]:
        """The names of the network's blocks (``expand`` draws one)."""
        return tuple(self.groups)

    def block(self, name: str) -> Anatomy:
        """The anatomy of block ``name`` alone: its layers, fed by ``input``
        (the block's input, whose shape is the input shape)."""
        if name not in self.groups:
            close = difflib.get_close_matches(name, self.blocks, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            listed = ", ".join(self.blocks) if self.blocks else "none"
            raise KeyError(f"{self.anatomy.model_name} has no block {name!r}.{hint} Its blocks: {listed}")
        members = self.groups[name]
        inside = {r.name for r in members}
        produced = {r.name: r.output_shape for r in self.anatomy.rows}
        feeding = next((i for r in members for i in r.inputs if i not in inside), None)
        shape = produced.get(feeding, self.anatomy.input_shape)
        rows = [replace(r, inputs=tuple(i if i in inside else "input" for i in r.inputs)) for r in members]
        return Anatomy(model_name=f"{self.anatomy.model_name}_{name}", input_shape=shape, rows=rows)

    def expand(self, name: str) -> "Diagram":
        """Block ``name`` drawn layer by layer."""
        return Diagram(self.block(name), blocks=False, title=f"{self.title}: {name}")

    def _repr_html_(self) -> Optional[str]:
        if not self.block_view:
            return None  # the SVG alone says it all
        alt = html.escape(f"{self.title}, block by block")
        parts = [
            '<div class="kc-diagram">',
            f'<img src="{_svg_data_uri(self.svg)}" alt="{alt}" style="max-width: 100%; height: auto">',
            f"<p>The {len(self.groups)} blocks layer by layer (click one to open it):</p>",
        ]
        for name, members in self.groups.items():
            shape = "x".join(str(d) for d in members[-1].output_shape)
            params = sum(r.params for r in members)
            heading = f"{name}: {_contents(members)} · {shape} · {params:,} parameters"
            parts.append(
                f"<details><summary>{html.escape(heading)}</summary>"
                f'<img src="{_svg_data_uri(self.expand(name).svg)}" alt="{html.escape(name)}, layer by layer" '
                'style="max-width: 100%; height: auto"></details>'
            )
        parts.append("</div>")
        return "\n".join(parts) + "\n"


def diagram(model, blocks: Optional[bool] = None, input_shape=None, **options) -> Diagram:
    """The architecture drawing of ``model`` (a functional ``keras.Model``
    or a registered name, as `keras_classics.summary` takes it): block by
    block for a deep network with blocks, layer by layer otherwise;
    ``blocks=True`` or ``False`` chooses."""
    from keras_classics.display.model_summary import summary

    return summary(model, input_shape, **options).diagram(blocks=blocks)
