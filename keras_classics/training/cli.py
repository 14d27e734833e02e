"""``keras-classics train NAME``: the command line of `keras_classics.training`.

Registering the parser imports no TensorFlow; the handler does, when it runs.
Every flag left out takes the network's paper recipe (``--show-recipe``
prints it, scaled to the batch size).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import shutil
import sys

from keras_classics.training import spelling
from keras_classics.training.config import TrainConfig

__all__ = ["register", "config_from_args"]

# The argparse groups, in the order --help shows them; each setting names
# its own group in its field's metadata (`keras_classics.training.config`).
_GROUPS = {
    "data": "data",
    "recipe": "recipe (each defaults to the paper's)",
    "run": "run",
}
_PARSERS = {"int": int, "float": float, "str": str}


def _milestones(text: str):
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected epochs like 30,60,80, got {text!r}") from None


def _settings():
    """TrainConfig's fields that are command-line flags (all but ``extra``)."""
    return [f for f in dataclasses.fields(TrainConfig) if "group" in f.metadata]


def _parse_type(setting):
    # Annotations are strings here ("Optional[int]"): the innermost name
    # says how to read the flag's text.
    if "Tuple" in setting.type:
        return _milestones
    return _PARSERS[setting.type.replace("Optional[", "").rstrip("]")]


def _add_setting(parser, setting) -> None:
    meta = setting.metadata
    if not meta["group"]:  # the positional model name
        parser.add_argument(setting.name, metavar=meta["metavar"], help=meta["help"])
        return
    flags = meta["flags"] or ("--" + setting.name.replace("_", "-"),)
    options = {"dest": setting.name, "default": setting.default}
    if meta["help"]:
        options["help"] = meta["help"]
    if isinstance(setting.default, bool):
        options["action"] = "store_false" if setting.default else "store_true"
    else:
        options["type"] = _parse_type(setting)
        if meta["choices"]:
            options["choices"] = meta["choices"]
        elif setting.type.replace("Optional[", "").rstrip("]") in ("int", "float"):
            options["metavar"] = meta["metavar"] or ("N" if "int" in setting.type else "F")
        if meta["metavar"]:
            options["metavar"] = meta["metavar"]
    parser.add_argument(*flags, **options)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a network with its paper's recipe (model.fit, one or more devices)",
        description=(
            "Train a registered network with its paper's recipe. Without --data it trains on "
            "scikit-learn's bundled 8x8 digits (nothing is downloaded). The run folder "
            "(runs/NAME) keeps the best and last model, a backup to resume from, metrics, "
            "curves and results.json; run the same command again to resume a killed run "
            "(after Ctrl-C the command prints it). "
            "KERAS_BACKEND=jax trains without TensorFlow (keras.distribution.DataParallel)."
        ),
    )
    groups = {key: parser.add_argument_group(title) for key, title in _GROUPS.items()}
    groups[""] = parser
    for setting in _settings():
        _add_setting(groups[setting.metadata["group"]], setting)
    # Flags of the command alone, not settings of a run.
    groups["recipe"].add_argument(
        "--show-recipe", action="store_true", help="print the resolved recipe and its sources, then exit"
    )
    groups["run"].add_argument(
        "--resume-latest",
        metavar="GLOB",
        help=(
            "resume the newest unfinished run with these settings among the folders matching GLOB "
            "(e.g. 'runs/lenet5-*'), if there is one, instead of starting in --run-dir (make train uses it)"
        ),
    )
    groups["run"].add_argument(
        "--cpu-replicas",
        type=int,
        metavar="N",
        help="split the CPU into N devices (MirroredStrategy, or DataParallel on JAX, without GPUs)",
    )
    groups["run"].add_argument(
        "--keep-weights",
        metavar="E1,E2,...",
        help=(
            "save the weights at the end of these epochs (counted from 1) as "
            "RUN_DIR/kept-weights/epoch-NNN.weights.h5, for keras_classics.visualize.feature_evolution"
        ),
    )
    parser.set_defaults(handler=_handle)


def config_from_args(args) -> TrainConfig:
    return TrainConfig(**{setting.name: getattr(args, setting.name) for setting in _settings()})


def _show_recipe(config: TrainConfig) -> None:
    from keras_classics.training import recipes
    from keras_classics.training.run import choose_model

    choice = choose_model(config)
    recipe = recipes.recipe_for(config.model, choice.family, choice.registered_side, choice.recipe)
    hp = recipes.resolve(recipe, config)
    print(f"{config.model}: {recipe.network} recipe ({recipe.source})")
    for key, value in hp.to_dict().items():
        print(f"  {key}: {value}")
    print(f"  notes: {recipe.notes}")


