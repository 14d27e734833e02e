"""The display layer: tables in every format, SVG documents, matplotlib
figures, `keras_classics.summary`, the diagrams as objects and the
handouts of ``show`` and ``plot``.

Every output is read back with a tool that does not share the code that
wrote it: CSV with the csv module, HTML with html.parser, PNG by its IHDR
header, PDF by its page objects, the notebook display with IPython's own
formatter. Expected numbers come from Keras (``count_params``), the papers
(ResNet-50's 3 + 4 + 6 + 3 blocks, GoogLeNet's nine inception modules) or
the conv arithmetic done by hand in the test.
"""

from __future__ import annotations

import base64
import csv
import functools
import io
import json
import re
import xml.etree.ElementTree as ET

import keras
import pytest
from _display_readers import display_bundle, parse_html, pdf_pages, png_size

import keras_classics
from keras_classics import cli
from keras_classics.anatomy import Anatomy
from keras_classics.display.files import UnsupportedFormatError
from keras_classics.display.model_diagram import BLOCK_VIEW_DEPTH, Diagram
from keras_classics.display.model_summary import Summary
from keras_classics.display.svg import SvgImage
from keras_classics.display.table import Column, Table, latex_escape

SVG = "{http://www.w3.org/2000/svg}"


@functools.lru_cache(maxsize=None)
def summary_of(name: str) -> Summary:
    """A registered model's summary, built once per session (without weights)."""
    return keras_classics.summary(name)


@pytest.fixture(scope="module")
def alexnet():
    """The paper's AlexNet, built once for this module, with its weights (so
    that Keras can count its parameters independently of the anatomy)."""
    model = keras_classics.alexnet(include_lrn=True)
    yield model
    del model
    keras.backend.clear_session()


# --------------------------------------------------------------------------
# Table
# --------------------------------------------------------------------------

_AWKWARD = Table(
    [Column("name", "name"), Column("count", "count", numeric=True), Column("note", "note")],
    text=[["a_b & c", "1,234", "50% <b>bold</b> | {x} ~ $y$ #1 ^ \\"], ["plain", "", ""]],
    values=[["a_b & c", 1234, "50% <b>bold</b> | {x} ~ $y$ #1 ^ \\"], ["plain", None, None]],
    title="a <table> & its title",
    notes=["total: 1,234"],
)


def test_csv_reads_back_as_the_values():
    rows = list(csv.reader(io.StringIO(_AWKWARD.to_csv())))
    assert rows[0] == ["name", "count", "note"]
    assert rows[1] == ["a_b & c", "1234", "50% <b>bold</b> | {x} ~ $y$ #1 ^ \\"]
    assert rows[2] == ["plain", "", ""]
    assert len(rows) == 3  # the notes are not rows


def test_html_is_escaped_and_has_one_row_per_row():
    cells = parse_html(_AWKWARD.to_html())
    assert "b" not in cells.tags and "script" not in cells.tags  # markup in a cell stays text
    assert cells.sections["thead"] == [["name", "count", "note"]]
    assert cells.sections["tbody"][0][2] == "50% <b>bold</b> | {x} ~ $y$ #1 ^ \\"
    assert len(cells.sections["tbody"]) == 2
    assert cells.sections["tfoot"] == [["total: 1,234"]]
    page = _AWKWARD.to_html(document=True)
    assert page.startswith("<!DOCTYPE html>") and "<title>a &lt;table&gt; &amp; its title</title>" in page


def test_html_sets_no_colour_so_that_dark_themes_read_it():
    fragment = _AWKWARD.to_html().lower()
    assert "color" not in fragment and "background" not in fragment


