"""The one display layer: every table, drawing and figure of the package,
rich in a notebook and saved in the format a file's extension names.

Three kinds of output, one module each, and what is built on them:

* `keras_classics.display.table`: `Table`, tabular results as the terminal
  table (``str()``), Markdown, CSV, LaTeX (booktabs), HTML (what Jupyter
  shows), JSON and a pandas DataFrame.
* `keras_classics.display.svg`: `SvgImage`, an SVG document shown by
  Jupyter and saved as SVG, PNG or PDF (PNG and PDF through cairosvg).
* `keras_classics.display.figure`: `new_figure` and `FigureImage`,
  matplotlib figures made with the object API (never pyplot, never a
  backend choice), shown as PNG and saved as PNG, SVG or PDF.
* `keras_classics.display.model_summary`: `summary`, a model's layer table.
* `keras_classics.display.model_diagram`: `diagram`, a model's drawing,
  block by block for a deep network.
* `keras_classics.display.results`: what a notebook shows of a training
  run (``TrainResult``).

Importing this package loads neither Keras nor matplotlib.
"""

from __future__ import annotations

import importlib

__all__ = [
    "Column",
    "Table",
    "SvgImage",
    "FigureImage",
    "new_figure",
    "Summary",
    "summary",
    "Diagram",
    "diagram",
    "UnsupportedFormatError",
]

_HOMES = {
    "Column": "keras_classics.display.table",
    "Table": "keras_classics.display.table",
    "SvgImage": "keras_classics.display.svg",
    "FigureImage": "keras_classics.display.figure",
    "new_figure": "keras_classics.display.figure",
    "Summary": "keras_classics.display.model_summary",
    "summary": "keras_classics.display.model_summary",
    "Diagram": "keras_classics.display.model_diagram",
    "diagram": "keras_classics.display.model_diagram",
    "UnsupportedFormatError": "keras_classics.display.files",
}


def __getattr__(name: str):
    # PEP 562: each name from its module on first use, so that importing
    # the package stays cheap.
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'keras_classics.display' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_HOMES))
