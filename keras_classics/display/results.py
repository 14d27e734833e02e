"""A training run's result as a notebook shows it: its numbers in a table,
its learning curves under it.

The numbers come from the result itself (the content of ``results.json``,
already in memory); the curves are the run's ``curves.png``, the one file
read, and only when the result is displayed.
"""

from __future__ import annotations

import base64
import html
import os
from typing import Any, Dict, List, Optional, Tuple

from keras_classics.display.table import Column, Table

__all__ = ["train_result_table", "train_result_html"]


def _percent(value: Optional[float]) -> Optional[str]:
    return None if value is None else f"{value:.2%}"


def _accuracy(metrics: Dict[str, float]) -> Optional[float]:
    if "accuracy" in metrics:
        return metrics["accuracy"]
    return next((v for k, v in metrics.items() if k.endswith("accuracy") and "aux" not in k), None)


def train_result_table(result) -> Table:
    """The run's numbers, one per row: test accuracy and loss (best and last
    epoch's model), the best epoch as printed, timing, replicas, folder."""
    record: Dict[str, Any] = getattr(result, "record", None) or {}
    timing = record.get("timing", {})
    distribution = record.get("distribution", {})
    best = record.get("best_epoch")
    rows: List[Tuple[str, Optional[str]]] = [
        ("test accuracy (best epoch's model)", _percent(_accuracy(result.test))),
        ("test loss (best epoch's model)", None if "loss" not in result.test else f"{result.test['loss']:.4f}"),
        ("test accuracy (last epoch's model)", _percent(_accuracy(result.test_last))),
        ("best epoch (lowest validation loss)", None if best is None else f"{best} of {result.epochs}"),
        ("epochs", str(result.epochs)),
        ("resumed at epoch", str(result.resumed_from + 1) if 0 < result.resumed_from < result.epochs else None),
        ("wall time", f"{result.wall_time_s:.1f} s"),
        (
            "training images per second",
            None if not timing.get("train_images_per_s") else f"{timing['train_images_per_s']:,}",
        ),
        (
            "replicas",
            None
            if not distribution
            else f"{distribution.get('replicas', 1)} ({distribution.get('strategy', 'default')})",
        ),
        ("run folder", str(result.run_dir)),
    ]
    shown = [(name, value) for name, value in rows if value is not None]
    data = record.get("data", {})
    title = f"{record.get('model', 'model')} on {data.get('name', 'its data')}"
    return Table(
        [Column("measure", "measure"), Column("value", "value")],
        text=[list(row) for row in shown],
        title=title,
    )


def _curves_png(result) -> Optional[bytes]:
    path = os.path.join(str(result.run_dir), "curves.png")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def train_result_html(result) -> str:
    """The run's table, then its learning curves (``curves.png``, embedded),
    or a sentence saying why there are none."""
    parts = [train_result_table(result).to_html()]
    png = _curves_png(result)
    if png is not None:
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<img src="data:image/png;base64,{data}" alt="learning curves" style="max-width: 100%; height: auto">'
        )
    else:
        why = (
            "matplotlib was not installed when the run ended"
            if not (getattr(result, "record", None) or {}).get("curves_png", True)
            else f"{os.path.join(str(result.run_dir), 'curves.png')} cannot be read"
        )
        parts.append(f"<p>No learning curves: {html.escape(why)}.</p>")
    return "\n".join(parts) + "\n"