def test_latex_is_booktabs_with_every_special_character_escaped():
    latex = _AWKWARD.to_latex()
    lines = latex.splitlines()
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        assert lines.count(rule) == 1
    body = lines[lines.index("\\midrule") + 1 : lines.index("\\bottomrule")]
    assert len(body) == 2
    # Unescaped, each special character would end a cell, start math, a
    # comment or a group; escaped, none is left bare.
    first = body[0]
    assert first.count(" & ") == 2  # three cells: the "&" in the name is escaped
    bare = re.sub(r"\\(textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar)\{\}", "", first)
    bare = re.sub(r"\\[&%$#_{}]", "", bare)
    bare = bare.replace(" & ", "").removesuffix(" \\\\")
    assert not set(bare) & set("&%$#_{}~^\\<>|"), bare
    assert "\\begin{tabular}{lrl}" in latex
    assert "\\caption{a \\textless{}table\\textgreater{} \\& its title. total: 1,234}" in latex


def test_latex_escape_round_trip_of_each_character():
    assert latex_escape("_") == "\\_"
    assert latex_escape("\\") == "\\textbackslash{}"
    assert latex_escape("~^") == "\\textasciitilde{}\\textasciicircum{}"


def test_markdown_escapes_pipes_and_keeps_one_line_per_row():
    lines = _AWKWARD.to_markdown().splitlines()
    table_lines = [line for line in lines if line.startswith("| ")]
    assert len(table_lines) == 2 + 2
    assert "\\|" in table_lines[2] and table_lines[1] == "| :--- | ---: | :--- |"
    assert lines[-1] == "total: 1,234"


def test_the_terminal_table_aligns_numbers_right():
    lines = str(_AWKWARD).splitlines()
    header, rule = lines[0], lines[1]
    assert set(rule) == {"-"} and len(rule) == len(header)
    assert lines[2].index("1,234") + len("1,234") == header.index("count") + len("count")


def test_json_and_records_carry_the_values():
    data = json.loads(_AWKWARD.to_json())
    assert data["rows"][0]["count"] == 1234 and data["rows"][1]["count"] is None
    assert data["notes"] == ["total: 1,234"]


def test_dataframe_has_the_values():
    pandas = pytest.importorskip("pandas")
    frame = _AWKWARD.to_dataframe()
    assert list(frame.columns) == ["name", "count", "note"]
    assert frame["count"].iloc[0] == 1234 and pandas.isna(frame["count"].iloc[1])


def test_dataframe_without_pandas_says_what_to_do(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        _AWKWARD.to_dataframe()


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="row 0 .* 1 cells for 2 columns"):
        Table([Column("a", "a"), Column("b", "b")], text=[["x"]])


@pytest.mark.parametrize(
    "extension, start", [("csv", "name,count"), ("md", "| name"), ("tex", "% Needs"), ("json", "{")]
)
def test_a_table_saves_by_extension(tmp_path, extension, start):
    path = tmp_path / f"t.{extension}"
    _AWKWARD.save(path)
    assert path.read_text(encoding="utf-8").startswith(start)


def test_a_table_refuses_an_unknown_extension_and_writes_nothing(tmp_path):
    with pytest.raises(UnsupportedFormatError, match=r"\.txt, \.md, \.csv, \.tex, \.html or \.json"):
        _AWKWARD.save(tmp_path / "t.xlsx")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# SVG documents
# --------------------------------------------------------------------------

_RECTANGLE = SvgImage(
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80">'
    '<rect width="120" height="80" fill="white"/><rect x="10" y="10" width="50" height="30" fill="#cfe2ff"/></svg>',
    title="box",
)


def test_png_has_the_svg_size_and_scales():
    assert png_size(_RECTANGLE.to_png()) == (120, 80)
    assert png_size(_RECTANGLE.to_png(scale=2)) == (240, 160)


def test_pdf_is_one_page_of_the_svg_size_in_points():
    # CSS pixels are 1/96 inch, PDF points 1/72: a page of 90 x 60 points.
    assert pdf_pages(_RECTANGLE.to_pdf()) == [(90.0, 60.0)]


