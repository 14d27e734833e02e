"""The explorer on the site: the macros that put it on a page, and the links
from the network pages to it.

* ``explorer()``: the explorer of `keras_classics.explorer`, with every
  preset's layers read from the spec files when the page is built
  (`keras_classics.explorer.chains.site_presets`), so that they cannot
  drift from the package;
* ``sliding_window(size=, kernel=, stride=, padding=, dilation=)``: one
  convolution drawn step by step;
* `explorer_link`: the relative link to the explorer with a preset loaded.

The page carries its JavaScript and CSS inline, as one module made by
`keras_classics.explorer.module_source`: a page opened from disk (file://)
may not import modules, and nothing is fetched at run time.
"""

from __future__ import annotations

import html
import json
import posixpath
import re

import i18n_words as i18n

EXPLORER_PAGE = "explorer.md"
# The preset each network page's exercises open: the network's whole chain.
FAMILY_PRESETS = {
    "lenet": "lenet5",
    "alexnet": "alexnet",
    "zfnet": "zfnet",
    "vgg": "vgg16",
    "googlenet": "googlenet",
    "resnet": "resnet50",
}


def _assets(page) -> str:
    """The explorer's CSS and JavaScript, once per page."""
    from keras_classics.explorer import module_source, stylesheet

    if getattr(page, "_kc_explorer_assets", False):
        return ""
    page._kc_explorer_assets = True
    source = module_source("page.js")
    for marker in ("</script", "<!--"):
        if marker in source.lower():
            raise ValueError(f"the explorer's JavaScript holds {marker!r}, which would end its inline <script>")
    # Blank lines would end Markdown's raw HTML block.
    source = "\n".join(line for line in source.splitlines() if line.strip())
    css = "\n".join(line for line in stylesheet().splitlines() if line.strip())
    return f'<style>\n{css}\n</style>\n<script type="module">\n{source}\n</script>\n'


def _element(kind: str, config: dict) -> str:
    data = html.escape(json.dumps(config, ensure_ascii=False, separators=(",", ":")), quote=True)
    return f'<div class="{kind}" data-kc-config="{data}"></div>\n'


def explorer(page) -> str:
    """The explorer, starting from the first preset (or the address's)."""
    from keras_classics.explorer.chains import site_presets

    language = i18n.language()
    config = {"lang": language, "presets": site_presets(language)}
    return "\n" + _element("kc-explorer", config) + "\n" + _assets(page) + "\n"


def sliding_window(page, size: int = 7, kernel: int = 3, stride: int = 2, padding="same", dilation: int = 1) -> str:
    """One convolution on a ``size`` x ``size`` input, step by step. The
    settings are checked by `keras_classics.arithmetic` when the page is
    built, so that a page never opens on a refused setting."""
    from keras_classics import arithmetic

    arithmetic.conv_output_size(size, kernel, stride, padding, dilation)
    config = {
        "lang": i18n.language(),
        "size": size,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }
    return "\n" + _element("kc-slide", config) + "\n" + _assets(page) + "\n"


def _url_folder(src_uri: str) -> str:
    """The folder a page is built into (directory URLs): ``networks/lenet.md``
    and its twin ``networks/lenet.zh.md`` -> ``networks/lenet``."""
    base = re.sub(r"(\.zh)?\.md$", "", src_uri)
    if base == "index" or base.endswith("/index"):
        base = posixpath.dirname(base)
    return base or "."


def explorer_link(page, preset: str) -> str:
    """The address of the explorer with ``preset`` loaded, relative to the
    built ``page`` in its own language (so that it works under a sub-path),
    to the page's ``index.html`` (so that it works from disk too).

    It is meant for raw HTML (``<a href=...>``): mkdocs would check a
    Markdown link's ``#preset=...`` as an anchor of the page, which it is not.
    """
    from keras_classics.explorer.chains import PRESETS

    if preset not in {p.id for p in PRESETS}:
        raise ValueError(f"no explorer preset {preset!r}")
    target = posixpath.relpath(_url_folder(EXPLORER_PAGE), _url_folder(page.file.src_uri))
    return f"{target}/index.html#preset={preset}"
