"""The explorer on the built site, in headless Chromium.

The site is built once (``built_site`` of tests/test_docs.py) and opened:

* served from 127.0.0.1 under a sub-path (``/course/site/``), in English and
  Chinese: a layer is edited and the output sizes, receptive fields,
  parameters and MACs on the page are those of `keras_classics.arithmetic`;
  a refused setting shows the package's reason, never NaN; the address
  keeps the stack; a network page's exercises open the explorer with that
  network's layers;
* opened from disk (``file://``), where Chromium refuses module imports:
  the explorer and the step-by-step view run all the same;
* at 390 px (a phone), nothing overflows and the controls can be used;
* the notebook widget's module, given a stand-in for anywidget's model,
  draws the stack and sends an edit back.

Screenshots (desktop 1400 px and 390 px, both languages) go to
artifacts/screenshots/explorer/ for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
import time

import pytest
from test_docs import CHINESE, SCREENSHOTS, WINDOW_WIDTH, _QuietHandler, browser, built_site  # noqa: F401

from keras_classics import arithmetic
from keras_classics.explorer import module_source, stylesheet

SHOTS = SCREENSHOTS / "explorer"
PHONE = 390
SUBPATH = "course/site"


@pytest.fixture(scope="module")
def base(built_site, tmp_path_factory):  # noqa: F811
    """The site served under a sub-path, ``http://127.0.0.1:PORT/course/site``;
    the folder above it also holds the widget's test page."""
    assert built_site["result"].returncode == 0, "the site did not build"
    root = tmp_path_factory.mktemp("served")
    (root / "course").mkdir()
    os.symlink(built_site["site"], root / SUBPATH)
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}", "root": root}
    httpd.shutdown()
    httpd.server_close()


