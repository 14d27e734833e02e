"""A griffe extension for the API reference: doctests become code blocks.

The package's docstrings end with an ``Example:`` section holding doctests
(``>>>`` lines and their output). Google style knows ``Examples:`` but not
``Example:``, so mkdocstrings would render those lines as Markdown (nested
quotes, and ``[110, 55, 26]`` read as a link). This extension wraps every
doctest block, in memory, in a ``pycon`` code fence; the source files are
not touched.
"""

from __future__ import annotations

import re

import griffe

_PROMPT = re.compile(r"^(\s*)>>> ")


def fence_doctests(text: str) -> str:
    """Wrap each run of doctest lines (prompt, continuation, output up to a
    blank line) in a fenced ``pycon`` block at the prompt's indentation."""
    lines = text.split("\n")
    out = []
    k = 0
    while k < len(lines):
        match = _PROMPT.match(lines[k])
        if not match:
            out.append(lines[k])
            k += 1
            continue
        indent = match.group(1)
        block = []
        while k < len(lines) and lines[k].strip() and lines[k].startswith(indent):
            block.append(lines[k][len(indent) :])
            k += 1
        out.append(f"{indent}```pycon")
        out.extend(f"{indent}{line}" for line in block)
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_object(self, *, obj, **kwargs) -> None:
        docstring = obj.docstring
        if docstring is None or ">>>" not in docstring.value or "Examples:" in docstring.value:
            return
        docstring.value = fence_doctests(docstring.value)
