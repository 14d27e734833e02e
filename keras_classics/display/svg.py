"""An SVG document that shows itself in a notebook and saves as SVG, PNG or
PDF.

PNG and PDF come from cairosvg (a dependency of the package), which draws
the SVG with the cairo library; the SVG itself needs nothing.

>>> image = SvgImage('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"/>')
>>> image.size
(40, 30)
>>> image.to_png()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

from keras_classics.display.files import check_destination, checked_format, write_atomically

__all__ = ["SvgImage", "SVG_FORMATS"]

SVG_FORMATS = ("svg", "png", "pdf")
_LENGTH = r'\s{name}="([0-9.]+)(?:px)?"'


def _cairosvg():
    try:
        import cairosvg
    except ImportError:
        raise ImportError(
            "PNG and PDF files are drawn by cairosvg, which is not installed: pip install cairosvg (or save as .svg)"
        ) from None
    except OSError as error:
        # cairocffi found no cairo library on the system.
        raise ImportError(
            f"PNG and PDF files need the cairo library ({error}); on Debian or Ubuntu: "
            "apt-get install libcairo2 (or save as .svg)"
        ) from None
    return cairosvg


class SvgImage:
    """An SVG document: ``_repr_svg_`` for Jupyter, ``save(path)`` by
    extension, ``to_png()`` and ``to_pdf()`` as bytes; ``svg`` is its text.

    Args:
        svg: the document's text.
        title: what it shows, for messages and alt text (optional).
    """

    def __init__(self, svg: str, title: Optional[str] = None):
        self.svg = svg
        self.title = title

    @property
    def size(self) -> Tuple[int, int]:
        """Width and height in pixels, as the root element declares them."""
        root = self.svg[self.svg.index("<svg") : self.svg.index(">", self.svg.index("<svg"))]
        found = []
        for name in ("width", "height"):
            match = re.search(_LENGTH.format(name=name), root)
            if match is None:
                raise ValueError(f"the SVG's root element declares no {name} in pixels")
            found.append(round(float(match.group(1))))
        return found[0], found[1]

    def to_png(self, scale: float = 1.0) -> bytes:
        """The drawing as PNG, ``scale`` pixels per SVG pixel (2 for a
        sharp image on a high-density screen or in print)."""
        return _cairosvg().svg2png(bytestring=self.svg.encode("utf-8"), scale=scale)

    def to_pdf(self) -> bytes:
        """The drawing as a one-page PDF, its text and lines kept as vectors."""
        return _cairosvg().svg2pdf(bytestring=self.svg.encode("utf-8"))

    def save(self, path, scale: float = 1.0) -> str:
        """Write ``path`` as SVG, PNG (``scale`` pixels per SVG pixel) or
        PDF, by its extension; returns ``path``. Any other extension is
        refused before anything is drawn or written."""
        form = checked_format(path, SVG_FORMATS, "a drawing")
        check_destination(path)
        content = {"svg": lambda: self.svg, "png": lambda: self.to_png(scale), "pdf": self.to_pdf}[form]()
        write_atomically(path, content)
        return str(path)

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        width, height = self.size
        name = f" {self.title}" if self.title else ""
        return f"<{type(self).__name__}{name}: {width}x{height} px>"
