"""A matplotlib ``Figure`` that a notebook shows whatever the backend.

IPython shows a plain ``Figure`` as a picture only once matplotlib's inline
backend has been set up, which happens when pyplot is imported; the
package never imports pyplot, so its figures carry their own PNG.
Imported by `keras_classics.display.figure.new_figure` when a figure is
made, so that importing the package does not import matplotlib.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class ShownFigure(Figure):
    """A ``matplotlib.figure.Figure`` with ``_repr_png_``; otherwise the same."""

    def _repr_png_(self) -> bytes:
        out = io.BytesIO()
        # The format is named, so matplotlib draws with that format's own
        # canvas and leaves the backend as it is.
        self.savefig(out, format="png")
        return out.getvalue()
