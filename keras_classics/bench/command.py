"""The benchmark's command line: ``keras-classics bench`` and
``python benchmarks/bench.py`` both parse these options and call `run`."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from typing import Optional, Sequence

import keras_classics
from keras_classics.bench.report import render, summary
from keras_classics.bench.running import Clock, run_all
from keras_classics.bench.settings import GROUPED_LAYERS, SHARED, BenchError, Settings, quick_settings

__all__ = [
    "add_arguments",
    "settings_from",
    "output_path",
    "chinese_twin",
    "run",
    "main",
    "DEFAULT_OUTPUT",
    "DESCRIPTION",
]


def _default_output() -> str:
    """The site's page: the checkout this package lives in (an editable
    install, as ``make install`` makes), else ``docs/`` under the current
    folder."""
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(keras_classics.__file__)))
    root = checkout if os.path.isfile(os.path.join(checkout, "mkdocs.yml")) else os.getcwd()
    return os.path.join(root, "docs", "performance.md")


DEFAULT_OUTPUT = _default_output()
DESCRIPTION = "keras_classics side by side with keras.applications, on this machine."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Settings()
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: every part on tiny inputs, under a minute; writes nothing unless --output",
    )
    parser.add_argument(
        "--output",
        metavar="FILE.md",
        help="where to write the page, and its Chinese twin beside it as FILE.zh.md "
        "(default: docs/performance.md; with --quick: nowhere)",
    )
    parser.add_argument("--json", metavar="FILE.json", help="also write every raw measurement as JSON")
    parser.add_argument(
        "--from-json", metavar="FILE.json", help="measure nothing: write the page again from a run saved with --json"
    )
    parser.add_argument("--batch", type=int, help=f"batch size (default {d.batch})")
    parser.add_argument("--repeats", type=int, help=f"timed rounds per measurement (default {d.repeats})")
    parser.add_argument(
        "--min-round-seconds",
        type=float,
        help=f"batches per round are chosen so that a round lasts this long (default {d.min_round_seconds:g})",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        metavar="NAME",
        choices=list(SHARED) + ["none"],
        help=f"networks to compare with keras.applications (default: {' '.join(SHARED)})",
    )
    parser.add_argument(
        "--input-size",
        type=int,
        metavar="SIZE",
        help="input height and width of the compared networks (default: their registered 224)",
    )
    parser.add_argument(
        "--sweep",
        nargs="+",
        metavar="NAME",
        help="registered networks for the GFLOP/s table (default: all; 'none' for none)",
    )
    parser.add_argument(
        "--sweep-train", action="store_true", help="time training in the sweep too (adds several minutes)"
    )
    parser.add_argument(
        "--profile",
        nargs="+",
        metavar="NAME",
        choices=list(SHARED) + ["none"],
        help="compared networks whose training step is also profiled, ours and theirs, op by op "
        f"(default: {' '.join(d.profile)}; 'none' for none)",
    )
    parser.add_argument("--no-alexnet", action="store_true", help="skip AlexNet one tower against two towers")
    parser.add_argument(
        "--grouped-layers",
        nargs="+",
        metavar="LAYER",
        choices=list(GROUPED_LAYERS) + ["none"],
        help="AlexNet layers for GroupedConv2D against Conv2D(groups=2) (default: all three)",
    )
    parser.add_argument(
        "--no-isolate",
        action="store_true",
        help="all models in two processes instead of one each (faster start, no per-model memory)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    settings = quick_settings(Settings()) if args.quick else Settings()
    for option in ("batch", "repeats", "min_round_seconds"):
        value = getattr(args, option)
        if value is not None:
            if value <= 0:
                raise ValueError(f"--{option.replace('_', '-')} must be positive, got {value}")
            setattr(settings, option, value)
    if args.input_size is not None:
        if args.input_size < 32:
            raise ValueError(f"--input-size must be at least 32 (keras.applications' smallest), got {args.input_size}")
        settings.shared_input = args.input_size
    if args.models:
        settings.shared = () if args.models == ["none"] else tuple(dict.fromkeys(args.models))
    if args.profile:
        settings.profile = () if args.profile == ["none"] else tuple(args.profile)
    if args.sweep:
        settings.sweep = () if args.sweep == ["none"] else (None if args.sweep == ["all"] else tuple(args.sweep))
    if args.sweep_train:
        settings.sweep_train = True
    if args.no_alexnet:
        settings.alexnet = False
    if args.grouped_layers:
        settings.grouped_layers = () if args.grouped_layers == ["none"] else tuple(args.grouped_layers)
    if args.no_isolate:
        settings.isolate = False
    return settings


def chinese_twin(path: str) -> str:
    """Where the Chinese page goes beside ``path``: ``performance.md`` ->
    ``performance.zh.md`` (the site's page.md / page.zh.md pairs)."""
    root, extension = os.path.splitext(path)
    return f"{root}.zh{extension or '.md'}"


def output_path(args: argparse.Namespace) -> Optional[str]:
    """Where the page goes: --output, else docs/performance.md, except that
    a --quick run writes nowhere unless asked."""
    if args.output:
        return args.output
    return None if args.quick else DEFAULT_OUTPUT


def run(args: argparse.Namespace, command: str) -> int:
    output = output_path(args)
    clock = Clock()
    if args.from_json:
        with open(args.from_json) as handle:
            report = json.load(handle)
        command = report["command"]  # the page describes the run that measured
    else:
        report = run_all(settings_from(args), clock)
        report["finished"] = time.time()
        report["command"] = command
    sys.stdout.write(summary(report))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)
    if output:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        # Both languages from the one report: the site's Chinese page is the
        # same run, never an older one.
        pages = {output: render(report, command), chinese_twin(output): render(report, command, "zh")}
        for path, text in pages.items():
            with open(path, "w") as handle:
                handle.write(text)
            print(f"wrote {path}")
    clock.say("done")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    command = shlex.join(["python", "benchmarks/bench.py"] + argv)
    try:
        return run(args, command)
    except (BenchError, ValueError) as error:
        print(f"bench.py: error: {error}", file=sys.stderr)
        return 2
