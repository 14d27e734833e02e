"""From metrics CSVs to a summary, a verdict, a table and figures.

Everything here reads the per-arm, per-seed CSVs that the runner wrote (or
rows in the same form), so a summary can always be recomputed from the
metrics and checked against them.

The verdict rule (`VERDICT_RULE`): two arms differ on a quantity when their
means are further apart than twice the larger of their standard deviations
over seeds. A difference in the paper's direction is "reproduced", one
against it "reversed", anything smaller "not distinguishable at this
scale". A quantity that does not depend on the seed (parameters, MACs) is
compared with one seed as well; any other needs at least two.
"""

from __future__ import annotations

import csv
import math
import os
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

from keras_classics.lab.spec import QUANTITY_LABELS, Check, Experiment, Measure, Row

CSV_FIELDS = ("arm", "seed", "kind", "x", "quantity", "value")
SPREAD_FACTOR = 2.0
REPRODUCED = "reproduced"
REVERSED = "reversed"
NOT_DISTINGUISHABLE = "not distinguishable at this scale"
VERDICT_RULE = (
    f"two arms differ when their means are more than {SPREAD_FACTOR:g} times the larger of their "
    "standard deviations over seeds apart (sample standard deviation; quantities that do not depend "
    "on the seed, such as parameters and MACs, are compared directly); a difference in the paper's "
    f"direction is '{REPRODUCED}', one against it '{REVERSED}', a smaller one '{NOT_DISTINGUISHABLE}'. "
    "For a claim that something does not get worse, no distinguishable worsening counts as reproduced. "
    "Scales that span orders of magnitude (activation and gradient sizes) are compared as log10."
)


# ------------------------------------------------------------------ CSV


def write_csv(path: str, arm: str, seed: int, rows: Iterable[Row]) -> None:
    """Write atomically: a half-written file never looks finished."""
    temporary = path + ".partial"
    with open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for row in rows:
            writer.writerow([arm, seed, row.kind, "" if row.x is None else row.x, row.quantity, repr(float(row.value))])
    os.replace(temporary, path)


def read_csv(path: str) -> Tuple[str, int, List[Row]]:
    rows, arm, seed = [], None, None
    with open(path, newline="") as handle:
        for record in csv.DictReader(handle):
            arm, seed = record["arm"], int(record["seed"])
            x = int(record["x"]) if record["x"] != "" else None
            rows.append(Row(record["kind"], x, record["quantity"], float(record["value"])))
    return arm, seed, rows


# ------------------------------------------------------------------ numbers


