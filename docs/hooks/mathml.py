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


_LARGE_OPERATORS = ("&#x02211;", "&#x0220F;", "&#x0222B;")  # sum, product, integral


def _limits_under(mathml: str) -> str:
    """``<msubsup><mo>∑</mo>lower upper</msubsup>`` as ``<munderover>``:
    in display math the limits of a sum go under and over it, as TeX sets
    them; latex2mathml writes them as sub- and superscripts."""
    out, position = [], 0
    while True:
        starts = [mathml.find(f"<msubsup><mo>{op}</mo>", position) for op in _LARGE_OPERATORS[:2]]
        starts = [s for s in starts if s >= 0]
        if not starts:
            out.append(mathml[position:])
            return "".join(out)
        start = min(starts)
        depth, cursor = 0, start
        while True:
            opening = mathml.find("<msubsup>", cursor)
            closing = mathml.find("</msubsup>", cursor)
            if opening != -1 and opening < closing:
                depth += 1
                cursor = opening + len("<msubsup>")
                continue
            depth -= 1
            cursor = closing + len("</msubsup>")
            if depth == 0:
                break
        inner = mathml[start + len("<msubsup>") : cursor - len("</msubsup>")]
        out.append(mathml[position:start])
        out.append(f"<munderover>{inner}</munderover>")
        position = cursor


def tex_to_mathml(tex: str, display: str = "inline") -> str:
    mathml = convert(tex.strip(), display=display)
    if display == "block":
        mathml = _limits_under(mathml)
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
