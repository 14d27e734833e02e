"""``keras-classics lab``: list the experiments, run one or all of them."""

from __future__ import annotations

import os
import shlex
import sys
import time

DEFAULT_OUT = "lab-runs"


def register(subparsers) -> None:
    help_text = "re-run the papers' experiments at laptop scale (list, run NAME, run --all)"
    parser = subparsers.add_parser("lab", help=help_text, description=help_text + ".")
    actions = parser.add_subparsers(dest="lab_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the experiments, their claims and arms").set_defaults(handler=_list)
    run = actions.add_parser(
        "run",
        help="run one experiment, or all; again to resume after Ctrl-C",
        description="Run an experiment (or --all) and write metrics CSVs, summary.json, table.md and "
        "figures into OUT/NAME. Running it again resumes at the first unfinished arm and seed.",
    )
    run.add_argument("name", nargs="?", help="experiment name (see `keras-classics lab list`)")
    run.add_argument("--all", action="store_true", help="every experiment, one after the other")
    run.add_argument(
        "--data",
        default=None,
        help="'digits' (default, bundled with scikit-learn), 'shapes' (bundled, drawn on first use; 'shapes:N' "
        "for N training images), 'mnist', 'fashion_mnist', 'cifar10', 'cifar100' (downloaded by keras.datasets; "
        "fails within seconds where there is no internet) or a folder of class sub-folders",
    )
    run.add_argument("--quick", action="store_true", help="one seed, 2 epochs of 3 steps on a few images: a smoke test")
    run.add_argument("--out", default=DEFAULT_OUT, help=f"results folder (default {DEFAULT_OUT}/)")
    run.add_argument("--fresh", action="store_true", help="discard the folder's finished runs and start over")
    run.set_defaults(handler=_run)
    summarise = actions.add_parser(
        "summarise",
        help="recompute summary.json, table.md and the figures of finished runs from their metrics CSVs",
    )
    summarise.add_argument("name", nargs="?", help="experiment name")
    summarise.add_argument("--all", action="store_true", help="every experiment with finished runs in OUT")
    summarise.add_argument("--out", default=DEFAULT_OUT, help=f"results folder (default {DEFAULT_OUT}/)")
    summarise.add_argument("--quick", action="store_true", help="the --quick runs' folders")
    summarise.set_defaults(handler=_summarise)
    pages = actions.add_parser(
        "pages", help="write the site's Lab pages (docs/lab/*.md) from a results folder; trains nothing"
    )
    pages.add_argument("--results", default=os.path.join("docs", "lab", "results"))
    pages.add_argument("--out", default=os.path.join("docs", "lab"))
    pages.set_defaults(handler=_pages)


def _list(args) -> int:
    from keras_classics.lab.experiments import EXPERIMENTS

    for experiment in EXPERIMENTS.values():
        arms = ", ".join(arm.name for arm in experiment.arms)
        print(f"{experiment.name:22s} {experiment.title} ({experiment.source})")
        print(f"{'':22s} arms: {arms}; {len(experiment.seeds)} seeds, {experiment.epochs} epochs")
    return 0


def _chosen(args, hint: str = "") -> list:
    """The experiments a command names: the one given, or every one with
    ``--all``; exactly one of the two must be given."""
    from keras_classics.cli import CommandError
    from keras_classics.lab.experiments import EXPERIMENTS, get

    if args.all == bool(args.name):
        raise CommandError(f"give one experiment name or --all{hint}")
    return list(EXPERIMENTS.values()) if args.all else [get(args.name)]


def _run(args) -> int:
    chosen = _chosen(args, " (see `keras-classics lab list`)")
    command = shlex.join(["keras-classics"] + sys.argv[1:])
    from keras_classics.lab.runner import run_experiment

    started = time.perf_counter()
    for experiment in chosen:
        run_experiment(experiment, out=args.out, data=args.data, quick=args.quick, fresh=args.fresh, command=command)
    if len(chosen) > 1:
        print(f"lab: {len(chosen)} experiments in {time.perf_counter() - started:.0f} s; results in {args.out}")
    return 0


def _summarise(args) -> int:
    """Recompute the outputs of finished experiments. An experiment with
    a damaged or changed file is named with the file and what is wrong
    (exit 2); one with units still to run is named with them (exit 1)."""
    from keras_classics.cli import CommandError
    from keras_classics.lab.runner import (
        audit,
        locked,
        quick_version,
        read_record,
        run_folder,
        settings_problem,
        unfinished,
        write_outputs,
    )

    chosen = _chosen(args)
    done, damaged, incomplete = 0, 0, 0
    for experiment in chosen:
        if args.quick:
            experiment = quick_version(experiment)
        folder = run_folder(args.out, experiment, args.quick)
        record_path = os.path.join(folder, "run.json")
        if not os.path.isdir(folder):
            if not args.all:
                raise CommandError(f"{folder} holds no run of {experiment.name}")
            continue
        rerun = f"`keras-classics lab run {experiment.name}{' --quick' if args.quick else ''} --out {args.out}`"
        with locked(folder):  # a run writing the folder now is named
            if not os.path.isfile(record_path):
                if not args.all:
                    raise CommandError(f"{folder} holds no run of {experiment.name}")
                continue
            record, problem = read_record(record_path)
            if problem is None:
                problem = settings_problem(experiment, record, args.quick)
                problem = problem and f"{folder} {problem}"
            if problem:
                print(f"lab: {experiment.name}: {problem}; {rerun[:-1]} --fresh` starts it over", file=sys.stderr)
                damaged += 1
                continue
            state = audit(folder, experiment, record)
            for why in state.problems.values():
                print(f"lab: {experiment.name}: {why}; {rerun} runs it again", file=sys.stderr)
            missing = unfinished(experiment, state)
            if state.problems:
                damaged += 1
                continue
            if missing:
                print(f"lab: {experiment.name}: unfinished ({', '.join(missing)}); run it to finish", file=sys.stderr)
                incomplete += 1
                continue
            summary = write_outputs(experiment, folder, record)
        headline = summary["checks"][summary["headline"]]
        print(f"lab: {experiment.name}: {headline['statement']}: {summary['verdict']}")
        done += 1
    if damaged:
        return 2
    return 1 if incomplete or not (done or args.all) else 0


def _pages(args) -> int:
    from keras_classics.lab.pages import write_pages

    written = write_pages(args.results, args.out)
    print(f"lab: wrote {len(written)} pages into {args.out}")
    return 0
