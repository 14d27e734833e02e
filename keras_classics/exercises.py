"""The site's exercises as a handout: ``keras-classics exercises NAME``.

The exercises are written once, in the site's pages (``docs/networks/*.md``,
``docs/concepts/*.md`` and their Chinese twins), as calls of the
``exercises(...)`` macro whose answers the package computes when the page
is rendered. This module renders a page with the site's own macros
(``docs/hooks/site_macros.py``; every macro that draws or links is left
out, since a handout has no site to link to) and keeps the items the
``exercises`` macro received (`docs/hooks/macro_tables.exercise_items`):
the same questions and answers as the built site, laid out as Markdown or
LaTeX.

The pages and their macros are in the repository, not in the installed
package: the command runs in a clone (``pip install -e ".[docs]"``), and
says so elsewhere.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Dict, List, Tuple

__all__ = ["PAGES", "ExercisesError", "exercise_items", "to_markdown", "to_latex", "page_for", "docs_folder"]

# NAME -> the page (under docs/) whose exercises it gives.
PAGES: Dict[str, str] = {
    "lenet": "networks/lenet.md",
    "alexnet": "networks/alexnet.md",
    "zfnet": "networks/zfnet.md",
    "vgg": "networks/vgg.md",
    "googlenet": "networks/googlenet.md",
    "resnet": "networks/resnet.md",
    "arithmetic": "concepts/arithmetic.md",
    "counting": "concepts/counting.md",
    "receptive-fields": "concepts/receptive-fields.md",
    "normalisation": "concepts/normalisation.md",
}
TITLES = {
    "en": {
        "lenet": "LeNet-5",
        "alexnet": "AlexNet",
        "zfnet": "ZFNet",
        "vgg": "VGG",
        "googlenet": "GoogLeNet",
        "resnet": "ResNet",
        "arithmetic": "Convolution arithmetic",
        "counting": "Counting parameters and operations",
        "receptive-fields": "Receptive fields",
        "normalisation": "Normalisation",
    },
    "zh": {
        "lenet": "LeNet-5",
        "alexnet": "AlexNet",
        "zfnet": "ZFNet",
        "vgg": "VGG",
        "googlenet": "GoogLeNet",
        "resnet": "ResNet",
        "arithmetic": "卷积的尺寸计算",
        "counting": "参数与运算量的计数",
        "receptive-fields": "感受野",
        "normalisation": "归一化",
    },
}
WORDS = {
    "en": {"exercises": "Exercises", "answer": "Answer", "after": ". "},
    "zh": {"exercises": "练习", "answer": "答案", "after": "："},
}
LANGUAGES = ("en", "zh")

# Macros a handout leaves out: they draw, link into the site or embed the
# explorer, and need the page's place in a built site.
_LEFT_OUT = (
    "networks_table",
    "variants_table",
    "diagram",
    "block_diagram",
    "figure",
    "results_table",
    "explorer",
    "sliding_window",
    "lab_result",
    "cli_help",
    "english_page",
)


class ExercisesError(ValueError):
    """A name without exercises, or no site sources to read them from."""


def page_for(name: str) -> Tuple[str, str]:
    """(key of `PAGES`, page) for a topic or a registered model's name
    (``resnet50`` gives ResNet's page)."""
    key = name.lower()
    if key in PAGES:
        return key, PAGES[key]
    from keras_classics import registry

    # The registry's names by family, read without importing Keras.
    family = next((f for f, names in registry.NAMES.items() if key in names), None)
    if family in PAGES:
        return family, PAGES[family]
    raise ExercisesError(
        f"no exercises for {name!r}; the pages with exercises are {', '.join(PAGES)} "
        "(a registered model's name gives its family's)"
    )


def docs_folder() -> str:
    """The site's sources: ``KERAS_CLASSICS_DOCS``, else ``docs/`` beside
    the package in a clone of the repository."""
    folder = os.environ.get("KERAS_CLASSICS_DOCS") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs"
    )
    if not os.path.isfile(os.path.join(folder, "hooks", "site_macros.py")):
        raise ExercisesError(
            f"the exercises are written in the site's pages, which are not here ({folder!r} has no "
            "hooks/site_macros.py): run the command in a clone of the repository (pip install -e '.[docs]'), "
            "or set KERAS_CLASSICS_DOCS to its docs folder"
        )
    return folder


def _hooks(folder: str):
    hooks = os.path.join(folder, "hooks")
    if hooks not in sys.path:
        sys.path.insert(0, hooks)
    try:
        import macro_tables
        import site_macros
    except ImportError as error:
        raise ExercisesError(f"the site's macros need the docs extra (pip install -e '.[docs]'): {error}") from None
    return site_macros, macro_tables


