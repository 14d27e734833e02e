"""The ``keras-classics`` command line.

Each command lives in its own module, which exposes ``register(subparsers)``
and sets a ``handler`` on its parser. Registering must stay cheap: handlers
import TensorFlow only when they run, so ``keras-classics --help`` is quick.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

# Modules that contribute commands, in the order they appear in --help.
COMMAND_MODULES = (
    "keras_classics.anatomy_cli",
    "keras_classics.training.cli",
    "keras_classics.bench_cli",
    "keras_classics.convert_cli",
    "keras_classics.visualize_cli",
    "keras_classics.lab.cli",
)


class CommandError(Exception):
    """A failure the user can fix; printed without a traceback."""


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-classics",
        description="The classic CNNs (LeNet-5 to ResNet) as paper-faithful Keras builders.",
    )
    from keras_classics import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
    try:
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
    sys.exit(main())
