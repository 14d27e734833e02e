"""The lab without training: declarations, the verdict rule, summaries from
CSVs, the CLI's errors, CIFAR-10's fast failure and the site's pages."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from keras_classics.lab import EXPERIMENTS, results
from keras_classics.lab.spec import Arm, Check, EarlyStopping, Experiment, Measure, Row

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


# ------------------------------------------------------------- declarations


def test_the_eleven_experiments_are_declared_with_five_seeds_or_more():
    assert len(EXPERIMENTS) == 11
    for experiment in EXPERIMENTS.values():
        assert len(set(experiment.seeds)) >= 5, experiment.name
        assert len(experiment.arms) >= 2 and experiment.checks, experiment.name
        # every measured claim says how large the paper's effect is, or why it cannot
        for check in experiment.behavioural_checks():
            assert check.effect_source, (experiment.name, check.statement)


def test_every_declared_text_has_its_chinese():
    from keras_classics.lab.translations import missing

    assert missing() == []


def test_every_arm_names_a_lab_network_and_every_linked_page_exists():
    from keras_classics.lab.pages import NETWORK_DESCRIPTIONS

    for experiment in EXPERIMENTS.values():
        for arm in experiment.arms:
            assert arm.network in NETWORK_DESCRIPTIONS, (experiment.name, arm.network)
        for page in experiment.pages:
            assert (DOCS / page).is_file(), (experiment.name, page)


def test_a_declaration_that_checks_an_unknown_arm_is_refused():
    arms = (Arm("a", "A", "vgg_small"), Arm("b", "B", "vgg_small"))

    def declare(check):
        return Experiment(
            name="x",
            title="x",
            claim="x",
            source="x",
            course_point="x",
            arms=arms,
            measures=(Measure("val_error"),),
            checks=(check,),
        )

    with pytest.raises(ValueError, match="unknown arm"):
        declare(Check("val_error", "a", "c", "lower", "x", effect_source="x"))
    with pytest.raises(ValueError, match="unmeasured"):
        declare(Check("gap", "a", "b", "lower", "x", effect_source="x"))
    with pytest.raises(ValueError, match="paper's effect size"):
        declare(Check("val_error", "a", "b", "lower", "x"))
    with pytest.raises(ValueError, match="margin"):
        declare(Check("val_error", "a", "b", "no_higher", "x", effect_source="x"))


def test_the_design_machinery_refuses_what_would_break_it():
    good = Check("test_error", "a", "b", "lower", "x", effect_source="x")
    base = dict(
        name="x",
        title="x",
        claim="x",
        source="x",
        course_point="x",
        arms=(Arm("a", "A", "vgg_small"), Arm("b", "B", "vgg_small")),
        measures=(Measure("test_error", kind="scalar"),),
        checks=(good,),
    )
    with pytest.raises(ValueError, match="selection seeds must differ"):
        Experiment(**base, learning_rates=(0.01, 0.1), selection_seeds=(0,))
    with pytest.raises(ValueError, match="at='best' needs early_stopping"):
        Experiment(**base | {"measures": (Measure("train_error", at="best"), Measure("test_error"))})
    with pytest.raises(ValueError, match="measured once"):
        Experiment(**base | {"measures": (Measure("test_error"),)})
    with pytest.raises(ValueError, match="patience"):
        Experiment(**base, early_stopping=EarlyStopping(patience=0))
    with pytest.raises(ValueError, match="select_by"):
        Experiment(**base, learning_rates=(0.01,), select_by="test_error")


# ------------------------------------------------------------- summaries from metrics


CHECK = Check("test_error", "a", "b", "lower", "a has a lower test error", paper_effect=0.02, effect_source="a paper")
TOY = Experiment(
    name="toy",
    title="Toy",
    claim="a trains lower",
    source="none",
    course_point="none",
    arms=(Arm("a", "A", "vgg_small"), Arm("b", "B", "vgg_small")),
    measures=(
        Measure("params", kind="scalar", deterministic=True),
        Measure("train_error"),
        Measure("test_error", kind="scalar"),
        Measure("init_grad_std", kind="layer", at="first"),
    ),
    # The arithmetic check comes first: the headline must still be the
    # measured claim (a parameter count is reproduced by arithmetic).
    checks=(Check("params", "a", "b", "lower", "a has fewer parameters"), CHECK),
    epochs=2,
    seeds=(0, 1, 2, 3, 4),
)


def _toy_rows(final_error, test_error, params, first_grad):
    return [
        Row("epoch", 1, "train_error", 0.9),
        Row("epoch", 2, "train_error", final_error),
        Row("scalar", None, "test_error", test_error),
        Row("scalar", None, "params", params),
        Row("layer", 1, "init_grad_std", first_grad),
        Row("layer", 2, "init_grad_std", 1.0),
    ]


def _correct(errors: int, images: int = 400, offset: int = 0) -> np.ndarray:
    """``errors`` wrong images among ``images``, starting at ``offset``."""
    correct = np.ones(images, dtype=bool)
    correct[offset : offset + errors] = False
    return correct


def _toy_runs(tmp_path):
    """Five seeds per arm written to CSV and per-image files, read back."""
    test_errors = {"a": [36, 40, 38, 44, 42], "b": [60, 66, 58, 64, 62]}  # of 400 images
    runs = {}
    for arm, counts in test_errors.items():
        for seed, wrong in enumerate(counts):
            rows = _toy_rows(0.1 + 0.01 * seed, wrong / 400, 1000.0 if arm == "a" else 3000.0, 0.01 * (seed + 1))
            csv_path, bits_path = tmp_path / f"{arm}-seed{seed}.csv", tmp_path / f"{arm}-seed{seed}.test.npz"
            results.write_csv(str(csv_path), arm, seed, rows)
            # arm b's wrong images start where arm a's do: a's are a subset of b's
            results.write_correct(str(bits_path), _correct(wrong))
            name, read_seed, read_rows = results.read_csv(str(csv_path))
            runs[(name, read_seed)] = results.Run(read_rows, results.read_correct(str(bits_path)))
    return runs, test_errors


def test_summary_numbers_and_interval_come_from_the_metrics(tmp_path):
    from scipy import stats as scipy_stats

    runs, test_errors = _toy_runs(tmp_path)
    summary = results.summarise(TOY, runs)
    a = summary["arms"]["a"]["quantities"]["test_error"]
    assert a["mean"] == pytest.approx(np.mean(test_errors["a"]) / 400)
    assert a["std"] == pytest.approx(np.std(np.array(test_errors["a"]) / 400, ddof=1))
    # the first layer's value, not the last layer's 1.0
    assert summary["arms"]["b"]["quantities"]["init_grad_std"]["mean"] == pytest.approx(0.03)
    check = summary["checks"][1]
    assert check["difference"] == pytest.approx((np.mean(test_errors["a"]) - np.mean(test_errors["b"])) / 400)
    # The interval is Welch's over seeds, widened by the images' term:
    # never narrower than scipy's Welch interval on the seeds alone.
    welch = scipy_stats.ttest_ind(
        np.array(test_errors["a"]) / 400, np.array(test_errors["b"]) / 400, equal_var=False
    ).confidence_interval(0.95)
    assert check["low"] <= welch.low and check["high"] >= welch.high
    # McNemar over seed pairs: a's wrong images are a subset of b's, so
    # every discordant image favours a: sum over seeds of (b - a) errors.
    paired = check["mcnemar"]
    assert paired["only_other_right"] == 0
    assert paired["only_arm_right"] == sum(b - a for a, b in zip(test_errors["a"], test_errors["b"]))
    assert paired["images"] == 400 and paired["p"] < 1e-6
    assert check["verdict"] == "reproduced" and check["detectable"] > 0


def test_the_headline_is_the_measured_claim_not_the_arithmetic(tmp_path):
    runs, _ = _toy_runs(tmp_path)
    summary = results.summarise(TOY, runs)
    assert summary["checks"][0]["verdict"] == "computed" and summary["checks"][0]["holds"] is True
    assert summary["headline"] == 1 and summary["verdict"] == summary["checks"][1]["verdict"]
    table = results.markdown_table(summary)
    behavioural, computed = table.split("| computed |")
    assert "a has a lower test error" in behavioural and "a has fewer parameters" in computed


def test_an_arithmetic_only_experiment_is_refused():
    with pytest.raises(ValueError, match="measured"):
        replace(TOY, checks=(Check("params", "a", "b", "lower", "fewer"),))


def test_a_threshold_not_reached_is_a_bound_in_the_verdict():
    experiment = replace(
        TOY,
        measures=(Measure("epochs_to_threshold", kind="scalar"),),
        checks=(Check("epochs_to_threshold", "a", "b", "lower", "a is faster", paper_effect=2, effect_source="x"),),
        error_threshold=0.25,
    )

    def run(epochs, reached):
        return results.Run(
            [Row("scalar", None, "epochs_to_threshold", epochs), Row("scalar", None, "reached_threshold", reached)]
        )

    # b never reaches the threshold in 10 epochs: its 10 is a lower bound,
    # so a's advantage can only be larger.
    runs = {("a", s): run(e, 1.0) for s, e in enumerate([3, 4, 3, 4, 3])}
    runs |= {("b", s): run(10, 0.0) for s in range(5)}
    check = results.summarise(experiment, runs)["checks"][0]
    assert check["censored"] == "down" and check["verdict"] == "reproduced"
    # a never reaches it and b does: a is slower still than measured, and
    # the reversal stands.
    runs = {("a", s): run(10, 0.0) for s in range(5)} | {("b", s): run(e, 1.0) for s, e in enumerate([3, 4, 3, 4, 3])}
    check = results.summarise(experiment, runs)["checks"][0]
    assert check["censored"] == "up" and check["verdict"] == "reversed"
    # Both near the budget, b never reaching it: "no effect" would need b's
    # true value, which may be far beyond the budget.
    runs = {("a", s): run(e, 1.0) for s, e in enumerate([9, 10, 9, 10, 10])}
    runs |= {("b", s): run(10, 0.0) for s in range(5)}
    check = results.summarise(experiment, runs)["checks"][0]
    assert check["censored"] == "down" and check["verdict"] == "inconclusive" and "threshold" in check["why"]


def test_one_seed_is_never_enough_for_a_verdict():
    runs = {(arm, 0): results.Run(_toy_rows(0.1, 0.1 if arm == "a" else 0.3, 1.0, 1.0)) for arm in "ab"}
    check = results.summarise(replace(TOY, seeds=(0,)), runs)["checks"][1]
    assert check["verdict"] == "inconclusive" and "fewer than two seeds" in check["why"]
    assert check["difference"] == pytest.approx(-0.2)


def test_a_half_written_csv_never_looks_finished(tmp_path):
    path = tmp_path / "a-seed0.csv"

    def rows():
        yield Row("epoch", 1, "train_error", 0.5)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        results.write_csv(str(path), "a", 0, rows())
    assert not path.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "text, where",
    [
        ("", "empty file"),
        ("arm,seed,kind,quantity,value\na,0,epoch,train_error,0.5\n", "line 1: the header"),
        ("arm,seed,kind,x,quantity,value\na,0,epoch,1,train_error,0.5\na,0,epoch,2,train_error,half\n", "line 3"),
        ("arm,seed,kind,x,quantity,value\na,0,epoch,1,train_error\n", "line 2: 5 fields"),
        ("arm,seed,kind,x,quantity,value\na,0,curve,1,train_error,0.5\n", "line 2: kind 'curve'"),
        ("arm,seed,kind,x,quantity,value\n", "a header and no rows"),
    ],
)
def test_a_bad_metrics_csv_is_named_with_its_line(tmp_path, text, where):
    path = tmp_path / "a-seed0.csv"
    path.write_text(text)
    with pytest.raises(results.MetricsError) as caught:
        results.read_csv(str(path))
    assert str(path) in str(caught.value) and where in str(caught.value)


def test_per_image_records_round_trip_and_damage_is_named(tmp_path):
    rng = np.random.default_rng(0)
    correct = rng.random(1001) < 0.8
    path = tmp_path / "a-seed0.test.npz"
    results.write_correct(str(path), correct)
    assert np.array_equal(results.read_correct(str(path)), correct)
    assert path.stat().st_size < 1001  # less than a byte per image: one bit each, and the archive's header
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(results.MetricsError, match=str(path)):
        results.read_correct(str(path))


# ------------------------------------------------------------- data


def test_train_size_keeps_class_proportions_and_is_the_same_every_time():
    from keras_classics.lab import data

    loaded = data.load(None, 8)
    small = loaded.with_train_size(300)
    again = loaded.with_train_size(300)
    assert len(small.x_train) == 300 and np.array_equal(small.y_train, again.y_train)
    share = np.bincount(loaded.y_train, minlength=10) / len(loaded.y_train)
    assert np.all(np.abs(np.bincount(small.y_train, minlength=10) / 300 - share) <= 1 / 300 + 1e-9)
    # the validation and test splits are untouched, and distinct
    assert np.array_equal(small.y_test, loaded.y_test) and len(loaded.x_val) and len(loaded.x_test)
    with pytest.raises(ValueError, match="more than the"):
        loaded.with_train_size(len(loaded.x_train) + 1)


# ------------------------------------------------------------- command line


def _cli(*args, env=None, timeout=120):
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "keras_classics.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        cwd=ROOT,
    )


def test_lab_list_names_every_experiment():
    import contextlib
    import io

    from keras_classics.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["lab", "list"]) == 0
    for name in EXPERIMENTS:
        assert name in out.getvalue()


def test_unknown_experiment_and_missing_name_are_one_line_errors(capsys):
    from keras_classics.cli import main

    assert main(["lab", "run", "no_such_experiment"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown experiment 'no_such_experiment'" in err[0] and "relu_vs_tanh" in err[0]
    assert main(["lab", "run"]) == 2
    assert "one experiment name or --all" in capsys.readouterr().err


def test_cifar10_without_internet_fails_fast_with_a_clear_message(tmp_path):
    # A fresh home (no cached CIFAR-10) and a proxy on a closed port: the
    # download cannot succeed on any machine, and must say so quickly.
    started = time.perf_counter()
    result = _cli(
        "lab",
        "run",
        "relu_vs_tanh",
        "--quick",
        "--data",
        "cifar10",
        "--out",
        str(tmp_path / "out"),
        env={
            "HOME": str(tmp_path),
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "KERAS_HOME": str(tmp_path / ".keras"),
            "KERAS_CLASSICS_DOWNLOAD_TIMEOUT": "5",
        },
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("keras-classics lab: error: CIFAR-10 could not be downloaded"), last
    assert "cifar-10-batches-py" in last and "--data" in last
    assert elapsed < 90  # TensorFlow's import included; the download gives up within 5 s
    assert not list((tmp_path / "out").glob("**/*.csv"))


def test_a_hanging_download_is_abandoned_after_the_timeout(monkeypatch):
    import keras

    from keras_classics.lab import data

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: time.sleep(30))
    started = time.perf_counter()
    with pytest.raises(OSError, match="within 1 s"):
        data.fetch_cifar10(timeout_s=1)
    assert time.perf_counter() - started < 5


def test_a_missing_data_folder_is_a_clear_error():
    from keras_classics.lab import data

    with pytest.raises(ValueError, match="neither 'digits', 'cifar10' nor an existing folder"):
        data.load("/no/such/folder", 16)


# ------------------------------------------------------------- the site's pages


def test_committed_lab_pages_match_the_committed_results():
    """docs/lab/*.md are written by `keras-classics lab pages` from
    docs/lab/results; regenerate them in memory and compare."""
    from keras_classics.lab.pages import render_pages

    os.chdir(ROOT)
    pages = render_pages(os.path.join("docs", "lab", "results"), os.path.join("docs", "lab"))
    for filename, text in pages.items():
        committed = (DOCS / "lab" / filename).read_text()
        assert committed == text, f"docs/lab/{filename} is stale: run `keras-classics lab pages`"


def test_every_lab_page_is_in_the_site_navigation():
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text().replace("!!python", "python"))
    text = str(config["nav"])
    for name in EXPERIMENTS:
        assert f"lab/{name}.md" in text


def test_results_kept_with_the_site_have_provenance():
    import json

    from keras_classics.lab.pages import current

    for path in sorted((DOCS / "lab" / "results").glob("*/summary.json")):
        summary = json.loads(path.read_text())
        if not current(summary):
            continue  # shown as "to be recorded again" (test below)
        provenance = summary["provenance"]
        assert provenance["sessions"][0]["command"].startswith("keras-classics lab run")
        assert provenance["versions"]["tensorflow"] and provenance["versions"]["keras"]
        assert provenance["machine"]["cpu_count"] and provenance["wall_seconds"] > 0
        assert len(provenance["seeds"]) >= 5
        # the summary's numbers are those of its metrics CSVs
        folder = path.parent
        for arm, info in summary["arms"].items():
            for quantity, s in info["quantities"].items():
                measure = next(m for m in summary["measures"] if m["quantity"] == quantity)
                values = [
                    _value_from_csv(folder / "metrics" / f"{arm}-seed{seed}.csv", measure) for seed in info["seeds"]
                ]
                values = [v for v in values if v is not None and np.isfinite(v)]
                if values:
                    assert s["mean"] == pytest.approx(float(np.mean(values))), (path, arm, quantity)