def _wait(driver, script: str, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _open(driver, url: str, layers: int = None):
    driver.get("about:blank")
    driver.get_log("browser")
    driver.get(url)
    _wait(driver, "return document.readyState === 'complete'", f"{url} to load")
    if layers is not None:
        _wait(
            driver,
            f"return document.querySelectorAll('.kc-explorer [data-kc=layer]').length === {layers}",
            f"{layers} layers at {url}",
        )


_READ = """
return Array.from(document.querySelectorAll(arguments[0] + ' [data-kc=layer]')).map(card => {
  const get = (key) => { const e = card.querySelector(`[data-kc=${key}]`); return e ? e.textContent : null; };
  return {size: get('size-out'), rf: get('rf-size'), jump: get('rf-jump'), start: get('rf-start'),
          params: get('params'), macs: get('macs'), error: get('error')};
});
"""


def _shown(driver, root: str = ".kc-explorer") -> list:
    """Each layer's numbers as the page shows them (None where it shows none)."""

    def number(text):
        return None if text is None else float(text.replace(",", ""))

    cards = driver.execute_script(_READ, root)
    return [{k: (v if k == "error" else number(v)) for k, v in card.items()} for card in cards]


def _field(driver, index: int, key: str, root: str = ".kc-explorer"):
    card = driver.find_elements("css selector", f"{root} [data-kc=layer]")[index]
    return card.find_element("css selector", f"[data-kc={key}]")


def _type(driver, index: int, key: str, text: str, root: str = ".kc-explorer") -> None:
    element = _field(driver, index, key, root)
    element.clear()
    element.send_keys(text)


def _select(driver, index: int, key: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(_field(driver, index, key)).select_by_value(value)


def _severe(driver, allowed=()) -> list:
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and not any(a in e["message"] for a in allowed)
    ]


def _expected(size: int, conv: dict, pool: dict) -> list:
    """The two layers' numbers by keras_classics.arithmetic, independently of
    the explorer's stack walk (its Python twin is tested against it under Node)."""
    out1 = arithmetic.conv_output_size(size, conv["kernel"], conv["stride"], conv["padding"])
    before = arithmetic.resolve_padding(size, conv["kernel"], conv["stride"], conv["padding"])[0]
    out2 = arithmetic.pool_output_size(out1, pool["kernel"], pool["stride"])
    rf1 = arithmetic.receptive_field([(conv["kernel"], conv["stride"], before)])
    rf2 = arithmetic.receptive_field([(conv["kernel"], conv["stride"], before), (pool["kernel"], pool["stride"], 0)])
    return [
        {
            "size": out1,
            "rf": rf1.size,
            "jump": rf1.jump,
            "start": rf1.start,
            "params": arithmetic.conv_params(conv["kernel"], 3, 96),
            "macs": arithmetic.conv_macs(out1, conv["kernel"], 3, 96),
            "error": None,
        },
        {"size": out2, "rf": rf2.size, "jump": rf2.jump, "start": rf2.start, "params": 0, "macs": None, "error": None},
    ]


@pytest.mark.parametrize("language", ["en", CHINESE])
def test_editing_a_layer_shows_what_the_package_computes(base, browser, language):  # noqa: F811
    prefix = "" if language == "en" else f"{CHINESE}/"
    url = f"{base['url']}/{SUBPATH}/{prefix}explorer/#preset=alexnet-conv1-pool1"
    _open(browser, url, layers=2)
    pool = {"kernel": 3, "stride": 2}
    # AlexNet's conv1 and pool1 at 227 (Sec. 3.5, Fig. 2): 55 and 27, as loaded.
    assert _shown(browser) == _expected(227, {"kernel": 11, "stride": 4, "padding": "valid"}, pool)
    # The student makes conv1 a 7x7 at stride 2 with Keras's "same" padding.
    _type(browser, 0, "kernel", "7")
    _type(browser, 0, "stride", "2")
    _select(browser, 0, "padding-mode", "same")
    conv = {"kernel": 7, "stride": 2, "padding": "same"}
    assert _shown(browser) == _expected(227, conv, pool)
    assert _shown(browser)[0]["size"] == 114  # ceil(227 / 2)
    _save(browser, f"desktop-{language}", full=True)
    # The address now holds the edited stack; opened anew, it shows it again.
    address = browser.current_url
    assert "layers=conv:" in address and "#preset=" not in address
    _open(browser, address, layers=2)
    assert _shown(browser) == _expected(227, conv, pool)
    # A kernel larger than its padded input: the package's reason, in the
    # page's language, and the layer after it waits.
    _select(browser, 0, "padding-mode", "valid")
    _type(browser, 0, "kernel", "300")
    with pytest.raises(ValueError) as refused:
        arithmetic.conv_output_size(227, 300, 2, "valid")
    shown = _shown(browser)
    assert shown[0]["size"] is None and shown[1]["size"] is None
    if language == "en":
        assert shown[0]["error"] == str(refused.value)
    else:
        assert "比填充后的输入 227" in shown[0]["error"] and "输入至少要 300" in shown[0]["error"]
    _save(browser, f"refused-{language}")
    _type(browser, 0, "kernel", "3")
    _type(browser, 0, "stride", "0")
    stride = _shown(browser)[0]["error"]
    assert stride == "stride must be >= 1, got 0" if language == "en" else "步长必须不小于 1" in stride
    text = browser.execute_script("return document.querySelector('.kc-explorer').textContent")
    assert "NaN" not in text and "undefined" not in text
    assert _severe(browser) == []


@pytest.mark.parametrize("language", ["en", CHINESE])
def test_a_network_page_opens_the_explorer_with_its_layers(base, browser, language):  # noqa: F811
    from selenium.webdriver.common.by import By

    prefix = "" if language == "en" else f"{CHINESE}/"
    _open(browser, f"{base['url']}/{SUBPATH}/{prefix}networks/lenet/")
    link = browser.find_element(By.CSS_SELECTOR, "a.kc-explorer-link")
    assert link.get_attribute("href").endswith(f"/{SUBPATH}/{prefix}explorer/index.html#preset=lenet5")
    browser.execute_script("arguments[0].click()", link)
    _wait(browser, "return document.querySelectorAll('.kc-explorer [data-kc=layer]').length === 5", "LeNet-5")
    # LeNet-5, Sec. II.B: C1 28, S2 14, C3 10, S4 5, C5 1 from the 32x32 input.
    sizes, size = [], 32
    for kind, k, s in (("conv", 5, 1), ("pool", 2, 2), ("conv", 5, 1), ("pool", 2, 2), ("conv", 5, 1)):
        size = arithmetic.conv_output_size(size, k, s) if kind == "conv" else arithmetic.pool_output_size(size, k, s)
        sizes.append(size)
    assert [card["size"] for card in _shown(browser)] == sizes == [28, 14, 10, 5, 1]
    # C3's and the subsamplings' own parameters are said beside the plain count.
    notes = browser.find_elements(By.CSS_SELECTOR, ".kc-explorer [data-kc=model-params]")
    assert len(notes) == 3 and "1,516" in notes[1].text
    assert _severe(browser) == []


# Material's search reads its index with a request that file:// refuses;
# that is the theme's, on every page opened from disk, not the explorer's.
SEARCH_ON_DISK = ("search_index",)


@pytest.mark.parametrize("language", ["en", CHINESE])
def test_the_explorer_runs_from_disk(built_site, browser, language):  # noqa: F811
    from selenium.webdriver.common.by import By

    site = built_site["site"] / ("" if language == "en" else CHINESE)
    _open(browser, (site / "explorer" / "index.html").as_uri() + "#preset=resnet50-stem", layers=2)
    # ResNet-50's stem (Table 1): 112 after the 7x7/2 conv, 56 after the pool.
    shown = _shown(browser)
    assert [card["size"] for card in shown] == [112, 56]
    assert shown[1]["rf"] == arithmetic.receptive_field([(7, 2, 3), (3, 2, 1)]).size == 11
    assert browser.find_elements(By.CSS_SELECTOR, ".kc-explorer [data-kc=field-rect]")
    assert _severe(browser, SEARCH_ON_DISK) == []
    # The arithmetic page's step-by-step view: 7x7 input, 3x3 kernel, stride 2, padding 1.
    _open(browser, (site / "concepts" / "arithmetic" / "index.html").as_uri())
    view = _wait(browser, "return document.querySelector('.kc-slide [data-kc=slide-svg]')", "the step-by-step view")
    out = arithmetic.conv_output_size(7, 3, 2, 1)
    assert len(view.find_elements(By.CSS_SELECTOR, "[data-kc=tap]")) == 9
    first = browser.find_element(By.CSS_SELECTOR, ".kc-slide [data-kc=slide-text]").text
    browser.find_element(By.CSS_SELECTOR, ".kc-slide [data-kc=next]").click()
    second = browser.find_element(By.CSS_SELECTOR, ".kc-slide [data-kc=slide-text]").text
    assert first != second and f"{out * out}" in second
    assert _severe(browser, SEARCH_ON_DISK) == []
    _save(browser, f"slide-{language}", selector=".kc-slide")


_OVERFLOW = """
const width = document.documentElement.clientWidth;
const wide = [];
for (const e of document.querySelectorAll('.kc-x, .kc-x *')) {
  if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;  // drawn inside its picture
  if (e.closest('math')) continue;  // formulas scroll inside their line
  const r = e.getBoundingClientRect();
  if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) wide.push(`${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
}
const controls = Array.from(document.querySelectorAll('.kc-x input, .kc-x select, .kc-x button'))
  .map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8),
        small: controls.filter(r => r.height < 30 || r.width < 30).length, controls: controls.length};
"""


@pytest.mark.parametrize("language", ["en", CHINESE])
def test_the_explorer_fits_a_phone(base, browser, language):  # noqa: F811
    prefix = "" if language == "en" else f"{CHINESE}/"
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": PHONE, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        _open(browser, f"{base['url']}/{SUBPATH}/{prefix}explorer/#preset=googlenet-stem", layers=5)
        fit = browser.execute_script(_OVERFLOW)
        assert fit["width"] == PHONE and fit["scroll"] <= PHONE, fit
        assert fit["wide"] == [], fit
        # Every field, list and button is at least 30 px high and wide.
        assert fit["controls"] > 30 and fit["small"] == 0, fit
        # Typing on the phone works as on the desktop.
        _type(browser, 0, "kernel", "5")
        assert _shown(browser)[0]["size"] == arithmetic.conv_output_size(224, 5, 2, "same")
        _select(browser, 0, "kind", "pool")
        assert _shown(browser)[0]["params"] == 0
        _open(browser, f"{base['url']}/{SUBPATH}/{prefix}explorer/#preset=googlenet-stem", layers=5)
        _save(browser, f"phone-{language}", full=True, width=PHONE)
        _save(browser, f"phone-field-{language}", selector="[data-kc=field-view]", width=PHONE)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.set_window_size(WINDOW_WIDTH, 1400)


_WIDGET_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><style>{css}</style></head>
<body><div id="out"></div>
<script type="module">
// A stand-in for anywidget's model: get, set, save_changes, on, off.
const data = {state};
const listeners = {{}};
window.saved = [];
const model = {{
  get: (key) => JSON.parse(JSON.stringify(data[key])),
  set: (key, value) => {{ data[key] = value; (listeners["change:" + key] || []).forEach((f) => f()); }},
  save_changes: () => window.saved.push(JSON.parse(JSON.stringify(data.layers))),
  on: (name, f) => {{ (listeners[name] = listeners[name] || []).push(f); }},
  off: () => {{}},
}};
window.fromPython = (layers) => model.set("layers", layers);
const source = {source};
const url = URL.createObjectURL(new Blob([source], {{ type: "text/javascript" }}));
const widget = await import(url);
widget.default.render({{ model, el: document.getElementById("out") }});
window.ready = true;
</script></body></html>
"""


def test_the_widget_module_draws_the_stack_and_sends_edits_back(base, browser):  # noqa: F811
    from keras_classics.explorer.chains import preset

    stem = preset("googlenet-stem")
    state = {"lang": "en", "input": stem.input, "layers": stem.layers}
    page = _WIDGET_PAGE.format(css=stylesheet(), state=json.dumps(state), source=json.dumps(module_source("widget.js")))
    (base["root"] / "widget.html").write_text(page, encoding="utf-8")
    browser.get(f"{base['url']}/widget.html")
    _wait(browser, "return window.ready === true", "the widget to render")
    # GoogLeNet's stem, Table 1: 112, 56, 56, 56, 28.
    assert [card["size"] for card in _shown(browser, "#out")] == [112, 56, 56, 56, 28]
    _type(browser, 0, "stride", "1", root="#out")
    saved = browser.execute_script("return window.saved")
    assert saved and saved[-1][0]["stride"] == 1 and saved[-1][0]["kernel"] == 7
    # An empty field is not sent to Python until it holds a number again.
    count = len(saved)
    _field(browser, 0, "kernel", "#out").clear()
    assert len(browser.execute_script("return window.saved")) == count
    # Python changes the layers: the widget redraws them.
    browser.execute_script("window.fromPython(arguments[0])", stem.layers[:2])
    assert [card["size"] for card in _shown(browser, "#out")] == [112, 56]
    assert _severe(browser) == []


def _save(driver, name: str, full: bool = False, selector: str = None, width: int = WINDOW_WIDTH) -> None:
    """A screenshot: the explorer's part of the page, the whole page, or one element."""
    path = SHOTS / f"{name}.png"
    target = selector or ".kc-explorer"
    element = driver.execute_script(f"return document.querySelector('{target}')")
    if full:
        # Grow the window to the element's height and shoot once.
        top = driver.execute_script("return arguments[0].getBoundingClientRect().top + window.scrollY", element)
        height = driver.execute_script("return arguments[0].getBoundingClientRect().height", element)
        metrics = {
            "width": width,
            "height": int(min(top + height + 40, 9000)),
            "deviceScaleFactor": 1,
            "mobile": width < 500,
        }
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        time.sleep(0.3)
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(path))
        if width < 500:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": 844})
        else:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -70);", element)
    time.sleep(0.2)
    driver.save_screenshot(str(path))
