"""What the SVG drawings (`keras_classics.diagram`, `keras_classics.figures`)
share about their words: the languages they are written in, the fonts
that show them, and how wide a line of text will be.

English is the default and the drawings' own language; Chinese (``"zh"``)
is the site's second language, with the terms of its glossary.
"""

from __future__ import annotations

import unicodedata

__all__ = ["LANGUAGES", "check_language", "font_family", "text_width"]

LANGUAGES = ("en", "zh")
_FONTS = {
    "en": "Helvetica, Arial, sans-serif",
    # A Chinese font first that the reader's system has: Debian's WenQuanYi
    # and Noto, macOS's PingFang, Windows's YaHei; Latin letters and digits
    # still come from the first font that has them.
    "zh": "Helvetica, Arial, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif",
}


def check_language(language: str) -> str:
    """``language`` if the drawings are written in it, else a clear error."""
    if language not in LANGUAGES:
        raise ValueError(f"the drawings are written in {' or '.join(map(repr, LANGUAGES))}, not {language!r}")
    return language


def font_family(language: str) -> str:
    return _FONTS[check_language(language)]


# Advance widths in ems of Helvetica's glyphs, by kind, a little generous so
# that an estimate errs on the wide side.
_NARROW = set(" ,.:;·'|!il()[]/-")
_WIDE_LATIN = set("mwMW@%")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """About how many pixels ``text`` takes at font ``size``: a Chinese
    character is one em, a Latin letter or digit about half of one."""
    ems = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            ems += 1.0
        elif char in _NARROW:
            ems += 0.3
        elif char in _WIDE_LATIN:
            ems += 0.85
        elif char.isupper():
            ems += 0.68
        else:
            ems += 0.57
    return ems * size * (1.07 if bold else 1.0)
