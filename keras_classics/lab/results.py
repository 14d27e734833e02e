"""From metrics files to a summary with verdicts, and its table.

Everything here reads the per-arm, per-seed files that the runner wrote
(or rows in the same form), so a summary can always be recomputed from the
metrics and checked against them:

* ``<arm>-seed<k>.csv``: every number the run measured, one per line
  (`write_csv`, `read_csv`);
* ``<arm>-seed<k>.test.npz``: which held-out test images the trained
  network got right, one bit per image (`write_correct`, `read_correct`),
  for the paired comparison over the images.

The statistics and the verdict rule are those of
`keras_classics.lab.statistics`; the words of the table come from
`keras_classics.lab.words`, in either language.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from keras_classics.lab import statistics as st
from keras_classics.lab.spec import FRACTIONS, PER_IMAGE_QUANTITIES, Check, Experiment, Measure, Row

CSV_FIELDS = ("arm", "seed", "kind", "x", "quantity", "value")
ROW_KINDS = ("epoch", "scalar", "layer")
# summary.json's layout; pages refuse (and say why) a summary of another.
SUMMARY_FORMAT = 2


class MetricsError(ValueError):
    """A metrics file that cannot be read; the message names the file and
    the line."""


class Run(NamedTuple):
    """One arm and seed: its rows, and its per-image correctness on the
    held-out test images (None where it was not recorded)."""

    rows: List[Row]
    correct: Optional[np.ndarray] = None


# ------------------------------------------------------------------ files


def csv_text(arm: str, seed: int, rows: Sequence[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        writer.writerow([arm, seed, row.kind, "" if row.x is None else row.x, row.quantity, repr(float(row.value))])
    return out.getvalue()


def write_csv(path: str, arm: str, seed: int, rows: Sequence[Row]) -> None:
    """Write atomically (`keras_classics.training.safe_io.atomic_write`):
    a half-written file never appears under its name."""
    from keras_classics.training.safe_io import atomic_write

    text = csv_text(arm, seed, list(rows))

    def write(temporary):
        with open(temporary, "w", newline="") as handle:
            handle.write(text)

    atomic_write(path, write)


def read_csv(path: str) -> Tuple[str, int, List[Row]]:
    """``(arm, seed, rows)`` of a metrics CSV; `MetricsError` naming the file
    and the line for anything that is not one."""
    try:
        with open(path, newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise MetricsError(f"{path}: not a text file (a metrics CSV has the header {','.join(CSV_FIELDS)})") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise MetricsError(f"{path}: empty file; a metrics CSV starts with the header {','.join(CSV_FIELDS)}")
    if tuple(header) != CSV_FIELDS:
        raise MetricsError(f"{path} line 1: the header is {','.join(header)!r}, expected {','.join(CSV_FIELDS)!r}")
    rows, arm, seed = [], None, None
    for record in reader:
        line = reader.line_num
        if len(record) != len(CSV_FIELDS):
            raise MetricsError(
                f"{path} line {line}: {len(record)} fields, expected {len(CSV_FIELDS)} ({','.join(CSV_FIELDS)})"
            )
        name, seed_text, kind, x_text, quantity, value_text = record
        try:
            this_seed = int(seed_text)
            x = int(x_text) if x_text != "" else None
            value = float(value_text)
        except ValueError:
            raise MetricsError(
                f"{path} line {line}: seed {seed_text!r}, x {x_text!r} or value {value_text!r} is not a number"
            ) from None
        if kind not in ROW_KINDS:
            raise MetricsError(f"{path} line {line}: kind {kind!r} is none of {', '.join(ROW_KINDS)}")
        if (kind == "scalar") != (x is None):
            raise MetricsError(f"{path} line {line}: a {kind} row {'has no' if x is None else 'has an'} x")
        if arm is not None and (name, this_seed) != (arm, seed):
            raise MetricsError(
                f"{path} line {line}: arm {name} seed {this_seed}, but the file began with {arm} seed {seed}"
            )
        arm, seed = name, this_seed
        rows.append(Row(kind, x, quantity, value))
    if not rows:
        raise MetricsError(f"{path}: a header and no rows (the run did not finish writing)")
    return arm, seed, rows


def write_correct(path: str, correct: np.ndarray) -> None:
    """The per-image correctness on the test images, one bit each
    (`numpy.packbits`), with their count, atomically."""
    from keras_classics.training.safe_io import atomic_write

    correct = np.asarray(correct, dtype=bool)

    def write(temporary):
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, packed=np.packbits(correct), images=np.int64(len(correct)))

    atomic_write(path, write)


def read_correct(path: str) -> np.ndarray:
    """What `write_correct` wrote: a bool array, True where the network
    classified the test image right."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            packed, images = archive["packed"], int(archive["images"])
    except (OSError, ValueError, KeyError, EOFError) as error:
        raise MetricsError(f"{path}: not a per-image record written by the lab ({type(error).__name__})") from None
    except Exception as error:  # zipfile.BadZipFile and its kin: a damaged file
        raise MetricsError(f"{path}: damaged ({type(error).__name__}: {error})") from None
    if packed.dtype != np.uint8 or packed.ndim != 1 or len(packed) != (images + 7) // 8:
        raise MetricsError(f"{path}: {len(packed)} bytes for {images} images")
    return np.unpackbits(packed, count=images).astype(bool)


