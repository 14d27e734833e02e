"""The conv-arithmetic explorer: its JavaScript, the stacks it starts from,
and the notebook widget.

The browser's arithmetic is written once, in ``arithmetic.js`` (an ES module
with the functions, argument order and errors of
`keras_classics.arithmetic`), and the site and the widget run the same
files, shipped here as package data:

* ``arithmetic.js``: output sizes, padding, parameters, MACs, receptive fields;
* ``stack.js``: a stack of layers worked through (`stack.evaluate` in Python);
* ``words.js``, ``dom.js``: the words in English and Chinese, DOM helpers;
* ``explorer.js``: the explorer; ``slide.js``: one convolution step by step;
* ``page.js``: the site's entry; ``widget.js``: the anywidget entry;
* ``explorer.css``: their look, on the site and in a notebook.

`module_source` joins an entry and the modules it imports into one module,
which a page inlines (Chromium refuses module imports from file:// URLs) and
anywidget loads. Nothing here imports TensorFlow; `chains` reads a network's
layers from its spec (the site's presets) or from a built model (the widget),
and `widget.explore` is ``keras_classics.explore``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

__all__ = ["ASSETS", "module_source", "stylesheet"]

ASSETS = Path(__file__).resolve().parent

# import { a, b } from "./x.js";  (the only form of import these modules use)
_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w.-]+\.js)";[ \t]*\n', re.M)
_EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)", re.M)


def _read(name: str, folder: Path = ASSETS) -> str:
    path = Path(folder) / name
    if not path.is_file():
        raise FileNotFoundError(f"no file {name} in {folder}")
    return path.read_text(encoding="utf-8")


def module_source(entry: str, folder: Path = ASSETS) -> str:
    """``entry`` (a file of this folder, e.g. ``"page.js"``) and every module
    it imports, as one ES module: each module once, after those it imports,
    its imports removed. Raises ValueError for an import of a name the module
    does not export, an import cycle, or an import in another form."""
    order: List[str] = []
    texts: Dict[str, str] = {}

    def visit(name: str, path: tuple) -> None:
        if name in path:
            raise ValueError(f"import cycle: {' -> '.join(path + (name,))}")
        if name in texts:
            return
        text = _read(name, folder)
        body = _IMPORT.sub("", text)
        if re.search(r"^\s*import[\s{(*]", body, re.M) or "import(" in body:
            raise ValueError(f'{name}: only `import {{ ... }} from "./x.js";` on its own lines can be inlined')
        for names, target in _IMPORT.findall(text):
            visit(target, path + (name,))
            exported = set(_EXPORT.findall(texts[target]))
            wanted = {n.strip() for n in names.split(",") if n.strip()}
            missing = sorted(wanted - exported)
            if missing:
                raise ValueError(f"{name} imports {missing} from {target}, which does not export them")
        texts[name] = body
        order.append(name)

    visit(entry, ())
    return "\n".join(f"// ---- keras_classics/explorer/{name}\n{texts[name].strip()}\n" for name in order)


def stylesheet() -> str:
    """The explorer's CSS (``explorer.css``)."""
    return _read("explorer.css")
