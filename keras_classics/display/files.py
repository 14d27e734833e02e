"""Saving what the display layer draws: the format chosen by the file's
extension, checked before anything is computed, and written atomically.

Every ``save(path)`` of the display layer goes through `checked_format` and
`write_atomically`, so a bad name is refused in one line that lists the
extensions that work, and a failure leaves no file behind.
"""

from __future__ import annotations

import os
from typing import Sequence, Union

__all__ = ["UnsupportedFormatError", "checked_format", "check_destination", "write_atomically"]


class UnsupportedFormatError(ValueError):
    """A file name whose extension the object cannot be saved as."""


def checked_format(path, formats: Sequence[str], what: str) -> str:
    """The format of ``path`` by its extension (``"png"`` for ``x.PNG``), one
    of ``formats``; otherwise an `UnsupportedFormatError` naming them.

    >>> checked_format("alexnet.PNG", ("svg", "png", "pdf"), "a diagram")
    'png'
    >>> checked_format("alexnet.jpg", ("svg", "png", "pdf"), "a diagram")
    Traceback (most recent call last):
    ...
    keras_classics.display.files.UnsupportedFormatError: a diagram is saved as .svg, .png or .pdf, not 'alexnet.jpg'
    """
    extension = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if extension not in formats:
        listed = (
            ", ".join("." + f for f in formats[:-1]) + " or ." + formats[-1] if len(formats) > 1 else "." + formats[0]
        )
        raise UnsupportedFormatError(f"{what} is saved as {listed}, not {os.fspath(path)!r}")
    return extension


def check_destination(path) -> str:
    """``path`` as a string, once its folder is known to exist and ``path``
    is not itself a folder: the errors a user can fix, said before any work."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path!r}: it is a folder; give a file name")
    return path


def write_atomically(path, content: Union[str, bytes]) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same
    folder, renamed over ``path`` once complete: a reader sees the old file
    or the new one, and a failure leaves ``path`` as it was."""
    from keras_classics.training.safe_io import atomic_write

    path = check_destination(path)

    def write(temporary: str) -> None:
        if isinstance(content, str):
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(content)
        else:
            with open(temporary, "wb") as handle:
                handle.write(content)

    atomic_write(path, write)
