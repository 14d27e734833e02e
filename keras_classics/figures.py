"""Stand-alone teaching figures as SVG, each number on them computed by
`keras_classics.arithmetic`:

* `inception_modules_svg`: GoogLeNet's naive inception module beside the
  module with 1x1 reductions, with the MACs of every convolution;
* `residual_blocks_svg`: a basic block beside a bottleneck block (the ResNet
  paper's Figure 5), with the weights of every convolution;
* `stacked_kernels_svg`: two stacked 3x3 convolutions against one 5x5,
  their receptive fields drawn on pixel grids;
* `pooling_windows_svg`: overlapping (3x3, stride 2) against non-overlapping
  (2x2, stride 2) pooling windows on one row of pixels.

Each function returns an SVG document as a string, its words in the
``language`` it is given (``"en"``, the default, or ``"zh"``, with the
site's Chinese terms); `FIGURES` maps a file name to its function, for the
docs build.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Tuple
from xml.sax.saxutils import escape

from keras_classics import arithmetic
from keras_classics._svg import check_language, font_family

__all__ = [
    "FIGURES",
    "inception_modules_svg",
    "pooling_windows_svg",
    "residual_blocks_svg",
    "stacked_kernels_svg",
]

_CONV, _POOL, _MERGE, _INPUT = "#cfe2ff", "#d1f0d9", "#f8d7da", "#e9ecef"
_ARROW = (
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
    'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>'
)


def _document(width: int, height: int, title: str, body: List[str], language: str = "en") -> str:
    return (
        "\n".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}" font-family="{font_family(language)}">',
                f"<title>{escape(title)}</title>",
                _ARROW,
                f'<rect width="{width}" height="{height}" fill="white"/>',
                *body,
                "</svg>",
            ]
        )
        + "\n"
    )


def _box(x: float, y: float, w: float, h: float, fill: str, lines: Sequence[str]) -> str:
    """A box centred on x, top at y, with one bold line and smaller ones."""
    out = [
        f'<rect x="{x - w / 2:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" fill="{fill}" stroke="#333"/>'
    ]
    for i, line in enumerate(lines):
        size, weight = (12, "bold") if i == 0 else (10.5, "normal")
        out.append(
            f'<text x="{x:.1f}" y="{y + 15 + 13 * i:.1f}" font-size="{size}" font-weight="{weight}" '
            f'text-anchor="middle">{escape(line)}</text>'
        )
    return "".join(out)


def _arrow(x1: float, y1: float, x2: float, y2: float, colour: str = "#555", width: float = 1.3, dash: str = "") -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    if x1 == x2:
        path = f"M {x1:.1f} {y1:.1f} L {x2:.1f} {y2:.1f}"
    else:
        # Down first, across in the free band above the target, then down.
        mid = y2 - 12
        path = f"M {x1:.1f} {y1:.1f} L {x1:.1f} {mid:.1f} L {x2:.1f} {mid:.1f} L {x2:.1f} {y2:.1f}"
    return (
        f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr} marker-end="url(#arrow)"/>'
    )


def _text(
    x: float, y: float, text: str, size: float = 12, anchor: str = "middle", weight: str = "normal", fill: str = "#222"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" text-anchor="{anchor}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


# --------------------------------------------------------------------------
# The inception module, naive and with reductions
# --------------------------------------------------------------------------


def inception_modules_svg(
    size: int = 28,
    in_channels: int = 192,
    row: Tuple[int, int, int, int, int, int] = (64, 96, 128, 16, 32, 32),
    language: str = "en",
) -> str:
    """The naive module and the module with 1x1 reductions on a
    ``size x size x in_channels`` input; ``row`` is a row of GoogLeNet's
    Table 1: (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj). The
    default is module 3a."""
    zh = check_language(language) == "zh"
    n1, r3, n3, r5, n5, proj = row
    macs = lambda k, c_in, c_out: arithmetic.conv_macs(size, k, c_in, c_out)  # noqa: E731
    box_w, box_h, col = 150, 44, 165
    panel_w = 4 * col + 20
    width, height = 2 * panel_w + 40, 440
    body = [
        _text(
            20,
            26,
            f"{size}x{size}x{in_channels} 上的 Inception 模块（GoogLeNet 的 3a），每张图像的乘加次数"
            if zh
            else f"Inception module on {size}x{size}x{in_channels} (GoogLeNet's 3a), MACs per image",
            15,
            "start",
            "bold",
        ),
    ]

    def panel(x0: float, title: str, branches: List[List[Tuple[str, str, str, int]]], out_channels: int) -> int:
        body.append(_text(x0 + panel_w / 2, 58, title, 13, weight="bold"))
        top = 72
        centre = x0 + panel_w / 2
        body.append(
            _box(
                centre, top, 190, box_h, _INPUT, ["前一层" if zh else "previous layer", f"{size}x{size}x{in_channels}"]
            )
        )
        concat_y = 318
        total = 0
        for i, branch in enumerate(branches):
            x = x0 + 10 + col / 2 + i * col
            y = top + box_h + 36
            body.append(_arrow(centre, top + box_h, x, y))
            for j, (name, detail, fill, cost) in enumerate(branch):
                lines = [name, detail] + ([f"{cost:,} {'次乘加' if zh else 'MACs'}"] if cost else [])
                body.append(_box(x, y, box_w, box_h, fill, lines))
                total += cost
                nxt = y + box_h + 30
                if j + 1 < len(branch):
                    body.append(_arrow(x, y + box_h, x, nxt))
                y = nxt
            body.append(_arrow(x, y - 30, x, concat_y))
        body.append(
            _box(
                centre,
                concat_y,
                panel_w - 20,
                box_h,
                _MERGE,
                ["沿通道拼接" if zh else "filter concatenation", f"{size}x{size}x{out_channels}"],
            )
        )
        body.append(
            _text(
                centre,
                concat_y + box_h + 30,
                f"合计 {total:,} 次乘加" if zh else f"total {total:,} MACs",
                13,
                weight="bold",
            )
        )
        return total

    conv = "{} 卷积" if zh else "{} conv"
    pool = "3x3 最大池化" if zh else "3x3 max pool"
    naive = panel(
        20,
        "朴素模块：每个分支都作用在全部输入通道上" if zh else "naive: every branch on all input channels",
        [
            [(conv.format("1x1"), f"{in_channels} -> {n1}", _CONV, macs(1, in_channels, n1))],
            [(conv.format("3x3"), f"{in_channels} -> {n3}", _CONV, macs(3, in_channels, n3))],
            [(conv.format("5x5"), f"{in_channels} -> {n5}", _CONV, macs(5, in_channels, n5))],
            [(pool, f"保留 {in_channels} 个通道" if zh else f"keeps {in_channels} channels", _POOL, 0)],
        ],
        n1 + n3 + n5 + in_channels,
    )
    reduced = panel(
        20 + panel_w + 20,
        "带 1x1 降维（论文中的模块）" if zh else "with 1x1 reductions (the paper's module)",
        [
            [(conv.format("1x1"), f"{in_channels} -> {n1}", _CONV, macs(1, in_channels, n1))],
            [
                (conv.format("1x1"), f"{in_channels} -> {r3}", _CONV, macs(1, in_channels, r3)),
                (conv.format("3x3"), f"{r3} -> {n3}", _CONV, macs(3, r3, n3)),
            ],
            [
                (conv.format("1x1"), f"{in_channels} -> {r5}", _CONV, macs(1, in_channels, r5)),
                (conv.format("5x5"), f"{r5} -> {n5}", _CONV, macs(5, r5, n5)),
            ],
            [
                (pool, f"{in_channels} 个通道" if zh else f"{in_channels} channels", _POOL, 0),
                (conv.format("1x1"), f"{in_channels} -> {proj}", _CONV, macs(1, in_channels, proj)),
            ],
        ],
        n1 + n3 + n5 + proj,
    )
    body.append(
        _text(
            width / 2,
            height - 14,
            f"有了降维，开销仅为原来的约 1/{naive / reduced:.1f}，输出也只有 {n1 + n3 + n5 + proj} 个通道，"
            f"而不是 {n1 + n3 + n5 + in_channels} 个。"
            if zh
            else f"The reductions cut the cost {naive / reduced:.1f} times and keep the output at "
            f"{n1 + n3 + n5 + proj} channels instead of {n1 + n3 + n5 + in_channels}.",
            12.5,
        )
    )
    title = "朴素的与带降维的 Inception 模块" if zh else "Naive and reduced inception modules"
    return _document(width, height, title, body, language)


# --------------------------------------------------------------------------
# Basic block and bottleneck block
# --------------------------------------------------------------------------


def residual_blocks_svg(
    basic_channels: int = 64, bottleneck_channels: int = 256, reduced: int = 64, language: str = "en"
) -> str:
    """A basic block on ``basic_channels`` beside a bottleneck on
    ``bottleneck_channels`` reduced to ``reduced`` (the ResNet paper's
    Figure 5), with the weights of each convolution (no biases)."""
    zh = check_language(language) == "zh"
    conv = "{} 卷积" if zh else "{} conv"
    weights_word = "个权重" if zh else "weights"
    weights = lambda k, c_in, c_out: arithmetic.conv_params(k, c_in, c_out, use_bias=False)  # noqa: E731
    basic = [
        (conv.format("3x3"), basic_channels, basic_channels, 3),
        (conv.format("3x3"), basic_channels, basic_channels, 3),
    ]
    neck = [
        (conv.format("1x1"), bottleneck_channels, reduced, 1),
        (conv.format("3x3"), reduced, reduced, 3),
        (conv.format("1x1"), reduced, bottleneck_channels, 1),
    ]
    width, height = 760, 470
    heading = (
        "残差块（ResNet 论文图 5）及其卷积权重"
        if zh
        else "Residual blocks (the ResNet paper's Figure 5), convolution weights"
    )
    body = [_text(20, 26, heading, 15, "start", "bold")]

    def panel(x: float, title: str, layers, channels: int) -> int:
        body.append(_text(x, 58, title, 13, weight="bold"))
        y = 72
        body.append(_box(x, y, 200, 36, _INPUT, [f"{channels} 维输入" if zh else f"{channels}-d input"]))
        fork = y + 36 + 10
        y += 36 + 24
        total = 0
        for i, (name, c_in, c_out, k) in enumerate(layers):
            w = weights(k, c_in, c_out)
            total += w
            body.append(_arrow(x, y - 24, x, y))
            if zh:
                relu = "，BN，ReLU" if i + 1 < len(layers) else "，BN"
            else:
                relu = ", BN, ReLU" if i + 1 < len(layers) else ", BN"
            body.append(
                _box(
                    x,
                    y,
                    200,
                    48,
                    _CONV,
                    [f"{name}{'，' if zh else ', '}{c_out}", f"{c_in} -> {c_out}{relu}", f"{w:,} {weights_word}"],
                )
            )
            y += 48 + 24
        plus = y + 4
        body.append(_arrow(x, y - 24, x, plus - 12))
        body.append(f'<circle cx="{x}" cy="{plus:.1f}" r="12" fill="white" stroke="#333"/>')
        body.append(_text(x, plus + 5, "+", 16, weight="bold"))
        side = x + 100 + 40
        body.append(
            f'<path d="M {x} {fork} L {side} {fork} L {side} {plus:.1f} L {x + 13} {plus:.1f}" fill="none" '
            f'stroke="#777" stroke-width="1.6" stroke-dasharray="6 4" marker-end="url(#arrow)"/>'
        )
        body.append(_text(side + 6, (fork + plus) / 2, "恒等" if zh else "identity", 11, "start", fill="#555"))
        body.append(_arrow(x, plus + 12, x, plus + 40))
        body.append(_text(x, plus + 55, "ReLU", 11))
        body.append(_text(x, plus + 80, f"合计 {total:,} 个权重" if zh else f"{total:,} weights", 13, weight="bold"))
        return total

    a = panel(
        200,
        f"基本块，{basic_channels} 个通道" if zh else f"basic block, {basic_channels} channels",
        basic,
        basic_channels,
    )
    b = panel(
        560,
        f"瓶颈结构，{bottleneck_channels} 个通道" if zh else f"bottleneck, {bottleneck_channels} channels",
        neck,
        bottleneck_channels,
    )
    body.append(
        _text(
            width / 2,
            height - 12,
            f"开销差不多（{a:,} 对 {b:,} 个权重），瓶颈块却宽 {bottleneck_channels // basic_channels} 倍，还多一层。"
            if zh
            else f"About the same cost ({a:,} against {b:,} weights) for a block "
            f"{bottleneck_channels // basic_channels} times as wide and one layer deeper.",
            12.5,
        )
    )
    title = "基本块与瓶颈块" if zh else "Basic block and bottleneck block"
    return _document(width, height, title, body, language)


# --------------------------------------------------------------------------
# Two 3x3 against one 5x5
# --------------------------------------------------------------------------


def _grid(x0: float, y0: float, n: int, cell: float, highlight: Tuple[int, int, int], fill: str) -> List[str]:
    """An n x n grid of cells; ``highlight`` = (first row, first column, size)."""
    out = []
    r0, c0, k = highlight
    for r in range(n):
        for c in range(n):
            inside = r0 <= r < r0 + k and c0 <= c < c0 + k
            out.append(
                f'<rect x="{x0 + c * cell:.1f}" y="{y0 + r * cell:.1f}" width="{cell}" height="{cell}" '
                f'fill="{fill if inside else "white"}" stroke="#888" stroke-width="0.8"/>'
            )
    return out


def stacked_kernels_svg(channels_symbol: str = "C", language: str = "en") -> str:
    """Two stacked 3x3 convolutions (stride 1) and one 5x5 convolution: the
    unit on top sees the same 5x5 input pixels. Weights for C channels in
    and out, from `arithmetic.stacked_3x3_comparison`."""
    zh = check_language(language) == "zh"
    comparison = arithmetic.stacked_3x3_comparison(2, 1)
    field = comparison.receptive_field
    cell = 22
    width, height = 760, 470
    body = [
        _text(
            20,
            26,
            f"两个串联的 3x3 卷积对比一个 {field}x{field} 卷积：感受野相同"
            if zh
            else f"Two stacked 3x3 convolutions against one {field}x{field}: the same receptive field",
            15,
            "start",
            "bold",
        )
    ]

    def level(cx: float, y: float, n: int, k: int, fill: str, label: str) -> Tuple[float, float]:
        x0 = cx - n * cell / 2
        body.extend(_grid(x0, y, n, cell, ((n - k) // 2, (n - k) // 2, k), fill))
        body.append(_text(cx - n * cell / 2 - 12, y + n * cell / 2 + 4, label, 11.5, "end"))
        return x0 + (n - k) // 2 * cell, y

    def cone(unit: Tuple[float, float, int], region: Tuple[float, float, int]) -> None:
        """Dashed lines from the bottom corners of ``unit`` (x, y, cells wide)
        to the top corners of the ``region`` it sees."""
        (ux, uy, un), (rx, ry, rn) = unit, region
        for du, dr in ((0, 0), (un * cell, rn * cell)):
            body.append(
                f'<line x1="{ux + du:.1f}" y1="{uy:.1f}" x2="{rx + dr:.1f}" y2="{ry:.1f}" '
                f'stroke="#c0392b" stroke-width="1" stroke-dasharray="3 3"/>'
            )

    # Left: input 7x7 (5x5 seen), layer 1 5x5 (3x3 seen), layer 2: one unit.
    cx = 200
    seen = "输入（看到 {0}x{0}）" if zh else "input ({0}x{0} seen)"
    body.append(_text(cx, 58, "两个 3x3 层" if zh else "two 3x3 layers", 13, weight="bold"))
    top = level(cx, 80, 1, 1, "#c0392b", "第 2 层" if zh else "layer 2")
    mid = level(cx, 130, 5, 3, "#f5b7b1", "第 1 层（看到 3x3）" if zh else "layer 1 (3x3 seen)")
    bottom = level(cx, 270, 7, field, "#fadbd8", seen.format(field))
    cone((top[0], 80 + cell, 1), (mid[0], 130 + cell, 3))
    cone((mid[0], 130 + 4 * cell, 3), (bottom[0], 270 + cell, field))
    # Right: input 7x7 (5x5 seen), one layer: one unit.
    cx = 560
    body.append(_text(cx, 58, f"一个 {field}x{field} 层" if zh else f"one {field}x{field} layer", 13, weight="bold"))
    top = level(cx, 80, 1, 1, "#2c6fbb", "第 1 层" if zh else "layer 1")
    bottom = level(cx, 270, 7, field, "#d6e6fa", seen.format(field))
    cone((top[0], 80 + cell, 1), (bottom[0], 270 + cell, field))
    stacked = arithmetic.stacked_3x3_comparison(2, 1)
    c = channels_symbol
    body.append(
        _text(
            200,
            452,
            f"权重：2 · 3·3·{c}² = {stacked.stacked_weights}{c}²，两个 ReLU"
            if zh
            else f"weights: 2 · 3·3·{c}² = {stacked.stacked_weights}{c}², two ReLUs",
            12.5,
        )
    )
    body.append(
        _text(
            560,
            452,
            f"权重：{field}·{field}·{c}² = {stacked.single_weights}{c}²，一个 ReLU"
            if zh
            else f"weights: {field}·{field}·{c}² = {stacked.single_weights}{c}², one ReLU",
            12.5,
        )
    )
    title = (
        f"两个串联的 3x3 卷积对比一个 {field}x{field} 卷积" if zh else "Two stacked 3x3 convolutions against one 5x5"
    )
    return _document(width, height, title, body, language)


# --------------------------------------------------------------------------
# Overlapping and non-overlapping pooling
# --------------------------------------------------------------------------


def pooling_windows_svg(size: int = 9, language: str = "en") -> str:
    """The windows of a 3x3/2 pool (AlexNet) and a 2x2/2 pool (VGG) along
    one row of ``size`` pixels: the first overlap, the second tile."""
    zh = check_language(language) == "zh"
    cell = 44
    width = 2 * 40 + size * cell + 200
    height = 380
    colours = ["#2c6fbb", "#c0392b", "#1e8449", "#7d3c98", "#b9770e", "#117a65"]
    body = [
        _text(20, 26, "一行像素上的池化窗口" if zh else "Pooling windows along one row of pixels", 15, "start", "bold")
    ]

    def row(y: float, pool: int, stride: int, title: str) -> None:
        outputs = arithmetic.pool_output_size(size, pool, stride)
        covered = set()
        body.append(
            _text(
                40,
                y - 56,
                f"{title}：宽 {pool}，步长 {stride}，{size} 个像素 -> {outputs} 个输出"
                if zh
                else f"{title}: {pool} wide, stride {stride}, {size} pixels -> {outputs} outputs",
                13,
                "start",
                "bold",
            )
        )
        for i in range(outputs):
            start = i * stride
            covered.update(range(start, start + pool))
            colour = colours[i % len(colours)]
            lift = 12 * (i % 2)  # alternate heights so overlapping windows stay readable
            x1, x2 = 40 + start * cell + 3, 40 + (start + pool) * cell - 3
            top = y - 18 - lift
            body.append(
                f'<path d="M {x1:.1f} {y - 4:.1f} L {x1:.1f} {top:.1f} L {x2:.1f} {top:.1f} L {x2:.1f} {y - 4:.1f}" '
                f'fill="none" stroke="{colour}" stroke-width="2.2"/>'
            )
            body.append(_text((x1 + x2) / 2, top - 4, f"输出 {i + 1}" if zh else f"out {i + 1}", 10.5, fill=colour))
        for p in range(size):
            shared = sum(1 for i in range(outputs) if i * stride <= p < i * stride + pool)
            fill = "#fdebd0" if shared > 1 else ("white" if p in covered else "#e5e7e9")
            body.append(
                f'<rect x="{40 + p * cell}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="#555"/>'
            )
            body.append(_text(40 + p * cell + cell / 2, y + cell / 2 + 4, str(p + 1), 12))
        unused = size - len(covered)
        note = []
        shared_count = sum(
            1 for p in range(size) if sum(1 for i in range(outputs) if i * stride <= p < i * stride + pool) > 1
        )
        if zh:
            if shared_count:
                note.append(f"{shared_count} 个像素落在两个窗口里（阴影）")
            if unused:
                note.append(f"{unused} 个像素不在任何窗口里（灰色）")
            if not note:
                note.append("每个像素恰好落在一个窗口里")
        else:
            if shared_count:
                note.append(f"{shared_count} pixels in two windows (shaded)")
            if unused:
                note.append(f"{unused} pixel{'s' if unused != 1 else ''} in no window (grey)")
            if not note:
                note.append("each pixel in exactly one window")
        body.append(_text(40 + size * cell + 16, y + cell / 2 + 4, ("；" if zh else "; ").join(note), 11.5, "start"))

    row(130, 3, 2, "重叠池化（AlexNet）" if zh else "overlapping (AlexNet)")
    row(300, 2, 2, "无重叠池化（VGG）" if zh else "non-overlapping (VGG)")
    title = "重叠池化与无重叠池化" if zh else "Overlapping and non-overlapping pooling"
    return _document(width, height, title, body, language)


FIGURES: Dict[str, Callable[[], str]] = {
    "inception-modules": inception_modules_svg,
    "residual-blocks": residual_blocks_svg,
    "stacked-kernels": stacked_kernels_svg,
    "pooling-windows": pooling_windows_svg,
}
