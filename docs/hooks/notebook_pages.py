"""The course notebooks as pages of the site (mkdocs-jupyter renders them).

The notebooks live in ``notebooks/{en,zh}`` (stored without outputs), not
in docs/. `notebook_files` adds them to each language's build as pages
``notebooks/NAME/``: the executed copies in ``build/notebooks/{en,zh}``
(``python scripts/notebooks.py --execute``; ``make docs`` and the tests
run it first) when they are there, so the site shows the outputs, else the
stored ones, so a plain ``mkdocs build --strict`` always works. mkdocs.yml
lists them in the nav as ``notebooks/NAME.ipynb``.

mkdocs-static-i18n builds each language from docs/ and would treat files
from elsewhere as theme files; so these are added after its ``on_files``
(build_hooks.py gives the priority), with the language metadata it sets on
its own files (the alternates feed the header's language switcher).

`strip_remote_scripts` removes the scripts of nbconvert's template that
load MathJax and mermaid from a CDN: the site fetches nothing from the
internet, the notebooks' text has no TeX and no mermaid diagrams. It also
removes a ``<style>`` element whose text is a Python list of CSS strings
(mkdocs-jupyter prints its Pygments rules that way; browsers cannot use it,
and the page has the same rules as CSS in its own ``<style>``).
"""

from __future__ import annotations

import os
import re

from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STORED = os.path.join(ROOT, "notebooks")
EXECUTED = os.path.join(ROOT, "build", "notebooks")
DEFAULT = "en"


class NotebookPage(File):
    """A notebook that is a page (mkdocs-jupyter renders it)."""

    def is_documentation_page(self) -> bool:
        return True


def folder(language: str) -> str:
    """Where this language's notebooks are read from: the executed copies
    when every stored notebook has one, else the stored notebooks."""
    stored = os.path.join(STORED, language)
    executed = os.path.join(EXECUTED, language)
    names = sorted(f for f in os.listdir(stored) if f.endswith(".ipynb"))
    if os.path.isdir(executed) and all(os.path.isfile(os.path.join(executed, n)) for n in names):
        return executed
    return stored


def _file(name: str, language: str, config) -> NotebookPage:
    prefix = "" if language == DEFAULT else language + "/"
    page = NotebookPage(
        f"notebooks/{name}",
        folder(language),
        config["site_dir"],
        config["use_directory_urls"],
        dest_uri=f"{prefix}notebooks/{name[: -len('.ipynb')]}/index.html",
    )
    page.src_uri = f"notebooks/{name}"
    page.abs_src_path = os.path.join(folder(language), name)
    return page


def notebook_files(files, config, language: str, languages=("en", "zh")):
    """``files`` with this language's notebooks added as pages."""
    for name in sorted(f for f in os.listdir(os.path.join(STORED, language)) if f.endswith(".ipynb")):
        pages = {lang: _file(name, lang, config) for lang in languages}
        page = pages[language]
        page.alternates = pages
        page.locale = language
        page.locale_alternate_of = language
        page.localization = None if language == DEFAULT else language
        page.norm_src_uri = page.src_uri
        files.append(page)
    return files


_REMOTE = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->"
    r"|<style>\s*\['(?:(?!</style>).)*'\]\s*</style>"
    r"|<script type=\"module\">(?:(?!</script>).)*?cdnjs\.cloudflare\.com(?:(?!</script>).)*</script>",
    re.S,
)


def strip_remote_scripts(html: str) -> str:
    """A notebook page's HTML without the scripts that load from a CDN."""
    return _REMOTE.sub("", html)


def is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")
