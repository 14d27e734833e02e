"""Draw the figures of the shapes data card (docs/datasets.md).

* ``shapes-grid.png``: ten training images of each class, one class a row.
* ``shapes-layers.png``: the same scenes drawn layer by layer, from the
  posed object alone to the finished image.
* ``shapes-sizes.png``: the same scenes at 32x32 and 64x64.

The figures with words have a Chinese twin (``*.zh.png``). Everything is
drawn from ``shapes.render`` with seed 0: nothing is trained, and the same
command redraws the same pictures.

Usage::

    python scripts/shapes_figures.py
"""

from __future__ import annotations

import os
import sys

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
sys.path.insert(0, ROOT)

from keras_classics.datasets import shapes  # noqa: E402
from keras_classics.display.figure import new_figure  # noqa: E402

OUT = os.path.join(ROOT, "docs", "figures", "datasets")
PER_CLASS = 10

NAMES_ZH = ("圆盘", "圆环", "三角形", "正方形", "加号", "五角星", "月牙", "半圆", "L 形", "箭头")
STAGES = (
    (
        shapes.Options(background=False, colour=False, clutter=False, occluder=False, noise=False),
        "posed object",
        "摆放的物体",
    ),
    (shapes.Options(clutter=False, occluder=False, noise=False), "+ colour, texture", "+ 颜色、纹理"),
    (shapes.Options(occluder=False, noise=False), "+ clutter", "+ 杂物"),
    (shapes.Options(noise=False), "+ occluder", "+ 遮挡条"),
    (shapes.Options(), "+ jitter, noise", "+ 亮度抖动、噪声"),
)


def _save(figure, name: str) -> None:
    from keras_classics.training.safe_io import atomic_write

    path = os.path.join(OUT, name)
    atomic_write(path, lambda temporary: figure.savefig(temporary, format="png", dpi=100))
    print(f"wrote {os.path.relpath(path, ROOT)}")


def _context(language: str):
    from matplotlib import rc_context

    from keras_classics.lab.figures import cjk_font

    return rc_context({"font.family": [cjk_font(), "DejaVu Sans"]} if language == "zh" else {})


def grid(language: str) -> None:
    x, y = shapes.render(400, seed=0)
    names = shapes.CLASS_NAMES if language == "en" else NAMES_ZH
    with _context(language):
        figure = new_figure(PER_CLASS * 0.8 + 1.3, 10 * 0.8 + 0.2)
        axes = figure.subplots(10, PER_CLASS, gridspec_kw={"wspace": 0.05, "hspace": 0.05})
        figure.subplots_adjust(left=0.15, right=0.99, top=0.99, bottom=0.01)
        for label in range(10):
            chosen = np.flatnonzero(y == label)[:PER_CLASS]
            for column, index in enumerate(chosen):
                ax = axes[label, column]
                ax.imshow(x[index], interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
            axes[label, 0].set_ylabel(names[label], rotation=0, ha="right", va="center", fontsize=11)
        _save(figure, "shapes-grid.png" if language == "en" else "shapes-grid.zh.png")


def layers(language: str) -> None:
    scenes = 6
    with _context(language):
        figure = new_figure(len(STAGES) * 1.5 + 0.2, scenes * 1.5 + 0.5)
        axes = figure.subplots(scenes, len(STAGES), gridspec_kw={"wspace": 0.05, "hspace": 0.05})
        figure.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.01)
        for column, (options, english, chinese) in enumerate(STAGES):
            x, _ = shapes.render(scenes, seed=0, options=options)
            for row in range(scenes):
                ax = axes[row, column]
                ax.imshow(x[row], interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
            axes[0, column].set_title(english if language == "en" else chinese, fontsize=10)
        _save(figure, "shapes-layers.png" if language == "en" else "shapes-layers.zh.png")


def sizes() -> None:
    scenes = 8
    x32, _ = shapes.render(scenes, seed=0, image_size=32)
    x64, _ = shapes.render(scenes, seed=0, image_size=64)
    figure = new_figure(scenes * 1.2, 2 * 1.2 + 0.1)
    axes = figure.subplots(2, scenes, gridspec_kw={"wspace": 0.05, "hspace": 0.05})
    figure.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    for column in range(scenes):
        for row, images in enumerate((x32, x64)):
            axes[row, column].imshow(images[column], interpolation="nearest")
            axes[row, column].set_xticks([])
            axes[row, column].set_yticks([])
    _save(figure, "shapes-sizes.png")


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    for language in ("en", "zh"):
        grid(language)
        layers(language)
    sizes()
    return 0


if __name__ == "__main__":
    sys.exit(main())
