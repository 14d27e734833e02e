"""The documentation site.

* Every registered model has a walkthrough page (by its family).
* The helpers of the docs build (docs/hooks/) compute what the papers say.
* ``mkdocs build --strict`` passes, without writing into the source tree.
* The site exists in English and Simplified Chinese (``page.md`` and
  ``page.zh.md``): every English page has its Chinese twin, both carry the
  same numbers in their tables and formulas, the generated sentences are
  Chinese on Chinese pages, the language switcher lands on the same page,
  and a Chinese query finds its page.
* Every built page opens in headless Chromium, served from 127.0.0.1:
  no console errors, no request leaves the machine, the math is rendered
  as MathML, and each network page shows its layer table and its diagram.
  Screenshots go to artifacts/screenshots/ for a person to look at.

Needs the ``docs`` extra (mkdocs and friends, selenium, latex2mathml) and
Debian's ``chromium`` and ``chromium-driver``; a missing piece fails with
what to install, it is not skipped.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOOKS = DOCS / "hooks"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = 'pip install -e ".[docs]"'
BROWSER_HINT = "apt-get install chromium chromium-driver fonts-wqy-microhei (or run make browser)"
# The layer tables must fit their column at this width, left navigation and
# table of contents included, without a horizontal scrollbar.
WINDOW_WIDTH = 1400
# The teaching figures (keras_classics.figures) each page shows.
FIGURE_PAGES = {
    "networks/alexnet/": {"pooling-windows"},
    "networks/vgg/": {"stacked-kernels"},
    "networks/googlenet/": {"inception-modules"},
    "networks/resnet/": {"residual-blocks"},
    "concepts/arithmetic/": {"pooling-windows"},
    "concepts/receptive-fields/": {"stacked-kernels"},
}


def _hooks():
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))
    try:
        import site_macros
    except ImportError as error:
        pytest.fail(f"the docs hooks need the docs extra ({INSTALL_HINT}): {error}")
    return site_macros


def _nav_pages(nav) -> list:
    pages = []
    for item in nav:
        if isinstance(item, str):
            pages.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


class _IgnoreTags(yaml.SafeLoader):
    """mkdocs.yml may hold !!python/name tags; the nav needs none of them."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)


def _mkdocs_config() -> dict:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags)


# --------------------------------------------------------------------------
# Every registered model has a page
# --------------------------------------------------------------------------


def _pages_missing(models) -> list:
    """Problems with the docs pages of ``models``, ``(name, family)`` pairs."""
    macros = _hooks()
    nav = _nav_pages(_mkdocs_config()["nav"])
    missing = []
    for name, family in models:
        page = macros.FAMILY_PAGES.get(family)
        if page is None:
            missing.append(f"{name}: family {family!r} has no page in FAMILY_PAGES (docs/hooks/macro_state.py)")
        elif not (DOCS / page).is_file():
            missing.append(f"{name}: its page docs/{page} does not exist")
        elif page not in nav:
            missing.append(f"{name}: its page {page} is not in mkdocs.yml's nav")
        elif f'variants_table("{family}")' not in (DOCS / page).read_text(encoding="utf-8"):
            missing.append(f"{name}: docs/{page} does not list its family's models (variants_table)")
    return missing


def test_every_registered_model_has_a_page():
    import keras_classics

    models = [(name, keras_classics.get_entry(name).family) for name in keras_classics.list_models()]
    missing = _pages_missing(models)
    assert not missing, "registered models without a docs page:\n" + "\n".join(missing)


def test_a_model_of_a_new_family_is_reported_without_a_page():
    assert _pages_missing([("inception_v3", "inception")]) == [
        "inception_v3: family 'inception' has no page in FAMILY_PAGES (docs/hooks/macro_state.py)"
    ]


def test_nav_pages_exist():
    # The notebooks' pages are the stored notebooks (docs/hooks/notebook_pages.py).
    nav = _nav_pages(_mkdocs_config()["nav"])
    pages = [p for p in nav if not p.startswith("notebooks/")]
    notebooks = [p for p in nav if p.startswith("notebooks/")]
    assert [p for p in pages if not (DOCS / p).is_file()] == []
    for language in ("en", CHINESE):
        assert [p for p in notebooks if not (ROOT / "notebooks" / language / p.split("/", 1)[1]).is_file()] == []
    stored = sorted(f"notebooks/{p.name}" for p in (ROOT / "notebooks" / "en").glob("*.ipynb"))
    assert sorted(notebooks) == stored
    assert "performance.md" in nav


# --------------------------------------------------------------------------
# The helpers of the docs build, against the papers
# --------------------------------------------------------------------------


def test_depth_counts_the_layers_the_papers_count():
    _hooks()
    import spec_facts

    # The depth in each network's name or paper: LeNet-5 "comprises 7 layers"
    # (Sec. II.B), AlexNet "eight learned layers" (Sec. 3), GoogLeNet "22
    # layers deep when counting only layers with parameters" (Sec. 5).
    expected = {
        "lenet5": 7,
        "alexnet": 8,
        "alexnet_two_tower": 8,
        "zfnet": 8,
        "googlenet": 22,
        "vgg11": 11,
        "vgg13": 13,
        "vgg16": 16,
        "vgg16_c": 16,
        "vgg19": 19,
        "resnet18": 18,
        "resnet34": 34,
        "resnet50": 50,
        "resnet101": 101,
        "resnet152": 152,
        "resnet20": 20,
        "resnet56": 56,
        "resnet110": 110,
        "plain56": 56,
    }
    got = {name: spec_facts.model_facts(name).depth for name in expected}
    assert got == expected


def test_macs_agree_with_the_papers_multiply_adds():
    _hooks()
    import spec_facts

    # ResNet Table 1, "FLOPs" (multiply-adds) x 10^9, printed to 2 digits;
    # GoogLeNet Sec. 1: "a computational budget of 1.5 billion multiply-adds".
    printed = {"resnet18": 1.8, "resnet34": 3.6, "resnet50": 3.8, "resnet101": 7.6, "resnet152": 11.3, "googlenet": 1.5}
    for name, billions in printed.items():
        macs = spec_facts.model_facts(name).macs
        assert abs(macs / 1e9 - billions) / billions < 0.06, (name, macs)


