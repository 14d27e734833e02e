"""``keras-classics bench``: ``benchmarks/bench.py`` as a command.

The benchmark belongs to the source tree, not to the installed package: it
writes ``docs/performance.md`` beside it. The command finds
``benchmarks/bench.py`` next to the package directory, which is where it is
in a checkout (an editable install such as ``make install`` makes), and says
so plainly anywhere else. Loading it is cheap: the script's own process
imports no TensorFlow (its worker processes do).
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path

BENCH_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"
_MODULE_NAME = "keras_classics_benchmarks_bench"


def _load_bench():
    """benchmarks/bench.py as a module, or None outside a checkout."""
    if _MODULE_NAME in sys.modules:
        return sys.modules[_MODULE_NAME]
    if not BENCH_PATH.is_file():
        return None
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, BENCH_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module


def register(subparsers) -> None:
    help_text = "time keras_classics against keras.applications and write docs/performance.md"
    parser = subparsers.add_parser(
        "bench",
        help=help_text,
        description=help_text + " (benchmarks/bench.py: under 15 minutes on a quiet 2-core machine; "
        "--quick for a smoke test).",
    )
    bench = _load_bench()
    if bench is not None:
        bench.add_arguments(parser)
    parser.set_defaults(handler=_bench)


def _bench(args) -> int:
    bench = _load_bench()
    if bench is None:
        raise OSError(
            f"the benchmark is not installed with the package: run `keras-classics bench` from a source "
            f"checkout (expected {BENCH_PATH})"
        )
    command = shlex.join(["keras-classics"] + sys.argv[1:])
    try:
        return bench.run(args, command)
    except bench.BenchError as error:
        print(f"keras-classics bench: {error}", file=sys.stderr)
        return 1
