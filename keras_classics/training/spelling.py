"""A training setting as the user writes it: a flag in a shell, an argument
in Python.

A message that says what to change speaks the language of the call that
failed: ``pass overwrite=True`` to ``train(...)`` in a notebook, ``pass
--overwrite`` to ``keras-classics train`` in a shell. The command line runs
`train` inside `command_line`; everywhere else a setting is spelled as
``train``'s keyword argument. `command` and `call` write a whole run the
same two ways (the command that resumes an interrupted run).

No TensorFlow here.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import shlex
from typing import Any, Iterator, Sequence

from keras_classics.training.config import TrainConfig

__all__ = ["command_line", "on_command_line", "setting", "command", "call"]

_ON_COMMAND_LINE = contextvars.ContextVar("keras_classics_training_on_command_line", default=False)
_UNSET = object()


@contextlib.contextmanager
def command_line() -> Iterator[None]:
    """Within the block, messages spell settings as command-line flags."""
    token = _ON_COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _ON_COMMAND_LINE.reset(token)


def on_command_line() -> bool:
    return _ON_COMMAND_LINE.get()


def _field(name: str) -> dataclasses.Field:
    for candidate in dataclasses.fields(TrainConfig):
        if candidate.name == name:
            return candidate
    raise KeyError(f"{name!r} is not a training setting")


def _flag(field: dataclasses.Field) -> str:
    return (field.metadata.get("flags") or ("--" + field.name.replace("_", "-"),))[0]


def setting(name: str, value: Any = _UNSET) -> str:
    """How the user sets TrainConfig's ``name`` (to ``value``, if given).

    A switch reads as the change it makes: ``--overwrite`` or
    ``overwrite=True``, ``--no-augment`` or ``augment=False``.

    >>> setting("overwrite"), setting("run_dir"), setting("batch_size", 32)
    ('overwrite=True', 'run_dir', 'batch_size=32')
    >>> with command_line():
    ...     setting("overwrite"), setting("run_dir"), setting("batch_size", 32)
    ('--overwrite', '--run-dir', '--batch-size 32')
    """
    field = _field(name)
    switch = isinstance(field.default, bool)
    if on_command_line():
        flag = _flag(field)
        if switch or value is _UNSET:
            return flag
        return f"{flag} {shlex.quote(_flag_value(value))}"
    if switch:
        return f"{name}={not field.default}"
    return name if value is _UNSET else f"{name}={value!r}"


def _flag_value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    return str(value)


def _changed(config: TrainConfig):
    """The settings that differ from their defaults, model first."""
    for field in dataclasses.fields(TrainConfig):
        if "group" not in field.metadata:  # ``extra``: not a flag
            continue
        value = getattr(config, field.name)
        if field.name == "model" or value != field.default:
            yield field, value


def command(config: TrainConfig, *, program: str = "keras-classics", before: Sequence[str] = (),
            after: Sequence[str] = ()) -> str:  # fmt: skip
    """The ``keras-classics train`` command line of ``config``, ready to paste.

    ``before`` goes between the program and ``train`` (``--verbose``),
    ``after`` at the end (``--cpu-replicas 2``).

    >>> command(TrainConfig(model="lenet5", epochs=3, run_dir="runs/my run", augment=False))
    "keras-classics train lenet5 --run-dir 'runs/my run' --epochs 3 --no-augment"
    """
    parts = [*before, "train"]
    for field, value in _changed(config):
        if field.name == "model":
            parts.append(value)
        elif isinstance(field.default, bool):
            parts.append(_flag(field))
        else:
            parts += [_flag(field), _flag_value(value)]
    return " ".join([program, shlex.join([*parts, *after])])


def call(config: TrainConfig) -> str:
    """The ``train(...)`` call of ``config``.

    >>> call(TrainConfig(model="lenet5", epochs=3, run_dir="runs/lenet5"))
    "train(model='lenet5', run_dir='runs/lenet5', epochs=3)"
    """
    arguments = [f"{field.name}={value!r}" for field, value in _changed(config)]
    if config.extra:
        arguments.append(f"extra={config.extra!r}")
    return f"train({', '.join(arguments)})"
