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
    python scripts/notebooks.py --execute # run them into build/notebooks/{en,zh}

``--execute`` (`execute`) runs each English notebook in a fresh kernel with
``KERAS_CLASSICS_QUICK=1`` (a few training steps) and writes the executed
copy to ``build/notebooks/en``; the Chinese copy in ``build/notebooks/zh``
is the Chinese notebook with the English run's outputs, cell by cell (the
code cells are the same, tests/test_notebooks.py checks it), so the code
runs once. The site (docs/hooks/notebook_pages.py) shows these copies, and
the tests run this once per session (conftest.py ``executed_notebooks``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
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


BUILD = os.path.join(ROOT, "build", "notebooks")


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def execute(out: str = BUILD, names=None, timeout: int = 300) -> Dict[str, dict]:
    """Run the English notebooks (all, or ``names``) and write the executed
    copies, English and Chinese, under ``out/en`` and ``out/zh``.

    Returns ``{name: {"wall": s, "cpu": s, "errors": [text, ...]}}``: the
    wall time, the kernel's CPU time (a child process, counted once it has
    exited) and the errors of cells that failed (empty when it ran through;
    a failed notebook is written too, with its error shown)."""
    import nbclient
    import nbformat

    results = {}
    saved = {key: os.environ.get(key) for key in ("KERAS_CLASSICS_QUICK", "PYTHONPATH", "TF_CPP_MIN_LOG_LEVEL")}
    # The kernel inherits these: quick runs, this checkout's package, no TensorFlow banner.
    os.environ["KERAS_CLASSICS_QUICK"] = "1"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, saved["PYTHONPATH"]]))
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        for name in names or list(sources()):
            english = nbformat.read(os.path.join(ROOT, "notebooks", "en", name + ".ipynb"), as_version=4)
            with tempfile.TemporaryDirectory() as folder:
                client = nbclient.NotebookClient(
                    english, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": folder}}
                )
                wall, cpu = time.perf_counter(), _children_cpu()
                errors = []
                try:
                    client.execute()
                except Exception as error:  # the failing cell's output holds the traceback
                    errors.append(f"{type(error).__name__}: {str(error)[-2000:]}")
                wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
            errors += [
                f"{o.ename}: {o.evalue}"
                for c in english.cells
                if c.cell_type == "code"
                for o in c.outputs
                if o.output_type == "error"
            ]
            chinese = nbformat.read(os.path.join(ROOT, "notebooks", "zh", name + ".ipynb"), as_version=4)
            code = [c for c in english.cells if c.cell_type == "code"]
            twins = [c for c in chinese.cells if c.cell_type == "code"]
            if [c.source for c in code] != [c.source for c in twins]:
                raise SourceError(f"{name}: the Chinese notebook's code cells differ from the English ones")
            for ran, twin in zip(code, twins):
                twin.outputs, twin.execution_count = ran.outputs, ran.execution_count
            for language, data in (("en", english), ("zh", chinese)):
                os.makedirs(os.path.join(out, language), exist_ok=True)
                nbformat.write(data, os.path.join(out, language, name + ".ipynb"))
            results[name] = {"wall": wall, "cpu": cpu, "errors": errors}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; fail if a notebook differs from its source"
    )
    parser.add_argument(
        "--execute", action="store_true", help="run the notebooks into build/notebooks/en and build/notebooks/zh"
    )
    args = parser.parse_args(argv)
    if args.execute:
        results = execute()
        for name, result in results.items():
            state = "; ".join(result["errors"]) or "ran"
            print(f"{name}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU: {state}")
        return 1 if any(result["errors"] for result in results.values()) else 0
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
