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
    nav = _nav_pages(_mkdocs_config()["nav"])
    assert [p for p in nav if not (DOCS / p).is_file()] == []
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


def test_lab_pages_fixed_words_are_chinese_and_their_numbers_kept():
    import re

    _hooks()
    import i18n_words

    page = (
        "## Results\n\n"
        "| claim | quantity | difference | 2 x spread | verdict |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| dropout narrows the gap | gap | -0.6% | 1.2% | **not distinguishable at this scale** |\n"
        "| plain-56 (`plain56`, seeds 3) | 76.6% ± 14.6% (59.8% to 86.6%) | **reproduced** | x | y |\n"
    )
    i18n_words.set_language(CHINESE)
    try:
        chinese = i18n_words.localize_lab(page)
    finally:
        i18n_words.set_language(i18n_words.DEFAULT)
    assert "## 结果" in chinese and "| 说法 | 量 | 差值 | 2 倍离散度 | 判定 |" in chinese
    assert "**在此规模下无法区分**" in chinese and "**已重现**" in chinese and "3 个种子" in chinese
    assert re.findall(r"\d+(?:\.\d+)?", page) == re.findall(r"\d+(?:\.\d+)?", chinese)
    assert i18n_words.localize_lab(page) == page  # English pages untouched


def test_lab_pages_are_chinese_throughout_with_the_same_numbers():
    # Claims, setups, statements and discussions come from i18n_lab and
    # discussion.zh.md; every number of the page must survive the swap.
    import collections
    import re

    macros = _hooks()
    import i18n_words

    from keras_classics.lab.experiments import EXPERIMENTS

    number = re.compile(r"\d+(?:[.,]\d+)*")
    for name, experiment in EXPERIMENTS.items():
        folder = DOCS / "lab" / "results" / name
        if (folder / "discussion.md").is_file():
            english = (folder / "discussion.md").read_text(encoding="utf-8")
            chinese = (folder / "discussion.zh.md").read_text(encoding="utf-8")
            assert collections.Counter(number.findall(english)) == collections.Counter(number.findall(chinese)), name
    i18n_words.set_language(CHINESE)
    try:
        pages = {name: macros.lab_page(f"lab/{name}.md") for name in ["index", *EXPERIMENTS]}
    finally:
        i18n_words.set_language(i18n_words.DEFAULT)
    left = []
    for name, experiment in EXPERIMENTS.items():
        declared = [experiment.claim, experiment.notes] + [c.statement for c in experiment.checks]
        left += [f"{name}: {text[:40]}" for text in declared if text in pages[name] or text in pages["index"]]
        assert "## 讨论" in pages[name] and "英文原文" not in pages[name], name
    assert left == []
    english_index = macros.english_page("lab/index.md")
    assert number.findall(english_index.split("| experiment |")[1]) == number.findall(
        pages["index"].split("| 实验 |")[1]
    )


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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """``mkdocs build --strict`` into a temporary folder, once per session."""
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
    diagrams = sorted((built_site["site"] / "assets" / "diagrams").glob("*.svg"))
    assert len(diagrams) >= 6
    for path in diagrams:
        assert path.read_text(encoding="utf-8").lstrip().startswith("<svg"), path


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
# Every page in a real browser
# --------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built_site):
    assert built_site["result"].returncode == 0, "the site did not build"
    handler = functools.partial(_QuietHandler, directory=str(built_site["site"]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
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
            problems.append(f"{page}: requests leaving 127.0.0.1: {outside[:3]}")
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
        shown = {src.rsplit("/", 1)[-1].removesuffix(".svg") for src, *_ in info["teaching"]}
        if not FIGURE_PAGES.get(same, set()) <= shown:
            problems.append(f"{page}: teaching figures {sorted(FIGURE_PAGES[same] - shown)} missing")
        for src, complete, width, height in info["teaching"]:
            if not (complete and width > 0 and height > 0):
                problems.append(f"{page}: teaching figure {src} did not load")
        _save_screenshots(browser, page)
    # A phone-sized window (Chromium's smallest): the table scrolls inside
    # its own box and the text stays readable; a screenshot to look at.
    browser.set_window_size(400, 860)
    try:
        browser.get(f"{server}/networks/alexnet/")
        time.sleep(0.3)
        _save_screenshots(browser, "phone/networks/alexnet/")
    finally:
        browser.set_window_size(WINDOW_WIDTH, 1400)
    chinese_pages = [p for p in pages if p.startswith(f"{CHINESE}/")]
    if len(chinese_pages) != len(english_pages):
        problems.append(f"{len(english_pages)} English pages but {len(chinese_pages)} Chinese ones")
    assert not problems, "\n".join(problems)


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
