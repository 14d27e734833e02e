"""TeX to MathML at docs build time, so no math script is loaded in the browser.

`pymdownx.arithmatex` in generic mode leaves ``$...$`` as
``<span class="arithmatex">\\(...\\)</span>`` and ``$$...$$`` as
``<div class="arithmatex">\\[...\\]</div>``; `to_mathml` replaces each with
MathML from latex2mathml, which browsers draw natively.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

__all__ = ["to_mathml", "tex_to_mathml"]

_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)
# latex2mathml turns the digit-group comma of "34{,}944" into an operator
# with spacing around it; one <mn> reads as one number.
_GROUPED = re.compile(r"<mn>(\d[\d,]*)</mn><mrow><mo>&#x0002C;</mo></mrow><mn>(\d{3})</mn>")


def tex_to_mathml(tex: str, display: str = "inline") -> str:
    mathml = convert(tex.strip(), display=display)
    previous = None
    while previous != mathml:
        previous = mathml
        mathml = _GROUPED.sub(r"<mn>\1,\2</mn>", mathml)
    return mathml


def to_mathml(page_html: str) -> str:
    """Every arithmatex span and div of ``page_html`` as MathML."""

    def block(match: re.Match) -> str:
        tex = html.unescape(match.group(1))
        return f'<div class="arithmatex">{tex_to_mathml(tex, "block")}</div>'

    def inline(match: re.Match) -> str:
        tex = html.unescape(match.group(1))
        return f'<span class="arithmatex">{tex_to_mathml(tex, "inline")}</span>'

    return _INLINE.sub(inline, _BLOCK.sub(block, page_html))
