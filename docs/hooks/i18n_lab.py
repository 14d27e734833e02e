"""The lab on the site's other pages, in the page's language.

`keras-classics lab pages` writes the lab's own pages in English and in
Chinese (``docs/lab/<experiment>.md`` and ``.zh.md``) from the recorded
results; their words come from `keras_classics.lab.words` and
`keras_classics.lab.translations`, so nothing here translates them.

What is here is the macro a network or concept page calls where it teaches
a claim that the lab tests: ``{{ lab_result("relu_vs_tanh") }}`` shows the
lab's measured line for it (the main claim's difference, interval,
detectable effect and verdict, linked to the experiment's page), from
``docs/lab/results/<experiment>/summary.json``, in the page's language.
An experiment not yet recorded under the current design says so.
"""

from __future__ import annotations

import os
import posixpath

import i18n_words as i18n

_DOCS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(_DOCS, "lab", "results")


def lab_result(name: str, page=None) -> str:
    """The measured line of experiment ``name`` for ``page`` (an mkdocs
    page, for the link's relative path; None: a page in ``docs/``)."""
    from keras_classics.lab.experiments import EXPERIMENTS
    from keras_classics.lab.pages import load_summary, measured_line

    if name not in EXPERIMENTS:
        raise ValueError(f"lab_result: unknown experiment {name!r}; known: {', '.join(EXPERIMENTS)}")
    here = posixpath.dirname(page.file.src_uri) if page is not None else ""
    link = posixpath.relpath(f"lab/{name}.md", here or ".")
    language = "en" if i18n.language() == i18n.DEFAULT else "zh"
    return measured_line(name, load_summary(RESULTS, name), language, link)
