"""Loading what the package saves: ``keras_classics.load_model(path)``.

A saved model names its custom classes (LRN, GroupedConv2D, LeNet-5's C3,
the papers' SGD, ...); Keras finds them only if they were registered with
``keras.saving.register_keras_serializable`` in the loading process.
`register_with_keras` imports the modules that register them. The package
calls it as soon as Keras is imported (see ``keras_classics/__init__.py``),
so after ``import keras_classics`` plain ``keras.saving.load_model`` works
too, compiled optimizer included.
"""

from __future__ import annotations

import os
import re
import zipfile
from typing import Optional

__all__ = ["load_model", "register_with_keras"]


def register_with_keras() -> None:
    """Register every custom class of the package with Keras."""
    import sys

    import keras_classics.training.optimizers  # noqa: F401 - PaperSGD

    # The network modules register the custom layers; while they are being
    # imported (this may run from inside that import), they will be.
    if "keras_classics.models" not in sys.modules:
        import keras_classics.models  # noqa: F401


def load_model(path, **kwargs):
    """`keras.saving.load_model` with every class of the package registered.

    Args:
        path: a ``.keras`` file written by the package (``best.keras`` and
            ``last.keras`` of a run folder, or ``model.save``).
        **kwargs: passed to ``keras.saving.load_model`` (``compile=False``
            skips the optimizer).

    Raises:
        FileNotFoundError, IsADirectoryError: ``path`` is not a file.
        ValueError: the file is not a complete ``.keras`` archive, uses a
            custom class that is not registered (the message names it), or
            holds Python code (a Lambda layer), which is never loaded.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder; give the .keras file inside it")
    if str(path).endswith(".keras"):
        problem = _archive_problem(path)
        if problem:
            raise ValueError(
                f"{path!r} is not a complete .keras model file: {problem}. It was probably cut off "
                "while being written or copied; use another copy (a run folder keeps best.keras "
                "and last.keras)"
            )
    register_with_keras()
    import keras

    try:
        return keras.saving.load_model(path, **kwargs)
    except (TypeError, ValueError) as error:
        explained = _explain(path, error)
        if explained is None:
            raise
        raise ValueError(explained) from None


# Keras's words for a class or function it does not know, and for code in the file.
_NOT_LOCATED = re.compile(r"Could not locate (class|function) '([^']+)'")
_UNSAFE = ("safe_mode",)


def _explain(path: str, error: Exception) -> Optional[str]:
    """Our message for the failures whose Keras message either buries the
    cause under a whole config or advises an unsafe call; None for others."""
    text = str(error)
    found = _NOT_LOCATED.search(text)
    if found:
        kind, name = found.groups()
        registered = re.search(rf"'registered_name': '([^']*>{re.escape(name)})'", text)
        also = f" (registered as {registered.group(1)!r} where it was saved)" if registered else ""
        return (
            f"{path!r} uses the custom {kind} {name!r}{also}, which is not registered in this process: "
            f"Keras rebuilds a model only from classes it knows. Load it in Python after importing "
            f"the module that defines {name} with @keras.saving.register_keras_serializable(); "
            "keras-classics itself knows Keras's classes and its own"
        )
    if any(word in text for word in _UNSAFE):
        return (
            f"{path!r} holds Python code (a Lambda layer's function), which is not loaded: running "
            "code from a model file is what safe loading prevents. Rebuild the model with the layer "
            "written as a registered class instead of a Lambda"
        )
    return None


def _archive_problem(path: str):
    """Why a ``.keras`` zip archive is unreadable, or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for needed in ("config.json", "metadata.json"):
                if needed not in names:
                    return f"it lacks {needed}"
            damaged = archive.testzip()
            if damaged is not None:
                return f"its member {damaged} fails its checksum"
    except zipfile.BadZipFile as error:
        return f"it is not a readable zip archive ({error})"
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    return None
