"""The lab's figures: one PNG per curve, in English and (where a CJK font
is installed) in Chinese, from a summary's numbers.

Each arm is its mean over seeds, with the range of its seeds as a band
(the range the table gives in parentheses, said in the legend's title);
arms differ in colour, line style and marker, and every other arm has open
markers, so that an arm lying on another stays visible. Errors are drawn
as percentages, as in the tables; a threshold that a check uses is drawn
as a line; epochs are whole numbers. Every word comes from
`keras_classics.lab.words`.

Made with matplotlib's object API (`matplotlib.figure.Figure`): no
pyplot, and nothing changes the caller's matplotlib state.
"""

from __future__ import annotations

import functools
import os
import textwrap
from typing import List, Optional

import numpy as np

from keras_classics.lab.spec import FRACTIONS
from keras_classics.lab.words import words_for

LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P")
LOGARITHMIC = ("init_activation_std", "init_grad_std", "conv1_grad_norm")
# Fonts with Chinese glyphs, in order of preference, as matplotlib names them.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)


@functools.lru_cache(maxsize=None)
def cjk_font() -> Optional[str]:
    """The name of an installed font that draws Chinese, or None.

    matplotlib knows the fonts of its cache, made when it first ran; a font
    installed since (as the site's Chinese pages need one) is found among
    the system's font files and made known to it (`FontManager.addfont`,
    which adds a font and changes no setting)."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found:
        return found
    for path in font_manager.findSystemFonts():
        try:
            name = font_manager.get_font(path).family_name
        except (OSError, RuntimeError, ValueError):
            continue
        if name in CJK_FONTS:
            font_manager.fontManager.addfont(path)
            return name
    return None


def figure_languages(experiment: Optional[str] = None) -> List[str]:
    """English always; Chinese too for the lab's own experiments (whose
    words have Chinese) where a CJK font is installed (else the Chinese
    pages show the English figure and say so)."""
    from keras_classics.lab.translations import DECLARED

    return ["en", "zh"] if cjk_font() and (experiment is None or experiment in DECLARED) else ["en"]


def figure_file(quantity: str, language: str = "en") -> str:
    return f"{quantity}.png" if language == "en" else f"{quantity}.{language}.png"


def _series(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def curve_figure(summary: dict, measure: dict, language: str = "en", steps_per_epoch: Optional[int] = None):
    """The figure of one measure's curves (a `matplotlib.figure.Figure`)."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    from keras_classics.display.figure import new_figure

    words = words_for(language)
    quantity = measure["quantity"]
    figure = new_figure(6.4, 4.2, dpi=100, layout="constrained")
    axes = figure.add_subplot()
    seeds = set()
    for index, (name, arm) in enumerate(summary["arms"].items()):
        points = summary["curves"][name].get(quantity)
        if not points:
            continue
        seeds.add(len(arm["seeds"]))
        xs = points["x"]
        style = dict(
            linestyle=LINE_STYLES[index % len(LINE_STYLES)],
            marker=MARKERS[index % len(MARKERS)],
            markersize=5,
            linewidth=1.6,
            markerfacecolor="none" if index % 2 else None,
            zorder=3 + index,
        )
        label = words.arm_label(summary["experiment"], name, arm["label"])
        (line,) = axes.plot(xs, _series(points["mean"]), label=label, **style)
        axes.fill_between(
            xs,
            _series(points["min"]),
            _series(points["max"]),
            color=line.get_color(),
            alpha=0.15,
            linewidth=0,
            zorder=1,
        )
    threshold = summary.get("error_threshold")
    if threshold is not None and quantity == "train_error":
        shown = f"{100 * threshold:g}%"
        axes.axhline(threshold, color="0.35", linestyle=(0, (1, 2)), linewidth=1.2, zorder=2)
        axes.annotate(
            words.text("threshold", value=shown),
            xy=(1.0, threshold),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 3),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=8,
            color="0.25",
        )
    if measure["kind"] == "epoch":
        axes.set_xlabel(
            words.text("epoch_axis_steps", steps=steps_per_epoch) if steps_per_epoch else words.text("epoch_axis")
        )
    else:
        axes.set_xlabel(words.text("layer_axis"))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("\n".join(textwrap.wrap(words.quantity_label(quantity), 40)), fontsize=9)
    if quantity in FRACTIONS:
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    if quantity in LOGARITHMIC:
        axes.set_yscale("log")
    axes.set_title(words.title(summary["experiment"], summary["title"]), fontsize=10)
    axes.grid(True, alpha=0.3)
    n = max(seeds) if seeds else 0
    legend = axes.legend(fontsize=8, title=words.text("band", n=n), title_fontsize=7, loc="best")
    legend.set_zorder(10)
    return figure


def draw_figures(summary: dict, folder: str, settings: Optional[dict] = None, languages=None) -> List[str]:
    """One PNG per curve measure (and its Chinese twin where a CJK font is
    installed), written atomically into ``folder``; returns the English
    files' names."""
    from matplotlib import rc_context

    from keras_classics.training.safe_io import atomic_write

    steps = (settings or {}).get("steps_per_epoch")
    written = []
    for language in languages or figure_languages(summary["experiment"]):
        context = {"font.family": [cjk_font(), "DejaVu Sans"]} if language == "zh" else {}
        for measure in summary["measures"]:
            if measure["kind"] not in ("epoch", "layer"):
                continue
            if not any((curves or {}).get(measure["quantity"]) for curves in summary["curves"].values()):
                continue  # nothing measured: no empty figure
            name = figure_file(measure["quantity"], language)
            with rc_context(context):
                figure = curve_figure(summary, measure, language, steps)
                atomic_write(
                    os.path.join(folder, name),
                    lambda temporary, figure=figure: figure.savefig(temporary, format="png"),
                    suffix=".png",
                )
            if language == "en":
                written.append(name)
    return written