def test_a_summary_of_an_older_format_is_named_and_none_of_its_numbers_shown(tmp_path):
    from keras_classics.lab.pages import experiment_page

    experiment = EXPERIMENTS["lrn"]
    old = {"verdict": "reproduced", "checks": [{"statement": "x", "verdict": "reproduced", "difference": 0.123}]}
    for language in ("en", "zh"):
        page = experiment_page(experiment, old, str(tmp_path), str(tmp_path), language)
        shown = page.split("## Results" if language == "en" else "## 结果")[1]
        assert "format 2" in shown or "格式 2" in shown
        assert "12.3" not in shown and "0.123" not in shown and "reproduced" not in shown


def _value_from_csv(path, measure):
    with open(path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["quantity"] == measure["quantity"]]
    if not rows:
        return None
    if measure["kind"] == "scalar":
        return float(rows[0]["value"])
    rows.sort(key=lambda r: int(r["x"]))
    if measure["at"] == "best":
        best = next(float(r["value"]) for r in csv.DictReader(open(path)) if r["quantity"] == "best_epoch")
        return next(float(r["value"]) for r in rows if int(r["x"]) == best)
    return float((rows[0] if measure["at"] == "first" else rows[-1])["value"])


def _synthetic_summary(tmp_path):
    """A current summary of the toy runs under the lrn experiment's names."""
    runs, _ = _toy_runs(tmp_path)
    experiment = EXPERIMENTS["lrn"]
    renamed = {("lrn" if arm == "a" else "none", seed): run for (arm, seed), run in runs.items()}
    summary = results.summarise(experiment, renamed)
    summary["provenance"] = {"sessions": [], "machine": {}, "versions": {}, "wall_seconds": 12.0}
    summary["figures"] = []
    return experiment, summary


