"""Diagrams and teaching figures drawn into the built site, code pulled
from the package, the command line's help, builders' error messages.

The drawings are made in the page's language (`i18n_words.language`):
the English site's ``assets/diagrams/alexnet.svg`` has English words, the
Chinese site's ``zh/assets/diagrams/alexnet.svg`` Chinese ones. (Both
builds write into one site folder, so the two must not share a name.)"""

from __future__ import annotations

import logging
import os
import posixpath

import i18n_words as i18n
import source_code
from macro_format import num, si
from macro_state import DIAGRAM_DIR, FIGURE_DIR, STATE, entry

log = logging.getLogger("mkdocs.hooks.keras_classics")


def _drawn(uri: str) -> str:
    """Where a drawing of the current language goes in the built site."""
    language = i18n.language()
    return uri if language == i18n.DEFAULT else f"{language}/{uri}"


def diagram(model: str, page, config, files, caption: str = "") -> str:
    """Build ``model``, draw it into the built site and link it."""
    from mkdocs.structure.files import File

    uri = _drawn(f"{DIAGRAM_DIR}/{model}.svg")
    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, content=STATE.svg(model, i18n.language())))
    STATE.documented.setdefault(page.file.src_uri, []).append(model)
    here = posixpath.dirname(page.file.src_uri)
    link = posixpath.relpath(uri, here or ".")
    built = STATE.anatomy(model)
    text = caption or (
        f"`{model}` as built by the package: {num(built.params)} parameters, "
        f"{si(built.macs)} MACs. Blue: convolutions; green: pooling; orange: fully connected; "
        f"purple: normalisation; red: merges. Drawn with `keras-classics plot {model}`; "
        f"click it to open it at full size."
    )
    return (
        f'<figure class="kc-diagram" markdown>\n<div class="kc-diagram-scroll" markdown>\n\n'
        f"[![Diagram of {model}]({link})]({link})\n\n</div>\n<figcaption markdown>\n\n{text}\n\n</figcaption>\n</figure>\n"
    )


def _generated(uri: str, content: str, config, files) -> None:
    from mkdocs.structure.files import File

    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, content=content))


def _figure_html(page, uri: str, alt: str, caption: str, kind: str = "kc-diagram") -> str:
    here = posixpath.dirname(page.file.src_uri)
    link = posixpath.relpath(uri, here or ".")
    return (
        f'<figure class="{kind}" markdown>\n<div class="kc-diagram-scroll" markdown>\n\n'
        f"[![{alt}]({link})]({link})\n\n</div>\n<figcaption markdown>\n\n{caption}\n\n</figcaption>\n</figure>\n"
    )


def block_diagram(model: str, page, config, files, caption: str = "") -> str:
    """A residual network drawn block by block (`diagram.to_block_svg`)."""
    from keras_classics.diagram import to_block_svg

    uri = _drawn(f"{DIAGRAM_DIR}/{model}-blocks.svg")
    built = STATE.anatomy(model)
    _generated(uri, to_block_svg(built, title=model, language=i18n.language()), config, files)
    STATE.documented.setdefault(page.file.src_uri, []).append(model)
    text = caption or (
        f"`{model}` as built by the package, one box per residual block: {num(built.params)} parameters, "
        f"{si(built.macs)} MACs. Each shortcut is drawn beside the block it skips and enters the "
        f"addition (+) below it: dashed for identity shortcuts, solid red for 1×1 projections, dotted "
        f"for zero-padding ones. `keras-classics plot {model}` draws every layer."
    )
    return _figure_html(page, uri, f"Block diagram of {model}", text)


def figure(name: str, page, config, files, caption: str) -> str:
    """A teaching figure of `keras_classics.figures`, drawn at build time."""
    from keras_classics.figures import FIGURES

    if name not in FIGURES:
        raise ValueError(f"no teaching figure {name!r}; known: {sorted(FIGURES)}")
    uri = _drawn(f"{FIGURE_DIR}/{name}.svg")
    _generated(uri, FIGURES[name](language=i18n.language()), config, files)
    return _figure_html(page, uri, f"Teaching figure: {name.replace('-', ' ')}", caption, "kc-diagram kc-figure")


def source(path: str, *names: str, docstring: bool = True, comments: bool = True) -> str:
    """Fenced code blocks with the named definitions from ``path``."""
    blocks = []
    for name in names:
        snippet = source_code.extract(path, name, docstring=docstring, comments=comments)
        numbering = f' linenums="{snippet.first_line}"' if docstring else ""
        title = f"{path}, lines {snippet.first_line}\u2013{snippet.last_line}"
        blocks.append(f'```python title="{title}"{numbering}\n{snippet.text}\n```')
    return "\n\n".join(blocks) + "\n"


def cli_help(*command: str, width: int = 88) -> str:
    """``keras-classics <command> --help`` as the parser prints it."""
    import argparse

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        from keras_classics.cli import make_parser

        parser = make_parser()
        for word in command:
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            parser = sub.choices[word]
        text = parser.format_help()
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    return f"```text\n{text.rstrip()}\n```\n"


def package_module(name: str):
    """A module of the package, for its constants (``SCALED_TANH_AMPLITUDE``)."""
    import importlib

    if not (name == "keras_classics" or name.startswith("keras_classics.")):
        raise ValueError(f"module() only reads keras_classics modules, not {name!r}")
    return importlib.import_module(name)


def build_error(name: str, **kwargs) -> str:
    """The message with which the registered ``name`` refuses ``kwargs``;
    the build fails if it does not refuse them."""
    shape_arg = kwargs.get("input_shape")
    if isinstance(shape_arg, list):
        kwargs["input_shape"] = tuple(shape_arg)
    try:
        entry(name).build(**kwargs)
    except ValueError as error:
        return str(error)
    raise AssertionError(f"{name}({kwargs}) was expected to raise ValueError and did not")
