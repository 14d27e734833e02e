"""The anatomy's text renderings, kept under their first name.

They live in `keras_classics.display.layers` now, with the other formats
(CSV, LaTeX, HTML) and the notebook display of `keras_classics.summary`;
this module re-exports them so that ``keras_classics.render.to_table`` and
its friends keep working.
"""

from __future__ import annotations

from keras_classics.display.layers import RENDERERS, human_bytes, human_count, to_json, to_markdown, to_table

__all__ = ["to_table", "to_markdown", "to_json", "RENDERERS", "human_count", "human_bytes"]