def test_chinese_pages_keep_every_number_and_no_english_prose(tmp_path):
    import re

    from keras_classics.lab.pages import experiment_page, measured_line

    experiment, summary = _synthetic_summary(tmp_path)
    english = experiment_page(experiment, summary, str(tmp_path), str(tmp_path), "en")
    chinese = experiment_page(experiment, summary, str(tmp_path), str(tmp_path), "zh")
    number = re.compile(r"\d+(?:[.,]\d+)*")
    # The results (verdicts, intervals, table) carry the same numbers.
    results_en, results_zh = english.split("## Results")[1], chinese.split("## 结果")[1]
    assert sorted(number.findall(results_en)) == sorted(number.findall(results_zh))
    for text in (experiment.claim, experiment.notes, experiment.title) + tuple(c.statement for c in experiment.checks):
        assert text in english and text not in chinese
    # Outside code, links and the papers' names, no run of three English words.
    prose = re.sub(r"```.*?```|`[^`]*`|\([^)]*\)|\[[^\]]*\]|[A-Z][a-z]+ (?:等|与)", "", chinese, flags=re.S)
    assert re.findall(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", prose) == []
    assert "**已重现**" in chinese and "reproduced" in english
    for language in ("en", "zh"):
        line = measured_line("lrn", summary, language, "../lab/lrn.md")
        assert "(../lab/lrn.md)" in line and number.findall(line)
        assert ("reproduced" if language == "en" else "已重现") in line
    assert "no results under its current design" in measured_line("lrn", None, "en")


def test_no_lab_module_draws_with_pyplot_or_sets_a_backend():
    import re

    for path in (ROOT / "keras_classics" / "lab").glob("*.py"):
        text = path.read_text()
        assert not re.search(r"import matplotlib\.pyplot|import pyplot|matplotlib\.use\(|switch_backend\(", text), (
            path.name
        )


def test_figures_say_what_the_band_is_draw_the_threshold_and_hide_no_arm(tmp_path):
    import matplotlib

    from keras_classics.lab.figures import curve_figure

    backend = matplotlib.get_backend()
    curves = {
        "x": [1, 2, 3],
        "mean": [0.5, 0.3, 0.2],
        "std": [0.01] * 3,
        "min": [0.49, 0.29, 0.19],
        "max": [0.51, 0.31, 0.21],
    }
    summary = {
        "experiment": "init_bn",
        "title": "Initialisation and batch norm in a deep plain network",
        "error_threshold": 0.25,
        "arms": {name: {"label": name, "seeds": [0, 1, 2, 3, 4]} for name in ("glorot_bn", "he_bn")},
        # identical curves: the second arm lies exactly on the first
        "curves": {name: {"train_error": curves} for name in ("glorot_bn", "he_bn")},
    }
    figure = curve_figure(summary, {"quantity": "train_error", "kind": "epoch", "at": "last"})
    axes = figure.axes[0]
    lines = [line for line in axes.get_lines() if line.get_label() in ("glorot_bn", "he_bn")]
    assert len({(line.get_linestyle(), line.get_marker()) for line in lines}) == 2
    assert {line.get_zorder() for line in lines} != {lines[0].get_zorder()}
    assert any(line.get_ydata()[0] == 0.25 for line in axes.get_lines() if line not in lines)  # the threshold
    legend = axes.get_legend()
    assert "range" in legend.get_title().get_text() and "5 seeds" in legend.get_title().get_text()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)  # this figure's own canvas: no global backend
    canvas.draw()
    assert axes.get_yticklabels()[1].get_text().endswith("%")
    assert all(float(t).is_integer() for t in axes.get_xticks() if 1 <= t <= 3)
    assert matplotlib.get_backend() == backend


