"""What a built page's HTML needs to read on a phone (390 px), besides
the stylesheet (docs/stylesheets/extra.css):

* `mark_prose_cells`: a table cell that holds a sentence (a deviation's
  reason, a variant's description) gets the class ``kc-prose``, which the
  stylesheet gives a minimum width on a narrow screen: the table then
  scrolls in its box instead of squeezing the sentence to a few
  characters a line;
* `break_inline_code`: a long name in inline code
  (``keras_classics.arithmetic.bottleneck_comparison``) may break after a
  dot, an underscore, a slash, a comma or an equals sign (``<wbr>``), never
  inside a word, so that it wraps instead of widening the page.

Code blocks (``<pre>``) keep their lines and scroll; so do the layer
tables' layer names, which the stylesheet keeps on one line.
"""

from __future__ import annotations

import re

__all__ = ["mark_prose_cells", "break_inline_code", "PROSE_CHARACTERS"]

# A cell at least this wide is a sentence, counting a Chinese character
# as two Latin ones (it takes about twice the width).
PROSE_CHARACTERS = 20
_WIDE = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")

_CELL = re.compile(r"<td(?P<attributes>(?:\s[^>]*)?)>(?P<content>.*?)</td>", re.S)
_TAG = re.compile(r"<[^>]+>")
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S)
# Inline code without attributes (the layer tables' names carry a title
# and are left alone), long enough to matter on a phone: a model's name
# (alexnet_torchvision) fits a line and stays whole.
_INLINE_CODE = re.compile(r"<code>([^<]{24,})</code>")
_BREAK_AFTER = re.compile(r"([._/,=])(?=[^\s])")


def mark_prose_cells(html: str) -> str:
    """``html`` with every long-text table cell classed ``kc-prose``."""

    def mark(match: re.Match) -> str:
        attributes, content = match.group("attributes"), match.group("content")
        text = " ".join(_TAG.sub("", content).split())
        if len(text) + len(_WIDE.findall(text)) < PROSE_CHARACTERS or "class=" in attributes:
            return match.group(0)
        return f'<td class="kc-prose"{attributes}>{content}</td>'

    return _CELL.sub(mark, html)


def break_inline_code(html: str) -> str:
    """``html`` with break opportunities in long inline code, outside ``<pre>``."""
    parts = _PRE.split(html)
    for index in range(0, len(parts), 2):  # the odd parts are <pre> blocks
        parts[index] = _INLINE_CODE.sub(
            lambda match: "<code>" + _BREAK_AFTER.sub(r"\1<wbr>", match.group(1)) + "</code>", parts[index]
        )
    return "".join(parts)
