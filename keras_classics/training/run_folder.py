"""Reading back what a run folder records (`keras_classics.training.run`
writes it): the preprocessing a run trained with, and its statistics.

Whoever reads a run folder (``keras-classics visualize RUN_DIR``) gets
either the values or a `RunFolderError` that names the file and says what
is wrong with it: a folder can be damaged (a copy cut off, a file edited or
emptied) and must then fail in words, not with a ``KeyError``.
"""

from __future__ import annotations

import json
import os

__all__ = ["RunFolderError", "read_preprocessing", "read_stats"]


class RunFolderError(ValueError):
    """A run folder whose files cannot be read as ``keras-classics train``
    wrote them; the message names the file."""


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except OSError as error:
        raise RunFolderError(f"{path!r} cannot be read: {error.strerror or error}") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise RunFolderError(
            f"{path!r} is not valid JSON ({error}); it was cut off or edited since the run wrote it"
        ) from None
    if not isinstance(value, dict):
        raise RunFolderError(f"{path!r} holds a JSON {type(value).__name__}, not the mapping a run writes")
    return value


def read_preprocessing(run_dir: str) -> str:
    """The preprocessing scheme a run trained with: ``results.json`` records
    it; an unfinished run has only ``config.json`` (the setting, else its
    recipe's)."""
    from keras_classics.training import recipes

    results = os.path.join(run_dir, "results.json")
    if os.path.exists(results):
        record = _read_json(results)
        scheme = (record.get("hyperparameters") or {}).get("preprocess")
        if not isinstance(scheme, str):
            raise RunFolderError(
                f"{results!r} has no hyperparameters.preprocess, which every finished run records; "
                "the file was edited or replaced since the run wrote it"
            )
        return scheme
    config = os.path.join(run_dir, "config.json")
    if not os.path.exists(config):
        raise RunFolderError(
            f"run folder {run_dir!r} has neither results.json nor config.json, so the preprocessing "
            "its model was trained with is unknown"
        )
    settings = _read_json(config)
    if settings.get("preprocess"):
        return settings["preprocess"]
    from keras_classics import registry

    name = settings.get("model")
    if not isinstance(name, str):
        raise RunFolderError(f"{config!r} names no model, which every run records")
    try:
        entry = registry.get_entry(name)
    except registry.UnknownModelError:
        raise RunFolderError(
            f"{config!r} names the model {name!r}, which is not registered, so its recipe's preprocessing is unknown"
        ) from None
    return recipes.recipe_for(name, entry.family, entry.input_shape[0], entry.recipe).preprocess


def read_stats(run_dir: str):
    """The training-set statistics of ``stats.npz`` as a
    `keras_classics.training.augment.Stats` (empty if the run wrote none)."""
    from keras_classics.checkpoints import read_npz
    from keras_classics.training.augment import Stats

    path = os.path.join(run_dir, "stats.npz")
    if not os.path.exists(path):
        return Stats()
    arrays = read_npz(path, what="run statistics")
    known = set(Stats.__dataclass_fields__)
    unknown = sorted(set(arrays) - known)
    if unknown:
        raise RunFolderError(
            f"{path!r} holds {', '.join(unknown)}, which are not statistics a run writes ({', '.join(sorted(known))})"
        )
    return Stats(**arrays)
