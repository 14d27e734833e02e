"""A griffe extension for the API reference: filled docstrings as help() shows them.

Where a family's builders share docstring text, the source holds it once and
`keras_classics.models._common.fill_docstring` puts it into each docstring
when the module is imported. griffe reads docstrings from the source, where
such a docstring still holds its ``{key}`` lines; this extension takes the
imported function's docstring instead, so the page shows what ``help()``
shows.
"""

from __future__ import annotations

import inspect
import re

import griffe

# A line that holds only a ``{key}``: what `fill_docstring` replaces.
_PLACEHOLDER = re.compile(r"^\s*\{\w+\}\s*$", re.M)


class RuntimeDocstrings(griffe.Extension):
    def on_function_instance(self, *, func, **kwargs) -> None:
        docstring = func.docstring
        if docstring is None or not _PLACEHOLDER.search(docstring.value):
            return
        docstring.value = inspect.cleandoc(griffe.dynamic_import(func.path).__doc__)
