"""``keras-classics bench``: `keras_classics.bench` as a command.

Registering the command imports no TensorFlow: the benchmark's own process
only orchestrates worker processes and writes the page (its workers import
TensorFlow).
"""

from __future__ import annotations

import shlex
import sys

from keras_classics import bench


def register(subparsers) -> None:
    help_text = "time keras_classics against keras.applications and write docs/performance.md"
    parser = subparsers.add_parser(
        "bench",
        help=help_text,
        description=help_text + " (under 15 minutes on a quiet 2-core machine; --quick for a smoke test).",
    )
    bench.add_arguments(parser)
    parser.set_defaults(handler=_bench)


def _bench(args) -> int:
    command = shlex.join(["keras-classics"] + sys.argv[1:])
    try:
        return bench.run(args, command)
    except bench.BenchError as error:
        print(f"keras-classics bench: {error}", file=sys.stderr)
        return 1
