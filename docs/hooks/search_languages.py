"""One search index per language, so that a search on a Chinese page finds
Chinese pages and a search on an English page English ones.

mkdocs-static-i18n builds the Chinese site under ``zh/`` right after the
English one and gathers both languages' entries into one index,
``search/search_index.json``, that every page searches: an English page
then ranks above its Chinese twin for a Chinese query that matches an
English word. After the build (`split_index`), the English entries stay
in ``search/search_index.json`` and the Chinese ones move to
``zh/search/search_index.json``, their locations relative to ``zh/``; each
Chinese page's ``__config`` names ``zh/`` as its base (`chinese_base`),
which is the only place Material's scripts read the index from and resolve
its results against.
"""

from __future__ import annotations

import json
import os
import re

__all__ = ["split_index", "chinese_base", "INDEX"]

INDEX = os.path.join("search", "search_index.json")
_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def split_index(site_dir: str, language: str) -> dict:
    """Split the merged index under ``site_dir`` into the English one and
    ``<language>/search/search_index.json``; how many entries each got."""
    path = os.path.join(site_dir, INDEX)
    with open(path, encoding="utf-8") as handle:
        index = json.load(handle)
    prefix = f"{language}/"
    english = [d for d in index["docs"] if not d["location"].startswith(prefix)]
    chinese = [
        dict(d, location=d["location"][len(prefix) :]) for d in index["docs"] if d["location"].startswith(prefix)
    ]
    if not chinese:
        raise RuntimeError(f"{path} holds no {language!r} entries: is the i18n plugin still merging the indexes?")
    for where, docs in ((path, english), (os.path.join(site_dir, language, INDEX), chinese)):
        os.makedirs(os.path.dirname(where), exist_ok=True)
        with open(where, "w", encoding="utf-8") as handle:
            json.dump(dict(index, docs=docs), handle, ensure_ascii=False, separators=(",", ":"))
    return {"en": len(english), language: len(chinese)}


def chinese_base(html: str) -> str:
    """A Chinese page's HTML with its ``__config`` base one level down, at
    the Chinese site's root (``../..`` -> ``..``, ``..`` -> ``.``)."""

    def rebase(match: re.Match) -> str:
        config = json.loads(match.group(2))
        base = config.get("base", ".")
        if base == "..":
            config["base"] = "."
        elif base.endswith("/.."):
            config["base"] = base[: -len("/..")]
        else:
            raise ValueError(f"a Chinese page's base {base!r} is not below the site's root")
        return match.group(1) + json.dumps(config, ensure_ascii=False) + match.group(3)

    html, count = _CONFIG.subn(rebase, html, count=1)
    if count != 1:
        raise ValueError("the page has no Material __config to point at its language's search index")
    return html
