"""The lab without training: declarations, the verdict rule, summaries from
CSVs, the CLI's errors, CIFAR-10's fast failure and the site's pages."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from keras_classics.lab import EXPERIMENTS, results
from keras_classics.lab.spec import Arm, Check, Experiment, Measure, Row

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


# ------------------------------------------------------------- declarations


def test_the_eleven_experiments_are_declared_with_three_seeds_or_more():
    assert len(EXPERIMENTS) == 11
    for experiment in EXPERIMENTS.values():
        assert len(set(experiment.seeds)) >= 3, experiment.name
        assert len(experiment.arms) >= 2 and experiment.checks, experiment.name


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
        declare(Check("val_error", "a", "c", "lower", "x"))
    with pytest.raises(ValueError, match="unmeasured"):
        declare(Check("gap", "a", "b", "lower", "x"))


# ------------------------------------------------------------- verdict rule


def _stats(values):
    return results.stats(list(values))


CHECK_LOWER = Check("val_error", "a", "b", "lower", "a is lower")


def test_stats_are_mean_sample_std_and_range():
    s = _stats([0.1, 0.2, 0.6])
    assert s["mean"] == pytest.approx(0.3)
    # sample variance: ((-0.2)^2 + (-0.1)^2 + 0.3^2) / 2 = 0.07
    assert s["std"] == pytest.approx(0.07**0.5)
    assert (s["min"], s["max"], s["n"]) == (0.1, 0.6, 3)


@pytest.mark.parametrize(
    "a, b, expect, verdict",
    [
        # means 0.10 and 0.20, spreads 0.01: 0.10 apart > 2 x 0.01
        ([0.09, 0.10, 0.11], [0.19, 0.20, 0.21], "lower", results.REPRODUCED),
        ([0.19, 0.20, 0.21], [0.09, 0.10, 0.11], "lower", results.REVERSED),
        ([0.19, 0.20, 0.21], [0.09, 0.10, 0.11], "higher", results.REPRODUCED),
        # means 0.10 and 0.13, larger spread 0.05: 0.03 apart < 0.10
        ([0.05, 0.10, 0.15], [0.12, 0.13, 0.14], "lower", results.NOT_DISTINGUISHABLE),
        # a claim of no harm holds unless a is distinguishably worse
        ([0.05, 0.10, 0.15], [0.12, 0.13, 0.14], "no_higher", results.REPRODUCED),
        ([0.19, 0.20, 0.21], [0.09, 0.10, 0.11], "no_higher", results.REVERSED),
    ],
)
def test_verdict_rule(a, b, expect, verdict):
    check = Check("val_error", "a", "b", expect, "claim")
    outcome = results.compare(check, _stats(a), _stats(b), deterministic=False)
    assert outcome["verdict"] == verdict
    assert outcome["difference"] == pytest.approx(np.mean(a) - np.mean(b))


def test_one_seed_is_never_enough_for_a_random_quantity_but_is_for_a_count():
    one, other = _stats([0.1]), _stats([0.5])
    assert results.compare(CHECK_LOWER, one, other, deterministic=False)["verdict"] == results.NOT_DISTINGUISHABLE
    params = Check("params", "a", "b", "lower", "fewer parameters")
    assert (
        results.compare(params, _stats([100.0]), _stats([300.0]), deterministic=True)["verdict"] == results.REPRODUCED
    )


def test_log_scale_compares_orders_of_magnitude():
    # 1e-7 against 1e-2: five decades apart, each arm spread over one decade.
    small, large = _stats([1e-8, 1e-7, 1e-6]), _stats([1e-3, 1e-2, 1e-1])
    check = Check("init_activation_std", "b", "a", "higher", "b keeps the scale")
    linear = results.compare(check, large, small, deterministic=False)
    assert linear["verdict"] == results.NOT_DISTINGUISHABLE  # the large arm's spread hides it
    logged = results.compare(check, large, small, deterministic=False, log_scale=True)
    assert logged["verdict"] == results.REPRODUCED
    assert logged["difference"] == pytest.approx(5.0)


# ------------------------------------------------------------- summaries from CSVs


TOY = Experiment(
    name="toy",
    title="Toy",
    claim="a trains lower",
    source="none",
    course_point="none",
    arms=(Arm("a", "A", "vgg_small"), Arm("b", "B", "vgg_small")),
    measures=(
        Measure("train_error"),
        Measure("params", kind="scalar", deterministic=True),
        Measure("init_grad_std", kind="layer", at="first"),
    ),
    checks=(Check("train_error", "a", "b", "lower", "a trains lower"),),
    epochs=2,
    seeds=(0, 1, 2),
)


def _toy_rows(final_error, params, first_grad):
    return [
        Row("epoch", 1, "train_error", 0.9),
        Row("epoch", 2, "train_error", final_error),
        Row("scalar", None, "params", params),
        Row("layer", 1, "init_grad_std", first_grad),
        Row("layer", 2, "init_grad_std", 1.0),
    ]


def test_summary_numbers_come_from_the_csvs(tmp_path):
    finals = {"a": [0.10, 0.12, 0.11], "b": [0.30, 0.33, 0.36]}
    for arm, values in finals.items():
        for seed, value in enumerate(values):
            results.write_csv(
                str(tmp_path / f"{arm}-seed{seed}.csv"), arm, seed, _toy_rows(value, 1000.0, 0.01 * (seed + 1))
            )
    runs = {}
    for path in sorted(tmp_path.glob("*.csv")):
        arm, seed, rows = results.read_csv(str(path))
        runs[(arm, seed)] = rows
    summary = results.summarise(TOY, runs)
    a = summary["arms"]["a"]["quantities"]["train_error"]
    assert a["mean"] == pytest.approx(0.11) and a["min"] == 0.10 and a["max"] == 0.12
    assert a["std"] == pytest.approx(0.01)
    # the first layer's value, not the last layer's 1.0
    assert summary["arms"]["b"]["quantities"]["init_grad_std"]["mean"] == pytest.approx(0.02)
    assert summary["curves"]["a"]["train_error"]["x"] == [1, 2]
    assert summary["curves"]["a"]["train_error"]["mean"] == pytest.approx([0.9, 0.11])
    assert summary["verdict"] == results.REPRODUCED
    table = results.markdown_table(summary)
    assert "11.0% ± 1.0% (10.0% to 12.0%)" in table and "**reproduced**" in table


def test_a_half_written_csv_never_looks_finished(tmp_path):
    path = tmp_path / "a-seed0.csv"

    def rows():
        yield Row("epoch", 1, "train_error", 0.5)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        results.write_csv(str(path), "a", 0, rows())
    assert not path.exists()


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

    found = sorted((DOCS / "lab" / "results").glob("*/summary.json"))
    for path in found:
        summary = json.loads(path.read_text())
        provenance = summary["provenance"]
        assert provenance["sessions"][0]["command"].startswith("keras-classics lab run")
        assert provenance["versions"]["tensorflow"] and provenance["versions"]["keras"]
        assert provenance["machine"]["cpu_count"] and provenance["wall_seconds"] > 0
        assert len(provenance["seeds"]) >= 3
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


def _value_from_csv(path, measure):
    with open(path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["quantity"] == measure["quantity"]]
    if not rows:
        return None
    if measure["kind"] == "scalar":
        return float(rows[0]["value"])
    rows.sort(key=lambda r: int(r["x"]))
    return float((rows[0] if measure["at"] == "first" else rows[-1])["value"])


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
    assert len(loaded.x_train) + len(loaded.x_val) == 20
    assert set(np.unique(loaded.y_train)) == {0, 1}
    # standardised with the training set's mean and standard deviation
    assert abs(float(loaded.x_train.mean())) < 1e-4 and float(loaded.x_train.std()) == pytest.approx(1.0, rel=1e-3)
