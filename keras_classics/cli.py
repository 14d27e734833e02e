"""The ``keras-classics`` command line.

Each command lives in its own module, which exposes ``register(subparsers)``
and sets a ``handler`` on its parser. Registering must stay cheap: handlers
import TensorFlow only when they run, so ``keras-classics --help`` is quick,
and a mistyped model name is refused before TensorFlow loads (`MODEL_NAMES`
says where each command takes one).

TensorFlow's start-up lines are kept out of the output unless ``--verbose``
or the user's own ``TF_CPP_MIN_LOG_LEVEL`` asks for them
(`keras_classics.startup_noise`); only this process, while `main` runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Callable, Dict, List, Optional, Sequence

# Modules that contribute commands, in the order they appear in --help.
COMMAND_MODULES = (
    "keras_classics.anatomy_cli",
    "keras_classics.training.cli",
    "keras_classics.bench_cli",
    "keras_classics.convert_cli",
    "keras_classics.visualize_cli",
    "keras_classics.lab.cli",
    "keras_classics.exercises_cli",
)


class CommandError(Exception):
    """A failure the user can fix; printed without a traceback."""


def _names_in_visualize(args) -> List[str]:
    # SOURCE is a run folder, a .keras file or else a registered name.
    source = args.source
    return [] if os.path.isdir(source) or source.endswith(".keras") else [source]


def _names_in_bench(args) -> List[str]:
    return [n for n in (args.sweep or ()) if n not in ("none", "all")]


# Where each command takes a registered model's name, and what the refusal
# adds: checked against `keras_classics.registry.NAMES` before any handler
# runs (and so before TensorFlow loads).
MODEL_NAMES: Dict[str, Callable[[argparse.Namespace], List[str]]] = {
    "show": lambda args: [args.name],
    "plot": lambda args: [args.name],
    "train": lambda args: [args.model],
    "convert": lambda args: [args.model] if args.model else [],
    "visualize": _names_in_visualize,
    "bench": _names_in_bench,
}
_REFUSAL_ENDS = {"visualize": " (or give a .keras file or a run folder)"}


def check_model_names(args) -> None:
    """Refuse an unregistered model name or family on the command line, with
    the closest names, without importing any network."""
    from keras_classics import registry

    for name in MODEL_NAMES.get(args.command, lambda _: [])(args):
        try:
            registry.check_name(name)
        except registry.UnknownModelError as error:
            raise CommandError(f"{error}{_REFUSAL_ENDS.get(args.command, '')}") from None
    family = getattr(args, "family", None) if args.command == "list" else None
    if family is not None and family not in registry.NAMES:
        raise CommandError(f"unknown family {family!r}; the families are {', '.join(registry.NAMES)}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-classics",
        description="The classic CNNs (LeNet-5 to ResNet) as paper-faithful Keras builders.",
    )
    from keras_classics import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        dest="show_backend_logs",
        action="store_true",
        help="show TensorFlow's start-up and information lines (hidden unless TF_CPP_MIN_LOG_LEVEL is set)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = make_parser()
    # Commands about one model take the builder's variant flags after its
    # name (--two-tower, --variant torchvision): argparse cannot know them
    # in advance, so they are collected here and checked by the command.
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "accepts_variant_flags", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.variant_flags = extra
    from keras_classics.startup_noise import quiet

    with quiet(show=args.show_backend_logs):
        try:
            check_model_names(args)
            status = args.handler(args)
        except (CommandError, ValueError, OSError) as error:
            # Bad input from the user: one clear line, no traceback, non-zero exit.
            print(f"keras-classics {args.command}: error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"keras-classics {args.command}: interrupted", file=sys.stderr)
            return 130
    return 0 if status is None else int(status)


if __name__ == "__main__":  # pragma: no cover
    # ``python -m keras_classics.cli``: run the imported module's main, so
    # that the commands' CommandError (theirs) is the one caught there, not a
    # second copy of this file's class.
    from keras_classics.cli import main as imported_main

    sys.exit(imported_main())