@pytest.mark.parametrize("extension", ["svg", "png", "pdf", "PNG"])
def test_svg_saves_by_extension(tmp_path, extension):
    path = tmp_path / f"box.{extension}"
    _RECTANGLE.save(path)
    data = path.read_bytes()
    if extension == "svg":
        assert ET.fromstring(data).get("width") == "120"
    elif extension.lower() == "png":
        assert png_size(data) == (120, 80)
    else:
        assert len(pdf_pages(data)) == 1


def test_svg_refuses_other_extensions_with_the_list_and_writes_nothing(tmp_path):
    with pytest.raises(UnsupportedFormatError, match=r"\.svg, \.png or \.pdf, not .*box\.jpg"):
        _RECTANGLE.save(tmp_path / "box.jpg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _RECTANGLE.save(tmp_path / "missing" / "box.png")
    assert list(tmp_path.iterdir()) == []


def test_png_without_cairosvg_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "cairosvg", None)
    with pytest.raises(ImportError, match="pip install cairosvg"):
        _RECTANGLE.save(tmp_path / "box.png")
    assert list(tmp_path.iterdir()) == []
    _RECTANGLE.save(tmp_path / "box.svg")  # SVG needs nothing


def test_jupyter_shows_an_svg_as_svg():
    bundle = display_bundle(_RECTANGLE)
    assert bundle["image/svg+xml"] == _RECTANGLE.svg
    assert "text/html" not in bundle


# --------------------------------------------------------------------------
# Matplotlib figures
# --------------------------------------------------------------------------


def test_a_figure_shows_as_png_and_saves_by_extension(tmp_path):
    from keras_classics.display.figure import FigureImage, new_figure

    figure = new_figure(3, 2)
    figure.subplots().plot([0, 1], [1, 0])
    image = FigureImage(figure, dpi=50)
    assert png_size(display_bundle(image)["image/png"]) == (150, 100)  # 3 x 2 inches at 50 dpi
    image.save(tmp_path / "f.pdf")
    assert pdf_pages((tmp_path / "f.pdf").read_bytes()) == [(216.0, 144.0)]  # 72 points per inch
    image.save(tmp_path / "f.svg")
    assert ET.parse(tmp_path / "f.svg").getroot().tag == SVG + "svg"
    with pytest.raises(UnsupportedFormatError, match=r"\.png, \.svg or \.pdf"):
        image.save(tmp_path / "f.gif")
    assert not (tmp_path / "f.gif").exists()


# --------------------------------------------------------------------------
# summary()
# --------------------------------------------------------------------------


def test_summary_csv_reads_back_as_the_anatomy_and_sums_to_keras_count(alexnet):
    table = keras_classics.summary(alexnet)
    rows = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert [r["layer"] for r in rows] == [layer.name for layer in alexnet.layers[1:]]
    for read, row in zip(rows, table.rows):
        assert int(read["params"]) == row.params
        assert int(read["macs"]) == row.macs
        assert read["output_shape"] == "x".join(map(str, row.output_shape))
        if row.receptive_field is not None:
            assert int(read["rf_size"]) == row.receptive_field.size
    assert sum(int(r["params"]) for r in rows) == alexnet.count_params()
    conv1 = rows[0]
    # Krizhevsky et al.: 96 kernels of 11x11x3 at stride 4 on 227x227: 55x55.
    assert (conv1["kernel"], conv1["stride"], conv1["output_shape"]) == ("11x11", "4x4", "55x55x96")
    assert int(conv1["params"]) == 96 * (11 * 11 * 3 + 1)
    assert int(conv1["macs"]) == 55 * 55 * 96 * 11 * 11 * 3


