"""The visualization figures in the page's language.

Each figure function draws its own words (panel titles, axis and colour-bar
labels, legends, the sentences that replace a degenerate picture) in
English or, with ``language="zh"``, in Chinese; the caller's title is the
caller's. The results here are tiny hand-made arrays, so nothing trains,
and the cases include every degenerate branch (dead channel, zero map,
zero projection, zero gradient, occlusion that changes nothing, a feature
visualisation that never climbed), whose sentences are the longest.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text

from keras_classics.visualize import figures, methods_figures, zfnet_figures
from keras_classics.visualize.activations import TopPatch
from keras_classics.visualize.deconvnet import Projection
from keras_classics.visualize.evolution import EvolutionStep, UnitProjections
from keras_classics.visualize.methods_attribution import GuidedGradCam, SanityCheck
from keras_classics.visualize.methods_features import FeatureVisualization
from keras_classics.visualize.occlusion import Occlusion
from keras_classics.visualize.words import WORDS, say

DOCS = Path(__file__).resolve().parents[1] / "docs"
HAN = re.compile(r"[\u4e00-\u9fff]")
# An English word: two or more letters, not part of a name such as c3 or L2.
WORD = r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z'-]*[A-Za-z](?![A-Za-z0-9_\[])"
# Two English words in a row, with only spaces or punctuation between.
ENGLISH_RUN = re.compile(WORD + r"[\s,.;:()|/+=]+" + WORD)

RNG = np.random.default_rng(0)
IMAGE = RNG.random((8, 8, 1))


def _patch(index, value, box=(-2, -2, 4, 4)):
    top, left, bottom, right = box
    return TopPatch(index, "c3", 1, 0, 0, value, box, RNG.random((bottom - top, right - left, 1)))


def _projection(pixels):
    return Projection(pixels, "c3", 2, 1, 1, 0.0 if not np.any(pixels) else 1.5, (0, 0, 5, 5))


def _figures(language):
    """(case, figure) for every figure function, caller's titles empty
    (or a number, where a title is required), normal and degenerate."""
    zero = np.zeros((8, 8, 1))
    signed = RNG.normal(size=(8, 8, 1))
    occlusion = Occlusion(probability=RNG.random((4, 4)) * 0.5, baseline=0.9, stride=2, size=3, class_index=1)
    saturated = Occlusion(probability=np.ones((4, 4)), baseline=1.0, stride=2, size=3, class_index=1)
    guided = GuidedGradCam(signed * 0.5, signed, RNG.random((8, 8)), RNG.random((2, 2)), "c3", 1)
    climbed = FeatureVisualization(IMAGE, "c3", 4, [0.1, 0.5, 0.9], 1.0, "fourier")
    flat = FeatureVisualization(np.full((8, 8, 1), 0.5), "c3", 4, [0.0, 0.0, 0.0], 0.0, "fourier")
    check = SanityCheck(signed, RNG.normal(size=(8, 8, 1)), 0.25, 0)
    kw = {"language": language}
    yield "filters", figures.filters_figure(RNG.random((3, 5, 5, 1)), **kw)
    yield "norms", figures.norms_figure(RNG.random(6), "c3", **kw)
    yield "feature maps", figures.feature_maps_figure(RNG.random((4, 4, 70)), "c3", IMAGE, **kw)
    yield "flat maps", figures.feature_maps_figure(np.zeros((4, 4, 3)), "c3", IMAGE, **kw)
    patches = [_patch(i, v) for i, v in enumerate([3.0, 2.0])]
    yield "top patches with padding", figures.top_patches_figure(patches, "c3", 1, image_shape=(8, 8), **kw)
    yield "dead channel", figures.top_patches_figure([_patch(0, 0.0)], "c3", 1, **kw)
    projections = [_projection(signed), _projection(RNG.normal(size=(8, 8, 3))), _projection(zero)]
    yield "projections", figures.projection_figure(IMAGE, projections, ["1", "2", "3"], **kw)
    heat = RNG.random((4, 4))
    yield "heatmap", figures.heatmap_figure(IMAGE, heat, "1", "2", (0.5, 2), **kw)
    yield "zero map", figures.heatmap_figure(IMAGE, np.zeros((4, 4)), "1", "2", (0.5, 2), **kw)
    yield "occlusion", figures.occlusion_figure(IMAGE, occlusion, "1", **kw)
    yield "occlusion changes nothing", figures.occlusion_figure(IMAGE, saturated, "1", **kw)
    yield "occlusion of a score", figures.occlusion_figure(IMAGE, saturated, "1", probability=False, **kw)
    yield "saliency", figures.saliency_figure(IMAGE, signed, "1", **kw)
    yield "zero gradient", figures.saliency_figure(IMAGE, zero, "1", **kw)
    yield "attribution", methods_figures.attribution_figure(IMAGE, signed, "1", **kw)
    yield "guided grad-cam", methods_figures.guided_grad_cam_figure(IMAGE, guided, "1", **kw)
    yield "feature visualisation", methods_figures.feature_visualization_figure(climbed, "1", (0.0, 1.0), **kw)
    yield "stretched", methods_figures.feature_visualization_figure(climbed, "1", **kw)
    yield "never climbed", methods_figures.feature_visualization_figure(flat, "1", (0.0, 1.0), **kw)
    yield "sanity check", methods_figures.sanity_check_figure(IMAGE, check, "1", **kw)
    units = [UnitProjections("c3", 1, patches, [_projection(signed), _projection(zero)])]
    yield "zfnet fig. 2", zfnet_figures.patches_and_projections_figure(units, image_shape=(8, 8), **kw)
    steps = [EvolutionStep(1, patches[0], _projection(signed)), EvolutionStep(5, patches[1], _projection(zero))]
    yield "zfnet fig. 4", zfnet_figures.evolution_figure(steps, image_shape=(8, 8), **kw)


def _words(figure) -> list:
    figure.draw_without_rendering()
    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.fixture(scope="module")
def drawn():
    return {
        language: [(case, figure, _words(figure)) for case, figure in _figures(language)] for language in ("en", "zh")
    }


def test_the_english_figures_have_no_chinese_and_say_their_words(drawn):
    for case, _, words in drawn["en"]:
        text = " ".join(words)
        assert not HAN.search(text), f"{case}: Chinese in the English figure: {text!r}"
    every = " ".join(" ".join(" ".join(words).split()) for _, _, words in drawn["en"])
    for sentence in ("dead or silent channel", "zero everywhere", "saturated soft-max", "no gradient to climb"):
        assert sentence in every


def test_the_chinese_figures_write_their_own_words_in_chinese(drawn):
    for case, _, words in drawn["zh"]:
        text = " ".join(words)
        assert HAN.search(text), f"{case}: no Chinese in the Chinese figure: {text!r}"
        runs = [m.group(0) for m in ENGLISH_RUN.finditer(text)]
        assert runs == [], f"{case}: English words in the Chinese figure: {runs}"
    # The notes are wrapped between any two characters: read them unbroken.
    every = " ".join(" ".join(words).replace("\n", "") for _, _, words in drawn["zh"])
    # The degenerate results are said in Chinese too, with the site's terms.
    for sentence in ("死通道", "处处为零", "饱和", "没有梯度", "填充", "感受野", "特征图", "卷积核", "遮挡"):
        assert sentence in every, sentence


def test_every_word_has_both_languages_with_the_same_fields():
    fields = re.compile(r"{(\w+)}")
    for key, (english, chinese) in WORDS.items():
        assert HAN.search(chinese) or not re.search("[A-Za-z]{3}", chinese), key
        assert not HAN.search(english), key
        assert sorted(fields.findall(english)) == sorted(fields.findall(chinese)), key


def test_notes_are_wrapped_to_the_width_in_either_language():
    from keras_classics.visualize.words import wrap

    chinese = wrap(say("dead channel", "zh", layer="c3", channel=1, best="0"), 30)
    english = wrap(say("dead channel", "en", layer="c3", channel=1, best="0"), 30)
    for text in (chinese, english):
        lines = text.split("\n")
        assert len(lines) >= 3
        # A Han character is as wide as two Latin letters.
        assert max(sum(2 if HAN.match(c) else 1 for c in line) for line in lines) <= 32
    assert chinese.replace("\n", "") == say("dead channel", "zh", layer="c3", channel=1, best="0")
    assert " ".join(english.split()) == say("dead channel", "en", layer="c3", channel=1, best="0")
    assert not any(line.startswith(("，", "：", "）")) for line in chinese.split("\n"))


def test_an_unknown_language_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"'en', 'zh'.*'fr'"):
        figures.saliency_figure(IMAGE, IMAGE, "1", language="fr")
    with pytest.raises(ValueError, match="'fr'"):
        say("input", "fr")


def test_the_chinese_figures_render_every_glyph_and_leave_the_font_setting_alone(drawn):
    from matplotlib import rcParams

    from keras_classics.lab.figures import cjk_font

    before = list(rcParams["font.family"])
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (make installs fonts-wqy-microhei); the Chinese would draw as boxes")
    for case, figure, _ in drawn["zh"]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            figure.savefig(io.BytesIO(), format="png")
        missing = [str(w.message) for w in caught if "missing from" in str(w.message).lower()]
        assert missing == [], f"{case}: {missing[:3]}"
    assert list(rcParams["font.family"]) == before


def _images(page: Path) -> list:
    return re.findall(r"!\[[^\]]*\]\((figures/visualize/[^)]+)\)", page.read_text(encoding="utf-8"))


def test_the_chinese_page_shows_the_chinese_twin_of_every_english_figure():
    english = _images(DOCS / "visualize.md")
    chinese = _images(DOCS / "visualize.zh.md")
    assert len(english) >= 16
    for name in english:
        assert name.endswith(".png") and not name.endswith(".zh.png"), name
        assert (DOCS / name).is_file(), name
    for name in chinese:
        assert name.endswith(".zh.png"), f"the Chinese page shows {name}, not a .zh.png twin"
        assert (DOCS / name).is_file(), name
    assert sorted(name.replace(".zh.png", ".png") for name in chinese) == sorted(english)
