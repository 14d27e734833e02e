"""English prose left on a Chinese page: runs of five or more English
words outside code, math and quoted paper titles.

A Chinese page may name things in English (Keras, `model.fit`, ResNet-50,
a paper's title in italics), but a sentence in English is a sentence the
reader cannot read in their language. `english_runs` finds them in a built
page's article, so the tests can list each one with its page.

What a run is: the text of one block (a paragraph, list item, table cell,
heading, caption) outside ``<code>``, ``<pre>``, ``<math>`` and ``<em>``
(on the Chinese pages italics are kept for the titles of papers; emphasis
is bold) and outside a title in Chinese title marks (《...》), cut at
every Chinese character or Chinese punctuation mark; a piece with five or
more English words is a run. A word is a run of Latin
letters that is not part of a number or a dotted name (``v1.5``,
``keras.applications`` count once or not at all).

The output areas of a notebook page (mkdocs-jupyter's
``<div class="jp-OutputArea ...">``, one per code cell) are what the code
printed, like code: skipped; so is the hidden copy of each code cell's
source that its copy button copies (``<div class="clipboard-copy-txt">``).
The notebook's text cells are prose and count.
"""

from __future__ import annotations

import html.parser
import re
from typing import List

__all__ = ["english_runs", "article_blocks", "MIN_WORDS"]

MIN_WORDS = 5

# Elements whose text is not prose to be translated: code, math, and on a
# Chinese page the italic titles of papers.
_SKIP = {"code", "pre", "math", "script", "style", "em", "svg", "kbd", "samp"}
# Elements that end a block of text: a run never spans two cells or items.
_BLOCKS = {
    "p",
    "li",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dt",
    "dd",
    "figcaption",
    "caption",
    "div",
    "blockquote",
    "summary",
    "details",
    "table",
    "tr",
    "ul",
    "ol",
    "br",
    "hr",
    "section",
    "article",
    "figure",
}
# An element with one of these classes, and all inside it, is program
# output or code (a notebook page's): skipped.
_CODE_CLASSES = {"jp-OutputArea", "clipboard-copy-txt"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source", "track"}
# Chinese characters, Chinese punctuation and full-width forms cut a run.
_CHINESE = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")
_TITLE = re.compile(r"《[^》]*》")
_WORD = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z'\u2019-]*(?![\w])")


class _Article(html.parser.HTMLParser):
    """The text blocks of the page's ``<article>`` (the whole document if it
    has none), without the skipped elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: List[str] = []
        self._current: List[str] = []
        self._skip = 0
        self._article = 0
        self._seen_article = False
        # Inside a notebook's output area: its tag and how deep in it.
        self._output_tag = None
        self._output_depth = 0

    def _end_block(self):
        text = " ".join("".join(self._current).split())
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag, attrs):
        if self._output_tag is None and tag not in _VOID:
            classes = (dict(attrs).get("class") or "").split()
            if _CODE_CLASSES.intersection(classes):
                self._output_tag, self._output_depth = tag, 0
        if tag == self._output_tag:
            self._output_depth += 1
        if tag == "article":
            self._article += 1
            self._seen_article = True
        if tag in _VOID:
            if tag in _BLOCKS:
                self._end_block()
            return
        if tag in _SKIP:
            self._skip += 1
            self._current.append(" ")
        elif tag in _BLOCKS:
            self._end_block()

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if tag == self._output_tag:
            self._output_depth -= 1
            if self._output_depth == 0:
                self._output_tag = None
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
            self._current.append(" ")
        elif tag in _BLOCKS:
            self._end_block()
        if tag == "article":
            self._article -= 1

    def handle_data(self, data):
        if self._skip or self._output_tag is not None:
            return
        if self._seen_article and not self._article:
            return
        self._current.append(data)

    def close(self):
        super().close()
        self._end_block()


def article_blocks(page_html: str) -> List[str]:
    """The prose blocks of a built page's article."""
    parser = _Article()
    if "<article" in page_html:
        start = page_html.find("<article")
        end = page_html.find("</article>", start)
        page_html = page_html[start : end + len("</article>")] if end >= 0 else page_html[start:]
    parser.feed(page_html)
    parser.close()
    return parser.blocks


def english_runs(page_html: str, min_words: int = MIN_WORDS) -> List[str]:
    """Each run of ``min_words`` or more English words in the prose of a
    built page (see the module's docstring), as the text of the run."""
    runs = []
    for block in article_blocks(page_html):
        for piece in _CHINESE.split(_TITLE.sub("。", block)):
            words = _WORD.findall(piece)
            if len(words) >= min_words:
                runs.append(" ".join(piece.split()))
    return runs