def exercise_items(name: str, language: str = "en") -> List[Tuple[str, str]]:
    """The (question, answer) pairs of ``name``'s page in ``language``,
    Markdown with ``$...$`` math, exactly as the site's page gets them."""
    if language not in LANGUAGES:
        raise ExercisesError(f"the exercises are written in {' and '.join(LANGUAGES)}, not {language!r}")
    _, page = page_for(name)
    folder = docs_folder()
    site_macros, macro_tables = _hooks(folder)
    path = os.path.join(folder, page if language == "en" else page[: -len(".md")] + ".zh.md")
    with open(path, encoding="utf-8") as handle:
        template = handle.read()
    captured: List[List[Tuple[str, str]]] = []
    names = site_macros._context(None, None, None)
    for left_out in _LEFT_OUT:
        names[left_out] = lambda *args, **kwargs: ""
    names["link"] = lambda target, text: text
    names["exercises"] = lambda *items: captured.append(macro_tables.exercise_items(*items)) or ""
    previous = site_macros.i18n.language()
    site_macros.i18n.set_language(language)
    try:
        site_macros.render_string(template, **names)
    finally:
        site_macros.i18n.set_language(previous)
    if len(captured) != 1:
        raise ExercisesError(f"{path} calls exercises(...) {len(captured)} times; a page sets one list")
    return captured[0]


# -- layouts -------------------------------------------------------------------
def to_markdown(name: str, language: str = "en", answers: bool = False) -> str:
    """A Markdown handout: the title, the numbered questions, and with
    ``answers`` each answer under its question."""
    key, _ = page_for(name)
    words = WORDS[language]
    separator = "：" if language == "zh" else ": "
    out = [f"# {words['exercises']}{separator}{TITLES[language][key]}", ""]
    for number, (question, answer) in enumerate(exercise_items(name, language), 1):
        out += [f"{number}. {question}", ""]
        if answers:
            out += [f"    **{words['answer']}**{words['after']}" + answer.replace("\n", "\n    "), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def to_latex(name: str, language: str = "en", answers: bool = False) -> str:
    """A LaTeX fragment (``\\section*`` and an ``enumerate``) for a handout;
    the comment at its top names the packages it needs."""
    key, _ = page_for(name)
    words = WORDS[language]
    separator = "：" if language == "zh" else ": "
    needs = "amsmath" + (", and a Chinese setup such as ctex (xelatex)" if language == "zh" else "")
    out = [
        f"% keras-classics exercises {key} --format latex{' --answers' if answers else ''} --lang {language}",
        f"% needs: {needs}",
        f"\\section*{{{_latex_text(words['exercises'] + separator + TITLES[language][key])}}}",
        "\\begin{enumerate}",
    ]
    for question, answer in exercise_items(name, language):
        out.append(f"  \\item {_latex(question)}")
        if answers:
            out.append(f"\n    \\textbf{{{words['answer']}}}{words['after'].rstrip()} {_latex(answer)}")
    out.append("\\end{enumerate}")
    return "\n".join(out) + "\n"


_MATH = re.compile(r"(\$\$.+?\$\$|\$.+?\$)", re.S)
_CODE = re.compile(r"`([^`]+)`")
_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\textasciitilde{}",
}
# Signs the pages write as Unicode outside math.
_SIGNS = {"×": r"$\times$", "−": "$-$", "→": r"$\to$", "≈": r"$\approx$", "·": r"$\cdot$", "≤": r"$\le$"}


def _latex_text(text: str) -> str:
    escaped = "".join(_SPECIALS.get(c, c) for c in text)
    return "".join(_SIGNS.get(c, c) for c in escaped)


def _latex_words(text: str) -> str:
    """Markdown outside math: code, bold and italics, escaped."""
    pieces = []
    for index, part in enumerate(_CODE.split(text)):
        if index % 2:
            pieces.append(r"\texttt{" + "".join(_SPECIALS.get(c, c) for c in part) + "}")
            continue
        part = _latex_text(part)
        part = re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", part)
        part = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\\emph{\1}", part)
        pieces.append(part)
    return "".join(pieces)


def _latex(text: str) -> str:
    """Markdown with ``$...$`` math to LaTeX: the math as it is, the rest
    escaped; a blank line stays a paragraph break."""
    return "".join(part if index % 2 else _latex_words(part) for index, part in enumerate(_MATH.split(text))).replace(
        "\n", "\n    "
    )


def render(name: str, form: str = "markdown", language: str = "en", answers: bool = False) -> str:
    if form == "markdown":
        return to_markdown(name, language, answers)
    if form == "latex":
        return to_latex(name, language, answers)
    raise ExercisesError(f"unknown format {form!r}; choose markdown or latex")
