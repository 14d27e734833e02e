"""The words the visualization figures write themselves, in English and Chinese.

Colour-bar labels, axis labels, panel titles, default figure titles and
the sentences that stand in for a degenerate picture all come from
`WORDS`; a title that the caller passes in is the caller's and is drawn as
given. The Chinese terms follow the site's glossary (显著图, 积分梯度,
平滑梯度, 感受野, 填充, 特征图, 卷积核, 遮挡).

`say(key, language, **fields)` returns the entry in that language with
the fields filled in; `language_context(language)` is the matplotlib
setting under which a figure in that language is drawn (a CJK font for
Chinese, found by `keras_classics.lab.figures.cjk_font`).
"""

from __future__ import annotations

import contextlib
import functools
import re

LANGUAGES = ("en", "zh")

WORDS = {
    "input": ("input", "输入"),
    "filter": ("filter", "卷积核"),
    "filters title": (
        "first-layer filters (grey = 0, each filter scaled to its own largest |weight|)",
        "第一层卷积核（灰色 = 0，每个卷积核按自身最大的 |权重| 缩放）",
    ),
    "kernel norm": ("L2 norm of the kernel", "卷积核的 L2 范数"),
    "norms title": (
        "{layer}: per-filter weight norms ({count} filters)",
        "{layer}：各卷积核的权重范数（共 {count} 个）",
    ),
    "first of": (", first {shown} of {total}", "，{total} 个中的前 {shown} 个"),
    "feature maps title": ("{layer}: feature maps ({rows}x{cols}{more})", "{layer}：特征图（{rows}x{cols}{more}）"),
    "flat maps": (
        "every map of {layer} is {value} everywhere on this image",
        "在这幅图像上，{layer} 的每个特征图处处等于 {value}",
    ),
    "activation": ("activation", "激活值"),
    "layer channel": ("{layer}, channel {channel}", "{layer}，通道 {channel}"),
    "top patches title": (
        "{layer}, channel {channel}: top {count} patches ({size}x{size} receptive field)",
        "{layer}，通道 {channel}：最强的 {count} 个图块（感受野 {size}x{size}）",
    ),
    "dead channel": (
        "channel {channel} of {layer} is never positive on these images (largest activation {best}): "
        "a dead or silent channel has no top patches to show",
        "{layer} 的通道 {channel} 在这些图像上从不为正（最大激活值 {best}）：死通道或沉默的通道没有可展示的图块",
    ),
    "padding legend": (
        "blue: padding, where the receptive field leaves the image",
        "蓝色：填充，即感受野超出图像的部分",
    ),
    "unit field": ("input, unit's receptive field", "输入与该单元的感受野"),
    "unit at": ("{layer}[{channel}] at ({row}, {col})", "{layer}[{channel}]，位置 ({row}, {col})"),
    "zero projection": (
        "the projection is zero everywhere: the unit's value is {value}, and nothing reaches the pixels",
        "投影处处为零：该单元的值为 {value}，没有信号到达像素",
    ),
    "signal at pixel": ("signal at the pixel", "像素处的信号"),
    "signal per channel": ("signal per channel (grey = 0)", "各通道的信号（灰色 = 0）"),
    "projection title": ("projection to pixels", "投影到像素"),
    "map size": ("map ({rows}x{cols})", "图（{rows}x{cols}）"),
    "zero map": ("the map is zero everywhere", "该图处处为零"),
    "over pixels": ("over the pixels it covers", "叠加在它覆盖的像素上"),
    "probability": ("probability", "概率"),
    "score": ("score", "分数"),
    "drop in class": ("drop in class {quantity}", "类别{quantity}的下降"),
    "occlusion nothing": (
        "occlusion changes nothing: the class {quantity} stays {value} wherever the square is",
        "遮挡不改变任何结果：无论方块在哪里，类别{quantity}都保持 {value}",
    ),
    "saturated": (" (a saturated soft-max leaves no room to drop)", "（饱和的 softmax 没有下降的余地）"),
    "gradient max": ("|gradient|, max over channels", "|梯度|，各通道取最大"),
    "zero gradient": (
        "the gradient is zero at every pixel: the class score does not depend on the input here",
        "每个像素处的梯度都为零：这里的类别分数不依赖输入",
    ),
    "d score d pixel": ("|d score / d pixel|", "|d 分数 / d 像素|"),
    "value max": ("|value|, max over channels", "|值|，各通道取最大"),
    "channel sum": ("sum over channels (red +, blue -)", "各通道之和（红 +，蓝 -）"),
    "attribution": ("attribution", "归因"),
    "grey zero max": ("(grey = 0, |max| {extent})", "（灰色 = 0，|最大值| {extent}）"),
    "guided backprop": ("guided backprop", "引导反向传播"),
    "grad-cam at": ("Grad-CAM at {layer}, upsampled", "{layer} 上的 Grad-CAM，放大到输入尺寸"),
    "guided grad-cam": ("guided Grad-CAM", "引导 Grad-CAM"),
    "stretched": ("{layer}[{channel}] (stretched)", "{layer}[{channel}]（已拉伸）"),
    "each step": ("each step (transformed image)", "每一步（变换后的图像）"),
    "final image": ("final image", "最终图像"),
    "step": ("step", "步数"),
    "mean activation": ("mean activation", "平均激活值"),
    "never climbed": (
        "the objective is 0 at every step: the channel is zero on the starting image, so there is no gradient to climb",
        "目标在每一步都为 0：该通道在起始图像上为零，没有梯度可供上升",
    ),
    "trained weights": ("trained weights", "训练后的权重"),
    "random weights": ("random weights", "随机权重"),
    "map magnitude": ("magnitude of the map", "图的幅值"),
    "projections of": ("{layer}[{channel}]: deconvnet projections", "{layer}[{channel}]：反卷积网络投影"),
    "patches of": ("{layer}[{channel}]: top {count} patches", "{layer}[{channel}]：最强的 {count} 个图块"),
    "zf fig 2 title": (
        "top patches and their deconvnet projections (each projection on its own scale, red +, blue -)",
        "最强图块及其反卷积网络投影（每个投影按自身尺度显示，红 +，蓝 -）",
    ),
    "zero short": ("zero", "零"),
    "epoch": ("epoch {epoch}", "第 {epoch} 轮"),
    "strongest patch": ("strongest patch", "最强图块"),
    "its projection": ("its projection", "它的投影"),
    "evolution title": (
        "{layer}[{channel}] over training: the strongest activation at each epoch and its deconvnet projection",
        "{layer}[{channel}] 在训练中的变化：每轮最强的激活及其反卷积网络投影",
    ),
    "spearman": (
        "Spearman rank correlation {correlation} (near 1: the map ignores the training)",
        "斯皮尔曼秩相关 {correlation}（接近 1：该图与训练无关）",
    ),
}


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(map(repr, LANGUAGES))}, not {language!r}")
    return language


