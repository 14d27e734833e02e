"""Results as a notebook shows them.

A training run: its numbers in a table, its learning curves under it. The
numbers come from the result itself (the content of ``results.json``,
already in memory); the curves are the run's ``curves.png``, the one file
read, and only when the result is displayed.

A lab experiment (`LabSummary`, what ``run_experiment`` returns): its
verdict, the table that ``table.md`` holds and its figures.
"""

from __future__ import annotations

import base64
import html
import os
import re
from typing import Any, Dict, List, Optional, Tuple

from keras_classics.display.table import Column, Table

__all__ = ["train_result_table", "train_result_html", "LabSummary"]


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


def _read_png(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _png_img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" style="max-width: 100%; height: auto">'


def _curves_png(result) -> Optional[bytes]:
    return _read_png(os.path.join(str(result.run_dir), "curves.png"))


def train_result_html(result) -> str:
    """The run's table, then its learning curves (``curves.png``, embedded),
    or a sentence saying why there are none."""
    parts = [train_result_table(result).to_html()]
    png = _curves_png(result)
    if png is not None:
        parts.append(_png_img(png, "learning curves"))
    else:
        why = (
            "matplotlib was not installed when the run ended"
            if not (getattr(result, "record", None) or {}).get("curves_png", True)
            else f"{os.path.join(str(result.run_dir), 'curves.png')} cannot be read"
        )
        parts.append(f"<p>No learning curves: {html.escape(why)}.</p>")
    return "\n".join(parts) + "\n"


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _cell_html(text: str) -> str:
    # table.md's cells hold only **bold** (the verdicts) and `code` (arm names).
    escaped = html.escape(text.strip())
    return _CODE.sub(r"<code>\1</code>", _BOLD.sub(r"<b>\1</b>", escaped))


def markdown_tables_html(markdown: str) -> str:
    """The pipe tables of ``table.md`` (blank-line separated, a header row
    and a ``---`` row each) as HTML tables."""
    tables = []
    for block in markdown.strip().split("\n\n"):
        rows = [line.strip().strip("|").split(" | ") for line in block.splitlines() if line.strip()]
        if len(rows) < 2:
            continue
        head = "".join(f"<th>{_cell_html(cell)}</th>" for cell in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{_cell_html(cell)}</td>" for cell in row) + "</tr>" for row in rows[2:])
        tables.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "\n".join(tables)


class LabSummary(dict):
    """A lab experiment's summary: the dictionary that ``summary.json``
    holds, which a notebook shows as its verdict, its table and its
    figures (read from ``folder`` when displayed).

    Args:
        summary: the summary, as `keras_classics.lab.runner.run_experiment`
            writes it.
        folder: the experiment's folder (its figures and ``table.md``).
        language: ``"en"`` or ``"zh"``, for the table's words.
    """

    def __init__(self, summary: dict, folder: str, language: str = "en"):
        super().__init__(summary)
        self.folder = str(folder)
        self.language = language

    def to_markdown(self) -> str:
        """The arms' numbers and the checks, as ``table.md`` gives them."""
        from keras_classics.lab.results import markdown_table

        return markdown_table(self, self.language)

    def _repr_html_(self) -> str:
        from keras_classics.lab.words import words_for

        words = words_for(self.language)
        title = words.title(self["experiment"], self["title"])
        parts = [
            f"<h4>{html.escape(title)}: {html.escape(words.verdict(self['verdict']))}</h4>",
            markdown_tables_html(self.to_markdown()),
        ]
        for name in self.get("figures", []):
            png = _read_png(os.path.join(self.folder, name))
            parts.append(_png_img(png, name) if png else f"<p>{html.escape(name)} cannot be read.</p>")
        return "\n".join(parts) + "\n"
