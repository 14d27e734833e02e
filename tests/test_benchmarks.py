"""The benchmark, `keras_classics.bench` (``benchmarks/bench.py`` and
``keras-classics bench``): its arithmetic, and a ``--quick`` run end to end
(every part of the benchmark on tiny inputs).

Expected counts come from the architectures' own numbers (VGG16's Table 1
widths, AlexNet's Figure 2), worked out here by hand, not from the code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"

from keras_classics import bench  # noqa: E402
from keras_classics.bench import report, statistics  # noqa: E402

# ------------------------------------------------------------------ helpers


def test_rotation_puts_each_competitor_first_in_turn():
    names = ["ours", "theirs", "third"]
    assert [statistics.rotation(names, r)[0] for r in range(4)] == ["ours", "theirs", "third", "ours"]
    assert statistics.rotation(names, 1) == ["theirs", "third", "ours"]


def test_alternate_drops_the_warmup_and_keeps_reported_durations():
    calls = []

    def runner(name, seconds):
        def run():
            calls.append(name)
            return seconds

        return run

    times = statistics.alternate({"a": runner("a", 2.0), "b": runner("b", 3.0)}, repeats=3, warmup=1)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert times == {"a": [2.0, 2.0, 2.0], "b": [3.0, 3.0, 3.0]}


def test_alternate_times_runners_that_report_nothing():
    times = statistics.alternate({"sleep": lambda: time.sleep(0.01)}, repeats=2)
    assert len(times["sleep"]) == 2 and min(times["sleep"]) >= 0.01


def test_spread_and_rates():
    s = statistics.spread([4.0, 1.0, 2.0])
    assert (s.median, s.low, s.high, s.count) == (2.0, 1.0, 4.0, 3)
    # 8 images in 1, 2 or 4 seconds: the slowest round is the lowest rate.
    assert s.rate(8.0)[:3] == (4.0, 2.0, 8.0)
    with pytest.raises(ValueError):
        statistics.spread([])


def test_markdown_table_aligns_numbers_right():
    table = report.markdown_table(["model", "img/s"], [["vgg16", "1.95"]], "lr")
    assert table.splitlines() == ["| model | img/s |", "| --- | ---: |", "| vgg16 | 1.95 |"]


def test_gflops_convention():
    # 1 GMAC per image at 1 image/s: 2 GFLOP/s forward, three passes to train.
    assert statistics.gflops(10**9, 1.0, "infer") == pytest.approx(2.0)
    assert statistics.gflops(10**9, 1.0, "train") == pytest.approx(6.0)
    # A 2048^3 matmul in 0.1 s is 171.8 GFLOP/s.
    assert statistics.matmul_gflops([0.1], 2048).median == pytest.approx(2 * 2048**3 / 0.1 / 1e9)


def test_paired_ratio_is_round_by_round():
    ours = {"steps": {"train": 1}, "seconds": {"train": [1.0, 2.0, 1.0]}}
    theirs = {"steps": {"train": 1}, "seconds": {"train": [2.0, 2.0, 1.5]}}
    ratio = statistics.paired_ratio(ours, theirs, "train")
    assert (ratio.median, ratio.low, ratio.high) == (1.5, 1.0, 2.0)


def _args(*argv):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_quick_writes_nothing_unless_asked_and_the_full_run_writes_the_docs_page():
    assert bench.output_path(_args("--quick")) is None
    assert bench.output_path(_args("--quick", "--output", "x.md")) == "x.md"
    assert Path(bench.output_path(_args())) == ROOT / "docs" / "performance.md"


def test_settings_reject_nonsense():
    with pytest.raises(ValueError, match="--repeats"):
        bench.settings_from(_args("--repeats", "0"))
    with pytest.raises(ValueError, match="--input-size"):
        bench.settings_from(_args("--input-size", "16"))
    settings = bench.settings_from(_args("--models", "vgg16", "vgg16", "--sweep", "none", "--no-alexnet"))
    assert settings.shared == ("vgg16",) and settings.sweep == () and not settings.alexnet


def test_default_run_compares_the_five_shared_networks_in_isolated_processes():
    settings = bench.settings_from(_args())
    assert settings.shared == ("vgg16", "vgg19", "resnet50", "resnet101", "resnet152")
    assert settings.isolate and settings.batch == 16 and settings.sweep is None


# ------------------------------------------------------------ the quick run


def _vgg16_macs_and_params(size: int, classes: int):
    """VGG16 (Table 1, column D) at ``size`` x ``size``: 3x3 'same' convs,
    2x2 pools, fc 4096, 4096, ``classes``."""
    stages = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    macs = params = 0
    channels, side = 3, size
    for width, convs in stages:
        for _ in range(convs):
            macs += side * side * 9 * channels * width
            params += 9 * channels * width + width
            channels = width
        side //= 2
    for units in (4096, 4096, classes):
        features = side * side * channels
        macs += features * units
        params += features * units + units
        channels, side = units, 1
    return macs, params


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    page, raw = out / "performance.md", out / "raw.json"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / "bench.py"), "--quick", "--output", str(page), "--json", str(raw)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    return page.read_text(), json.loads(raw.read_text()), done.stdout, seconds, raw


@pytest.mark.slow
def test_quick_run_measures_both_sides_alike(quick_run):
    page, raw, _, _, _ = quick_run
    settings = raw["settings"]
    ours = raw["shared"]["vgg16"]["vgg16 keras_classics"]
    theirs = raw["shared"]["vgg16"]["vgg16 keras.applications"]
    assert (ours["source"], theirs["source"]) == ("ours", "keras")
    size, classes = settings["shared_input"], settings["shared_classes"]
    macs, params = _vgg16_macs_and_params(size, classes)
    for side in (ours, theirs):
        assert side["input_shape"] == [size, size, 3]
        assert side["info"]["macs"] == macs
        assert side["info"]["params"] == params
        assert side["info"]["jit_compile"] is False  # "auto" on a CPU-only machine
        for mode in ("infer", "train"):
            assert len(side["seconds"][mode]) == settings["repeats"]
            assert len(side["cpu_seconds"][mode]) == settings["repeats"]
            assert min(side["seconds"][mode]) > 0
    assert ours["steps"] == theirs["steps"]
    # The page's ratio is the median of the per-round ratios of the raw times.
    rounds = sorted(t / o for o, t in zip(ours["seconds"]["train"], theirs["seconds"]["train"]))
    median = (rounds[0] + rounds[-1]) / 2 if len(rounds) == 2 else rounds[len(rounds) // 2]
    assert f"| vgg16 | {size}x{size}x3 |" in page
    assert f"{median:.3f} ({rounds[0]:.3f}–{rounds[-1]:.3f})" in page


@pytest.mark.slow
def test_quick_run_alexnet_towers_and_grouped_convolution(quick_run):
    page, raw, _, _, _ = quick_run
    one, two = raw["alexnet"]["alexnet"], raw["alexnet"]["alexnet_two_tower"]
    # Two towers halve conv2 (27x27, 5x5x96 -> 256), conv4 (13x13, 3x3x384 ->
    # 384) and conv5 (13x13, 3x3x384 -> 256): Figure 2 of the paper.
    halved = (27 * 27 * 25 * 96 * 256 + 13 * 13 * 9 * 384 * 384 + 13 * 13 * 9 * 384 * 256) // 2
    assert one["info"]["macs"] - two["info"]["macs"] == halved
    assert "## AlexNet: one tower against two towers" in page
    grouped = raw["grouped"]
    for layer in grouped["layers"].values():
        assert set(layer["times_ms"]) == {"Conv2D(groups=2)", "GroupedConv2D", "2 x Conv2D + concat"}
        assert any("GroupedConv2D vs Conv2D(groups=2): outputs equal" in line for line in layer["checks"])
    assert "| conv4 | 13x13x384 → 384, 3x3 | GroupedConv2D |" in page


@pytest.mark.slow
def test_quick_run_page_describes_the_run(quick_run):
    page, raw, stdout, seconds, _ = quick_run
    assert page.startswith("# Performance\n")
    assert "`--quick` smoke test" in page
    assert "- Command: `python benchmarks/bench.py --quick --output " in page
    for heading in (
        "## The run",
        "## Goals",
        "## keras_classics against keras.applications",
        "## Grouped convolution",
        "## Every registered network against the matmul peak",
        "## How it is measured",
        "## Like with like",
    ):
        assert heading in page
    assert set(raw["sweep"]) == set(raw["settings"]["sweep"])
    for name in raw["settings"]["sweep"]:
        assert f"| {name} |" in page
    assert statistics.peak_gflops(raw) > 0
    assert [m["when"] for m in raw["matmul"]][0] == "start" and raw["matmul"][-1]["when"] == "end"
    assert "matmul peak:" in stdout
    # A smoke test, not a benchmark: it must stay quick even on a busy machine.
    assert seconds < 120, f"--quick took {seconds:.0f} s"


def test_keras_classics_bench_command_takes_the_scripts_options():
    from keras_classics import bench_cli

    parser = argparse.ArgumentParser(prog="keras-classics")
    bench_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "--quick", "--models", "resnet50", "--sweep", "none"])
    assert (args.command, args.quick, args.models, args.sweep) == ("bench", True, ["resnet50"], ["none"])
    assert args.handler is bench_cli._bench


def test_the_benchmark_is_a_module_of_the_package_not_a_file_of_the_checkout():
    # The command imports keras_classics.bench like any module; the script
    # in benchmarks/ only calls it. Neither imports TensorFlow.
    code = (
        "import sys\n"
        "from keras_classics import bench_cli\n"
        "import keras_classics.bench as bench\n"
        "assert bench_cli.bench is bench\n"
        "assert not any('benchmarks' in name for name in sys.modules), 'loaded from the checkout'\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'imported TF'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd="/")
    script = (BENCH_DIR / "bench.py").read_text()
    assert "from keras_classics.bench import main" in script and len(script.splitlines()) < 30


@pytest.mark.slow
def test_the_page_can_be_written_again_from_the_saved_measurements(quick_run, tmp_path):
    page, _, _, _, raw_path = quick_run
    again = tmp_path / "again.md"
    assert bench.main(["--from-json", str(raw_path), "--output", str(again)]) == 0
    assert again.read_text() == page
    chinese = Path(str(raw_path).replace("raw.json", "performance.zh.md")).read_text()
    assert (tmp_path / "again.zh.md").read_text() == chinese


def _table_numbers(markdown_text: str):
    """The numbers in a page's tables, each counted."""
    import collections
    import re

    cells = " ".join(line for line in markdown_text.splitlines() if line.startswith("|"))
    return collections.Counter(re.findall(r"\d+(?:[.,]\d+)*", cells))


