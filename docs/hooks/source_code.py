"""Pull definitions out of the package's real source for the docs.

`extract(path, name)` finds a top-level function, class or assignment by
name with `ast` (nothing is imported or run) and returns its text with the
comment lines right above it, which in this package cite the paper. A name
that is no longer there fails the docs build instead of showing stale code.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["Snippet", "extract"]


@dataclass(frozen=True)
class Snippet:
    path: str  # relative to the repository root
    name: str
    first_line: int  # 1-based, inclusive
    last_line: int
    text: str


@functools.lru_cache(maxsize=None)
def _parse(path: str):
    text = (ROOT / path).read_text(encoding="utf-8")
    return text.splitlines(), ast.parse(text, filename=path)


def _defines(node: ast.stmt, name: str) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


def _docstring_lines(node: ast.stmt) -> Optional[range]:
    """Line numbers (1-based) of a function's or class's docstring."""
    body = getattr(node, "body", None)
    if (
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return range(body[0].lineno, body[0].end_lineno + 1)
    return None


def extract(path: str, name: str, *, docstring: bool = True, comments: bool = True) -> Snippet:
    """The source of top-level ``name`` in ``path`` (repository-relative).

    ``docstring=False`` drops a function's or class's docstring, leaving a
    ``...`` line in its place so the reader sees that something was cut.
    ``comments`` keeps the run of ``#`` lines directly above the definition.
    """
    lines, tree = _parse(path)
    matches = [node for node in tree.body if _defines(node, name)]
    if not matches:
        raise LookupError(f"{path} defines no top-level {name!r}")
    node = matches[-1]
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    if comments:
        while first > 1 and lines[first - 2].lstrip().startswith("#"):
            first -= 1
    last = node.end_lineno
    skip = _docstring_lines(node) if not docstring else None
    out: List[str] = []
    for number in range(first, last + 1):
        if skip is not None and number in skip:
            if number == skip.start:
                indent = lines[number - 1][: len(lines[number - 1]) - len(lines[number - 1].lstrip())]
                out.append(f"{indent}...  # docstring: see the API reference")
            continue
        out.append(lines[number - 1])
    return Snippet(path, name, first, last, "\n".join(out))
