"""Write the course notebooks, English and Chinese, from one source each.

Each notebook is one file in ``notebooks/source/`` in the "percent" format
that editors (VS Code, Spyder, jupytext) know: a line ``# %%`` starts a code
cell; ``# %% [markdown] en`` and ``# %% [markdown] zh`` start the English
and the Chinese text of a Markdown cell, each line after it a comment
(``# `` removed). The code is shared: both notebooks get the same code
cells, in the same order; each language gets its own text.

This script writes ``notebooks/en/NAME.ipynb`` and ``notebooks/zh/NAME.ipynb``
without outputs, each starting with a cell that installs the package in a
fresh kernel (Colab, a new Jupyter) and does nothing where it is already
importable. ``--check`` writes nothing and fails if a committed notebook
differs from what its source makes (tests/test_notebooks.py runs it).

    python scripts/notebooks.py           # write notebooks/en and notebooks/zh
    python scripts/notebooks.py --check   # compare only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "notebooks", "source")
LANGUAGES = ("en", "zh")

# The first code cell of every notebook. IPython runs a magic inside an
# `if`; the check keeps a kernel that already has the package (this
# project's tests, a checkout installed with `pip install -e .`) as it is.
INSTALL = (
    "# Installs keras-classics where it is missing (a fresh Colab or Jupyter kernel).\n"
    "import importlib.util\n"
    "\n"
    'if importlib.util.find_spec("keras_classics") is None:\n'
    "    %pip install --quiet keras-classics"
)
INSTALL_TEXT = {
    "en": "Run the cells in order. The first one installs the package if this kernel does not have it yet.",
    "zh": "请按顺序运行各单元。第一个单元在当前内核还没有本包时安装它。",
}

Cell = Tuple[str, object]  # ("code", text) or ("markdown", {"en": text, "zh": text})


class SourceError(ValueError):
    """A notebook source that this script cannot read."""


def parse(text: str, name: str) -> List[Cell]:
    """The cells of one source file."""
    cells: List[Cell] = []
    kind, language, lines = None, None, []

    def close():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "code":
            if body.strip():
                cells.append(("code", body))
            return
        if not body.strip():
            raise SourceError(f"{name}: an empty [markdown] {language} cell")
        if language == "en":
            cells.append(("markdown", {"en": body}))
            return
        if not cells or cells[-1][0] != "markdown" or "zh" in cells[-1][1]:
            raise SourceError(f"{name}: a [markdown] zh cell must follow its [markdown] en cell")
        cells[-1][1]["zh"] = body

    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            close()
            marker = line[4:].strip()
            if marker == "":
                kind, language = "code", None
            elif marker in ("[markdown] en", "[markdown] zh"):
                kind, language = "markdown", marker.split()[-1]
            else:
                raise SourceError(
                    f"{name}:{number}: unknown cell marker {line!r}; use '# %%' or '# %% [markdown] en|zh'"
                )
            lines = []
        elif kind == "markdown":
            if line and not line.startswith("#"):
                raise SourceError(f"{name}:{number}: a Markdown line must be a comment ('# ...'), got {line!r}")
            lines.append(line[2:] if line.startswith("# ") else line[1:])
        elif kind == "code":
            lines.append(line)
        elif line.strip() and not line.startswith("#"):
            raise SourceError(f"{name}:{number}: code before the first cell marker")
    close()
    for cell_kind, body in cells:
        if cell_kind == "markdown" and set(body) != set(LANGUAGES):
            raise SourceError(f"{name}: a Markdown cell has {sorted(body)}; each needs en and zh")
    if not cells or cells[0][0] != "markdown":
        raise SourceError(f"{name}: a notebook starts with its title, a [markdown] cell")
    return cells


def _lines(text: str) -> List[str]:
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + [parts[-1]]


def notebook(name: str, cells: List[Cell], language: str) -> dict:
    """The notebook (nbformat 4.5, as JSON data) of one language."""
    out = []

    def add(kind: str, text: str):
        cell = {"cell_type": kind, "id": f"{name}-{len(out):02d}", "metadata": {}, "source": _lines(text)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)

    title, rest = cells[0], cells[1:]
    add("markdown", title[1][language] + "\n\n" + INSTALL_TEXT[language])
    add("code", INSTALL)
    for kind, body in rest:
        add(kind, body if kind == "code" else body[language])
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def dumps(data: dict) -> str:
    # nbformat's own layout (indent 1, sorted keys), so that Jupyter saving
    # an unchanged notebook leaves the file as it is.
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def sources() -> Dict[str, str]:
    """{name: path} of every notebook source, in order."""
    names = sorted(f for f in os.listdir(SOURCE) if f.endswith(".py"))
    return {name[:-3]: os.path.join(SOURCE, name) for name in names}


def expected() -> Dict[str, str]:
    """{path relative to the root: the text it should hold}."""
    files = {}
    for name, path in sources().items():
        with open(path, encoding="utf-8") as handle:
            cells = parse(handle.read(), os.path.relpath(path, ROOT))
        for language in LANGUAGES:
            files[os.path.join("notebooks", language, name + ".ipynb")] = dumps(notebook(name, cells, language))
    return files


def differences() -> List[str]:
    """The notebooks that differ from their sources, or are missing, or
    have no source."""
    wanted = expected()
    found = []
    for language in LANGUAGES:
        folder = os.path.join(ROOT, "notebooks", language)
        if os.path.isdir(folder):
            found += [os.path.join("notebooks", language, f) for f in os.listdir(folder) if f.endswith(".ipynb")]
    problems = [
        f"{path}: no source notebooks/source/{os.path.basename(path)[:-6]}.py" for path in found if path not in wanted
    ]
    for path, text in wanted.items():
        full = os.path.join(ROOT, path)
        if not os.path.exists(full):
            problems.append(f"{path}: missing")
            continue
        with open(full, encoding="utf-8") as handle:
            if handle.read() != text:
                problems.append(f"{path}: differs from its source")
    return sorted(problems)


def write() -> List[str]:
    written = []
    for path, text in expected().items():
        full = os.path.join(ROOT, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; fail if a notebook differs from its source"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = differences()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python scripts/notebooks.py", file=sys.stderr)
        return 1 if problems else 0
    for path in write():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
