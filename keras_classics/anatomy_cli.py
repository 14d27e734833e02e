"""``keras-classics list``, ``show`` and ``plot``.

Variant flags after the model name go to its builder, spelled as options:
``--two-tower``, ``--no-include-lrn``, ``--variant torchvision``,
``--batch-norm``, ``--stride-placement v1.5``. Values are read as YAML
scalars (``true``, ``3``, ``v1.5``). An option the builder does not take is
an error that lists the ones it does.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from typing import Dict, Sequence

SHOW_FORMATS = ("table", "markdown", "csv", "latex", "html", "json")


def register(subparsers) -> None:
    listing = subparsers.add_parser("list", help="every registered model with its input size, parameters and MACs")
    listing.add_argument("--family", help="only this family (lenet, alexnet, vgg, googlenet, resnet, ...)")
    listing.set_defaults(handler=_list)

    for command, help_text, handler in (
        ("show", "layer-by-layer anatomy: shapes, parameters, MACs, receptive fields", _show),
        ("plot", "draw the architecture as an SVG, PNG or PDF file", _plot),
    ):
        parser = subparsers.add_parser(
            command,
            help=help_text,
            description=help_text + ". Variant flags after NAME go to the builder "
            "(e.g. --two-tower, --no-include-lrn, --variant torchvision).",
        )
        parser.add_argument("name", metavar="NAME", help="a registered model (see `keras-classics list`)")
        parser.add_argument(
            "--input-size",
            metavar="SIZE",
            help="input height and width: 224 or 224x192 (default: the model's own)",
        )
        parser.add_argument("--classes", type=int, help="number of classes of the classifier")
        if command == "show":
            parser.add_argument(
                "--format",
                choices=SHOW_FORMATS,
                default="table",
                help="table (the terminal's), markdown, csv (one number per cell), latex (booktabs), "
                "html (a page of its own) or json",
            )
        else:
            parser.add_argument(
                "-o",
                "--output",
                required=True,
                metavar="FILE",
                help="where to write the drawing: FILE.svg, FILE.png or FILE.pdf",
            )
            parser.add_argument(
                "--blocks",
                action=argparse.BooleanOptionalAction,
                default=None,
                help="one box per block (ResNet's residual blocks, GoogLeNet's inception modules, VGG's "
                "blocks) or, with --no-blocks, one per layer (default: blocks for a deep network)",
            )
        parser.set_defaults(handler=handler, accepts_variant_flags=True)


# --------------------------------------------------------------------------
# Variant flags
# --------------------------------------------------------------------------


def parse_variant_flags(tokens: Sequence[str]) -> Dict[str, object]:
    """``["--two-tower", "--variant", "torchvision", "--no-include-lrn"]`` ->
    ``{"two_tower": True, "variant": "torchvision", "include_lrn": False}``."""

    flags: Dict[str, object] = {}
    tokens = list(tokens)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not token.startswith("--") or token == "--":
            raise ValueError(f"unexpected argument {token!r}; variant flags look like --two-tower or --variant VALUE")
        key, equals, value = token[2:].partition("=")
        key = key.replace("-", "_")
        if equals and not value:
            raise ValueError(f"--{key.replace('_', '-')}= needs a value after the '=', e.g. --variant=torchvision")
        if equals:
            flags[key] = _scalar(key, value)
        elif index + 1 < len(tokens) and not tokens[index + 1].startswith("--"):
            index += 1
            flags[key] = _scalar(key, tokens[index])
        elif key.startswith("no_"):
            flags[key[3:]] = False
        else:
            flags[key] = True
        index += 1
    return flags


def _scalar(key: str, text: str):
    """A flag's value read as one YAML scalar (true, 3, 0.5, v1.5)."""
    import yaml

    flag = "--" + key.replace("_", "-")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        problem = str(getattr(error, "problem", None) or "malformed").strip()
        raise ValueError(f"{flag} {text!r} cannot be read ({problem}); give one plain value") from None
    if isinstance(value, (list, dict)) or value is None:
        kind = {list: "a list", dict: "a mapping"}.get(type(value), "empty")
        raise ValueError(
            f"{flag} takes one plain value (a word, a number, true or false), got {text!r}, which is {kind}"
        )
    return value


