"""A table of results in every form a reader or a handout needs.

`Table` holds each cell twice: the text a person reads (``"1.23M"``,
``"11x11"``) and the value a program reads (``1234567``). The terminal
table, Markdown, LaTeX and HTML show the text; CSV, JSON and the pandas
DataFrame carry the values. In a notebook a `Table` shows itself as HTML;
``str()`` is the terminal table; ``save(path)`` picks the format by the
file's extension.

>>> table = Table(
...     [Column("layer", "layer"), Column("params", "params", numeric=True)],
...     text=[["conv1", "34,944"], ["fc8", "4,097,000"]],
...     values=[["conv1", 34944], ["fc8", 4097000]],
...     notes=["2 layers"],
... )
>>> print(table.to_csv(), end="")
layer,params
conv1,34944
fc8,4097000
>>> print(table, end="")
layer     params
----------------
conv1     34,944
fc8    4,097,000
----------------
2 layers
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from keras_classics.display.files import checked_format, write_atomically

__all__ = ["Column", "Table", "latex_escape", "TABLE_FORMATS"]

# What ``save(path)`` and the command line's --format accept, by extension.
TABLE_FORMATS = {"txt": "table", "md": "markdown", "csv": "csv", "tex": "latex", "html": "html", "json": "json"}


@dataclass(frozen=True)
class Column:
    """One column: its ``title`` for people, its ``key`` for programs (the
    CSV header, the JSON key, the DataFrame column), and whether it holds
    numbers (right-aligned)."""

    title: str
    key: str
    numeric: bool = False


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: str) -> str:
    r"""``text`` with LaTeX's special characters made literal.

    >>> print(latex_escape("conv2_block1 & 50% {x}"))
    conv2\_block1 \& 50\% \{x\}
    """
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


class Table:
    """Rows of cells under `Column` headings, with closing ``notes`` (the
    totals) and an optional ``title``.

    Args:
        columns: the headings.
        text: each row's cells as shown to a reader.
        values: each row's cells for a program (numbers as numbers, an
            empty cell as None); the text when omitted.
        title: a caption (HTML, LaTeX) or heading.
        notes: lines shown under the table (totals, conventions).
        value_columns: the columns of ``values``, where a program's
            columns differ from a reader's (a receptive field shown as
            ``"195 / 8 / 97"`` and stored as three numbers); ``columns``
            when omitted.
    """

    def __init__(
        self,
        columns: Sequence[Column],
        text: Sequence[Sequence[str]],
        values: Optional[Sequence[Sequence[Any]]] = None,
        title: Optional[str] = None,
        notes: Sequence[str] = (),
        value_columns: Optional[Sequence[Column]] = None,
    ):
        self.columns = tuple(columns)
        self.value_columns = tuple(value_columns) if value_columns is not None else self.columns
        self.text = [list(row) for row in text]
        self.values = [list(row) for row in (values if values is not None else text)]
        for rows, columns_of, what in ((self.text, self.columns, "text"), (self.values, self.value_columns, "values")):
            for index, row in enumerate(rows):
                if len(row) != len(columns_of):
                    raise ValueError(
                        f"row {index} of the table's {what} has {len(row)} cells for {len(columns_of)} columns"
                    )
        if len(self.values) != len(self.text):
            raise ValueError(f"the table has {len(self.text)} rows of text but {len(self.values)} rows of values")
        self.title = title
        self.notes = tuple(notes)

    def __len__(self) -> int:
        return len(self.text)

    # -- for people ------------------------------------------------------------
    def to_text(self) -> str:
        """A fixed-width table for the terminal, the notes under it."""
        titles = [c.title for c in self.columns]
        widths = [max([len(t)] + [len(row[i]) for row in self.text]) for i, t in enumerate(titles)]

        def line(cells) -> str:
            out = [
                cell.rjust(width) if column.numeric else cell.ljust(width)
                for cell, width, column in zip(cells, widths, self.columns)
            ]
            return "  ".join(out).rstrip()

        rule = "-" * len(line(titles))
        body = [line(titles), rule] + [line(row) for row in self.text] + [rule] + list(self.notes)
        return "\n".join(body) + "\n"

    def to_markdown(self) -> str:
        """A GitHub/MkDocs Markdown table, each note a paragraph after it."""

        def cell(text: str) -> str:
            return text.replace("|", "\\|")

        lines = [
            "| " + " | ".join(cell(c.title) for c in self.columns) + " |",
            "| " + " | ".join("---:" if c.numeric else ":---" for c in self.columns) + " |",
        ]
        lines += ["| " + " | ".join(cell(t) for t in row) + " |" for row in self.text]
        out = "\n".join(lines) + "\n"
        if self.notes:
            out += "\n" + "\n\n".join(self.notes) + "\n"
        return out

    def to_latex(self) -> str:
        """A LaTeX ``table`` with a booktabs ``tabular`` (``\\usepackage{booktabs}``),
        every cell escaped; the title and notes make its caption."""
        spec = "".join("r" if c.numeric else "l" for c in self.columns)
        lines = [
            "% Needs \\usepackage{booktabs}.",
            "\\begin{table}[htbp]",
            "\\centering",
            f"\\begin{{tabular}}{{{spec}}}",
            "\\toprule",
            " & ".join(latex_escape(c.title) for c in self.columns) + r" \\",
            "\\midrule",
        ]
        lines += [" & ".join(latex_escape(t) for t in row) + r" \\" for row in self.text]
        lines += ["\\bottomrule", "\\end{tabular}"]
        caption = [part for part in (self.title, *self.notes) if part]
        if caption:
            lines.append("\\caption{" + latex_escape(". ".join(caption)) + "}")
        lines.append("\\end{table}")
        return "\n".join(lines) + "\n"

    def to_html(self, document: bool = False) -> str:
        """A plain HTML table (class ``kc-table``), every cell escaped.

        It sets no colours, so it takes those of the page around it and
        reads the same in Jupyter's light and dark themes. ``document=True``
        wraps it in a page of its own (``<!DOCTYPE html>``) for a browser.
        """

        def align(column: Column) -> str:
            return ' style="text-align: right"' if column.numeric else ' style="text-align: left"'

        # Cells stay on one line ("273.4 KiB", "13x13x384"); a page too
        # narrow scrolls the table rather than breaking its numbers.
        parts = ['<table class="kc-table" style="white-space: nowrap">']
        if self.title:
            parts.append(f"<caption>{html.escape(self.title)}</caption>")
        parts.append(
            "<thead><tr>"
            + "".join(f"<th{align(c)}>{html.escape(c.title)}</th>" for c in self.columns)
            + "</tr></thead>"
        )
        parts.append("<tbody>")
        for row in self.text:
            cells = "".join(f"<td{align(c)}>{html.escape(t)}</td>" for c, t in zip(self.columns, row))
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody>")
        if self.notes:
            parts.append("<tfoot>")
            for note in self.notes:
                parts.append(
                    f'<tr><td colspan="{len(self.columns)}" style="text-align: left; white-space: normal">'
                    f"{html.escape(note)}</td></tr>"
                )
            parts.append("</tfoot>")
        parts.append("</table>")
        table = "\n".join(parts) + "\n"
        if not document:
            return table
        title = html.escape(self.title or "table")
        return (
            '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
            '<meta name="color-scheme" content="light dark">\n'
            f"<title>{title}</title>\n"
            "<style>\n"
            "body { font-family: system-ui, sans-serif; margin: 2em; }\n"
            ".kc-table { border-collapse: collapse; font-variant-numeric: tabular-nums; }\n"
            ".kc-table caption { font-weight: bold; text-align: left; padding-bottom: 0.5em; }\n"
            ".kc-table th, .kc-table td { padding: 0.2em 0.7em; border-bottom: 1px solid rgba(128, 128, 128, 0.35); }\n"
            ".kc-table thead th { border-bottom: 2px solid currentColor; }\n"
            "</style>\n</head>\n<body>\n" + table + "</body>\n</html>\n"
        )

    # -- for programs ----------------------------------------------------------
    def records(self) -> List[Dict[str, Any]]:
        """Each row as ``{key: value}``."""
        keys = [c.key for c in self.value_columns]
        return [dict(zip(keys, row)) for row in self.values]

    def to_csv(self) -> str:
        """The values, one row per line under the keys; empty cells empty.
        The notes are left out: every line is a row."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.key for c in self.value_columns])
        for row in self.values:
            writer.writerow(["" if v is None else v for v in row])
        return out.getvalue()

    def to_json(self) -> str:
        """The title, the rows as records and the notes, as JSON."""
        return json.dumps({"title": self.title, "rows": self.records(), "notes": list(self.notes)}, indent=2) + "\n"

    def to_dataframe(self):
        """The values as a pandas DataFrame (pandas is needed for this one
        call only; `to_csv` gives the same numbers without it)."""
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "to_dataframe() needs pandas (pip install pandas); to_csv() and records() give the same values without it"
            ) from None
        frame = pandas.DataFrame(self.values, columns=[c.key for c in self.value_columns])
        if self.title:
            frame.attrs["title"] = self.title
        return frame

    # -- display and files -----------------------------------------------------
    def render(self, form: str) -> str:
        """The table as ``form``: one of ``table``, ``markdown``, ``csv``,
        ``latex``, ``html`` (a whole page) or ``json``."""
        renderers = {
            "table": self.to_text,
            "markdown": self.to_markdown,
            "csv": self.to_csv,
            "latex": self.to_latex,
            "html": lambda: self.to_html(document=True),
            "json": self.to_json,
        }
        if form not in renderers:
            raise ValueError(f"no table format {form!r}; the formats are {', '.join(renderers)}")
        return renderers[form]()

    def save(self, path) -> str:
        """Write the table to ``path`` in the format its extension names
        (``.txt``, ``.md``, ``.csv``, ``.tex``, ``.html``, ``.json``);
        returns ``path``."""
        form = TABLE_FORMATS[checked_format(path, tuple(TABLE_FORMATS), "a table")]
        write_atomically(path, self.render(form))
        return str(path)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html()
