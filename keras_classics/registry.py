"""The model registry: every network and variant under one clear name.

Each network module registers its variants, one `Family.add` line per name
beside the builder it calls, when `keras_classics.models` is imported;
`list_models` and `build` import it on first use, so importing the registry
alone stays cheap.

One naming rule: a registered name is also the name its builder gives the
model by default with those options (``resnet18(residual=False)`` and
``resnet(depth=18, residual=False)`` are both ``"plain18"``).

`NAMES` lists every registered name without importing the networks (which
import Keras), so that the command line refuses a mistyped name before
TensorFlow loads; a test checks it against the registry.
"""

from __future__ import annotations

import difflib
import fnmatch
import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "ModelEntry",
    "Family",
    "UnknownModelError",
    "NAMES",
    "register",
    "list_models",
    "get_entry",
    "build",
    "check_name",
    "variant_builder",
]

# Every registered name by family, in registration order (oldest network
# first), written out so that it is known without importing Keras: the
# command line checks a model name against it before TensorFlow loads. A
# network added to `keras_classics.models` is added here too;
# tests/test_registry.py fails until both agree.
NAMES: Dict[str, Tuple[str, ...]] = {
    "lenet": ("lenet5", "lenet5_modern"),
    "alexnet": ("alexnet", "alexnet_two_tower", "alexnet_torchvision"),
    "zfnet": ("zfnet",),
    "vgg": (
        *("vgg11", "vgg11_lrn", "vgg13", "vgg16_c", "vgg16", "vgg19"),
        *("vgg11_bn", "vgg13_bn", "vgg16_c_bn", "vgg16_bn", "vgg19_bn"),
    ),
    "googlenet": ("googlenet", "googlenet_aux"),
    "resnet": (
        *("resnet18", "resnet34", "resnet50", "resnet101", "resnet152"),
        *("resnet50_v1_5", "resnet101_v1_5", "resnet152_v1_5"),
        *("resnet20", "resnet32", "resnet44", "resnet56", "resnet110"),
        *("plain20", "plain32", "plain44", "plain56", "plain110"),
    ),
}


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


_WILDCARDS = frozenset("*?[")


def list_models(pattern: Union[str, Sequence[str], None] = None, *, family: Optional[str] = None) -> List[str]:
    """Names of the registered models, in registration order (oldest network
    first).

    Args:
        pattern: a shell-style pattern as in `fnmatch` and timm's
            ``list_models`` (``"resnet*"``, ``"vgg1[16]*"``, ``"*_bn"``), or
            a list of them (a name matching any is listed). A family's name
            without wildcards lists the family, as ``family=`` does
            (``"vgg"``, ``"googlenet"``: both variants). Case does not
            matter. A pattern with wildcards that matches nothing gives
            ``[]``; a name without wildcards that is neither a model nor a
            family is refused with the closest names.
        family: only this family ("lenet", "alexnet", "zfnet", "vgg",
            "googlenet", "resnet"); an unknown family is refused.

    >>> import keras_classics
    >>> keras_classics.list_models("resnet*_v1_5")
    ['resnet50_v1_5', 'resnet101_v1_5', 'resnet152_v1_5']
    >>> keras_classics.list_models("googlenet")  # a family's name: the family
    ['googlenet', 'googlenet_aux']
    >>> keras_classics.list_models("*20", family="resnet")
    ['resnet20', 'plain20']
    """
    _ensure_loaded()
    entries = list(_REGISTRY.values())
    families = list(dict.fromkeys(e.family for e in entries))
    if family is not None:
        if family not in families:
            raise ValueError(f"unknown family {family!r}; the families are {', '.join(families)}")
        entries = [e for e in entries if e.family == family]
    if pattern is None:
        return [e.name for e in entries]
    patterns = [pattern] if isinstance(pattern, str) else pattern
    if not isinstance(patterns, (list, tuple)) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise TypeError(
            f"list_models takes a shell-style pattern such as 'resnet*' (or a list of them), got {pattern!r}"
        )
    tests = [_pattern_test(p.lower(), families) for p in patterns]
    return [e.name for e in entries if any(test(e) for test in tests)]


