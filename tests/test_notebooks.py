"""The course notebooks (notebooks/): written from their sources, stored
without outputs, the same code in English and Chinese, and every one runs.

Running them is the slow part: each English notebook is executed in a
fresh kernel with ``KERAS_CLASSICS_QUICK=1`` (a few training steps),
in a temporary folder, once per session (conftest.py ``executed_notebooks``,
which the site's build in tests/test_docs.py uses too); the executed copies
are kept in ``build/notebooks/{en,zh}`` for the site. The Chinese ones hold
the same code cells (checked below), so they are not run a second time:
their executed copy carries the English run's outputs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _script():
    spec = importlib.util.spec_from_file_location("notebooks_script", os.path.join(ROOT, "scripts", "notebooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _script()
NAMES = list(script.sources())


def _load(language, name):
    with open(os.path.join(ROOT, "notebooks", language, name + ".ipynb"), encoding="utf-8") as handle:
        return json.load(handle)


def _code(notebook):
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def test_the_committed_notebooks_are_what_their_sources_make():
    assert script.differences() == []


def test_every_family_has_a_notebook_and_the_lab_and_fine_tuning_too():
    wanted = ["getting_started", "lenet", "alexnet", "zfnet", "vgg", "googlenet", "resnet", "lab", "fine_tuning"]
    topics = [name.split("_", 1)[1] for name in NAMES]
    assert topics == wanted


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs_and_starting_with_the_install_cell(name):
    for language in script.LANGUAGES:
        notebook = _load(language, name)
        import nbformat

        nbformat.validate(nbformat.from_dict(notebook))
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
        first = "".join(code[0]["source"])
        assert "%pip install --quiet keras-classics" in first
        assert 'find_spec("keras_classics") is None' in first


@pytest.mark.parametrize("name", NAMES)
def test_english_and_chinese_have_the_same_code_and_chinese_text(name):
    english, chinese = _load("en", name), _load("zh", name)
    assert _code(english) == _code(chinese)
    text = [("".join(c["source"])) for c in chinese["cells"] if c["cell_type"] == "markdown"]
    assert len(text) == sum(c["cell_type"] == "markdown" for c in english["cells"])
    for cell in text:
        assert re.search(r"[\u4e00-\u9fff]", cell), cell
    # The site's rule for Chinese pages: no run of five English words
    # outside code (docs/hooks/english_runs.py), on the cells as Markdown renders them.
    markdown = pytest.importorskip("markdown")
    import sys

    sys.path.insert(0, os.path.join(ROOT, "docs", "hooks"))
    try:
        from english_runs import english_runs
    finally:
        sys.path.remove(os.path.join(ROOT, "docs", "hooks"))
    runs = [run for cell in text for run in english_runs(markdown.markdown(cell))]
    assert runs == []


def test_the_parser_refuses_a_source_it_cannot_read():
    with pytest.raises(script.SourceError, match="must follow its \\[markdown\\] en cell"):
        script.parse("# %% [markdown] zh\n# 标题\n", "x.py")
    with pytest.raises(script.SourceError, match="each needs en and zh"):
        script.parse("# %% [markdown] en\n# Title\n# %%\nx = 1\n", "x.py")
    with pytest.raises(script.SourceError, match="unknown cell marker"):
        script.parse("# %% [md]\n", "x.py")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_runs(name, executed_notebooks):
    # conftest.py runs every notebook once per session (scripts/notebooks.py
    # `execute`); the site built in the same session shows these copies.
    result = executed_notebooks[name]
    print(f"{name}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU")
    assert result["errors"] == []
    for language in script.LANGUAGES:
        import nbformat

        path = os.path.join(ROOT, "build", "notebooks", language, name + ".ipynb")
        executed = nbformat.read(path, as_version=4)
        code = [c for c in executed.cells if c.cell_type == "code"]
        # Every code cell ran, in order, and the notebook shows something.
        assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
        assert any(c.outputs for c in code)
    english = _load_executed("en", name)
    chinese = _load_executed("zh", name)
    # The Chinese copy: its own text, the English run's outputs.
    assert [c["outputs"] for c in english["cells"] if c["cell_type"] == "code"] == [
        c["outputs"] for c in chinese["cells"] if c["cell_type"] == "code"
    ]
    assert [c["source"] for c in chinese["cells"] if c["cell_type"] == "markdown"] == [
        c["source"] for c in _load("zh", name)["cells"] if c["cell_type"] == "markdown"
    ]


def _load_executed(language, name):
    with open(os.path.join(ROOT, "build", "notebooks", language, name + ".ipynb"), encoding="utf-8") as handle:
        return json.load(handle)