# ------------------------------------------------------------------ numbers


def stats(values: List[float]) -> dict:
    """Mean, sample standard deviation and range of per-seed values."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    n = len(array)
    if len(finite) == 0:
        return {"n": n, "values": [float(v) for v in array], "mean": None, "std": None, "min": None, "max": None}
    return {
        "n": n,
        "values": [float(v) for v in array],
        "mean": float(np.mean(finite)),
        "std": float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0,
        "min": float(np.min(finite)),
        "max": float(np.max(finite)),
        "non_finite": int(n - len(finite)),
    }


def scalar(rows: List[Row], quantity: str) -> Optional[float]:
    for row in rows:
        if row.kind == "scalar" and row.quantity == quantity:
            return row.value
    return None


def seed_value(rows: List[Row], measure: Measure) -> Optional[float]:
    """The one number a run contributes for ``measure``."""
    mine = [r for r in rows if r.quantity == measure.quantity]
    if not mine:
        return None
    if measure.kind == "scalar":
        return mine[0].value
    mine.sort(key=lambda r: r.x)
    if measure.at == "best":
        best = scalar(rows, "best_epoch")
        at = [r for r in mine if r.x == best]
        return at[0].value if at else None
    return mine[0].value if measure.at == "first" else mine[-1].value


def curve(rows_by_seed: Dict[int, List[Row]], quantity: str) -> Optional[dict]:
    """Mean, standard deviation and range over the seeds at each x (an
    early-stopped seed counts where it has values)."""
    by_x: Dict[int, List[float]] = {}
    for rows in rows_by_seed.values():
        for r in rows:
            if r.quantity == quantity and r.x is not None:
                by_x.setdefault(r.x, []).append(r.value)
    if not by_x:
        return None
    xs = sorted(by_x)
    points = [stats(by_x[x]) for x in xs]
    return {key: [p[key] for p in points] for key in ("mean", "std", "min", "max", "n")} | {"x": xs}


def _holds(expect: str, a: float, b: float) -> bool:
    return {"lower": a < b, "higher": a > b, "no_higher": a <= b, "no_lower": a >= b}[expect]


def _censoring(arm_reached: List[float], other_reached: List[float]) -> Optional[str]:
    """How bounds (a threshold not reached: the value is a lower bound)
    bias the difference arm - other."""
    arm_bounded = any(r == 0 for r in arm_reached)
    other_bounded = any(r == 0 for r in other_reached)
    if arm_bounded and other_bounded:
        return "both"
    return "up" if arm_bounded else "down" if other_bounded else None


def compare(
    check: Check,
    measure: Measure,
    arm_runs: Dict[int, Run],
    other_runs: Dict[int, Run],
) -> dict:
    """One check: its difference, interval, detectable effect and verdict
    (`keras_classics.lab.statistics`), from the two arms' runs by seed."""
    result = {
        "quantity": check.quantity,
        "arm": check.arm,
        "other": check.other,
        "expect": check.expect,
        "statement": check.statement,
        "paper_effect": check.paper_effect,
        "effect_source": check.effect_source,
        "log10": measure.log_scale,
    }
    a = [seed_value(run.rows, measure) for _, run in sorted(arm_runs.items())]
    b = [seed_value(run.rows, measure) for _, run in sorted(other_runs.items())]
    a = [v for v in a if v is not None and math.isfinite(v)]
    b = [v for v in b if v is not None and math.isfinite(v)]
    if measure.deterministic:
        if not a or not b:
            return result | {"verdict": st.COMPUTED, "holds": None, "why": "not computed"}
        return result | {
            "verdict": st.COMPUTED,
            "arm_value": a[0],
            "other_value": b[0],
            "difference": a[0] - b[0],
            "holds": _holds(check.expect, a[0], b[0]),
        }
    if measure.log_scale:
        dropped = sum(v <= 0 for v in a + b)
        a, b = [math.log10(v) for v in a if v > 0], [math.log10(v) for v in b if v > 0]
        if dropped:
            result["dropped_non_positive"] = dropped
    estimate = st.welch(a, b)
    images_agree = None
    if estimate is not None and check.quantity in PER_IMAGE_QUANTITIES:
        paired = per_image(arm_runs, other_runs)
        if paired is not None:
            estimate = st.with_image_noise(estimate, paired["difference"])
            del paired["difference"]
            images_agree = paired["p"] < st.ALPHA and (paired["only_arm_right"] > paired["only_other_right"]) == (
                estimate.difference < 0
            )
            result["mcnemar"] = paired
    censored = None
    if check.quantity == "epochs_to_threshold":
        reached = [scalar(run.rows, "reached_threshold") for run in arm_runs.values()]
        reached_other = [scalar(run.rows, "reached_threshold") for run in other_runs.values()]
        censored = _censoring(reached, reached_other)
        result["censored"] = censored
    verdict, why = st.verdict(estimate, check.expect, check.paper_effect, images_agree=images_agree, censored=censored)
    result |= {"verdict": verdict, "why": why, "seeds": [len(a), len(b)]}
    if a and b:
        result["difference"] = float(np.mean(a) - np.mean(b))
    if estimate is not None:
        result |= estimate.as_dict()
        result["detectable"] = st.detectable_effect(estimate.se, estimate.df)
        if check.paper_effect is not None and not check.expect.startswith("no_"):
            result["power_at_paper_effect"] = st.power(check.paper_effect, estimate.se, estimate.df)
    return result


