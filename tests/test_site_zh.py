"""The site's Chinese edition, checked without building it.

* Every reason a spec file gives (``why``) has its Chinese (``why_zh``),
  with the same numbers; a spec without one does not load.
* The training recipes and the papers' ILSVRC entries have Chinese text
  with the same numbers as their English.
* A page that prints a Python list (LeNet's C3 table where its count
  belongs) fails the build.
* The SVG drawings speak the page's language; in English they are what
  they were before they took a language, and never narrower than their
  own title.
* Every term of the glossary is one word for the Chinese search (jieba
  with the site's own dictionary).

The built site is checked in tests/test_docs.py.
"""

from __future__ import annotations

import collections
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOOKS = DOCS / "hooks"
SPEC_DIR = ROOT / "spec"
HAN = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A number a drawing shows: not inside a name (Conv2D, conv1), but shapes
# (55x55x96) count.
SHOWN_NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:[.,]\d+)*(?![A-WYZa-wyz_])")


def _hooks():
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))


def _numbers(text: str) -> collections.Counter:
    return collections.Counter(NUMBER.findall(text))


def _spec_files():
    return sorted(p for p in SPEC_DIR.glob("*.yaml") if p.name != "schema.yaml")


# --------------------------------------------------------------------------
# The spec's reasons
# --------------------------------------------------------------------------


def test_every_reason_in_the_spec_has_its_chinese_with_the_same_numbers():
    problems = []
    count = 0
    for path in _spec_files():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for kind in ("choices", "deviations"):
            for index, item in enumerate(document.get(kind) or []):
                count += 1
                where = f"{path.name} {kind}[{index}]"
                chinese = item.get("why_zh", "")
                if not HAN.search(chinese):
                    problems.append(f"{where}: no Chinese reason (why_zh)")
                elif _numbers(item["why"]) != _numbers(chinese):
                    # A translation carries the same figures; a stale one does not.
                    problems.append(f"{where}: numbers {_numbers(item['why'])} in why, {_numbers(chinese)} in why_zh")
    assert count > 100  # the specs give about 180 reasons
    assert problems == []