def test_summary_html_has_one_row_per_layer_and_the_totals(alexnet):
    table = keras_classics.summary(alexnet)
    bundle = display_bundle(table)
    cells = parse_html(bundle["text/html"])
    assert len(cells.sections["tbody"]) == len(alexnet.layers) - 1  # all but the InputLayer
    assert cells.sections["thead"][0][:2] == ["layer", "type"]
    (totals,) = cells.sections["tfoot"]
    assert f"{alexnet.count_params():,} parameters" in totals[0]
    # In a terminal, the same table as text.
    assert bundle["text/plain"] == str(table).rstrip("\n") == table.to_text().rstrip("\n")
    assert str(table).splitlines()[-1].startswith(f"{alexnet.name}: input 227x227x3, {alexnet.count_params():,}")


def test_summary_dataframe_latex_json(alexnet):
    table = keras_classics.summary(alexnet)
    frame = table.to_dataframe()
    assert int(frame["params"].sum()) == alexnet.count_params()
    assert list(frame["layer"]) == [layer.name for layer in alexnet.layers[1:]]
    latex = table.to_latex().splitlines()
    body = latex[latex.index("\\midrule") + 1 : latex.index("\\bottomrule")]
    assert len(body) == len(alexnet.layers) - 1
    assert json.loads(table.to_json())["totals"]["params"] == alexnet.count_params()


def test_summary_of_a_name_is_the_summary_of_the_built_model(alexnet):
    by_name = summary_of("alexnet")
    assert isinstance(by_name, Summary) and isinstance(by_name, Anatomy)
    assert by_name.rows == keras_classics.summary(alexnet).rows


def test_summary_of_a_name_leaves_no_variable_to_fill_later():
    from keras.src.backend.common import global_state

    before = len(global_state.get_global_attribute("uninitialized_variables", []) or [])
    keras_classics.summary("lenet5_modern")
    after = len(global_state.get_global_attribute("uninitialized_variables", []) or [])
    assert after == before


def test_summary_at_another_input_size():
    # Five poolings of 2 take 64 to 2: block5_pool is 2x2x512.
    table = keras_classics.summary("vgg16", input_shape=64, include_top=False)
    assert table.row("block5_pool").output_shape == (2, 2, 512)
    assert table.input_shape == (64, 64, 3)


def test_summary_fills_open_dimensions_of_a_model():
    model = keras_classics.vgg11(include_top=False, input_shape=(None, None, 3))
    table = keras_classics.summary(model, input_shape=(64, 96))
    assert table.row("block5_pool").output_shape == (2, 3, 512)
    # The first convolution: 64 x 96 positions, 64 filters of 3x3x3.
    assert table.row("block1_conv1").macs == 64 * 96 * 64 * 3 * 3 * 3


def test_summary_refuses_a_size_a_fixed_model_cannot_take():
    model = keras_classics.build("lenet5_modern")
    with pytest.raises(ValueError, match="32x32x1, not 28x28x1"):
        keras_classics.summary(model, input_shape=28)
    with pytest.raises(TypeError, match="registered name only"):
        keras_classics.summary(model, two_tower=True)


def test_anatomy_module_called_gives_the_summary():
    # keras_classics.anatomy(m) once raised "'module' object is not callable".
    table = keras_classics.anatomy("lenet5")
    assert isinstance(table, Summary)
    assert table.row("c1").params == 156  # LeCun et al. 1998: 6 x (25 + 1)
    from keras_classics.anatomy import anatomy

    assert callable(anatomy) and anatomy is keras_classics.anatomy.anatomy


def test_summary_saves_handouts_by_extension(tmp_path):
    table = summary_of("lenet5")
    table.save(tmp_path / "lenet5.csv")
    rows = list(csv.DictReader(open(tmp_path / "lenet5.csv")))
    assert [r["layer"] for r in rows] == [row.name for row in table.rows]
    table.save(tmp_path / "lenet5.html")
    assert len(parse_html((tmp_path / "lenet5.html").read_text()).sections["tbody"]) == len(table.rows)
    with pytest.raises(UnsupportedFormatError):
        table.save(tmp_path / "lenet5.docx")