def per_image(arm_runs: Dict[int, Run], other_runs: Dict[int, Run]) -> Optional[dict]:
    """The paired view over the test images: each image's error averaged
    over an arm's seeds, the arm's minus the other's; and McNemar's mid-p
    on the discordant images of the seed pairs (seed k with seed k)."""
    mine = [run.correct for run in arm_runs.values() if run.correct is not None]
    theirs = [run.correct for run in other_runs.values() if run.correct is not None]
    if not mine or not theirs or len({len(c) for c in mine + theirs}) != 1:
        return None
    difference = (1 - np.mean(mine, axis=0)) - (1 - np.mean(theirs, axis=0))
    only_arm = only_other = 0
    for seed in sorted(set(arm_runs) & set(other_runs)):
        x, y = arm_runs[seed].correct, other_runs[seed].correct
        if x is None or y is None:
            continue
        only_arm += int(np.sum(x & ~y))
        only_other += int(np.sum(~x & y))
    return {
        "difference": difference,
        "images": int(len(difference)),
        "only_arm_right": only_arm,
        "only_other_right": only_other,
        "p": st.mcnemar_midp(only_arm, only_other),
    }


def summarise(
    experiment: Experiment,
    runs: Dict[Tuple[str, int], Run],
    selection: Optional[Dict[str, dict]] = None,
) -> dict:
    """The summary of finished runs, keyed ``(arm, seed)``; ``selection``:
    each arm's learning-rate choice (`keras_classics.lab.runner`)."""
    arms, curves, by_arm = {}, {}, {}
    for arm in experiment.arms:
        mine = {seed: run for (name, seed), run in sorted(runs.items()) if name == arm.name}
        by_arm[arm.name] = mine
        rows_by_seed = {seed: run.rows for seed, run in mine.items()}
        quantities = {}
        for measure in experiment.measures:
            values = [seed_value(rows_by_seed[s], measure) for s in sorted(rows_by_seed)]
            quantities[measure.quantity] = stats([v for v in values if v is not None])
        if "epochs_to_threshold" in quantities:
            reached = [scalar(rows, "reached_threshold") for rows in rows_by_seed.values()]
            quantities["epochs_to_threshold"]["reached"] = int(sum(r for r in reached if r))
        rates = sorted({scalar(rows, "learning_rate") for rows in rows_by_seed.values()} - {None})
        arms[arm.name] = {
            "label": arm.label,
            "network": arm.network,
            "options": dict(arm.options),
            "augment": arm.augment,
            "aux_loss_weight": arm.aux_loss_weight,
            "seeds": sorted(rows_by_seed),
            "learning_rate": rates[0] if len(rates) == 1 else rates,
            "quantities": quantities,
        }
        if experiment.early_stopping is not None:
            arms[arm.name]["epochs_trained"] = stats(
                [scalar(rows, "epochs_trained") for rows in rows_by_seed.values() if scalar(rows, "epochs_trained")]
            )
        curves[arm.name] = {
            m.quantity: curve(rows_by_seed, m.quantity) for m in experiment.measures if m.kind in ("epoch", "layer")
        }
    checks = [compare(c, experiment.measure(c.quantity), by_arm[c.arm], by_arm[c.other]) for c in experiment.checks]
    headline = experiment.checks.index(experiment.headline_check())
    return {
        "format": SUMMARY_FORMAT,
        "experiment": experiment.name,
        "title": experiment.title,
        "claim": experiment.claim,
        "source": experiment.source,
        "error_threshold": experiment.error_threshold,
        "measures": [
            {
                "quantity": m.quantity,
                "kind": m.kind,
                "at": m.at,
                "deterministic": m.deterministic,
                "log_scale": m.log_scale,
            }
            for m in experiment.measures
        ],
        "arms": arms,
        "selection": selection or {},
        "curves": curves,
        "checks": checks,
        "headline": headline,
        "verdict": checks[headline]["verdict"],
    }