@pytest.mark.parametrize("missing", ["without", "english"])
def test_a_reason_without_chinese_does_not_load(tmp_path, missing):
    from keras_classics.spec.loader import SpecError, load_spec

    text = (SPEC_DIR / "zfnet.yaml").read_text(encoding="utf-8")
    first = re.search(r'\n    why_zh: "[^"]*"', text)
    assert first is not None
    replacement = "" if missing == "without" else '\n    why_zh: "AlexNet\'s k (see size)."'
    (tmp_path / "zfnet.yaml").write_text(text[: first.start()] + replacement + text[first.end() :], encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_spec(tmp_path / "zfnet.yaml")
    message = str(error.value)
    assert "zfnet.yaml" in message and "why_zh" in message or "does not match" in message, message


# --------------------------------------------------------------------------
# Recipes and results
# --------------------------------------------------------------------------


def test_every_recipe_has_chinese_source_and_notes_with_the_same_numbers():
    from keras_classics.training.recipes import RECIPES

    problems = []
    for name, recipe in RECIPES.items():
        for english, chinese in ((recipe.source, recipe.source_zh), (recipe.notes, recipe.notes_zh)):
            if not HAN.search(chinese):
                problems.append(f"{name}: no Chinese for {english[:40]!r}")
            elif _numbers(english) != _numbers(chinese):
                problems.append(f"{name}: {_numbers(english)} against {_numbers(chinese)}")
    assert problems == []


def test_every_ilsvrc_entry_has_chinese_with_the_same_numbers():
    _hooks()
    import results

    problems = [
        f"{row.family}: {row.entry!r} -> {row.entry_zh!r}"
        for row in results.RESULTS
        if not HAN.search(row.entry_zh) or _numbers(row.entry) != _numbers(row.entry_zh)
    ]
    assert problems == []


def test_recipe_rows_are_chinese_on_a_chinese_page():
    _hooks()
    import i18n_words
    import site_macros

    i18n_words.set_language("zh")
    try:
        table = site_macros.i18n.localize(site_macros.recipe("alexnet"))
    finally:
        i18n_words.set_language(i18n_words.DEFAULT)
    # The row labels the issue found in English on the Chinese pages.
    for english in ("| source |", "| optimizer |", "| learning rate |", "Notes kept"):
        assert english not in table
    assert "| 出处 |" in table and "| 学习率 |" in table and "Krizhevsky 等 2012" in table


# --------------------------------------------------------------------------
# No Python value printed into a page
# --------------------------------------------------------------------------

# The C3 sentence and exercise as they were, printing the connection table.
OLD_C3_SENTENCE = 'four, and the last one to all six: {{ l.layer("c3").get("connections") }} pairs'
OLD_C3_EXERCISE = '{{ "C3 ... a table of " ~ l.layer("c3").get("connections") ~ " pairs." }}'


@pytest.mark.parametrize("template", [OLD_C3_SENTENCE, OLD_C3_EXERCISE])
def test_printing_a_list_fails_the_page(template):
    _hooks()
    import site_macros

    facts = site_macros.spec_facts.model_facts("lenet5")
    with pytest.raises(site_macros.PrintedValueError, match="list"):
        site_macros.render_string(template, l=facts)


def test_the_connection_count_prints_as_a_number():
    _hooks()
    import site_macros

    facts = site_macros.spec_facts.model_facts("lenet5")
    # Table I of the paper: 6 maps read 3, 9 read 4, 1 reads all 6.
    expected = 6 * 3 + 9 * 4 + 6
    assert site_macros.render_string('{{ l.layer("c3").connections }} pairs', l=facts) == f"{expected} pairs"
    text = site_macros.render_string('{{ "a table of " ~ l.layer("c3").connections ~ " pairs" }}', l=facts)
    assert text == f"a table of {expected} pairs"


@pytest.mark.parametrize("value", [None, {"a": 1}, (1, 2), {1, 2}, object()])
def test_other_values_that_are_not_text_fail_too(value):
    _hooks()
    import site_macros

    with pytest.raises(site_macros.PrintedValueError):
        site_macros.render_string("{{ x }}", x=value)


# --------------------------------------------------------------------------
# The SVG drawings
# --------------------------------------------------------------------------

# The commit before the drawings took a language: their English must not
# change, apart from the canvas widened to fit a title.
BEFORE_LANGUAGES = "74c102a"
DRAWN = ["lenet5", "alexnet", "alexnet_two_tower", "zfnet", "vgg16", "googlenet", "googlenet_aux"]
BLOCKS = ["resnet50", "resnet20"]


def _module_at(commit: str, path: str, name: str):
    """``path`` as it was at ``commit``, imported under ``name``."""
    shown = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True)
    if shown.returncode != 0:
        pytest.fail(
            f"cannot read {path} at commit {commit} ({shown.stderr.strip()}): this test compares the English "
            "drawings with that commit's and needs the repository's history (a full clone)"
        )
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    try:
        exec(compile(shown.stdout, f"{commit}:{path}", "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


@pytest.fixture(scope="module")
def anatomies():
    import keras

    import keras_classics
    from keras_classics.anatomy import anatomy

    built = {}
    for name in DRAWN + BLOCKS:
        built[name] = anatomy(keras_classics.build(name))
        keras.backend.clear_session()
    return built


_WIDTH = re.compile(r'(<svg [^>]*?width=")(\d+)(" height="\d+" viewBox="0 0 )(\d+)( \d+")')
_BACKGROUND = re.compile(r'<rect width="(\d+)" height="(\d+)" fill="white"/>')


def _canvas(svg: str):
    """The SVG with its canvas width taken out, and that width."""
    match = _WIDTH.search(svg)
    assert match and match.group(2) == match.group(4), svg[:200]
    width = int(match.group(2))
    svg = _WIDTH.sub(r"\1W\3W\5", svg, count=1)
    background = _BACKGROUND.search(svg)
    assert background and int(background.group(1)) == width
    return _BACKGROUND.sub(r'<rect width="W" height="\2" fill="white"/>', svg, count=1), width


def test_english_drawings_are_unchanged_but_for_a_wider_canvas(anatomies):
    from keras_classics import diagram, figures

    old_diagram = _module_at(BEFORE_LANGUAGES, "keras_classics/diagram.py", "_diagram_before")
    old_figures = _module_at(BEFORE_LANGUAGES, "keras_classics/figures.py", "_figures_before")
    pairs = [
        (name, old_diagram.to_svg(anatomies[name], title=name), diagram.to_svg(anatomies[name], title=name))
        for name in DRAWN
    ]
    pairs += [
        (
            f"{name} blocks",
            old_diagram.to_block_svg(anatomies[name], title=name),
            diagram.to_block_svg(anatomies[name], title=name),
        )
        for name in BLOCKS
    ]
    pairs += [(name, old_figures.FIGURES[name](), make()) for name, make in figures.FIGURES.items()]
    assert len(pairs) == 13
    widened = []
    for name, before, now in pairs:
        (before_body, before_width), (now_body, now_width) = _canvas(before), _canvas(now)
        assert now_body == before_body, f"{name}: the English drawing changed"
        assert now_width >= before_width, name
        if now_width > before_width:
            widened.append(name)
    # alexnet.svg was 266 px wide and cut its subtitle; it is widened now.
    assert "alexnet" in widened


def _heading_widths(svg: str):
    """The estimated widths of a drawing's first two text lines."""
    from keras_classics._svg import text_width

    texts = re.findall(r'<text x="(\d+(?:\.\d+)?)"[^>]*font-size="([\d.]+)"([^>]*)>([^<]*)</text>', svg)[:2]
    return [float(x) + text_width(t, float(size), "bold" in rest) for x, size, rest, t in texts]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_diagram_is_at_least_as_wide_as_its_title(anatomies, language):
    from keras_classics import diagram

    for name in DRAWN:
        svg = diagram.to_svg(anatomies[name], title=name, language=language)
        _, width = _canvas(svg)
        assert max(_heading_widths(svg)) <= width, (name, language, width)
    # An independent check of the width estimate on the case the issue
    # found: alexnet's subtitle, 55 characters of 12 px Helvetica, needs
    # more than 266 px (at least 0.5 em a character).
    subtitle = re.findall(
        r'font-size="12" fill="#444">([^<]*)<', diagram.to_svg(anatomies["alexnet"], title="alexnet")
    )[0]
    assert _canvas(diagram.to_svg(anatomies["alexnet"], title="alexnet"))[1] >= 30 + len(subtitle) * 6


def _english_words(svg: str):
    """Latin words of the text a drawing shows, less names (layers, Keras
    classes, networks) and units."""
    import html

    shown = html.unescape(" ".join(re.findall(r">([^<>]+)</(?:text|title)>", svg)))
    names = {
        "x",
        "BN",
        "ReLU",
        "LRN",
        "RBF",
        "Dropout",
        "softmax",
        "Inception",
        "GoogLeNet",
        "AlexNet",
        "VGG",
        "ResNet",
    }
    words = re.findall(r"(?<![\w.])[A-Za-z][A-Za-z]+(?![\w])", shown)
    return [w for w in words if w not in names and not re.search(r"\d|_", w)]


def test_chinese_drawings_have_chinese_words(anatomies):
    from keras_classics import diagram, figures

    drawings = {name: diagram.to_svg(anatomies[name], title=name, language="zh") for name in DRAWN}
    drawings.update({f"{n} blocks": diagram.to_block_svg(anatomies[n], title=n, language="zh") for n in BLOCKS})
    drawings.update({name: make(language="zh") for name, make in figures.FIGURES.items()})
    problems = []
    for name, svg in drawings.items():
        if not HAN.search(svg):
            problems.append(f"{name}: no Chinese")
        # Layer names (conv1, logits, predictions) are the model's own; the
        # rest of the words must be Chinese.
        model = name.split()[0]
        layers = {row.name for row in anatomies[model].rows} | {"input", model} if model in anatomies else set()
        left = [w for w in _english_words(svg) if w not in layers]
        if left:
            problems.append(f"{name}: English words {sorted(set(left))[:8]}")
        english = diagram.to_svg(anatomies[name], title=name) if name in DRAWN else None
        if english is not None:
            # The same numbers in both languages (not the digits of a Keras
            # class, Conv2D, which the Chinese drawing calls 卷积).
            shown = [re.sub(r"<[^>]+>", " ", text) for text in (english, svg)]
            counts = [collections.Counter(SHOWN_NUMBER.findall(text)) for text in shown]
            if counts[0] != counts[1]:
                problems.append(
                    f"{name}: numbers {counts[0] - counts[1]} only in English, {counts[1] - counts[0]} only in Chinese"
                )
    assert problems == []


def test_a_drawing_refuses_a_language_it_is_not_written_in(anatomies):
    from keras_classics import diagram, figures

    with pytest.raises(ValueError, match="'en' or 'zh', not 'fr'"):
        diagram.to_svg(anatomies["lenet5"], language="fr")
    with pytest.raises(ValueError, match="not 'fr'"):
        figures.pooling_windows_svg(language="fr")


# --------------------------------------------------------------------------
# The Chinese search's words
# --------------------------------------------------------------------------


def _glossary_terms():
    """The Chinese words of the glossary's first two columns (term and
    also-called): each run of Chinese characters, cut at punctuation."""
    text = (DOCS / "glossary.zh.md").read_text(encoding="utf-8")
    terms = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) < 2 or cells[0] in ("术语", ":---"):
            continue
        for cell in cells[:2]:
            # "汇聚（池化层又称汇聚层）": the notes in brackets name terms of their own.
            for part in re.split(r"[（）、，/ ]|又称", cell):
                terms += re.findall(r"[\u4e00-\u9fff]+", part)
    return sorted(set(terms))


def _material_jieba():
    """jieba as Material's search plugin sets it up for this site."""
    try:
        import jieba
    except ImportError as error:
        pytest.fail(f"jieba (Material's Chinese search) is not installed: pip install -e '.[docs]' ({error})")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    match = re.search(r"jieba_dict_user:\s*(\S+)", config)
    assert match, "mkdocs.yml's search plugin names no jieba_dict_user"
    jieba.load_userdict(str(ROOT / match.group(1)))
    return jieba


def test_every_glossary_term_is_one_word_for_the_chinese_search():
    terms = _glossary_terms()
    assert {"感受野", "侧抑制", "集成模型", "步幅", "汇聚层", "批量规范化", "暂退法"} <= set(terms)
    jieba = _material_jieba()
    split = {term: list(jieba.cut(term)) for term in terms}
    assert {term: words for term, words in split.items() if words != [term]} == {}
