"""The macros that docs pages call, so that every number on the site comes
from the package.

Each Markdown page is a Jinja template (``{{ ... }}``) rendered at build
time with the names that `context` gives it:

* ``m("vgg16")``: the facts of ``spec/vgg16.yaml`` (`spec_facts.ModelFacts`),
  e.g. ``{{ m("vgg16").layer("fc1").params | num }}``;
* ``arith``: `keras_classics.arithmetic`, for the course's worked claims;
* ``networks_table()``, ``variants_table(family)``, ``spec_table(model)``,
  ``deviations(model)``, ``walk(model, layer, ...)``,
  ``params_formula(model, layer)``: tables and worked arithmetic generated
  from the spec files; ``table(header, rows)`` for a page's own tables;
* ``recipe(family)``: a network's training recipe, from the training code;
* ``module(name)``: a keras_classics module, for its constants;
  ``build_error(name, **kwargs)``: the message a builder refuses them with;
* ``diagram(model)``: the model is built once per docs build, its anatomy
  drawn by `keras_classics.diagram` into the built site (never the source
  tree), and checked against its spec;
* ``source(path, name, ...)``: a definition pulled from the real source;
* ``cli_help(command)``: the command line's own ``--help``;
* ``explorer()``, ``sliding_window(...)``: the conv-arithmetic explorer and
  one convolution step by step (`macro_explorer`), their JavaScript inline;
* ``lab_result(experiment)``: the lab's measured line for a claim it
  tests (`i18n_lab`).

Filters: ``num`` (34,944), ``si`` (1.14G), ``pct`` (74.3%), ``shape``
(55×55×96), ``tex`` (a number inside math).

The macros live in modules by subject: `macro_format` (the filters),
`macro_state` (what one build computes once, the registry), `macro_tables`,
`macro_walk` (worked arithmetic), `macro_figures` (diagrams, code, command
line). This module renders a page with them.
"""

from __future__ import annotations

import logging
import numbers
import os

import i18n_lab
import i18n_words as i18n
import jinja2
import jinja2.compiler
import spec_facts
from macro_explorer import explorer, sliding_window
from macro_figures import block_diagram, build_error, cli_help, diagram, figure, package_module, source
from macro_format import FILTERS, mib
from macro_state import FAMILY_PAGES, STATE, builder_call, entry, registered, reset
from macro_tables import (
    _link,
    deviations,
    exercises,
    networks_table,
    recipe,
    result_value,
    results_table,
    spec_table,
    table,
    variants_table,
    years,
)
from macro_walk import _tex_float, params_formula, walk
from spec_facts import model_facts

log = logging.getLogger("mkdocs.hooks.keras_classics")

# Names other hooks and the tests reach through this module.
__all__ = [
    "FAMILY_PAGES",
    "STATE",
    "PrintedValueError",
    "i18n",
    "printable",
    "registered",
    "render",
    "render_string",
    "reset",
    "spec_facts",
    "spec_table",
    "walk",
]


class PrintedValueError(TypeError):
    """A page printed a value that is not text or a number (a Python list,
    dict, ``None`` or an object's repr)."""


def printable(value):
    """``value`` if a page may print it: text and numbers only.

    A list or a dict printed into prose reads as Python, not as what the
    page means (``[[0, 0], [0, 4], ...]`` where LeNet's C3 has 60
    connections); the build fails instead, naming the value."""
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, bool) and getattr(value, "ndim", 0) == 0:
        return value  # a NumPy scalar
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = f"list ({type(value).__name__})"
    elif isinstance(value, dict):
        kind = f"dict ({type(value).__name__})"
    else:
        kind = type(value).__name__
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    raise PrintedValueError(
        f"a page prints a {kind}, {shown}: print a number or text instead "
        "(a count with | length, items with | join(', '), a value with one of the filters)"
    )