def say(key: str, language: str = "en", **fields) -> str:
    """`WORDS[key]` in ``language`` ("en" or "zh"), its fields filled in."""
    text = WORDS[key][LANGUAGES.index(check_language(language))]
    return text.format(**fields) if fields else text


def language_context(language: str = "en"):
    """The matplotlib settings to draw a figure in ``language`` under: a CJK
    font first (DejaVu Sans after it for the glyphs it lacks) for Chinese;
    nothing changed for English. Restored on leaving."""
    from matplotlib import rc_context

    if check_language(language) == "en":
        return contextlib.nullcontext()
    from keras_classics.lab.figures import cjk_font

    font = cjk_font()
    return rc_context({"font.family": [font, "DejaVu Sans"]}) if font else contextlib.nullcontext()


def in_language(function):
    """Run a figure function under `language_context` of its ``language``
    keyword, which it checks first."""

    @functools.wraps(function)
    def drawn(*args, language: str = "en", **kwargs):
        check_language(language)
        with language_context(language):
            return function(*args, language=language, **kwargs)

    return drawn


# Characters that take a full em: Han, CJK punctuation, full-width forms.
_WIDE = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")
# Punctuation that must not begin a line.
_NO_BREAK_BEFORE = set("，。、：；）！？」』】")


def _width(text: str) -> int:
    return sum(2 if _WIDE.match(c) else 1 for c in text)


def wrap(text: str, columns: int) -> str:
    """``text`` broken into lines of at most ``columns`` (a Latin letter
    counts one, a Han character two): English between words, Chinese
    between any two characters but not before closing punctuation.
    (matplotlib's own wrapping breaks only at spaces, which Chinese lacks.)"""
    columns = max(8, int(columns))
    lines = []
    for paragraph in text.split("\n"):
        tokens = re.findall(r"[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+|\s+", paragraph)
        line = ""
        for token in tokens:
            if (
                line.strip()
                and _width(line.rstrip() + token.rstrip()) > columns
                and token[0] not in _NO_BREAK_BEFORE
                and not token.isspace()
            ):
                lines.append(line.rstrip())
                line = ""
            if line or not token.isspace():
                line += token
        lines.append(line.rstrip())
    return "\n".join(lines)