# ------------------------------------------------------------------ rendering


def format_value(quantity: str, value: Optional[float], difference: bool = False) -> str:
    """A number in its quantity's units: errors as percentages (a
    difference of them in points), counts with thousands separators."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    sign = "+" if difference and value > 0 else ""
    if quantity in FRACTIONS:
        return f"{sign}{100 * value:.1f}%" if not difference else f"{sign}{100 * value:.2f}"
    if quantity in ("params", "macs", "receptive_field"):
        return f"{sign}{value:,.0f}"
    if quantity in ("epochs_to_threshold", "steps_to_best", "epochs_trained"):
        return f"{sign}{value:,.1f}" if difference or value != round(value) else f"{value:,.0f}"
    if quantity == "log10":
        return f"{sign}{value:.2f}"
    return f"{sign}{value:.3g}"


def format_stats(quantity: str, s: dict, words) -> str:
    """``mean ± SD (min to max)`` of the seeds."""
    if s.get("mean") is None:
        return "n/a"
    text = format_value(quantity, s["mean"])
    if s["n"] > 1 and s["max"] != s["min"]:
        low, high = format_value(quantity, s["min"]), format_value(quantity, s["max"])
        text += f" ± {format_value(quantity, s['std'])} {words.parenthesised(words.range(low, high))}"
    if "reached" in s and s["reached"] < s["n"]:
        text += "; " + words.reached(s["reached"], s["n"])
    return text


def compared_units(check: dict) -> str:
    """The units a check's difference is in: "log10" for a log-scale
    measure, else the quantity's."""
    return "log10" if check.get("log10") else check["quantity"]


def check_number(check: dict, key: str, difference: bool = True) -> str:
    """A check's number (difference, bound, detectable or paper's effect)
    in the units compared: errors in percentage points, signed where
    ``difference``."""
    value = check.get(key)
    units = compared_units(check)
    if value is None:
        return "n/a"
    if units in FRACTIONS:
        sign = "+" if difference and value > 0 else ""
        return f"{sign}{100 * value:.2f}"
    return format_value(units, value, difference)


def markdown_table(summary: dict, language: str = "en") -> str:
    """The arms' numbers and the checks, as Markdown, in ``language``."""
    from keras_classics.lab.words import words_for

    words = words_for(language)
    experiment = summary["experiment"]
    measures = summary["measures"]
    lines = [
        f"| {words.text('arm')} | " + " | ".join(words.measure_heading(m) for m in measures) + " |",
        "| --- |" + " --- |" * len(measures),
    ]
    for name, arm in summary["arms"].items():
        cells = [format_stats(m["quantity"], arm["quantities"][m["quantity"]], words) for m in measures]
        label = words.arm_label(experiment, name, arm["label"])
        lines.append(f"| {label} (`{name}`, {words.seeds(len(arm['seeds']))}) | " + " | ".join(cells) + " |")
    behavioural = [c for c in summary["checks"] if c["verdict"] != st.COMPUTED]
    computed = [c for c in summary["checks"] if c["verdict"] == st.COMPUTED]
    lines += ["", "| " + " | ".join(words.text(k) for k in words.CHECK_COLUMNS) + " |"]
    lines.append("|" + " --- |" * len(words.CHECK_COLUMNS))
    for c in behavioural:
        interval = "n/a" if c.get("low") is None else words.range(check_number(c, "low"), check_number(c, "high"))
        lines.append(
            f"| {words.statement(experiment, c['statement'])} | {words.quantity_name(c['quantity'], c.get('log10'))} | "
            f"{check_number(c, 'difference')} | {interval} | {check_number(c, 'detectable', False)} | "
            f"{check_number(c, 'paper_effect', False)} | {words.mcnemar_cell(c)} | **{words.verdict(c['verdict'])}** |"
        )
    if computed:
        lines += ["", "| " + " | ".join(words.text(k) for k in words.COMPUTED_COLUMNS) + " |"]
        lines.append("|" + " --- |" * len(words.COMPUTED_COLUMNS))
        for c in computed:
            units = c["quantity"]
            lines.append(
                f"| {words.statement(experiment, c['statement'])} | {words.quantity_name(c['quantity'])} | "
                f"{format_value(units, c.get('arm_value'))} | {format_value(units, c.get('other_value'))} | "
                f"{words.holds(c.get('holds'))} |"
            )
    return "\n".join(lines) + "\n"