def _import_keras() -> None:
    """Import Keras, or say in one line which backend is missing (Keras's
    default backend is TensorFlow, absent on a JAX-only machine)."""
    from keras_classics.cli import CommandError

    try:
        import keras  # noqa: F401
    except ModuleNotFoundError as error:
        missing = (error.name or "").split(".")[0]
        if missing not in ("tensorflow", "jax", "torch"):
            raise
        raise CommandError(
            f"Keras's backend ({missing}, from KERAS_BACKEND or Keras's default, TensorFlow) is not "
            "installed; install it, or choose an installed backend, e.g. KERAS_BACKEND=jax"
        ) from None


def _handle(args) -> int:
    from keras_classics.cli import CommandError

    config = typed = config_from_args(args)
    try:
        _import_keras()
        if args.show_recipe:
            _show_recipe(config)
            return 0
        if args.cpu_replicas is not None:
            if args.cpu_replicas < 1:
                raise ValueError(f"--cpu-replicas must be 1 or more (logical CPU devices), got {args.cpu_replicas}")
            from keras_classics.training.strategy import split_cpu

            split_cpu(args.cpu_replicas)
            if args.cpu_replicas > 1 and config.strategy == "auto":
                config = dataclasses.replace(config, strategy="mirrored")
        if args.resume_latest:
            config = _resume_latest(args.resume_latest, config)
        callbacks = []
        if args.keep_weights is not None:
            from keras_classics.visualize.evolution import KeepWeights

            epochs = [e.strip() for e in args.keep_weights.split(",")]
            try:
                folder = os.path.join(config.run_dir or os.path.join("runs", config.model), "kept-weights")
                callbacks.append(KeepWeights(epochs, folder=folder))
            except ValueError as error:
                raise ValueError(f"--keep-weights: {error}") from None
        from keras_classics.training.callbacks import DivergedError
        from keras_classics.training.run import train

        try:
            with spelling.command_line():
                train(config, callbacks=callbacks)
        except DivergedError as error:
            raise CommandError(str(error)) from None
    except KeyboardInterrupt:
        # As typed, in the folder this run used.
        again = dataclasses.replace(typed, run_dir=config.run_dir)
        print(f"keras-classics train: interrupted; {_how_to_resume(args, again)}", file=sys.stderr)
        return 130
    return 0


def _resume_latest(pattern: str, config: TrainConfig) -> TrainConfig:
    """``config`` in the newest unfinished run matching ``pattern`` that has
    the same settings (`keras_classics.training.run.unfinished_run`), else as
    it was."""
    from keras_classics.training.run import unfinished_run

    found, passed_over = unfinished_run(pattern, config)
    if found is not None:
        return dataclasses.replace(config, run_dir=found)
    if passed_over:
        folder, differ = passed_over[0]
        print(
            f"keras-classics train: not resuming {folder}, an unfinished run with other settings ({differ}); "
            f"starting {config.run_dir or os.path.join('runs', config.model)}",
            file=sys.stderr,
        )
    return config


def _program() -> str:
    """The command as the user can type it again: ``keras-classics`` when
    that is what the shell finds, else the path it was started by
    (``.venv/bin/keras-classics`` under make), or ``python -m``."""
    started = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if os.path.basename(started) == "keras-classics":
        found = shutil.which("keras-classics")
        if found and os.path.realpath(found) == os.path.realpath(started):
            return "keras-classics"
        return shlex.quote(started)
    if started.endswith(os.path.join("keras_classics", "cli.py")):
        return f"{shlex.quote(sys.executable)} -m keras_classics.cli"
    return "keras-classics"


def _how_to_resume(args, config: TrainConfig) -> str:
    """The exact command that resumes the run (its folder named), in words."""
    run_dir = config.run_dir or os.path.join("runs", config.model)
    before = ["--verbose"] if getattr(args, "show_backend_logs", False) else []
    after = ["--cpu-replicas", str(args.cpu_replicas)] if args.cpu_replicas is not None else []
    again = spelling.command(
        dataclasses.replace(config, run_dir=run_dir), program=_program(), before=before, after=after
    )
    if os.path.exists(os.path.join(run_dir, "config.json")):
        return f"{run_dir} keeps every finished epoch; to resume, run: {again}"
    return f"nothing was written yet; to start again, run: {again}"