def test_the_longest_axis_label_fits_inside_its_figure():
    # The gradient-norm figure of the auxiliary-classifier experiment had
    # its y label cut off at the left edge.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from keras_classics.lab.figures import curve_figure

    curves = {"x": [1, 2], "mean": [0.5, 0.3], "std": [0.0] * 2, "min": [0.4, 0.2], "max": [0.6, 0.4]}
    summary = {
        "experiment": "aux_classifiers",
        "title": "Auxiliary classifiers",
        "arms": {"aux": {"label": "auxiliary classifier after 3b, weight 0.3", "seeds": [0]}},
        "curves": {"aux": {"conv1_grad_norm": curves}},
    }
    figure = curve_figure(summary, {"quantity": "conv1_grad_norm", "kind": "epoch", "at": "first"})
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    box = figure.axes[0].yaxis.label.get_window_extent(canvas.get_renderer())
    width, height = canvas.get_width_height()
    assert 0 <= box.x0 and box.x1 <= width and 0 <= box.y0 and box.y1 <= height, box


def test_statistics_can_say_how_many_test_images_an_effect_needs():
    from keras_classics.lab import statistics as st

    # Two error rates of 40% and 38.6% (AlexNet's LRN, 1.4 points) at 80%
    # power, two-sided 5%: n = (1.95996 + 0.84162)^2 (0.24 + 0.237) / 0.014^2.
    expected = (1.959964 + 0.841621) ** 2 * (0.4 * 0.6 + 0.386 * 0.614) / 0.014**2
    assert st.test_images_needed(0.40, 0.014) == pytest.approx(expected, rel=1e-4)
    assert st.test_images_needed(0.40, 0.004) > 10 * st.test_images_needed(0.40, 0.014)