class _PrintableCodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, with ``a ~ b`` joined through `printable`
    as ``{{ a }}`` is (the environment's ``finalize``)."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.join_printable((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class _PagesEnvironment(jinja2.Environment):
    code_generator_class = _PrintableCodeGenerator

    @staticmethod
    def join_printable(values) -> str:
        return "".join(str(printable(value)) for value in values)


def _environment() -> jinja2.Environment:
    env = _PagesEnvironment(
        undefined=jinja2.StrictUndefined,
        finalize=printable,
        autoescape=False,
        keep_trailing_newline=True,
        # "{#" starts Markdown attribute lists ({#id}); keep it literal.
        comment_start_string="{#%",
        comment_end_string="%#}",
    )
    env.filters.update(FILTERS)
    env.filters["texf"] = _tex_float
    return env


_ENV = _environment()


# The macros whose Markdown holds words as well as numbers: on a Chinese
# page their output is rewritten by i18n_words (the numbers stay as made).
LOCALIZED_MACROS = (
    "networks_table",
    "variants_table",
    "spec_table",
    "deviations",
    "walk",
    "diagram",
    "block_diagram",
    "figure",
    "recipe",
    "results_table",
    "exercises",
)


def context(page, config, files) -> dict:
    names = _context(page, config, files)
    for name in LOCALIZED_MACROS:
        names[name] = i18n.localized(names[name])
    return names


def _context(page, config, files) -> dict:
    from keras_classics import arithmetic

    return {
        "m": model_facts,
        "arith": arithmetic,
        "anatomy": lambda name: STATE.anatomy(name),
        "entry": entry,
        "builder_call": builder_call,
        "networks_table": lambda: networks_table(page),
        "variants_table": lambda family: variants_table(family, page),
        "spec_table": spec_table,
        "deviations": deviations,
        "walk": walk,
        "diagram": lambda model, caption="": diagram(model, page, config, files, caption),
        "block_diagram": lambda model, caption="": block_diagram(model, page, config, files, caption),
        "figure": lambda name, caption: figure(name, page, config, files, caption),
        "source": source,
        "cli_help": cli_help,
        "table": table,
        "params_formula": params_formula,
        "module": package_module,
        "build_error": build_error,
        "recipe": recipe,
        "link": lambda target, text: _link(page, target, text),
        "family_pages": FAMILY_PAGES,
        "results_table": lambda family=None: results_table(family, page),
        "result_value": result_value,
        "years": years,
        "exercises": lambda *items: exercises(*items, page=page),
        "explorer": lambda: explorer(page),
        "sliding_window": lambda **settings: sliding_window(page, **settings),
        "mib": mib,
        "english_page": english_page,
        "lab_result": lambda name: i18n_lab.lab_result(name, page),
        "data_file": data_file,
    }


def data_file(path: str):
    """A JSON file under docs/ (a script's measurements), for a page to quote."""
    import json

    with open(os.path.join(_DOCS, path), encoding="utf-8") as source:
        return json.load(source)


def english_page(src_uri: str) -> str:
    """A generated English page's body below its title, shown as it is on
    its Chinese twin (the program that writes it writes English)."""
    with open(os.path.join(_DOCS, src_uri), encoding="utf-8") as source:
        text = source.read()
    lines = text.splitlines()
    while lines and not lines[0].startswith("# "):
        lines.pop(0)
    return "\n".join(lines[1:]) + "\n"


_DOCS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Pages written by a program (benchmarks/bench.py), not templates.
GENERATED_PAGES = frozenset({"performance.md", "performance.zh.md"})


def render(markdown: str, page, config, files) -> str:
    """``markdown`` with every ``{{ ... }}`` replaced."""
    i18n.set_language(i18n.page_language(page, config))
    if page.file.src_uri in GENERATED_PAGES or ("{{" not in markdown and "{%" not in markdown):
        return markdown
    template = _ENV.from_string(markdown)
    return template.render(**context(page, config, files))


def render_string(text: str, **names) -> str:
    """``text`` rendered as a page is, with ``names`` instead of a page's
    macros (for the tests)."""
    return _ENV.from_string(text).render(**names)