def test_receptive_field_follows_the_recurrence():
    _hooks()
    import spec_facts

    alexnet = spec_facts.model_facts("alexnet")
    # conv1 11/4, pool1 3/2, conv2 5/1, pool2 3/2, conv3-5 3/1, pool5 3/2, by hand:
    # 11; 11+2*4=19; 19+4*8=51; 51+2*8=67; 67+2*16=99, 131, 163; 163+2*16=195.
    fields = [
        alexnet.layer(n).receptive_field.size
        for n in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5")
    ]
    assert fields == [11, 19, 51, 67, 99, 131, 163, 195]
    assert alexnet.layer("pool5").receptive_field.jump == 4 * 2 * 2 * 2


def test_walk_shows_the_worked_formula():
    macros = _hooks()
    text = macros.walk("alexnet", "conv1", "pool1")
    assert r"\left\lfloor \frac{227 - 11}{4} \right\rfloor + 1 = 55" in text
    assert r"(11 \cdot 11 \cdot 3 + 1) \cdot 96 = 34{,}944" in text
    assert r"r = 11 + (3 - 1) \cdot 4 = 19" in text


def test_source_extraction_finds_definitions_and_fails_loudly():
    _hooks()
    import source_code

    snippet = source_code.extract("keras_classics/models/vgg.py", "CONFIGS")
    assert snippet.text.lstrip().startswith("#") and "CONFIGS = {" in snippet.text
    lines = (ROOT / "keras_classics/models/vgg.py").read_text().splitlines()
    assert "\n".join(lines[snippet.first_line - 1 : snippet.last_line]) == snippet.text
    with pytest.raises(LookupError, match="no top-level 'nothing_here'"):
        source_code.extract("keras_classics/models/vgg.py", "nothing_here")


def test_math_becomes_mathml():
    _hooks()
    import mathml

    html = mathml.to_mathml(
        '<p><span class="arithmatex">\\(a &lt; 34{,}944\\)</span></p><div class="arithmatex">\\[\\frac{1}{2}\\]</div>'
    )
    assert "<math" in html and "<mfrac>" in html and "\\frac" not in html
    assert "<mn>34,944</mn>" in html and "&#x0003C;" in html


def test_display_sums_take_their_limits_under_and_over():
    _hooks()
    import mathml

    block = mathml.tex_to_mathml(r"\sum_{j=0}^{n} x_j^2", "block")
    assert "<munderover><mo>&#x02211;</mo>" in block and "</munderover>" in block
    # x_j^2 stays a sub- and superscript; only the sum's limits move.
    assert "<msubsup><mi>x</mi>" in block
    inline = mathml.tex_to_mathml(r"\sum_{j=0}^{n} x_j", "inline")
    assert "<munderover>" not in inline


def test_teaching_figures_carry_the_papers_numbers():
    from keras_classics import figures

    # ResNet's Figure 5: 2 * 3*3*64*64 against 256*64 + 3*3*64*64 + 64*256.
    blocks = figures.residual_blocks_svg()
    assert f"{2 * 9 * 64 * 64:,} weights" in blocks and f"{256 * 64 + 9 * 64 * 64 + 64 * 256:,} weights" in blocks
    # GoogLeNet's module 3a on 28x28x192, naive and reduced (Table 1's row).
    naive = 28 * 28 * (192 * 64 + 9 * 192 * 128 + 25 * 192 * 32)
    reduced = 28 * 28 * (192 * 64 + 192 * 96 + 9 * 96 * 128 + 192 * 16 + 25 * 16 * 32 + 192 * 32)
    modules = figures.inception_modules_svg()
    assert f"total {naive:,} MACs" in modules and f"total {reduced:,} MACs" in modules
    assert "28x28x416" in modules and "28x28x256" in modules
    # 3-wide windows at stride 2 on 9 pixels: 4 windows sharing pixels 3, 5, 7;
    # 2-wide windows: 4 windows and pixel 9 in none.
    pools = figures.pooling_windows_svg(9)
    assert "3 pixels in two windows" in pools and "1 pixel in no window" in pools
    kernels = figures.stacked_kernels_svg()
    assert "18C²" in kernels and "25C²" in kernels
    for make in figures.FIGURES.values():
        assert make().lstrip().startswith("<svg")


def test_diagram_lanes_keep_branches_apart_and_heads_aside():
    import keras_classics
    from keras_classics.anatomy import anatomy
    from keras_classics.diagram import _layout

    built = anatomy(keras_classics.build("googlenet_aux"))
    place, low, high, _ = _layout(built)
    # Each module's four branches stand in four different lanes, and the
    # convolution after a reduction stays in its reduction's lane.
    for module in ("inception3a", "inception4d", "inception5b"):
        lanes = {place[f"{module}_{branch}"][0] for branch in ("1x1", "3x3_reduce", "5x5_reduce", "pool")}
        assert len(lanes) == 4, module
        assert place[f"{module}_3x3"][0] == place[f"{module}_3x3_reduce"][0]
        assert place[f"{module}_5x5"][0] == place[f"{module}_5x5_reduce"][0]
    # The auxiliary heads hang to the right of every main lane, one row
    # below the module they read (4a and 4d, Sec. 5 of the paper).
    main = [lane for name, (lane, _) in place.items() if not name.startswith("aux")]
    for head, module in (("aux1", "inception4a"), ("aux2", "inception4d")):
        assert place[f"{head}_pool"][0] > max(main)
        assert place[f"{head}_pool"][1] == place[f"{module}_concat"][1] + 1
        assert built.row(f"{head}_pool").inputs == (f"{module}_concat",)


def test_block_diagram_tells_projection_from_identity():
    import keras_classics
    from keras_classics.anatomy import anatomy
    from keras_classics.diagram import residual_blocks, to_block_svg

    built = anatomy(keras_classics.build("resnet50"))
    stem, blocks, head = residual_blocks(built)
    # Table 1: 3, 4, 6 and 3 bottlenecks; the first of each stage projects.
    assert [sum(b.stage == s for b in blocks) for s in ("conv2", "conv3", "conv4", "conv5")] == [3, 4, 6, 3]
    assert [b.name for b in blocks if b.shortcut == "projection"] == [
        "conv2_block1",
        "conv3_block1",
        "conv4_block1",
        "conv5_block1",
    ]
    assert sum(b.shortcut == "identity" for b in blocks) == 12
    svg = to_block_svg(built, "resnet50")
    assert svg.count('stroke-dasharray="6 4"') >= 12 and "1x1 conv 512 /2" in svg
    cifar = residual_blocks(anatomy(keras_classics.build("resnet20")))[1]
    assert [b.name for b in cifar if b.shortcut == "zero-pad"] == ["conv3_block1", "conv4_block1"]


