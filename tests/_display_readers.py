"""Readers of the display layer's outputs that share nothing with its
writers: HTML through html.parser, PNG by its IHDR header, PDF by its page
objects, the notebook display through IPython's own formatter."""

from __future__ import annotations

import html.parser
import re
import struct


class _Cells(html.parser.HTMLParser):
    """The text of every cell, by section (thead, tbody, tfoot), and every
    tag seen."""

    def __init__(self):
        super().__init__()
        self.sections = {"thead": [], "tbody": [], "tfoot": []}
        self.tags = []
        self.images = []
        self._section = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in self.sections:
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._section:
            self.sections[self._section].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def parse_html(text: str) -> _Cells:
    parser = _Cells()
    parser.feed(text)
    parser.close()
    return parser


def png_size(data: bytes):
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def pdf_pages(data: bytes):
    """Each page's MediaBox (width and height in points)."""
    assert data.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page\b(?!s)[^>]*?/MediaBox\s*\[\s*([\d.\s]+)\]", data, re.S)
    return [tuple(float(v) for v in box.split()[2:4]) for box in pages]


def display_bundle(obj):
    """What Jupyter receives for ``obj``: IPython's own formatter."""
    from IPython.core.interactiveshell import InteractiveShell

    data, _ = InteractiveShell.instance().display_formatter.format(obj)
    return data
