"""``keras-classics exercises NAME``: the site's exercises as a handout,
the same questions as the site's page, in Markdown or LaTeX, with answers
on request, in English or Chinese."""

from __future__ import annotations

import io
import re
import sys
from contextlib import redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("jinja2")

from keras_classics import exercises  # noqa: E402
from keras_classics.cli import main  # noqa: E402

HOOKS = Path(__file__).resolve().parent.parent / "docs" / "hooks"


def _cli(*args) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["exercises", *args]) == 0
    return out.getvalue()


def _site_questions(page: str, language: str):
    """The questions as the site's page shows them: the page's exercise
    block rendered by the site's macros (the `exercises` macro of a built
    page, localized), its "**N.** question" lines read back."""
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))
    import site_macros

    source = page if language == "en" else page.replace(".md", ".zh.md")
    text = (HOOKS.parent / source).read_text(encoding="utf-8")
    start = text.index("{{ exercises(")
    end = text.index(") }}", start) + len(") }}")
    sets = [line for line in text[:start].splitlines() if line.startswith("{% set ")]
    block = "\n".join(sets) + "\n" + text[start:end]
    fake = SimpleNamespace(file=SimpleNamespace(src_uri=source, locale=language), url=source)
    site_macros.i18n.set_language(language)
    try:
        rendered = site_macros.render_string(block, **site_macros.context(fake, None, None))
    finally:
        site_macros.i18n.set_language("en")
    return re.findall(r"^\*\*\d+\.\*\* (.+)$", rendered, re.M), rendered


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("name", ["alexnet", "lenet"])
def test_the_handout_has_the_site_s_questions(name, language):
    questions, page = _site_questions(exercises.PAGES[name], language)
    assert 3 <= len(questions) <= 5
    handout = _cli(name, "--format", "markdown", "--lang", language)
    assert re.findall(r"^\d+\. (.+)$", handout, re.M) == questions
    assert ("练习" if language == "zh" else "Exercises") in handout.splitlines()[0]
    # Without --answers no answer is printed; the site folds them away.
    assert "**Answer**" not in handout and "**答案**" not in handout
    assert 'success "Answer"' in page or 'success "答案"' in page


def test_answers_are_added_under_their_questions():
    plain = _cli("alexnet")
    with_answers = _cli("alexnet", "--answers")
    assert with_answers.count("**Answer**. ") == len(re.findall(r"^\d+\. ", plain, re.M)) == 5
    # Exercise 2: conv2 (5x5, 96 -> 256) on one GPU and in the paper's two
    # groups: (5*5*96 + 1)*256 and (5*5*48 + 1)*256 parameters.
    assert f"{(5 * 5 * 96 + 1) * 256:,}".replace(",", "{,}") in with_answers
    assert f"{(5 * 5 * 48 + 1) * 256:,}".replace(",", "{,}") in with_answers
    assert "614{,}656" not in plain


def test_a_model_name_gives_its_family_s_page_and_latex_is_escaped():
    latex = _cli("resnet50", "--format", "latex", "--answers")
    assert latex.count(r"\item ") == len(exercises.exercise_items("resnet"))
    assert r"\section*{Exercises: ResNet}" in latex and latex.rstrip().endswith(r"\end{enumerate}")
    assert r"\textbf{Answer}." in latex
    # Underscores in code become \_ inside \texttt; math keeps its own.
    assert r"\texttt{conv3\_block1\_0\_conv}" in latex
    assert "$2^{16} = 65{,}536$" in latex
    zh = _cli("lenet", "--format", "latex", "--lang", "zh", "--answers")
    assert r"\section*{练习：LeNet-5}" in zh and r"\textbf{答案}：" in zh


def test_a_name_without_exercises_is_refused_with_the_names(capsys):
    assert main(["exercises", "inception"]) == 2
    error = capsys.readouterr().err
    assert "no exercises for 'inception'" in error and "lenet, alexnet" in error


def test_every_registered_model_has_its_family_s_page():
    from keras_classics import registry

    for family, names in registry.NAMES.items():
        for name in names:
            if family in exercises.PAGES:
                assert exercises.page_for(name) == (family, exercises.PAGES[family])