def test_doctests_are_fenced_for_the_api_reference():
    _hooks()
    import griffe_doctests

    text = "Example:\n\n    >>> f(1)\n    [1, 2]\n\nMore."
    assert griffe_doctests.fence_doctests(text) == (
        "Example:\n\n    ```pycon\n    >>> f(1)\n    [1, 2]\n    ```\n\nMore."
    )


def test_the_api_reference_shows_filled_docstrings_as_help_does():
    _hooks()
    import inspect

    import griffe
    import griffe_runtime_docs

    from keras_classics.models import resnet, vgg

    extensions = griffe.load_extensions(griffe_runtime_docs.RuntimeDocstrings)
    loaded = griffe.load("keras_classics.models", extensions=extensions, search_paths=[str(ROOT)])
    for builder in (vgg.vgg, vgg.vgg16, vgg.vgg11_lrn, resnet.resnet, resnet.resnet101):
        shown = loaded[f"{builder.__module__.rsplit('.', 1)[1]}.{builder.__name__}"].docstring.value
        assert shown == inspect.cleandoc(builder.__doc__)
        assert "include_top:" in shown and "{" + "contract_args}" not in shown


# --------------------------------------------------------------------------
# Two languages
# --------------------------------------------------------------------------

CHINESE = "zh"


def _english_pages() -> list:
    """The English pages of the site: docs/**/*.md less mkdocs.yml's
    exclude_docs (the lab's result fragments, which its pages include)."""
    import pathspec

    excluded = pathspec.GitIgnoreSpec.from_lines((_mkdocs_config().get("exclude_docs") or "").splitlines())
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")]
    return sorted(p for p in pages if not p.endswith(f".{CHINESE}.md") and not excluded.match_file(p))


def _chinese_twin(page: str) -> str:
    return page[: -len(".md")] + f".{CHINESE}.md"


def test_every_english_page_has_its_chinese_page():
    pages = _english_pages()
    assert len(pages) >= 20, pages
    missing = [page for page in pages if not (DOCS / _chinese_twin(page)).is_file()]
    assert missing == [], f"English pages without a Chinese page ({_chinese_twin('x.md')}): {missing}"
    orphans = sorted(
        p.relative_to(DOCS).as_posix()
        for p in DOCS.rglob(f"*.{CHINESE}.md")
        if not (p.parent / p.name.replace(f".{CHINESE}.md", ".md")).is_file()
    )
    assert orphans == [], f"Chinese pages without an English page: {orphans}"


def test_chinese_pages_are_chinese():
    # A page copied from English and left untranslated would pass the file
    # check above; most of a Chinese page's prose is Chinese characters.
    import re

    untranslated = []
    for page in _english_pages():
        text = (DOCS / _chinese_twin(page)).read_text(encoding="utf-8")
        prose = re.sub(r"```.*?```|\{\{.*?\}\}|\{%.*?%\}|`[^`]*`|\$[^$]*\$|\(.*?\)", "", text, flags=re.S)
        han = len(re.findall(r"[\u4e00-\u9fff]", prose))
        if han < 40:
            untranslated.append(f"{page}: {han} Chinese characters")
    assert untranslated == []


def _localized_walks(models):
    """Every layer of ``models`` worked through on a Chinese page."""
    macros = _hooks()
    import i18n_words

    i18n_words.set_language(CHINESE)
    try:
        return {
            name: [
                macros.i18n.localize(macros.walk(name, layer)) for layer in macros.spec_facts.model_facts(name).layers
            ]
            for name in models
        }
    finally:
        i18n_words.set_language(i18n_words.DEFAULT)


def test_generated_sentences_are_chinese_on_chinese_pages():
    import re

    macros = _hooks()
    models = [n for n in macros.registered() if macros.spec_facts.has_spec(n)]
    # Names of things stay as they are: Keras, TensorFlow, padding modes.
    allowed = {"same", "valid", "TensorFlow", "RBF"}
    leftovers = set()
    for name, walks in _localized_walks(models).items():
        for text in walks:
            prose = re.sub(r"`[^`]*`|\$[^$]*\$|\*\*", "", text)
            leftovers |= {f"{name}: {w}" for w in re.findall(r"[A-Za-z]{3,}", prose) if w not in allowed}
    assert sorted(leftovers)[:20] == []
    english = macros.walk("alexnet", "conv1")
    chinese = _localized_walks(["alexnet"])["alexnet"][0]
    assert "步长 4" in chinese and "不填充" in chinese and "参数量" in chinese
    # The rewriting moves numbers, never makes one.
    assert re.findall(r"\d+", english) == re.findall(r"\d+", chinese)


def test_table_headers_follow_the_page_language():
    macros = _hooks()
    import i18n_words

    assert macros.spec_table("lenet5").splitlines()[2].startswith("| layer | type |")
    i18n_words.set_language(CHINESE)
    try:
        table = macros.spec_table("lenet5")
    finally:
        i18n_words.set_language(i18n_words.DEFAULT)
    assert "| 层 | 类型 |" in table and "感受野 / 跳距" in table and "60,840" in table


# --------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------


def _tree_state():
    """Files of the source tree (name -> mtime, size), outside what a build
    or a test run may write."""
    skip = {".git", ".venv", "site", "artifacts", ".pytest_cache", ".hypothesis", "runs", "build", "__pycache__"}
    state = {}
    for directory, folders, files in os.walk(ROOT):
        folders[:] = [f for f in folders if f not in skip and not f.endswith(".egg-info")]
        for name in files:
            path = Path(directory) / name
            if name.endswith(".pyc"):
                continue
            stat = path.stat()
            state[str(path.relative_to(ROOT))] = (stat.st_mtime_ns, stat.st_size)
    return state


_BUILT: dict = {}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, executed_notebooks):
    """``mkdocs build --strict`` into a temporary folder, once per session
    (also when another test module imports this fixture, which gives it a
    fixture of its own), after the notebooks have run (conftest.py, once
    per session too), so that their pages show the outputs."""
    if not _BUILT:
        _BUILT.update(_build_site(tmp_path_factory))
    return _BUILT