def _pattern_test(pattern: str, families: Sequence[str]) -> Callable[[ModelEntry], bool]:
    """What ``pattern`` selects: names by `fnmatch` if it has wildcards,
    else a family or one model, else nothing it could mean (refused)."""
    if not _WILDCARDS.isdisjoint(pattern):
        return lambda entry: fnmatch.fnmatchcase(entry.name, pattern)
    if pattern in families:
        return lambda entry: entry.family == pattern
    if pattern in _REGISTRY:
        return lambda entry: entry.name == pattern
    close = difflib.get_close_matches(pattern, [*families, *_REGISTRY], n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownModelError(
        f"unknown model or family {pattern!r}.{hint} Families: {', '.join(families)}; models: "
        f"{', '.join(_REGISTRY)}. For the names that begin with it, add a '*' (e.g. 'resnet*')"
    )


def _unknown_message(name, known: Sequence[str], *, what: str = "model") -> str:
    close = difflib.get_close_matches(str(name).lower(), known, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"unknown {what} {name!r}.{hint} Known models: {', '.join(known)}"


def check_name(name: str) -> str:
    """``name`` if it is registered, else `UnknownModelError` with the
    closest names. Reads `NAMES`, so no network (and no Keras) is imported:
    the command line calls it before anything heavy loads."""
    known = [n for names in NAMES.values() for n in names]
    if isinstance(name, str) and name in known:
        return name
    raise UnknownModelError(_unknown_message(name, known))


def get_entry(name: str) -> ModelEntry:
    """The registry entry of ``name``; an unknown name lists the known ones."""
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        pass
    raise UnknownModelError(_unknown_message(name, list(_REGISTRY)))


def build(name: str, /, **kwargs):
    """Build the registered model ``name``; ``kwargs`` go to its builder
    (including its own ``name`` argument, hence the positional-only one).

    >>> import keras_classics
    >>> keras_classics.build("lenet5").name
    'lenet5'
    """
    return get_entry(name).build(**kwargs)


_VARIANT_BUILDERS: Dict[str, Callable[..., Any]] = {}


def variant_builder(name: str) -> Callable[..., Any]:
    """The registered model ``name`` as a builder function, served as
    ``keras_classics.<name>`` (``keras_classics.resnet20()`` is
    ``build("resnet20")``).

    It is the family's builder with the registration's options applied:
    the builder's own options that the registration sets (``depth=20,
    residual=True``) are fixed and left out of the signature; the
    keras.applications arguments it sets (``classes=10, name="resnet20"``)
    become their defaults; the rest is the builder's signature. Its
    docstring says which is which and points to the builder's.

    >>> import inspect
    >>> import keras_classics
    >>> signature = inspect.signature(keras_classics.resnet20)
    >>> signature.parameters["name"].default, "depth" in signature.parameters
    ('resnet20', False)
    >>> keras_classics.resnet20(include_top=False).output_shape
    (None, None, None, 64)
    """
    if name in _VARIANT_BUILDERS:
        return _VARIANT_BUILDERS[name]
    entry = get_entry(name)
    builder = entry.builder
    signature = inspect.signature(builder)
    parameters = signature.parameters
    fixed = {k: v for k, v in entry.kwargs.items() if parameters[k].kind is inspect.Parameter.KEYWORD_ONLY}
    defaults = {k: v for k, v in entry.kwargs.items() if k not in fixed}
    shown = signature.replace(
        parameters=[
            p.replace(default=defaults[p.name]) if p.name in defaults else p
            for p in parameters.values()
            if p.name not in fixed
        ]
    )
    spelled_fixed = ", ".join(f"{k}={v!r}" for k, v in fixed.items())

    def variant(*args, **kwargs):
        refused = sorted(set(kwargs) & set(fixed))
        if refused:
            raise TypeError(
                f"{name}() fixes {', '.join(f'{k}={fixed[k]!r}' for k in refused)}; for another value call "
                f"keras_classics.{builder.__name__}({', '.join(f'{k}=...' for k in refused)})"
            )
        arguments = shown.bind(*args, **kwargs).arguments
        return builder(**{**entry.kwargs, **arguments})

    variant.__name__ = variant.__qualname__ = name
    variant.__module__ = "keras_classics"
    variant.__signature__ = shown
    lines = [
        entry.summary if entry.summary.endswith(".") else entry.summary + ".",
        "",
        f"The registered model ``{name}``: the same network as ``keras_classics.build({name!r})``,",
        f"built by ``keras_classics.{builder.__name__}``" + (f" with ``{spelled_fixed}`` fixed." if fixed else "."),
    ]
    changed = {k: v for k, v in defaults.items() if parameters[k].default != v}
    if changed:
        lines.append(
            "Defaults that differ from the builder's: " + ", ".join(f"``{k}={v!r}``" for k, v in changed.items()) + "."
        )
    lines += [
        "Every argument is the builder's, as its signature shows; see",
        f"``help(keras_classics.{builder.__name__})`` for what each does.",
    ]
    variant.__doc__ = "\n".join(lines)
    _VARIANT_BUILDERS[name] = variant
    return variant