def test_a_folder_of_class_sub_folders_loads_at_the_experiment_size(tmp_path):
    from PIL import Image

    from keras_classics.lab import data

    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        (tmp_path / label).mkdir()
        for i in range(10):
            pixels = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / label / f"{i}.png")
    loaded = data.load(str(tmp_path), 16)
    assert loaded.classes == 2
    assert loaded.input_shape == (16, 16, 3)
    assert len(loaded.x_train) + len(loaded.x_val) + len(loaded.x_test) == 20
    assert set(np.unique(loaded.y_train)) == {0, 1}
    # standardised with the training set's mean and standard deviation
    assert abs(float(loaded.x_train.mean())) < 1e-4 and float(loaded.x_train.std()) == pytest.approx(1.0, rel=1e-3)


def test_the_measured_line_macro_follows_the_page_language(tmp_path, monkeypatch):
    """`{{ lab_result("lrn") }}` on a network page: the lab's line for the
    claim, linked relative to the page, in the page's language."""
    import sys
    from types import SimpleNamespace

    hooks = str(DOCS / "hooks")
    if hooks not in sys.path:
        sys.path.insert(0, hooks)
    import i18n_lab
    import i18n_words

    experiment, summary = _synthetic_summary(tmp_path)
    (tmp_path / "lrn").mkdir()
    (tmp_path / "lrn" / "summary.json").write_text(__import__("json").dumps(summary))
    monkeypatch.setattr(i18n_lab, "RESULTS", str(tmp_path))
    page = SimpleNamespace(file=SimpleNamespace(src_uri="networks/alexnet.md"))
    english = i18n_lab.lab_result("lrn", page)
    assert english.startswith("Measured in the lab ([Local response normalisation on and off](../lab/lrn.md))")
    assert "**reproduced**" in english
    i18n_words.set_language("zh")
    try:
        chinese = i18n_lab.lab_result("lrn", page)
    finally:
        i18n_words.set_language(i18n_words.DEFAULT)
    assert chinese.startswith("实验室的测量（[打开与关闭局部响应归一化](../lab/lrn.md)）") and "**已重现**" in chinese
    with pytest.raises(ValueError, match="unknown experiment"):
        i18n_lab.lab_result("no_such", page)


def test_every_figure_text_follows_the_language(tmp_path):
    from keras_classics.lab.figures import cjk_font, curve_figure, draw_figures

    experiment, summary = _synthetic_summary(tmp_path)
    summary["curves"] = {
        arm: {"val_error": {"x": [1, 2], "mean": [0.5, 0.4], "std": [0, 0], "min": [0.5, 0.4], "max": [0.5, 0.4]}}
        for arm in ("lrn", "none")
    }
    measure = {"quantity": "val_error", "kind": "epoch", "at": "last"}
    english, chinese = (curve_figure(summary, measure, language).axes[0] for language in ("en", "zh"))
    assert english.get_title() == experiment.title and chinese.get_title() == "打开与关闭局部响应归一化"
    assert [t.get_text() for t in chinese.get_legend().get_texts()] == ["conv1 和 conv2 之后做 LRN", "无 LRN"]
    assert chinese.get_ylabel().startswith("验证错误率") and "种子" in chinese.get_legend().get_title().get_text()
    written = draw_figures(summary, str(tmp_path), languages=["en", "zh"] if cjk_font() else ["en"])
    assert written == ["val_error.png"]
    assert (tmp_path / "val_error.zh.png").is_file() == bool(cjk_font())
