"""Hostile spec files end in a SpecError naming the file and line, fast.

Each file is tests/spec_fixtures/tiny.yaml with one hostile change, run
through the real command, ``pytest spec/`` with the project's plugin
(spec/conftest.py), in a separate process whose address space (1 GiB) and
CPU time (60 s) are capped: a regression fails the test instead of eating
the machine (before the limits, the alias bomb grew past 3 GB in the
schema check and ``repeat: 200000000`` reached 7.9 GB). The loader's
limits are in keras_classics/spec/loader.py; the expected lines and counts
below are worked out from each file, not taken from the loader.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _real_cli import env

from keras_classics.spec import loader

FIXTURES = Path(__file__).resolve().parent / "spec_fixtures"
TINY = (FIXTURES / "tiny.yaml").read_text()
PLUGIN = Path(__file__).resolve().parents[1] / "spec" / "conftest.py"
ADDRESS_SPACE = 1 << 30
CPU_SECONDS = 60
USE = "{template: one_by_one, vars: {p: branch, n: 10}}"
TEMPLATE_LAYER = '- {name: "{p}_a", type: conv2d, kernel: 1, filters: 2, output_shape: [8, 8, 2], params: "{n}"}'


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def _alias_bomb():
    # x1 is a list of nine 1s; each next level a list of nine aliases to the
    # one before: *x8 stands for 9**8 = 43 million values.
    levels = ["x1: &x1 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    levels += [f"x{k}: &x{k} [{', '.join([f'*x{k - 1}'] * 9)}]" for k in range(2, 9)]
    text = _edit(TINY, "model: tiny\n", "model: tiny\n" + "\n".join(levels) + "\n")
    text = _edit(text, "input_shape: [8, 8, 3]", "input_shape: *x8")
    # Values each level stands for: s1 = 10 (the list and its nine 1s),
    # s(k) = 1 + 9 s(k-1). The aliases of level k add 9 s(k-1) values; the
    # running total first passes the limit at the first alias whose level
    # pushes it over.
    sizes, added, stop = {1: 10}, 0, None
    for k in range(2, 9):
        for _ in range(9):
            added += sizes[k - 1]
            if added > loader.MAX_ALIAS_VALUES and stop is None:
                stop = k
        sizes[k] = 1 + 9 * sizes[k - 1]
    return text, _line(text, f"x{stop}: &x{stop}"), "YAML error: the aliases up to *x"


def _huge_repeat():
    text = _edit(TINY, USE, USE.replace("vars:", "repeat: 200000000, vars:"))
    return text, _line(text, "repeat: 200000000"), "layers[1].repeat: repeat 200,000,000 expands template 'one_by_one'"


def _string_times_a_million_squared():
    text = _edit(TINY, "vars: {p: branch, n: 10}", "vars: {p: branch, n: 10, s: abc}")
    text = _edit(text, 'params: "{n}"', 'params: "{s*1000000*1000000}"')
    return text, _line(text, "{s*1000000*1000000}"), "{s*1000000*1000000}: arithmetic is on integers, and s is str"


def _integer_past_int64():
    text = _edit(TINY, 'params: "{n}"', 'params: "{n*1000000000*1000000000*1000000000}"')
    # Evaluated left to right, n = 10: 10**10, then 10**19, past 2**63.
    value = 10
    for factor in (10**9,) * 3:
        value *= factor
        if value >= 2**63:
            break
    return text, _line(text, "{n*1000000000"), f"gives a number of {len(str(value))} digits; the limit is 2**63"


def _division_by_zero():
    text = _edit(TINY, 'params: "{n}"', 'params: "{n//0}"')
    return text, _line(text, "{n//0}"), "{n//0} divides by zero"


def _nested_repeats():
    # 100 uses of a template that uses the two-layer one 100 times: 20,000 layers.
    inner = "  inner:\n    - {template: one_by_one, repeat: 100, vars: {p: 'b{i}', n: 10}}\n"
    text = _edit(TINY, "templates:\n", "templates:\n" + inner)
    text = _edit(text, USE, "{template: inner, repeat: 100}")
    words = f"layers[1]: the templates expand to more than {loader.MAX_LAYERS:,} layers"
    return text, _line(text, "{template: inner, repeat: 100}"), words


def _string_doubling():
    # Each level's s is ten copies of the level above's: 10**7 characters
    # at the seventh level.
    body = ['  t0:\n    - {name: "{s}", type: flatten, output_shape: [96], params: 0}\n']
    for k in range(1, 8):
        copies = "{s}" * 10
        body.append(f"  t{k}:\n    - {{template: t{k - 1}, vars: {{s: '{copies}'}}}}\n")
    text = _edit(TINY, "templates:\n", "templates:\n" + "".join(body))
    text = _edit(text, USE, "{template: t7, vars: {s: x}}")
    # Inside t(j) the use of t(j-1) makes s of 10**(8-j) characters; the
    # first that passes MAX_STRING names its line.
    level = next(k for k in range(1, 8) if 10**k > loader.MAX_STRING)
    depth_line = _line(text, f"- {{template: t{7 - level}, vars:")
    return text, depth_line, f"becomes {10**level:,} characters; the limit is {loader.MAX_STRING:,}"


def _list_doubling():
    # Each level's l is a list of ten copies of the level above's: level k
    # stands for S(k) = 1 + 10 S(k-1) values, S(0) = 1.
    body = ['  t0:\n    - {name: flat, type: flatten, output_shape: "{l}", params: 0}\n']
    for k in range(1, 8):
        copies = ", ".join(['"{l}"'] * 10)
        body.append(f"  t{k}:\n    - {{template: t{k - 1}, vars: {{l: [{copies}]}}}}\n")
    text = _edit(TINY, "templates:\n", "templates:\n" + "".join(body))
    text = _edit(text, USE, "{template: t7, vars: {l: x}}")
    # The levels made before level k cost about S(k-1) + S(k-2) + ... < S(k) / 9,
    # so the first level whose own size passes the limit is where it stops.
    sizes = [1]
    while sizes[-1] <= loader.MAX_EXPANDED_VALUES:
        sizes.append(1 + 10 * sizes[-1])
    level = len(sizes) - 1
    words = f"produce more than {loader.MAX_EXPANDED_VALUES:,} values"
    return text, _line(text, f"- {{template: t{7 - level}, vars:"), words


def _deep_nesting():
    text = _edit(TINY, "input_shape: [8, 8, 3]", "input_shape: " + "[" * 5000 + "]" * 5000)
    return text, 1, "YAML error: lists or mappings nested too deeply"


CASES = {
    "alias bomb in input_shape": _alias_bomb,
    "repeat 200000000": _huge_repeat,
    "string times 10**12": _string_times_a_million_squared,
    "integer past int64": _integer_past_int64,
    "division by zero": _division_by_zero,
    "nested repeats": _nested_repeats,
    "string doubling through templates": _string_doubling,
    "list doubling through templates": _list_doubling,
    "nesting 5000 deep": _deep_nesting,
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_spec_fails_as_one_schema_item_naming_the_line(case, tmp_path):
    text, line, words = CASES[case]()
    (tmp_path / "spec").mkdir()
    shutil.copy(PLUGIN, tmp_path / "spec" / "conftest.py")
    (tmp_path / "spec" / "tiny.yaml").write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "spec", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env(),
        preexec_fn=_limits,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, f"exit {done.returncode} (1: tests failed; anything else: a crash)\n{output[-3000:]}"
    assert "FAILED spec/tiny.yaml::schema" in output, output[-3000:]
    messages = [row for row in done.stdout.splitlines() if row.startswith("tiny.yaml:")]
    assert any(row.startswith(f"tiny.yaml:{line}: ") and words in row for row in messages), (line, words, messages)
    assert "MemoryError" not in output and "Traceback" not in output


def test_the_limits_leave_room_above_every_real_spec():
    """The largest real figures stay well inside the limits (a factor 5 or more):
    ResNet-152 (v1.5) has the most layers, googlenet_aux.yaml the most bytes."""
    spec_dir = loader.SPEC_DIR
    assert len(loader.load_spec(spec_dir / "resnet152_v1_5.yaml").layers) * 5 <= loader.MAX_LAYERS
    assert max(path.stat().st_size for path in loader.spec_files()) * 5 <= loader.MAX_FILE_BYTES
