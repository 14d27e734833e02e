"""The model registry: every network and variant under one clear name.

Each network module registers its variants, one `Family.add` line per name
beside the builder it calls, when `keras_classics.models` is imported;
`list_models` and `build` import it on first use, so importing the registry
alone stays cheap.

One naming rule: a registered name is also the name its builder gives the
model by default with those options (``resnet18(residual=False)`` and
``resnet(depth=18, residual=False)`` are both ``"plain18"``).
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Tuple

__all__ = ["ModelEntry", "Family", "UnknownModelError", "register", "list_models", "get_entry", "build"]


@dataclass(frozen=True)
class ModelEntry:
    """One registered variant: a builder and the keyword arguments that make it.

    ``recipe`` names its training recipe (a key of
    `keras_classics.training.recipes.RECIPES`); empty: chosen by family.
    """

    name: str
    builder: Callable[..., Any]
    kwargs: Mapping[str, Any]
    family: str
    summary: str
    input_shape: Tuple[int, int, int]
    paper: str = ""
    aliases: Tuple[str, ...] = field(default=())
    recipe: str = ""

    def build(self, **overrides):
        """Build the variant; ``overrides`` win over the registered kwargs."""
        return self.builder(**{**self.kwargs, **overrides})


class UnknownModelError(ValueError):
    """Raised for a model name that is not registered."""


_REGISTRY: Dict[str, ModelEntry] = {}
_LOADED = False


def register(
    name: str,
    builder: Callable[..., Any],
    /,
    *,
    family: str,
    summary: str,
    input_shape: Tuple[int, int, int],
    paper: str = "",
    recipe: str = "",
    **kwargs,
) -> ModelEntry:
    """Register ``builder(**kwargs)`` as ``name``. Names are unique.

    ``name`` and ``builder`` are positional-only, so ``kwargs`` may hold the
    builder's own ``name`` argument.
    """
    if name in _REGISTRY:
        raise ValueError(f"model name {name!r} is already registered")
    entry = ModelEntry(
        name=name,
        builder=builder,
        kwargs=dict(kwargs),
        family=family,
        summary=summary,
        input_shape=tuple(input_shape),
        paper=paper,
        recipe=recipe,
    )
    _REGISTRY[name] = entry
    return entry


@dataclass(frozen=True)
class Family:
    """What the variants of one network share: family, paper, default input
    size and recipe. ``add`` registers one variant in one line."""

    family: str
    paper: str
    input_shape: Tuple[int, int, int]
    recipe: str = ""

    def add(self, name: str, builder: Callable[..., Any], summary: str, /, **kwargs) -> ModelEntry:
        """Register ``builder(**kwargs)`` as ``name``; ``kwargs`` may also
        override ``input_shape``, ``paper`` or ``recipe`` for this variant."""
        shared = {"input_shape": self.input_shape, "paper": self.paper, "recipe": self.recipe}
        for key in shared:
            if key in kwargs:
                shared[key] = kwargs.pop(key)
        return register(name, builder, family=self.family, summary=summary, **shared, **kwargs)


def _ensure_loaded() -> None:
    global _LOADED
    if not _LOADED:
        importlib.import_module("keras_classics.models")
        _LOADED = True


def list_models(family: str | None = None) -> List[str]:
    """Names of every registered model, in registration order (oldest
    network first); ``family`` ("vgg", "resnet", ...) narrows the list."""
    _ensure_loaded()
    return [n for n, e in _REGISTRY.items() if family is None or e.family == family]


def get_entry(name: str) -> ModelEntry:
    """The registry entry of ``name``; an unknown name lists the known ones."""
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        pass
    known = list(_REGISTRY)
    close = difflib.get_close_matches(str(name).lower(), known, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownModelError(f"unknown model {name!r}.{hint} Known models: {', '.join(known)}")


def build(name: str, /, **kwargs):
    """Build the registered model ``name``; ``kwargs`` go to its builder
    (including its own ``name`` argument, hence the positional-only one).

    >>> import keras_classics
    >>> keras_classics.build("lenet5").name
    'lenet5'
    """
    return get_entry(name).build(**kwargs)