def _check_flags(entry, flags: Dict[str, object]) -> None:
    from keras_classics.models._common import Contract

    # The keras.applications arguments are set by dedicated options, not variant flags.
    contract = set(Contract._fields)
    parameters = inspect.signature(entry.builder).parameters
    allowed = sorted(p for p in parameters if p not in contract)
    for key in flags:
        if key in contract or key not in parameters:
            spelled = ", ".join("--" + a.replace("_", "-") for a in allowed) or "none"
            raise ValueError(f"{entry.name} has no variant flag --{key.replace('_', '-')}; its flags are: {spelled}")


def _input_shape(entry, size: str | None):
    if size is None:
        return None
    try:
        parts = [int(p) for p in size.lower().split("x")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or min(parts) < 1:
        raise ValueError(f"--input-size must be a positive size such as 224 or 224x192, got {size!r}")
    return (parts[0], parts[1], entry.input_shape[2])


def build_from_args(args, extra: Sequence[str]):
    """Build the model that ``show``/``plot`` were asked about."""
    from keras_classics.registry import get_entry

    entry = get_entry(args.name)
    flags = parse_variant_flags(extra)
    _check_flags(entry, flags)
    kwargs = dict(flags)
    # The registered size unless --input-size says otherwise: passed
    # explicitly, since a builder's own default may leave the size open.
    kwargs["input_shape"] = _input_shape(entry, args.input_size) or entry.input_shape
    if args.classes is not None:
        kwargs["classes"] = args.classes
    return entry.build(**kwargs)


def anatomy_without_weights(build):
    """The anatomy of the model ``build()`` returns, its weights never filled.

    Shapes, parameter counts and MACs need only the variables' shapes:
    inside a Keras ``StatelessScope`` that does not initialise them, no
    memory is taken for values (LeNet-5 at 4000x4000 would need 37 GiB).
    """
    import keras

    from keras_classics.anatomy import anatomy

    with keras.StatelessScope(initialize_variables=False):
        table = anatomy(build())
    # Drop the never-initialised variables, so that no later scope fills them.
    keras.backend.clear_session()
    return table


# --------------------------------------------------------------------------
# Handlers
# --------------------------------------------------------------------------


def _list(args) -> int:
    from keras_classics.display.layers import human_count
    from keras_classics.registry import get_entry, list_models

    names = list_models(args.family)
    if not names:
        raise ValueError(f"no registered model in family {args.family!r}")
    width = max(len(n) for n in names)
    print(f"{'model':<{width}}  {'input':>11}  {'params':>12}  {'MACs':>7}  summary")
    for name in names:
        entry = get_entry(name)
        table = anatomy_without_weights(lambda: entry.build(input_shape=entry.input_shape))
        shape = "x".join(str(d) for d in entry.input_shape)
        print(f"{name:<{width}}  {shape:>11}  {table.params:>12,}  {human_count(table.macs):>7}  {entry.summary}")
        sys.stdout.flush()
    return 0


def _show(args) -> int:
    from keras_classics.display.model_summary import Summary

    table = anatomy_without_weights(lambda: build_from_args(args, args.variant_flags))
    sys.stdout.write(Summary.of(table).render(args.format))
    return 0


def _plot(args) -> int:
    from keras_classics.display.files import check_destination, checked_format
    from keras_classics.display.model_diagram import Diagram
    from keras_classics.display.svg import SVG_FORMATS

    # A name the drawing cannot be saved as, or a folder that is not there,
    # is refused before the model is built, and nothing is written.
    checked_format(args.output, SVG_FORMATS, "the diagram")
    check_destination(args.output)
    table = anatomy_without_weights(lambda: build_from_args(args, args.variant_flags))
    Diagram(table, blocks=args.blocks, title=args.name).save(args.output)
    print(f"wrote {args.output}")
    return 0