def stats(values: List[float]) -> dict:
    """Mean, sample standard deviation and range of per-seed values."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    n = len(array)
    if len(finite) == 0:
        return {"n": n, "values": values, "mean": None, "std": None, "min": None, "max": None}
    return {
        "n": n,
        "values": [float(v) for v in array],
        "mean": float(np.mean(finite)),
        "std": float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0,
        "min": float(np.min(finite)),
        "max": float(np.max(finite)),
        "non_finite": int(n - len(finite)),
    }


def seed_value(rows: List[Row], measure: Measure) -> Optional[float]:
    """The one number a run contributes for ``measure``."""
    mine = [r for r in rows if r.quantity == measure.quantity]
    if not mine:
        return None
    if measure.kind == "scalar":
        return mine[0].value
    mine.sort(key=lambda r: r.x)
    return mine[0].value if measure.at == "first" else mine[-1].value


def curve(rows_by_seed: Dict[int, List[Row]], quantity: str) -> Optional[dict]:
    """Mean, standard deviation and range over seeds at each x."""
    by_x: Dict[int, List[float]] = {}
    for rows in rows_by_seed.values():
        for r in rows:
            if r.quantity == quantity and r.x is not None:
                by_x.setdefault(r.x, []).append(r.value)
    if not by_x:
        return None
    xs = sorted(by_x)
    points = [stats(by_x[x]) for x in xs]
    return {key: [p[key] for p in points] for key in ("mean", "std", "min", "max")} | {"x": xs}


def _log10_stats(s: dict) -> dict:
    values = [v for v in s.get("values", []) if v is not None and v > 0]
    return stats([float(np.log10(v)) for v in values]) if values else {**s, "mean": None}


def compare(check: Check, a: dict, b: dict, deterministic: bool, log_scale: bool = False) -> dict:
    """Apply `VERDICT_RULE` to the per-seed statistics of two arms (on
    log10 of the values with ``log_scale``)."""
    if log_scale:
        a, b = _log10_stats(a), _log10_stats(b)
    result = {
        "quantity": check.quantity,
        "arm": check.arm,
        "other": check.other,
        "expect": check.expect,
        "statement": check.statement,
    }
    if a["mean"] is None or b["mean"] is None:
        return result | {"verdict": NOT_DISTINGUISHABLE, "why": "no finite values to compare"}
    difference = a["mean"] - b["mean"]
    spread = max(a["std"], b["std"])
    result |= {"difference": difference, "spread": spread, "log10": log_scale}
    if min(a["n"], b["n"]) < 2 and not deterministic:
        return result | {"verdict": NOT_DISTINGUISHABLE, "why": "one seed: no spread to compare the difference with"}
    distinct = abs(difference) > SPREAD_FACTOR * spread and difference != 0
    if check.expect in ("lower", "higher"):
        if not distinct:
            verdict = NOT_DISTINGUISHABLE
        else:
            verdict = REPRODUCED if (difference < 0) == (check.expect == "lower") else REVERSED
    else:  # no_higher / no_lower: only a distinguishable worsening reverses it
        worse = difference > 0 if check.expect == "no_higher" else difference < 0
        verdict = REVERSED if distinct and worse else REPRODUCED
    why = f"difference {difference:+.4g} against {SPREAD_FACTOR:g} x spread {SPREAD_FACTOR * spread:.4g}"
    return result | {"verdict": verdict, "why": why}


def summarise(experiment: Experiment, runs: Dict[Tuple[str, int], List[Row]]) -> dict:
    """The summary of finished runs, keyed ``(arm, seed)``."""
    arms = {}
    curves = {}
    for arm in experiment.arms:
        rows_by_seed = {seed: rows for (name, seed), rows in runs.items() if name == arm.name}
        quantities = {}
        for measure in experiment.measures:
            values = [seed_value(rows_by_seed[s], measure) for s in sorted(rows_by_seed)]
            quantities[measure.quantity] = stats([v for v in values if v is not None])
        reached = [seed_value(rows, Measure("reached_threshold", kind="scalar")) for rows in rows_by_seed.values()]
        if any(r is not None for r in reached):
            quantities["steps_to_threshold"]["reached"] = int(sum(r for r in reached if r is not None))
        arms[arm.name] = {
            "label": arm.label,
            "network": arm.network,
            "options": dict(arm.options),
            "augment": arm.augment,
            "aux_loss_weight": arm.aux_loss_weight,
            "seeds": sorted(rows_by_seed),
            "quantities": quantities,
        }
        curves[arm.name] = {
            m.quantity: curve(rows_by_seed, m.quantity) for m in experiment.measures if m.kind in ("epoch", "layer")
        }
    measures = {m.quantity: m for m in experiment.measures}
    checks = [
        compare(
            c,
            arms[c.arm]["quantities"][c.quantity],
            arms[c.other]["quantities"][c.quantity],
            measures[c.quantity].deterministic,
            measures[c.quantity].log_scale,
        )
        for c in experiment.checks
    ]
    return {
        "experiment": experiment.name,
        "title": experiment.title,
        "claim": experiment.claim,
        "source": experiment.source,
        "measures": [
            {"quantity": m.quantity, "kind": m.kind, "at": m.at, "label": QUANTITY_LABELS[m.quantity]}
            for m in experiment.measures
        ],
        "arms": arms,
        "curves": curves,
        "checks": checks,
        "verdict": checks[0]["verdict"] if checks else None,
        "verdict_rule": VERDICT_RULE,
    }


# ------------------------------------------------------------------ rendering


def format_value(quantity: str, value: Optional[float]) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if quantity in ("train_error", "val_error", "gap"):
        return f"{100 * value:.1f}%"
    if quantity in ("params", "macs", "receptive_field", "steps_to_threshold"):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_stats(quantity: str, s: dict) -> str:
    if s["mean"] is None:
        return "n/a"
    text = format_value(quantity, s["mean"])
    if s["n"] > 1 and s["max"] != s["min"]:
        text += f" ± {format_value(quantity, s['std'])} ({format_value(quantity, s['min'])} to {format_value(quantity, s['max'])})"
    if "reached" in s and s["reached"] < s["n"]:
        text += f"; reached by {s['reached']} of {s['n']} seeds"
    return text


def _measure_heading(m: dict) -> str:
    where = {"epoch": f" ({m['at']} epoch)", "layer": f" ({m['at']} layer)", "scalar": ""}[m["kind"]]
    return m["label"] + where


def markdown_table(summary: dict) -> str:
    """The arms' numbers and the checks, as Markdown."""
    measures = summary["measures"]
    lines = [
        "| arm | " + " | ".join(_measure_heading(m) for m in measures) + " |",
        "| --- |" + " --- |" * len(measures),
    ]
    for name, arm in summary["arms"].items():
        cells = [format_stats(m["quantity"], arm["quantities"][m["quantity"]]) for m in measures]
        lines.append(f"| {arm['label']} (`{name}`, seeds {len(arm['seeds'])}) | " + " | ".join(cells) + " |")
    lines += ["", "| claim | quantity | difference | 2 x spread | verdict |", "| --- | --- | --- | --- | --- |"]
    for c in summary["checks"]:
        diff = c.get("difference")
        spread = c.get("spread")
        quantity = c["quantity"] + (" (log10)" if c.get("log10") else "")
        shown = "log10" if c.get("log10") else c["quantity"]
        lines.append(
            f"| {c['statement']} | {quantity} | "
            f"{'n/a' if diff is None else format_value(shown, diff)} | "
            f"{'n/a' if spread is None else format_value(shown, SPREAD_FACTOR * spread)} | "
            f"**{c['verdict']}** |"
        )
    return "\n".join(lines) + "\n"