def _build_site(tmp_path_factory) -> dict:
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        pytest.fail(f"mkdocs is not installed: {INSTALL_HINT}")
    site = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONDONTWRITEBYTECODE="1", TF_CPP_MIN_LOG_LEVEL="2")
    before = _tree_state()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.perf_counter() - started
    after = _tree_state()
    return {"site": site, "result": result, "seconds": seconds, "before": before, "after": after}


def test_mkdocs_build_strict(built_site):
    result = built_site["result"]
    log = (result.stdout + result.stderr)[-8000:]
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log}"
    assert (built_site["site"] / "index.html").is_file()
    print(f"mkdocs build --strict: {built_site['seconds']:.1f}s")


def test_docs_build_writes_nothing_into_the_source_tree(built_site):
    before, after = built_site["before"], built_site["after"]
    created = sorted(set(after) - set(before))
    # Changes elsewhere may be someone editing while the build ran; under
    # docs/ and spec/ nobody but the build could have touched a file.
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k] and k.startswith(("docs/", "spec/")))
    assert created == [] and changed == [], (
        f"the docs build wrote into the source tree: new {created[:10]}, changed {changed[:10]}"
    )


def test_diagrams_are_in_the_built_site(built_site):
    import re

    site = built_site["site"]
    diagrams = sorted((site / "assets" / "diagrams").glob("*.svg")) + sorted(
        (site / "assets" / "figures").glob("*.svg")
    )
    assert len(diagrams) >= 13
    han = re.compile(r"[\u4e00-\u9fff]")
    for path in diagrams:
        english = path.read_text(encoding="utf-8")
        assert english.lstrip().startswith("<svg"), path
        # Each language's site has its own drawing, in its own words.
        twin = site / CHINESE / path.relative_to(site)
        assert twin.is_file(), f"no Chinese drawing {twin.relative_to(site)}"
        assert not han.search(english), f"{path.relative_to(site)} is not English"
        assert han.search(twin.read_text(encoding="utf-8")), f"{twin.relative_to(site)} is not Chinese"


def test_every_registered_model_is_named_on_its_page(built_site):
    import keras_classics

    macros = _hooks()
    absent = []
    for name in keras_classics.list_models():
        page = macros.FAMILY_PAGES[keras_classics.get_entry(name).family]
        for prefix in ("", f"{CHINESE}/"):
            html = (built_site["site"] / prefix / page.replace(".md", "") / "index.html").read_text(encoding="utf-8")
            if f"<code>{name}</code>" not in html:
                absent.append(f"{name} on {prefix}{page}")
    assert absent == []


