"""The explorer's JavaScript against the package's Python, under Node.

``keras_classics/explorer/arithmetic.js`` must mean what
`keras_classics.arithmetic` means: for hypothesis-drawn arguments, valid and
invalid, each function returns the same value or refuses with the same
message. ``stack.js`` must walk a stack of layers as
`keras_classics.explorer.stack.evaluate` does. The cases of one test go to
one Node process as JSON (tests/explorer_harness.mjs), so that a test costs
one process, not one per case.

The modules that the site and the widget inline (`module_source`) must
parse, and the widget's must export anywidget's ``render``.

Needs Node 18 or newer (``node`` on the PATH); without it these tests fail
with what to install.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from keras_classics import arithmetic
from keras_classics.explorer import ASSETS, module_source
from keras_classics.explorer.chains import site_presets
from keras_classics.explorer.stack import evaluate

HARNESS = Path(__file__).with_name("explorer_harness.mjs")
NODE_HINT = "install Node.js 18 or newer (Debian: apt-get install nodejs)"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not on the PATH: {NODE_HINT}")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 18:
        pytest.fail(f"node {version} is too old: {NODE_HINT}")
    return node


def _run_js(module: str, calls: list) -> list:
    """``calls`` ([function, [args]] pairs) run by ``module`` in one Node process."""
    result = subprocess.run(
        [_node(), str(HARNESS), str(ASSETS / module)],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(result.stdout)
    crashes = [(call, r["crash"]) for call, r in zip(calls, results) if "crash" in r]
    assert not crashes, f"the module threw something other than its ArithmeticError: {crashes[:3]}"
    return results


def _run_py(function, args) -> dict:
    try:
        value = function(*args)
    except ValueError as error:
        return {"error": str(error)}
    if isinstance(value, arithmetic.ReceptiveField):
        value = {"size": value.size, "jump": value.jump, "start": value.start}
    elif isinstance(value, tuple):
        value = list(value)
    return {"value": value}


def _draw(strategy, count: int) -> list:
    """Up to ``count`` hypothesis-drawn examples of ``strategy``, each once,
    kept to be run in one batch (a failure names the case; hypothesis does
    not shrink it). About 1.3 ms of CPU each on the development machine."""
    cases = {}

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case):
        cases[json.dumps(case)] = case

    collect()
    return list(cases.values())


def _compare(module: str, name: str, function, cases: list) -> tuple:
    """Run ``cases`` (argument lists) through the JS ``name`` and the Python
    ``function``; assert they agree; return (how many values, how many errors)."""
    expected = [_run_py(function, args) for args in cases]
    got = _run_js(module, [[name, args] for args in cases])
    differ = [(args, e, g) for args, e, g in zip(cases, expected, got) if e != g]
    assert not differ, f"{len(differ)} of {len(cases)} cases differ, e.g. (args, python, js):\n" + "\n".join(
        map(repr, differ[:5])
    )
    values = sum("value" in e for e in expected)
    return values, len(cases) - values


# The arguments. Three cases in four have arguments of the right types, in
# the range where sizes are small and kernels can outgrow them (so that the
# arithmetic itself refuses some); the fourth mixes in values of the wrong
# kind (negative, a float, a bool, None, an unknown word), so that the
# refusals of the argument checks are compared too. (JSON cannot tell 3.0
# from 3, and JavaScript has one kind of number: integral floats are not
# drawn.)
_WRONG = st.sampled_from([-1, 0, 2.5, True, False, None, "3"])
_PADDING = st.one_of(
    st.sampled_from(["valid", "same", "SAME", "Valid"]),
    st.integers(0, 6),
    st.lists(st.integers(0, 5), min_size=2, max_size=2),
)
_BAD_PADDING = st.one_of(
    st.sampled_from(["full", ""]), st.integers(-2, -1), st.lists(st.integers(-1, 5), min_size=1, max_size=3), _WRONG
)


def _sometimes_wrong(*arguments) -> st.SearchStrategy:
    right = st.tuples(*arguments).map(list)
    wrong = st.tuples(*(st.one_of(a, a, w) for a, w in zip(arguments, _wrong_for(arguments)))).map(list)
    return st.one_of(right, right, right, wrong)


def _wrong_for(arguments):
    return [_BAD_PADDING if a is _PADDING else _WRONG for a in arguments]


_SIZE = st.one_of(st.integers(1, 40), st.integers(1, 300))
_WINDOW = st.integers(1, 13)
_STRIDE = st.integers(1, 5)
_DILATION = st.integers(1, 4)


def _check_mix(values: int, errors: int, total: int) -> None:
    # A comparison of nothing but refusals (or of nothing but values) would
    # prove little: both must be there in earnest.
    assert values >= total // 5 and errors >= total // 10, (values, errors)


def test_conv_output_size_agrees_with_python():
    cases = _draw(_sometimes_wrong(_SIZE, _WINDOW, _STRIDE, _PADDING, _DILATION), 700)
    values, errors = _compare("arithmetic.js", "convOutputSize", arithmetic.conv_output_size, cases)
    _check_mix(values, errors, len(cases))
    print(f"convOutputSize: {len(cases)} cases, {values} sizes, {errors} refusals, all equal")


def test_pool_output_size_agrees_with_python():
    rounding = st.sampled_from(["floor", "ceil"])
    stride = st.one_of(st.none(), _STRIDE)
    cases = _draw(
        st.one_of(_sometimes_wrong(_SIZE, _WINDOW, stride, _PADDING, rounding), st.just([7, 3, 2, "valid", "round"])),
        700,
    )
    values, errors = _compare("arithmetic.js", "poolOutputSize", arithmetic.pool_output_size, cases)
    _check_mix(values, errors, len(cases))
    # Caffe's ceiling (and its correction) is among the compared cases.
    assert sum(case[4] == "ceil" for case in cases) > len(cases) // 5
    print(f"poolOutputSize: {len(cases)} cases, {values} sizes, {errors} refusals, all equal")


def test_receptive_field_agrees_with_python():
    layer = st.one_of(
        st.tuples(st.integers(1, 11), st.integers(1, 4), st.integers(0, 5), st.integers(1, 3)).map(list),
        st.tuples(st.integers(1, 11), st.integers(1, 4)).map(list),
        st.lists(st.one_of(st.integers(-1, 12), _WRONG), min_size=1, max_size=5),
    )
    cases = _draw(st.lists(layer, min_size=0, max_size=7).map(lambda layers: [layers]), 300)
    values, errors = _compare("arithmetic.js", "receptiveField", arithmetic.receptive_field, cases)
    _check_mix(values, errors, len(cases))
    print(f"receptiveField: {len(cases)} cases, {values} fields, {errors} refusals, all equal")


def test_padding_params_and_macs_agree_with_python():
    same = _draw(_sometimes_wrong(_SIZE, _WINDOW, _STRIDE, _DILATION), 150)
    resolve = _draw(_sometimes_wrong(_SIZE, _WINDOW, _STRIDE, _PADDING, _DILATION), 150)
    channels = st.integers(1, 300)
    kernel = st.one_of(_WINDOW, st.lists(_WINDOW, min_size=2, max_size=2), st.lists(_WINDOW, min_size=1, max_size=3))
    groups = st.integers(1, 8)
    params = _draw(_sometimes_wrong(kernel, channels, channels, groups, st.booleans()), 150)
    output = st.one_of(_SIZE, st.lists(_SIZE, min_size=2, max_size=2))
    macs = _draw(_sometimes_wrong(output, kernel, channels, channels, groups), 150)
    total = 0
    for name, function, cases in (
        ("samePadding", arithmetic.same_padding, same),
        ("resolvePadding", arithmetic.resolve_padding, resolve),
        ("convParams", arithmetic.conv_params, params),
        ("convMacs", arithmetic.conv_macs, macs),
    ):
        values, errors = _compare("arithmetic.js", name, function, cases)
        assert values > 0 and errors > 0, (name, values, errors)
        total += len(cases)
    print(f"samePadding, resolvePadding, convParams, convMacs: {total} cases, all equal")


def _layer() -> st.SearchStrategy:
    padding = st.one_of(
        st.sampled_from(["valid", "same"]), st.integers(0, 4), st.lists(st.integers(0, 3), min_size=2, max_size=2)
    )
    conv = st.fixed_dictionaries(
        {"kind": st.just("conv"), "kernel": st.integers(1, 7), "filters": st.integers(1, 64)},
        optional={
            "stride": st.integers(1, 4),
            "padding": padding,
            "dilation": st.integers(1, 3),
            "groups": st.sampled_from([1, 2, 3, 4]),
            "bias": st.booleans(),
            "in_channels": st.integers(1, 64),
        },
    )
    pool = st.fixed_dictionaries(
        {"kind": st.just("pool"), "kernel": st.integers(1, 5)},
        optional={
            "stride": st.integers(1, 4),
            "padding": padding,
            "rounding": st.sampled_from(["floor", "ceil"]),
            "op": st.sampled_from(["max", "avg"]),
        },
    )
    return st.one_of(conv, conv, pool)


def test_a_stack_is_walked_as_in_python():
    stacks = _draw(
        st.tuples(
            st.fixed_dictionaries({"size": st.integers(1, 80), "channels": st.integers(1, 16)}),
            st.lists(_layer(), min_size=1, max_size=6),
        ).map(list),
        250,
    )
    expected = [evaluate(*stack) for stack in stacks]
    got = [r["value"] for r in _run_js("stack.js", [["evaluateStack", stack] for stack in stacks])]
    for rows in got:
        for row in rows:
            if row["error"] is not None:
                row["error"] = row["error"]["message"]
    differ = [(s, e, g) for s, e, g in zip(stacks, expected, got) if e != g]
    assert not differ, "stacks walked differently (stack, python, js):\n" + "\n".join(map(repr, differ[:3]))
    finished = sum(all(r["error"] is None for r in rows) for rows in expected)
    assert finished > len(stacks) // 5 and finished < len(stacks)
    print(f"evaluateStack: {len(stacks)} stacks, {finished} walked to the end, the rest refused, all equal")


def test_the_presets_survive_the_address():
    # A stack written into the page's address (#input=...&layers=...) reads
    # back as the same stack: each site preset, through stack.js.
    states = [{"input": p["input"], "layers": p["layers"]} for p in site_presets("en")]
    script = (
        f"import {{ encodeState, decodeState }} from {json.dumps((ASSETS / 'stack.js').as_uri())};\n"
        "import { readFileSync } from 'node:fs';\n"
        "const states = JSON.parse(readFileSync(0, 'utf8'));\n"
        "process.stdout.write(JSON.stringify(states.map((s) => decodeState('#' + encodeState(s)))));\n"
    )
    result = subprocess.run(
        [_node(), "--input-type=module", "-e", script], input=json.dumps(states), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    back = json.loads(result.stdout)
    for state, read in zip(states, back):
        assert read["input"] == state["input"]
        # decodeState fills a new layer's defaults; every key written comes back.
        assert [{k: layer[k] for k in original} for layer, original in zip(read["layers"], state["layers"])] == state[
            "layers"
        ]
    assert sum(len(s["layers"]) for s in states) > 100


def test_the_inlined_modules_parse_and_the_widget_exports_render(tmp_path):
    for entry in ("page.js", "widget.js"):
        source = module_source(entry)
        assert "import {" not in source and "arithmetic.js" in source
        path = tmp_path / entry.replace(".js", ".mjs")
        path.write_text(source, encoding="utf-8")
        check = subprocess.run([_node(), "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, f"{entry} does not parse once inlined:\n{check.stderr}"
    # The widget's module loads without a DOM and gives anywidget its render().
    probe = f"const m = await import({json.dumps((tmp_path / 'widget.mjs').as_uri())}); console.log(typeof m.default.render);"
    result = subprocess.run([_node(), "--input-type=module", "-e", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "function", result.stderr


def test_module_source_refuses_what_it_cannot_inline(tmp_path):
    (tmp_path / "a.js").write_text('import { missing } from "./b.js";\nexport const a = 1;\n')
    (tmp_path / "b.js").write_text("export const b = 2;\n")
    with pytest.raises(ValueError, match=r"a.js imports \['missing'\] from b.js"):
        module_source("a.js", folder=tmp_path)
    (tmp_path / "c.js").write_text('import { d } from "./d.js";\nexport const c = 1;\n')
    (tmp_path / "d.js").write_text('import { c } from "./c.js";\nexport const d = 1;\n')
    with pytest.raises(ValueError, match="import cycle: c.js -> d.js -> c.js"):
        module_source("c.js", folder=tmp_path)
    (tmp_path / "e.js").write_text('import * as b from "./b.js";\n')
    with pytest.raises(ValueError, match="e.js: only"):
        module_source("e.js", folder=tmp_path)