def figure_names(summary: dict) -> List[str]:
    return [f"{m['quantity']}.png" for m in summary["measures"] if m["kind"] in ("epoch", "layer")]


def draw_figures(summary: dict, folder: str) -> List[str]:
    """One PNG per curve: each arm's mean over seeds, with the seeds' range
    as a band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for m in summary["measures"]:
        if m["kind"] not in ("epoch", "layer"):
            continue
        figure, axes = plt.subplots(figsize=(6.4, 4.0), dpi=100)
        logarithmic = m["quantity"] in ("init_activation_std", "init_grad_std", "conv1_grad_norm")
        for name, arm in summary["arms"].items():
            points = summary["curves"][name].get(m["quantity"])
            if not points:
                continue
            xs = points["x"]
            mean = np.array([np.nan if v is None else v for v in points["mean"]], dtype=float)
            low = np.array([np.nan if v is None else v for v in points["min"]], dtype=float)
            high = np.array([np.nan if v is None else v for v in points["max"]], dtype=float)
            (line,) = axes.plot(xs, mean, marker="o", markersize=3, label=f"{arm['label']} ({len(arm['seeds'])} seeds)")
            axes.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
        steps = ((summary.get("provenance") or {}).get("settings") or {}).get("steps_per_epoch")
        epoch_label = f"epoch ({steps} steps each)" if steps else "epoch"
        axes.set_xlabel(epoch_label if m["kind"] == "epoch" else "layer (input side first)")
        axes.set_ylabel(m["label"], fontsize=8)
        if logarithmic:
            axes.set_yscale("log")
        axes.set_title(f"{summary['title']}", fontsize=10)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8)
        figure.tight_layout()
        path = os.path.join(folder, f"{m['quantity']}.png")
        figure.savefig(path)
        plt.close(figure)
        written.append(path)
    return written