# --------------------------------------------------------------------------
# Diagrams
# --------------------------------------------------------------------------


def _texts(svg: str):
    return [t.text for t in ET.fromstring(svg).iter(SVG + "text")]


def test_resnet50_is_drawn_block_by_block_by_default():
    drawing = summary_of("resnet50").diagram()
    # He et al. 2016, Table 1: 3, 4, 6 and 3 blocks in conv2_x to conv5_x.
    assert drawing.block_view
    assert [b.split("_")[0] for b in drawing.blocks].count("conv4") == 6
    assert len(drawing.blocks) == 16
    width, height = drawing.size
    flat = summary_of("resnet50").diagram(blocks=False)
    assert flat.size[1] > 5 * height  # the flat drawing is over 10,000 px tall
    assert "conv3_block1" in _texts(drawing.svg)


def test_expanding_a_block_draws_its_layers():
    drawing = summary_of("resnet50").diagram()
    block = drawing.expand("conv3_block1")
    layers = [r.name for r in summary_of("resnet50").rows if r.name.startswith("conv3_block1_")]
    texts = set(_texts(block.svg))
    assert set(layers) <= texts and not block.block_view
    # The block is fed by conv2_block3_out: 56x56x256.
    assert "Input · 56x56x256" in texts
    with pytest.raises(KeyError, match="Did you mean 'conv3_block1'"):
        drawing.expand("conv3_blok1")


def test_a_block_view_in_jupyter_opens_each_block():
    drawing = summary_of("resnet50").diagram()
    bundle = display_bundle(drawing)
    cells = parse_html(bundle["text/html"])
    assert cells.tags.count("details") == len(drawing.blocks) == 16
    inner = [base64.b64decode(img["src"].split(",", 1)[1]).decode() for img in cells.images]
    assert inner[0] == drawing.svg
    assert inner[1] == drawing.expand("conv2_block1").svg
    assert "image/svg+xml" in bundle  # and the drawing alone, for other front ends


def test_a_flat_drawing_in_jupyter_is_the_svg():
    drawing = summary_of("lenet5").diagram()
    assert not drawing.block_view and drawing.blocks == ()
    bundle = display_bundle(drawing)
    assert "text/html" not in bundle and bundle["image/svg+xml"] == drawing.svg


