"""``keras-classics train NAME``: the command line of `keras_classics.training`.

Registering the parser imports no TensorFlow; the handler does, when it runs.
Every flag left out takes the network's paper recipe (``--show-recipe``
prints it, scaled to the batch size).
"""

from __future__ import annotations

import argparse
import dataclasses
import os

from keras_classics.training.augment import SCHEMES
from keras_classics.training.config import (
    CACHE_MODES,
    CLUSTER_TIMEOUT,
    STRATEGIES,
    VERIFY_MODES,
    TrainConfig,
)
from keras_classics.training.recipes import OPTIMIZERS, SCHEDULES

__all__ = ["register", "config_from_args"]

_RECIPE = "default: the paper recipe's"


def _milestones(text: str):
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected epochs like 30,60,80, got {text!r}") from None


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a network with its paper's recipe (model.fit under tf.distribute)",
        description=(
            "Train a registered network with its paper's recipe. Without --data it trains on "
            "scikit-learn's bundled 8x8 digits (nothing is downloaded). The run folder "
            "(runs/NAME) keeps the best and last model, a backup to resume from, metrics, "
            "curves and results.json; run the same command again to resume a killed run."
        ),
    )
    parser.add_argument("model", metavar="NAME", help="registered model name, e.g. lenet5, alexnet, vgg16")
    data = parser.add_argument_group("data")
    data.add_argument("--data", metavar="DIR", help=(
        "folder of class sub-folders of images, or one with train/ and val/ (ImageNet layout); "
        "default: scikit-learn's digits"))
    data.add_argument("--preprocess", choices=sorted(SCHEMES), help=f"preprocessing scheme ({_RECIPE})")
    data.add_argument("--no-augment", dest="augment", action="store_false",
                      help="no training augmentation (crops, flips, colour noise)")
    data.add_argument("--input-size", type=int, metavar="N", help="square input side (default: the model's)")
    data.add_argument("--val-fraction", type=float, default=0.10, metavar="F")
    data.add_argument("--test-fraction", type=float, default=0.15, metavar="F")
    data.add_argument("--cache", choices=CACHE_MODES, default="auto",
                      help="keep decoded images in memory (auto: when they fit)")
    data.add_argument("--verify-images", choices=VERIFY_MODES, default="auto",
                      help="decode every image once before training (auto: up to 20,000 images)")

    recipe = parser.add_argument_group("recipe (each defaults to the paper's)")
    recipe.add_argument("--epochs", type=int, metavar="N")
    recipe.add_argument("--batch-size", type=int, metavar="N",
                        help="global batch, split across replicas; the learning rate scales with it")
    recipe.add_argument("--lr", "--learning-rate", dest="learning_rate", type=float, metavar="F",
                        help="initial learning rate (no batch scaling)")
    recipe.add_argument("--optimizer", choices=OPTIMIZERS)
    recipe.add_argument("--momentum", type=float, metavar="F")
    recipe.add_argument("--weight-decay", type=float, metavar="F",
                        help="L2 coefficient (coupled with SGD, decoupled with Adam/RMSprop)")
    recipe.add_argument("--schedule", choices=SCHEDULES)
    recipe.add_argument("--lr-patience", type=int, metavar="N",
                        help="plateau: epochs without a lower validation loss before dividing")
    recipe.add_argument("--lr-factor", type=float, metavar="F", help="multiplier at each decay")
    recipe.add_argument("--lr-milestones", type=_milestones, metavar="E1,E2,...",
                        help="step schedule: epochs at which to decay")
    recipe.add_argument("--dropout", type=float, metavar="F", help="override every dropout rate")
    recipe.add_argument("--aux-loss-weight", type=float, metavar="F",
                        help="GoogLeNet's auxiliary classifiers (paper: 0.3)")
    recipe.add_argument("--show-recipe", action="store_true",
                        help="print the resolved recipe and its sources, then exit")

    run = parser.add_argument_group("run")
    run.add_argument("--run-dir", metavar="DIR", help="run folder (default: runs/NAME)")
    run.add_argument("--overwrite", action="store_true",
                     help="start afresh in a run folder that holds a finished or different run")
    run.add_argument("--seed", type=int, default=1337)
    run.add_argument("--strategy", choices=STRATEGIES, default="auto", help=(
        "auto: MultiWorkerMirrored when TF_CONFIG names a cluster, Mirrored over all GPUs, "
        "else the default strategy"))
    run.add_argument("--cpu-replicas", type=int, metavar="N",
                     help="split the CPU into N logical devices (MirroredStrategy without GPUs)")
    run.add_argument("--cluster-timeout", type=float, default=CLUSTER_TIMEOUT, metavar="SECONDS",
                     help=("multi-worker: how long to wait for every worker in TF_CONFIG to answer "
                           f"before giving up (default {CLUSTER_TIMEOUT:g})"))
    run.add_argument("--mixed-precision", action="store_true", help="float16 compute (GPUs only)")
    run.add_argument("--steps-per-epoch", type=int, metavar="N", help="cap on training steps per epoch")
    run.add_argument("--verbose", type=int, choices=(0, 1, 2),
                     help="0 silent, 1 progress bar, 2 one line per epoch (default: 1 on a terminal)")
    parser.set_defaults(handler=_handle)


def config_from_args(args) -> TrainConfig:
    names = (
        "model", "data", "run_dir", "epochs", "batch_size", "learning_rate", "optimizer",
        "momentum", "weight_decay", "schedule", "lr_patience", "lr_factor", "lr_milestones",
        "dropout", "aux_loss_weight", "preprocess", "augment", "input_size", "val_fraction",
        "test_fraction", "seed", "strategy", "mixed_precision", "steps_per_epoch", "cache",
        "verify_images", "verbose", "overwrite", "cluster_timeout",
    )
    return TrainConfig(**{name: getattr(args, name) for name in names})


def _show_recipe(config: TrainConfig) -> None:
    from keras_classics import registry
    from keras_classics.training import recipes

    entry = registry.get_entry(config.model)
    recipe = recipes.recipe_for(config.model, entry.family, entry.input_shape[0])
    hp = recipes.resolve(recipe, config)
    print(f"{config.model}: {recipe.network} recipe ({recipe.source})")
    for key, value in hp.to_dict().items():
        print(f"  {key}: {value}")
    print(f"  notes: {recipe.notes}")


def _handle(args) -> int:
    from keras_classics.cli import CommandError

    config = config_from_args(args)
    # TensorFlow's INFO lines drown the progress bar; warnings (such as a
    # corrupt image skipped by the pipeline) still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    if args.show_recipe:
        _show_recipe(config)
        return 0
    if args.cpu_replicas is not None:
        if args.cpu_replicas < 1:
            raise ValueError(
                f"--cpu-replicas must be 1 or more (logical CPU devices), got {args.cpu_replicas}")
        from keras_classics.training.strategy import split_cpu

        split_cpu(args.cpu_replicas)
        if args.cpu_replicas > 1 and config.strategy == "auto":
            config = dataclasses.replace(config, strategy="mirrored")
    from keras_classics.training.callbacks import DivergedError
    from keras_classics.training.run import train

    try:
        train(config)
    except DivergedError as error:
        raise CommandError(str(error)) from None
    return 0