def _numbers(html: str):
    """The numbers of a built page's tables and formulas, each counted."""
    import collections
    import re

    article = html[html.find("<article") : html.find("</article>")]
    # The Chinese course page quotes the notes' own section titles, numbers
    # and all; they are the notes' words, not the site's numbers.
    article = re.sub(r'<span class="kc-notes">.*?</span>', "", article, flags=re.S)
    parts = re.findall(r"<table.*?</table>|<math.*?</math>", article, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", " ".join(parts))
    return collections.Counter(re.findall(r"\d+(?:[.,]\d+)*", text))


def test_both_languages_carry_the_same_numbers(built_site):
    site = built_site["site"]
    assert built_site["result"].returncode == 0, "the site did not build"
    english = [p for p in _pages(site) if not p.startswith(f"{CHINESE}/")]
    differ = []
    for page in english:
        twin = site / CHINESE / page / "index.html"
        if not twin.is_file():
            differ.append(f"{page}: no Chinese page in the built site")
            continue
        ours, theirs = (
            _numbers((site / page / "index.html").read_text(encoding="utf-8")),
            _numbers(twin.read_text(encoding="utf-8")),
        )
        if ours != theirs:
            differ.append(
                f"{page}: only in English {sorted((ours - theirs).elements())[:8]}, "
                f"only in Chinese {sorted((theirs - ours).elements())[:8]}"
            )
    assert differ == [], "\n".join(differ)
    # A table that lost a row would fail above; make sure tables were compared.
    assert sum(_numbers((site / "networks/alexnet/index.html").read_text(encoding="utf-8")).values()) > 200


# --------------------------------------------------------------------------
# The Chinese pages are Chinese; no page prints a Python value
# --------------------------------------------------------------------------

# The API reference is generated from the docstrings, in English.
API_REFERENCE = f"{CHINESE}/reference/"


def _english_runs_module():
    _hooks()
    import english_runs

    return english_runs


def test_chinese_pages_have_no_english_prose(built_site):
    # Runs of five or more English words outside code, math and the italic
    # titles of papers (docs/hooks/english_runs.py); the issue counted
    # about 380 of them.
    runs = _english_runs_module()
    site = built_site["site"]
    found, checked = [], 0
    for page in _pages(site):
        if not page.startswith(f"{CHINESE}/") or page.startswith(API_REFERENCE):
            continue
        checked += 1
        for run in runs.english_runs((site / page / "index.html").read_text(encoding="utf-8")):
            found.append(f"{page}: {run[:120]}")
    assert checked >= 15, checked
    assert found == [], f"{len(found)} runs of English on the Chinese pages:\n" + "\n".join(found)


def test_english_runs_are_found_where_they_are():
    runs = _english_runs_module()
    page = (
        "<article><p>这是中文。This sentence is English prose on a page.</p>"
        "<p>论文 <em>Deep Residual Learning for Image Recognition</em>，用 <code>keras.layers.Conv2D(filters=64)</code>。</p>"
        "<table><tr><td>one two three</td><td>four five six</td></tr></table></article>"
    )
    assert runs.english_runs(page) == ["This sentence is English prose on a page."]


def test_only_a_notebooks_output_areas_are_exempt_from_the_english_count():
    # What a notebook's code printed is like code (and so is the hidden copy
    # of a cell's code for its copy button); the same words in its
    # text cells, or in an element whose class merely resembles the output
    # area's, are prose and count.
    runs = _english_runs_module()
    printed = "test accuracy of the best epoch model is shown here"
    page = (
        '<article><div class="jp-Cell jp-MarkdownCell"><div class="jp-RenderedMarkdown jp-MarkdownOutput">'
        "<p>训练一个小模型。</p></div></div>"
        '<div class="jp-Cell jp-CodeCell"><div class="jp-OutputArea jp-Cell-outputArea">'
        f'<div class="jp-OutputArea-child"><div class="jp-RenderedText"><pre>{printed}</pre></div></div>'
        f'<div class="jp-OutputArea-child"><div class="jp-RenderedHTMLCommon"><table><tr><td>{printed}</td></tr>'
        "</table></div></div></div>"
        f'<div class="clipboard-copy-txt">print("{printed}")</div></div>'
        f"<p>结果：{printed}</p>"
        f'<div class="jp-OutputArea-like"><p>{printed}</p></div>'
        f'<div class="jp-RenderedMarkdown jp-MarkdownOutput"><p>{printed}</p></div></article>'
    )
    assert runs.english_runs(page) == [printed] * 3


# Python's own notation for a value: nested lists or tuples, lists of
# strings, dicts, an object's default repr.
PYTHON_VALUE = re.compile(
    r"\[\s*\[|\[\s*\(|\(\s*\(\s*-?\d+\s*,|\[\s*'|\{\s*'[^']*'\s*:|\{\s*\"[^\"]*\"\s*:| object at 0x[0-9a-f]+|<class '"
)


def _prose_and_math(page_html: str) -> str:
    """A built page's article without its code: the text a reader reads."""
    import html

    article = page_html[page_html.find("<article") : page_html.find("</article>")]
    article = re.sub(r"<pre\b.*?</pre>|<code\b.*?</code>|<script\b.*?</script>", " ", article, flags=re.S)
    # A notebook page keeps a hidden copy of each code cell for its copy button.
    article = re.sub(r'<div class="clipboard-copy-txt"[^>]*>.*?</div>', " ", article, flags=re.S)
    # Math is kept (LeNet's list reached an exercise's formula too); its
    # tokens join without spaces, as a reader sees them.
    article = re.sub(r"<math\b.*?</math>", lambda m: re.sub(r"<[^>]+>", "", m.group(0)), article, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", article))


def test_no_page_prints_a_python_value(built_site):
    site = built_site["site"]
    found = []
    for page in _pages(site):
        if page.startswith((API_REFERENCE, "reference/")):
            continue  # signatures and defaults, from the docstrings
        text = _prose_and_math((site / page / "index.html").read_text(encoding="utf-8"))
        for match in PYTHON_VALUE.finditer(text):
            found.append(f"{page}: ...{text[max(0, match.start() - 60) : match.end() + 40]!r}")
    assert found == [], "\n".join(found[:20])


def test_the_python_value_check_catches_lenets_old_c3_sentence():
    # The C3 paragraph as the site printed it before the fix.
    old = "<article><p>the last one to all six: [[0, 0], [0, 4], [0, 5]] pairs instead of 96.</p></article>"
    assert PYTHON_VALUE.search(_prose_and_math(old))
    assert not PYTHON_VALUE.search(_prose_and_math("<article><p>60 pairs; <code>[[0, 0]]</code></p></article>"))


# --------------------------------------------------------------------------
# The facts the issue found wrong, in both languages
# --------------------------------------------------------------------------


def _page_text(site: Path, page: str) -> str:
    return " ".join(_prose_and_math((site / page / "index.html").read_text(encoding="utf-8")).split())


def test_lenet_c3_prints_its_sixty_connections(built_site):
    # Table I of the paper: six C3 maps read 3 S2 maps, nine read 4, one all 6.
    count = 6 * 3 + 9 * 4 + 6
    english = _page_text(built_site["site"], "networks/lenet/")
    chinese = _page_text(built_site["site"], f"{CHINESE}/networks/lenet/")
    assert f"all six: {count} pairs instead of" in english
    assert f"a table of {count} pairs" in english  # exercise 3
    assert f"共 {count} 对" in chinese and f"含 {count} 对的表" in chinese
    for page in ("errata/", f"{CHINESE}/errata/"):
        text = _page_text(built_site["site"], page)
        assert f"{count} map pairs" in text or f"{count} 对特征图" in text, page


def test_googlenet_names_the_module_with_the_largest_share(built_site):
    # Table 1 of the paper: (1x1, 3x3, 5x5, pool proj) widths per module; the
    # 3x3 and 5x5 branches' share of the output channels.
    table = {
        "3a": (64, 128, 32, 32),
        "3b": (128, 192, 96, 64),
        "4a": (192, 208, 48, 64),
        "4b": (160, 224, 64, 64),
        "4c": (128, 256, 64, 64),
        "4d": (112, 288, 64, 64),
        "4e": (256, 320, 128, 128),
        "5a": (256, 320, 128, 128),
        "5b": (384, 384, 128, 128),
    }
    share = {name: (w[1] + w[2]) / sum(w) for name, w in table.items()}
    top = max(share, key=share.get)
    assert top == "4d" and share["3a"] < share[top]  # the page once said it starts at its highest
    english = _page_text(built_site["site"], "networks/googlenet/")
    chinese = _page_text(built_site["site"], f"{CHINESE}/networks/googlenet/")
    assert "starts at its highest" not in english and "开头最高" not in chinese
    assert f"climbs to its highest, {100 * share[top]:.1f}%, at {top}" in english
    assert f"在 {top} 升到最高的 {100 * share[top]:.1f}%" in chinese
    assert f"The share is {100 * share['3a']:.1f}% in 3a" in english


def test_vgg_and_googlenet_were_rivals_in_the_same_challenge(built_site):
    english = _page_text(built_site["site"], "networks/vgg/")
    chinese = _page_text(built_site["site"], f"{CHINESE}/networks/vgg/")
    assert "a year later" not in english and "一年后" not in chinese
    assert "GoogLeNet, VGG's rival in the same 2014 challenge, answered by removing this layer" in english
    assert "同在 2014 年挑战赛上的对手 GoogLeNet 干脆去掉了这一层" in chinese


def test_zfnet_says_which_entry_won_ilsvrc_2013(built_site):
    # ILSVRC 2013's classification winner: Clarifai's entry, 11.7% top-5;
    # the paper's best (Table 2) is 14.8%.
    for page, words in (
        ("networks/zfnet/", ("won by the entry of Clarifai", "11.7% top-5", "reaches 14.8%")),
        (f"{CHINESE}/networks/zfnet/", ("Clarifai 的参赛结果夺得第一", "top-5 测试错误率 11.7%", "为 14.8%")),
        ("", ("won by the entry of Clarifai", "11.7% top-5")),
        (f"{CHINESE}/", ("冠军是 Zeiler 创办的公司 Clarifai 的参赛结果", "11.7%")),
    ):
        text = _page_text(built_site["site"], page)
        assert all(word in text for word in words), (page, [w for w in words if w not in text])
    assert "won the 2013 challenge" not in _page_text(built_site["site"], "networks/zfnet/")


def test_resnet_lists_the_challenges_it_won(built_site):
    # The paper's abstract: first places in ILSVRC 2015 classification,
    # detection and localisation, and COCO 2015 detection and segmentation.
    english = _page_text(built_site["site"], "networks/resnet/")
    chinese = _page_text(built_site["site"], f"{CHINESE}/networks/resnet/")
    assert (
        "first place in ILSVRC 2015 classification, detection and localisation, and in COCO 2015 detection and segmentation"
        in english
    )
    assert "ILSVRC 2015 的分类、检测和定位任务以及 COCO 2015 的检测和分割任务上都拿了第一" in chinese
    assert "four challenges" not in english and "四项" not in chinese


# --------------------------------------------------------------------------
# One search index per language; the site under a sub-path
# --------------------------------------------------------------------------


def test_each_language_searches_its_own_pages(built_site):
    site = built_site["site"]
    english = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    chinese = json.loads((site / CHINESE / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert english and chinese
    assert [d["location"] for d in english if d["location"].startswith(f"{CHINESE}/")] == []
    # The Chinese index's locations are relative to zh/, each a Chinese page.
    missing = {d["location"].split("#")[0] for d in chinese} - {p for p in _pages(site / CHINESE)}
    assert missing == set()
    assert any("术语表" in d["title"] for d in chinese) and not any("术语表" in d["title"] for d in english)
    # The notebooks' pages are left out of both (docs/hooks/build_hooks.py).
    assert [d["location"] for d in english + chinese if d["location"].startswith("notebooks/")] == []
    # Each Chinese page reads the Chinese index: its base is zh/.
    config = re.search(
        r'<script id="__config" type="application/json">(.*?)</script>',
        (site / CHINESE / "glossary" / "index.html").read_text(encoding="utf-8"),
        re.S,
    )
    assert json.loads(config.group(1))["base"] == ".."


def test_every_link_resolves_under_a_sub_path(built_site):
    # The site served at http://host/kc/docs/ instead of the server's root:
    # every link, script, stylesheet and image of every page must land on a
    # file of the site (a link to "/" or "/zh/" would leave it).
    from urllib.parse import urljoin, urlsplit

    site = built_site["site"]
    root = "http://127.0.0.1/kc/docs/"
    broken = []
    attribute = re.compile(r'<(?:a|link|script|img|source)\b[^>]*?\b(?:href|src)="([^"]+)"')
    for page in _pages(site):
        html = (site / page / "index.html").read_text(encoding="utf-8")
        base = urljoin(root, page)
        for target in set(attribute.findall(html)):
            if target.startswith(("#", "mailto:", "data:", "javascript:")):
                continue
            url = urlsplit(urljoin(base, target))
            if url.netloc != "127.0.0.1":
                continue  # another site: nothing leaves the machine (the browser test checks that)
            if not url.path.startswith("/kc/docs/"):
                broken.append(f"{page}: {target} leaves the sub-path")
                continue
            path = site / url.path[len("/kc/docs/") :]
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                broken.append(f"{page}: {target} -> {url.path} is not a file of the site")
    assert broken == [], "\n".join(sorted(broken)[:30])


# --------------------------------------------------------------------------
# Every page in a real browser
# --------------------------------------------------------------------------


# The browser opens the site below a sub-path, as a project site or a
# course's web space serves it: a link to the server's root fails there.
SUB_PATH = "/kc/docs"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without a log line per request."""

    def log_message(self, *args):
        pass


class _SubPathHandler(_QuietHandler):
    """Serves the site below SUB_PATH, and nothing at the server's root."""

    def translate_path(self, path):
        if not path.startswith(SUB_PATH + "/"):
            return str(Path(self.directory) / "no such file outside the sub-path")
        return super().translate_path(path[len(SUB_PATH) :])


@pytest.fixture(scope="module")
def server(built_site):
    assert built_site["result"].returncode == 0, "the site did not build"
    handler = functools.partial(_SubPathHandler, directory=str(built_site["site"]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{SUB_PATH}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(f"selenium is not installed: {INSTALL_HINT}")
    for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromedriver")):
        if not os.path.exists(path):
            pytest.fail(f"{what} not found at {path}: {BROWSER_HINT}")
    # Without a Chinese font the Chinese pages render as empty boxes, and
    # their screenshots show nothing a person could check.
    fonts = shutil.which("fc-list") and subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True)
    if not (fonts and fonts.stdout.strip()):
        pytest.fail(f"no Chinese font for chromium (fc-list :lang=zh is empty): {BROWSER_HINT}")
    profile = tempfile.mkdtemp(prefix="kc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--window-size={WINDOW_WIDTH},1400",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _pages(site: Path):
    pages = []
    for path in sorted(site.rglob("index.html")):
        relative = path.parent.relative_to(site).as_posix()
        if relative.startswith("assets"):
            continue
        pages.append("" if relative == "." else relative + "/")
    return pages


_CHECK_PAGE = """
const article = document.querySelector("article");
const clone = article.cloneNode(true);
clone.querySelectorAll("pre, code, math, script, style").forEach(e => e.remove());
const maths = Array.from(document.querySelectorAll("article math"));
const sizes = maths.map(m => { const r = m.getBoundingClientRect(); return [r.width, r.height]; });
const tables = Array.from(document.querySelectorAll(".kc-spec-table table"));
const figures = Array.from(document.querySelectorAll(".kc-diagram img"));
const wraps = Array.from(document.querySelectorAll(".kc-spec-table .md-typeset__scrollwrap"));
return {
  tableOverflow: wraps.map(w => [w.scrollWidth, w.clientWidth]),
  teaching: Array.from(document.querySelectorAll(".kc-figure img")).map(
    i => [i.getAttribute("src"), i.complete, i.naturalWidth, i.naturalHeight]),
  exercises: document.querySelectorAll("#exercises ~ details").length,
  hasExercises: document.getElementById("exercises") !== null,
  title: document.title,
  text: clone.textContent,
  arithmatex: document.querySelectorAll("article .arithmatex").length,
  maths: sizes,
  specRows: tables.map(t => t.querySelectorAll("tbody tr").length),
  diagrams: figures.map(i => [i.getAttribute("src"), i.complete, i.naturalWidth, i.naturalHeight]),
  switcher: Array.from(document.querySelectorAll("a.md-select__link[hreflang]")).map(a => a.href),
  // A notebook's outputs embed the drawings the code made (data: URIs): not the site's.
  drawings: Array.from(document.querySelectorAll(".kc-diagram img"))
    .filter(i => !i.closest(".jp-OutputArea")).map(i => i.src),
  lang: document.documentElement.getAttribute("lang"),
};
"""


def _requests(driver):
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _screenshot_name(page: str) -> str:
    return page.strip("/").replace("/", "_") or "index"


def test_every_page_renders_in_chromium(built_site, server, browser):
    import keras_classics

    macros = _hooks()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    network_pages = {page.replace(".md", "/") for page in macros.FAMILY_PAGES.values()}
    english_pages = [p for p in _pages(built_site["site"]) if not p.startswith(f"{CHINESE}/")]
    spec_rows = {}
    for name in keras_classics.list_models():
        page = macros.FAMILY_PAGES[keras_classics.get_entry(name).family].replace(".md", "/")
        spec_rows.setdefault(page, set()).add(len(macros.spec_facts.model_facts(name).layers))
    pages = _pages(built_site["site"])
    assert len(pages) >= 20, pages
    problems = []
    for page in pages:
        url = f"{server}/{page}"
        chinese = page.startswith(f"{CHINESE}/")
        # The same checks hold in both languages.
        same = page[len(CHINESE) + 1 :] if chinese else page
        browser.get_log("performance")  # forget the previous page's requests
        browser.get(url)
        for _ in range(100):
            if browser.execute_script("return document.readyState") == "complete":
                break
            time.sleep(0.05)
        time.sleep(0.3)  # let late scripts (search index) run and log
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        if errors:
            problems.append(f"{page}: console errors {errors[:3]}")
        outside = [
            u
            for u in _requests(browser)
            if not (u.startswith(server) or u.startswith(("data:", "blob:", "about:", "chrome:")))
        ]
        if outside:
            problems.append(f"{page}: requests outside the site (127.0.0.1{SUB_PATH}/): {outside[:3]}")
        info = browser.execute_script(_CHECK_PAGE)
        # The language switcher lands on this page in the other language.
        other = f"{server}/{same}" if chinese else f"{server}/{CHINESE}/{page}"
        if other.rstrip("/") + "/" not in [s if s.endswith("/") else s + "/" for s in info["switcher"]]:
            problems.append(f"{page}: the language switcher offers {info['switcher']}, not {other}")
        if info["lang"] != (CHINESE if chinese else "en"):
            problems.append(f"{page}: <html lang={info['lang']!r}>")
        text = info["text"]
        for leftover in ("$$", "\\(", "\\[", "\\frac", "\\cdot", "\\left", "{{", "{%"):
            if leftover in text:
                at = text.index(leftover)
                problems.append(f"{page}: unrendered {leftover!r} in the text: ...{text[max(0, at - 60) : at + 60]!r}")
        if info["arithmatex"] and not info["maths"]:
            problems.append(f"{page}: math markers but no <math> element")
        flat = [s for s in info["maths"] if s[0] <= 0 or s[1] <= 0]
        if flat:
            problems.append(f"{page}: {len(flat)} of {len(info['maths'])} <math> elements have no size")
        if same in network_pages:
            if not info["specRows"] or max(info["specRows"]) < min(spec_rows[same]):
                problems.append(
                    f"{page}: no full layer table (rows {info['specRows']}, spec layers {sorted(spec_rows[same])})"
                )
            if not info["diagrams"]:
                problems.append(f"{page}: no diagram")
            for src, complete, width, height in info["diagrams"]:
                if not (complete and width > 0 and height > 0):
                    problems.append(f"{page}: diagram {src} did not load")
            for scroll_width, client_width in info["tableOverflow"]:
                if scroll_width > client_width + 1:
                    problems.append(
                        f"{page}: a layer table scrolls sideways at {WINDOW_WIDTH} px "
                        f"({scroll_width} px of content in {client_width} px)"
                    )
        if same in network_pages or same.startswith("concepts/"):
            if not info["hasExercises"] or not 3 <= info["exercises"] <= 5:
                problems.append(f"{page}: {info['exercises']} folded exercises, expected 3 to 5")
        # A Chinese page shows the Chinese drawings, an English one the English.
        own = f"{server}/{CHINESE}/assets/" if chinese else f"{server}/assets/"
        foreign = [src for src in info["drawings"] if not src.startswith(own)]
        if foreign:
            problems.append(f"{page}: drawings of the other language: {foreign[:2]}")
        shown = {src.rsplit("/", 1)[-1].removesuffix(".svg") for src, *_ in info["teaching"]}
        if not FIGURE_PAGES.get(same, set()) <= shown:
            problems.append(f"{page}: teaching figures {sorted(FIGURE_PAGES[same] - shown)} missing")
        for src, complete, width, height in info["teaching"]:
            if not (complete and width > 0 and height > 0):
                problems.append(f"{page}: teaching figure {src} did not load")
        _save_screenshots(browser, page)
    chinese_pages = [p for p in pages if p.startswith(f"{CHINESE}/")]
    if len(chinese_pages) != len(english_pages):
        problems.append(f"{len(english_pages)} English pages but {len(chinese_pages)} Chinese ones")
    assert not problems, "\n".join(problems)


# A phone's width (an iPhone's 390 CSS pixels), emulated by Chromium.
PHONE_WIDTH = 390

_CHECK_PHONE = """
const root = document.documentElement;
const wrap = document.querySelector(".kc-spec-table .md-typeset__scrollwrap");
let sticky = null;
if (wrap) {
  const cell = wrap.querySelector("tbody tr td:first-child");
  wrap.scrollLeft = 0;
  const before = cell.getBoundingClientRect().left;
  wrap.scrollLeft = wrap.scrollWidth;
  const after = cell.getBoundingClientRect().left;
  const box = wrap.getBoundingClientRect();
  sticky = {scrolled: wrap.scrollLeft, before: before, after: after, left: box.left, right: box.right,
            cellRight: cell.getBoundingClientRect().right, text: cell.textContent.trim()};
  wrap.scrollLeft = 0;
}
const prose = Array.from(document.querySelectorAll("article td.kc-prose")).map(
  td => td.getBoundingClientRect().width);
const wide = Array.from(document.querySelectorAll("article *")).filter(e => {
  const r = e.getBoundingClientRect();
  return r.right > root.clientWidth + 1 && !e.closest(".md-typeset__scrollwrap, pre, .kc-diagram-scroll, div.arithmatex, span.arithmatex > math, .md-sidebar, .md-search, .md-nav");
}).slice(0, 3).map(e => e.tagName + "." + e.className + ": " + e.textContent.slice(0, 40));
return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, sticky: sticky, prose: prose, wide: wide,
        fontSize: parseFloat(getComputedStyle(document.querySelector("article")).fontSize)};
"""


def _phone(driver, on: bool) -> None:
    if on:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 1, "mobile": True},
        )
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_every_page_reads_on_a_phone(built_site, server, browser):
    # At 390 px: nothing but a table, a code block, a diagram or a formula
    # is wider than the screen (each scrolls in its own box); a layer table
    # scrolls with its layer column kept in view; a table cell that holds a
    # sentence keeps a readable width. Screenshots go to phone/.
    pages = _pages(built_site["site"])
    problems = []
    _phone(browser, True)
    try:
        for page in pages:
            browser.get(f"{server}/{page}")
            for _ in range(100):
                if browser.execute_script("return document.readyState") == "complete":
                    break
                time.sleep(0.05)
            time.sleep(0.2)
            info = browser.execute_script(_CHECK_PHONE)
            if info["scrollWidth"] > info["clientWidth"] + 1:
                problems.append(
                    f"{page}: the page scrolls sideways at {PHONE_WIDTH} px "
                    f"({info['scrollWidth']} px wide; too wide: {info['wide']})"
                )
            sticky = info["sticky"]
            if sticky is not None:
                if sticky["scrolled"] <= 0:
                    problems.append(f"{page}: the layer table does not scroll in its box at {PHONE_WIDTH} px")
                elif not (sticky["left"] - 1 <= sticky["after"] and sticky["cellRight"] <= sticky["right"] + 1):
                    problems.append(
                        f"{page}: the layer column ({sticky['text']!r}) leaves the box when the table scrolls: "
                        f"{sticky['before']:.0f} -> {sticky['after']:.0f} px, box {sticky['left']:.0f}-{sticky['right']:.0f}"
                    )
            # Fifteen characters of the body font: not the four a line the
            # issue saw.
            narrow = [w for w in info["prose"] if w < 10 * info["fontSize"]]
            if narrow:
                problems.append(f"{page}: {len(narrow)} sentence cells narrower than 10 characters ({narrow[:3]})")
            _save_screenshots(browser, f"phone/{page}")
            if sticky is not None:
                # The layer table scrolled to its last column: the layer
                # names should still be there, on the left.
                browser.execute_script(
                    "const w = document.querySelector('.kc-spec-table .md-typeset__scrollwrap');"
                    "w.scrollIntoView({block: 'start'}); window.scrollBy(0, -80); w.scrollLeft = w.scrollWidth;"
                )
                time.sleep(0.1)
                browser.save_screenshot(str(SCREENSHOTS / f"{_screenshot_name('phone/' + page)}--table-scrolled.png"))
    finally:
        _phone(browser, False)
    assert not problems, "\n".join(problems)


def test_search_stays_in_the_page_language(server, browser):
    from selenium.webdriver.common.by import By

    found = {}
    queries = (
        (f"{CHINESE}/", "术语表"),
        (f"{CHINESE}/", "ResNet"),
        (f"{CHINESE}/", "步幅"),
        ("", "glossary"),
        ("", "ResNet"),
    )
    for start, query in queries:
        browser.get(f"{server}/{start}")
        search = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
        browser.execute_script(
            "document.querySelector('label.md-search__icon, .md-header__button[for=__search]')"
            "?.click(); arguments[0].focus();",
            search,
        )
        search.clear()
        search.send_keys(query)
        links = []
        for _ in range(100):
            links = [
                a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".md-search-result__item a")
            ]
            if links:
                break
            time.sleep(0.1)
        found[start, query] = [link.split("#")[0].split("?")[0][len(server) :] for link in links]
    for (start, query), pages in found.items():
        assert pages, (start, query)
        chinese = [p.startswith(f"/{CHINESE}/") for p in pages]
        assert all(chinese) if start else not any(chinese), (start, query, pages[:8])
    # The Chinese glossary comes first for its own name, not the English one;
    # a student who learnt 步幅 (动手学深度学习's stride) finds it too.
    assert found[f"{CHINESE}/", "术语表"][0] == f"/{CHINESE}/glossary/"
    assert f"/{CHINESE}/glossary/" in found[f"{CHINESE}/", "步幅"]


def test_a_chinese_query_finds_its_page(server, browser):
    from selenium.webdriver.common.by import By

    # jieba cuts the Chinese text into words when the site is built; the
    # query 感受野 must lead to the page that explains receptive fields.
    browser.get(f"{server}/{CHINESE}/")
    found = []
    for query, page in (("感受野", "concepts/receptive-fields/"), ("退化问题", "networks/resnet/")):
        search = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
        browser.execute_script(
            "document.querySelector('label.md-search__icon, .md-header__button[for=__search]')"
            "?.click(); arguments[0].focus();",
            search,
        )
        search.clear()
        search.send_keys(query)
        links = []
        for _ in range(100):
            links = [
                a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".md-search-result__item a")
            ]
            if links:
                break
            time.sleep(0.1)
        found.append((query, links[:5]))
        # A result links to its page, with ?h= (the highlighted words) and an anchor.
        assert any(link.split("#")[0].split("?")[0].endswith(f"/{CHINESE}/{page}") for link in links), (
            query,
            links[:8],
        )
    print(found)


def _save_screenshots(driver, page: str) -> None:
    from selenium.webdriver.common.by import By

    name = _screenshot_name(page)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    for selector, suffix in (
        (".kc-diagram", "diagram"),
        ("div.arithmatex", "math"),
        (".kc-spec-table", "table"),
        (".kc-figure", "figure"),
        ("#exercises", "exercises"),
    ):
        elements = driver.find_elements(By.CSS_SELECTOR, selector)
        if not elements:
            continue
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -80);", elements[0])
        time.sleep(0.1)
        driver.save_screenshot(str(SCREENSHOTS / f"{name}--{suffix}.png"))