def test_googlenet_folds_into_its_nine_inception_modules():
    table = summary_of("googlenet")
    drawing = table.diagram()
    # Szegedy et al. 2015, Table 1: 3a, 3b, 4a to 4e, 5a, 5b.
    assert drawing.blocks == tuple(f"inception{m}" for m in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"))
    assert drawing.block_view
    texts = _texts(drawing.svg)
    # The folded drawing keeps the network's totals in its subtitle.
    assert any(t and t.startswith(f"{table.params:,} parameters") for t in texts)
    assert "6 conv, pool · 28x28x256" in texts  # 3a: 64 + 128 + 32 + 32 maps


def test_a_plain_network_gets_no_shortcut_in_its_block_view():
    drawing = summary_of("plain20").diagram()
    assert drawing.block_view and len(drawing.blocks) == 9  # 3 stages of 3 blocks
    assert not any(t and "shortcut" in t for t in _texts(drawing.svg))


def test_vgg16_stays_layer_by_layer_unless_asked():
    table = summary_of("vgg16")
    assert not table.diagram().block_view  # 24 rows, under BLOCK_VIEW_DEPTH
    assert len(table.rows) < BLOCK_VIEW_DEPTH
    assert table.diagram(blocks=True).blocks == ("block1", "block2", "block3", "block4", "block5")


def test_blocks_asked_of_a_network_without_blocks():
    with pytest.raises(ValueError, match="lenet5 has no blocks"):
        summary_of("lenet5").diagram(blocks=True)


def test_a_users_model_gets_the_edge_from_its_input():
    inputs = keras.Input((16, 16, 3))  # Keras names it input_layer
    x = keras.layers.Conv2D(4, 3, name="a")(inputs)
    y = keras.layers.Conv2D(4, 3, name="b")(x)
    drawing = Diagram(keras_classics.summary(keras.Model(inputs, y)))
    arrows = [p for p in ET.fromstring(drawing.svg).iter(SVG + "path") if p.get("marker-end")]
    assert len(arrows) == 2  # input -> a -> b


def test_a_diagram_saves_as_png_of_its_size(tmp_path):
    drawing = summary_of("lenet5").diagram()
    drawing.save(tmp_path / "lenet5.png")
    assert png_size((tmp_path / "lenet5.png").read_bytes()) == drawing.size


# --------------------------------------------------------------------------
# The command line's handouts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["csv", "latex", "html", "markdown"])
def test_cli_show_formats(capsys, form):
    assert cli.main(["show", "lenet5", "--format", form]) == 0
    out = capsys.readouterr().out
    names = [row.name for row in summary_of("lenet5").rows]
    if form == "csv":
        assert [r["layer"] for r in csv.DictReader(io.StringIO(out))] == names
    elif form == "html":
        assert out.startswith("<!DOCTYPE html>")
        assert [r[0] for r in parse_html(out).sections["tbody"]] == names
    elif form == "latex":
        assert "\\toprule" in out and out.count(" \\\\\n") == 1 + len(names)
    else:
        assert sum(1 for line in out.splitlines() if line.startswith("| ")) == 2 + len(names)


def test_cli_plot_png_and_pdf(tmp_path):
    svg, png, pdf = (tmp_path / f"alexnet.{e}" for e in ("svg", "png", "pdf"))
    for path in (svg, png, pdf):
        assert cli.main(["plot", "alexnet", "-o", str(path)]) == 0
    root = ET.parse(svg).getroot()
    width, height = int(root.get("width")), int(root.get("height"))
    assert png_size(png.read_bytes()) == (width, height)
    assert pdf_pages(pdf.read_bytes()) == [(width * 0.75, height * 0.75)]


def test_cli_plot_blocks_flags(tmp_path):
    blocks, layers = tmp_path / "b.svg", tmp_path / "l.svg"
    assert cli.main(["plot", "resnet18", "-o", str(blocks)]) == 0
    assert cli.main(["plot", "resnet18", "--no-blocks", "-o", str(layers)]) == 0
    assert int(ET.parse(layers).getroot().get("height")) > 3 * int(ET.parse(blocks).getroot().get("height"))


@pytest.mark.parametrize("output", ["alexnet.jpg", "alexnet", "alexnet.svg.txt"])
def test_cli_plot_refuses_an_extension_in_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, output):
    # Refused before any model is built.
    monkeypatch.setattr("keras_classics.anatomy_cli.build_from_args", lambda *a: pytest.fail("built the model"))
    assert cli.main(["plot", "alexnet", "-o", str(tmp_path / output)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ".svg, .png or .pdf" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_plot_blocks_of_a_network_without_blocks(tmp_path, capsys):
    assert cli.main(["plot", "lenet5", "--blocks", "-o", str(tmp_path / "l.svg")]) == 2
    assert "lenet5 has no blocks" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_packages_figures_show_as_pictures_without_pyplot():
    # A visualization figure and a lab figure, in a process where pyplot was
    # never imported (so matplotlib's inline set-up never ran): the notebook
    # gets a PNG of the figure's own size, not "<Figure size ...>".
    import numpy as np

    from keras_classics.visualize import figures

    figure = figures.saliency_figure(np.zeros((8, 8, 1)), np.arange(64.0).reshape(8, 8, 1), "saliency")
    data = display_bundle(figure)
    assert "image/png" in data
    width, height = png_size(data["image/png"])
    inches = figure.get_size_inches() * figure.dpi
    assert (width, height) == (round(inches[0]), round(inches[1]))