@pytest.mark.slow
def test_the_run_writes_its_chinese_page_with_the_same_figures(quick_run):
    import markdown

    page, raw, _, _, raw_path = quick_run
    chinese = Path(str(raw_path).replace("raw.json", "performance.zh.md")).read_text()
    assert chinese.startswith("# 性能\n")
    # The same run: every table holds the same numbers in both languages.
    assert _table_numbers(chinese) == _table_numbers(page)
    assert sum(_table_numbers(page).values()) > 50
    for heading in ("## 这次运行", "## 目标", "## 怎样测量", "## 同类相比", "## 每个注册网络与矩阵乘法峰值的比较"):
        assert heading in chinese
    # No English prose: the same check as the site's Chinese pages.
    sys.path.insert(0, str(ROOT / "docs" / "hooks"))
    try:
        import english_runs
    finally:
        sys.path.remove(str(ROOT / "docs" / "hooks"))
    html = markdown.markdown(chinese, extensions=["tables", "attr_list"])
    assert english_runs.english_runs(f"<article>{html}</article>") == []


def test_a_page_in_another_language_is_refused():
    with pytest.raises(ValueError, match="'fr'"):
        report.render({}, "python benchmarks/bench.py", language="fr")


def test_the_chinese_page_goes_beside_the_english_one():
    assert bench.chinese_twin("docs/performance.md") == "docs/performance.zh.md"
    assert bench.chinese_twin("/tmp/x/page.md") == "/tmp/x/page.zh.md"
