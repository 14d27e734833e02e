"""Matplotlib figures that leave the user's matplotlib alone.

`new_figure` makes a ``matplotlib.figure.Figure`` with the object API: no
pyplot, no backend chosen, nothing added to pyplot's list of figures. Such
a figure draws itself into a file with ``savefig`` (matplotlib picks the
canvas for the format), so it works the same in a script, a server and a
Jupyter kernel, whatever backend the user set. `FigureImage` wraps one so
that a notebook shows it (``_repr_png_``) and ``save(path)`` picks the
format by extension.

>>> figure = new_figure(3, 2)
>>> axes = figure.subplots()
>>> _ = axes.plot([1, 2, 3], [1, 4, 9])
>>> FigureImage(figure).to_png()[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

import io
from typing import Optional

from keras_classics.display.files import check_destination, checked_format, write_atomically

__all__ = ["new_figure", "FigureImage", "FIGURE_FORMATS"]

FIGURE_FORMATS = ("png", "svg", "pdf")


def new_figure(width: float, height: float, **options):
    """A ``matplotlib.figure.Figure`` of ``width`` x ``height`` inches,
    made without pyplot (``options`` go to ``Figure``: ``layout``, ...),
    that a notebook shows as a picture (`ShownFigure`)."""
    from keras_classics.display.shown_figure import ShownFigure

    return ShownFigure(figsize=(width, height), **options)


class FigureImage:
    """A matplotlib ``Figure`` that shows itself in a notebook and saves by
    extension; ``figure`` is the Figure itself, to change or draw on.

    Args:
        figure: a ``matplotlib.figure.Figure`` (from `new_figure`).
        dpi: pixels per inch of the PNG (shown and saved).
        title: what it shows, for messages (optional).
    """

    def __init__(self, figure, dpi: int = 100, title: Optional[str] = None):
        self.figure = figure
        self.dpi = dpi
        self.title = title

    def _draw(self, form: str) -> bytes:
        out = io.BytesIO()
        # The format is named, so matplotlib uses that format's own canvas
        # for this one call and leaves the backend as it is.
        self.figure.savefig(out, format=form, dpi=self.dpi)
        return out.getvalue()

    def to_png(self) -> bytes:
        """The figure as PNG bytes."""
        return self._draw("png")

    def save(self, path) -> str:
        """Write ``path`` as PNG, SVG or PDF by its extension; returns
        ``path``. Any other extension is refused before anything is drawn."""
        form = checked_format(path, FIGURE_FORMATS, "a figure")
        check_destination(path)
        write_atomically(path, self._draw(form))
        return str(path)

    def _repr_png_(self) -> bytes:
        return self.to_png()

    def __repr__(self) -> str:
        width, height = self.figure.get_size_inches()
        name = f" {self.title}" if self.title else ""
        return f"<FigureImage{name} {width:g}x{height:g} in>"
