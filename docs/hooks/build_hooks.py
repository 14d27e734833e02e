"""MkDocs hooks of the keras_classics site (``hooks:`` in mkdocs.yml).

* ``on_files`` (after mkdocs-static-i18n's): the course notebooks become
  pages ``notebooks/NAME/`` of each language, executed copies when there
  are (`notebook_pages`; mkdocs-jupyter renders them);
* ``on_page_markdown``: each page is rendered as a Jinja template with the
  macros of `site_macros` (numbers, tables, diagrams and code from the
  package and spec/);
* ``on_page_content``: the math that `pymdownx.arithmatex` marked becomes
  MathML (`mathml`), so the site loads no math script; table cells that
  hold sentences and long inline code are marked for a phone's width
  (`layout`);
* ``on_post_page``: the per-page language links that mkdocs-static-i18n
  puts in the page head are removed (`i18n_words.drop_head_alternates`);
  the language switcher in the header keeps them; a Chinese page searches
  the Chinese index (`search_languages.chinese_base`);
* ``on_post_build``: a line saying which models were built, and how long
  the build took; after every language is built, the search index that
  mkdocs-static-i18n merged is split into one per language
  (`search_languages.split_index`).

Generated files (the SVG diagrams) go into the built site only; nothing is
written into the source tree.
"""

from __future__ import annotations

import os
import sys
import time

sys.dont_write_bytecode = True  # keep docs/hooks free of __pycache__
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import i18n_words  # noqa: E402
import layout  # noqa: E402
import mathml  # noqa: E402
import notebook_pages  # noqa: E402
import search_languages  # noqa: E402
import site_macros  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

_STARTED = [0.0]


def on_pre_build(config):
    _STARTED[0] = time.perf_counter()
    # mkdocs-static-i18n builds the Chinese site right after the English
    # one, in the same process: keep the models built for the first.
    if config.theme.get("language", "en") == "en":
        site_macros.reset()


# After mkdocs-static-i18n's on_files (priority -100), which rebuilds the
# file list of the language being built from docs/ alone.
@event_priority(-150)
def on_files(files, config):
    return notebook_pages.notebook_files(files, config, config.theme.get("language", "en"))


def on_page_markdown(markdown, page, config, files):
    if notebook_pages.is_notebook(page):
        # Not in the search index: with the notebooks' code and outputs in
        # it, the Chinese index failed to load in the browser (lunr's
        # "Invalid query" on every search).
        page.meta["search"] = {"exclude": True}
        return markdown  # the notebook's JSON; mkdocs-jupyter renders the page
    try:
        return site_macros.render(markdown, page, config, files)
    except Exception as error:
        from mkdocs.exceptions import PluginError

        raise PluginError(f"{page.file.src_uri}: {type(error).__name__}: {error}") from error


def on_page_content(html, page, config, files):
    if notebook_pages.is_notebook(page):
        return notebook_pages.strip_remote_scripts(html)
    return layout.break_inline_code(layout.mark_prose_cells(mathml.to_mathml(html)))


def on_post_page(output, page, config):
    output = i18n_words.relative_links(i18n_words.drop_head_alternates(output), page.url)
    if i18n_words.page_language(page, config) != i18n_words.DEFAULT:
        output = search_languages.chinese_base(output)
    return output


# After mkdocs-static-i18n's own on_post_build (priority -100), which builds
# the other languages and writes the merged search index. (Inside the
# Chinese build this runs too, before the merge, and splits that build's
# own index; the outer call then splits the merged one.)
@event_priority(-200)
def on_post_build(config):
    search_languages.split_index(config.site_dir, "zh")
    state = site_macros.STATE
    built = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in state.build_seconds.items())
    site_macros.log.info(
        f"keras_classics: site built in {time.perf_counter() - _STARTED[0]:.1f}s; models built: {built or 'none'}"
    )
