"""Measure the shapes set's baselines and write them to a JSON file.

Logistic regression (scikit-learn) on the raw pixels, scaled to [0, 1]:
its inverse regularisation ``C`` is chosen from a small grid on a
validation split (the next images of the training stream), then the chosen
model is measured once on the test images. The same is done on the
"clean" renders (random pose, but no background, clutter, occluder,
colour or noise) to show how much of the difficulty the nuisances add.

``--run NAME=RUN_DIR`` (repeatable) adds what a finished ``keras-classics
train NAME --data shapes...`` run recorded in its results.json, and
``--skip-lr`` keeps the file's logistic regression numbers.

Usage::

    python scripts/shapes_baselines.py                       # 5,000 training images (minutes)
    python scripts/shapes_baselines.py --train 2000 --test 1000 --out /tmp/b.json
    python scripts/shapes_baselines.py --skip-lr --run lenet5=runs/lenet5-shapes
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from importlib import metadata

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
sys.path.insert(0, ROOT)

from keras_classics.datasets import shapes  # noqa: E402

OUT = os.path.join(ROOT, "docs", "figures", "datasets", "baselines.json")
C_GRID = (1e-4, 1e-3, 1e-2)


def _pixels(x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), -1).astype(np.float32) / np.float32(255.0)


def logistic_regression(train: int, val: int, test: int, options: shapes.Options, seed: int) -> dict:
    from sklearn.linear_model import LogisticRegression

    x_all, y_all = shapes.render(train + val, seed=seed, options=options)
    x_test, y_test = shapes.render(test, seed=seed, options=options, split="test")
    x_train, y_train, x_val, y_val = x_all[:train], y_all[:train], x_all[train:], y_all[train:]
    tried = []
    best = None
    for c in C_GRID:
        started = time.process_time()
        model = LogisticRegression(C=c, max_iter=300)
        model.fit(_pixels(x_train), y_train)
        row = {
            "C": c,
            "train_accuracy": float(model.score(_pixels(x_train), y_train)),
            "val_accuracy": float(model.score(_pixels(x_val), y_val)),
            "iterations": int(np.max(model.n_iter_)),
            "cpu_s": round(time.process_time() - started, 1),
        }
        tried.append(row)
        print(f"  C={c:g}: train {row['train_accuracy']:.3f}, val {row['val_accuracy']:.3f} ({row['cpu_s']} s CPU)")
        if best is None or row["val_accuracy"] > best[0]["val_accuracy"]:
            best = (row, model)
    chosen, model = best
    return {
        "train": train,
        "val": val,
        "test": test,
        "grid": tried,
        "chosen_C": chosen["C"],
        "test_accuracy": float(model.score(_pixels(x_test), y_test)),
    }


def network(run_dir: str) -> dict:
    """The parts of a finished run's results.json that the data card quotes."""
    with open(os.path.join(run_dir, "results.json")) as handle:
        results = json.load(handle)
    data = results["data"]
    return {
        "command": _command(results),
        "model": results["model"],
        "data": {key: data[key] for key in ("name", "train", "val", "test", "input_shape") if key in data},
        "test": results["test"],
        "best_epoch": results["best_epoch"],
        "epochs": results["epochs"],
        "steps_per_epoch": results["steps_per_epoch"],
        "batch_size": results["hyperparameters"]["batch_size"],
        "wall_s": results["timing"]["wall_s"],
        "versions": results["versions"],
    }


def _command(results: dict) -> str:
    """The shortest command that repeats a run: the settings that differ from the defaults."""
    from keras_classics.training.config import TrainConfig

    defaults = TrainConfig().to_dict()
    words = ["keras-classics", "train", results["model"]]
    for key, value in results["settings"].items():
        if key in ("model", "run_dir", "verbose") or value == defaults.get(key):
            continue
        words += [f"--{key.replace('_', '-')}", str(value)]
    return " ".join(words)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=5_000, help="training images (default 5,000)")
    parser.add_argument("--val", type=int, default=2_000, help="validation images that choose C (default 2,000)")
    parser.add_argument("--test", type=int, default=10_000, help="test images (default 10,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--run", action="append", default=[], metavar="NAME=RUN_DIR", help="a finished training run to include"
    )
    parser.add_argument("--skip-lr", action="store_true", help="keep the file's logistic regression numbers")
    parser.add_argument("--out", default=OUT, help="the JSON file to write")
    args = parser.parse_args(argv)

    report = {}
    if os.path.exists(args.out):
        with open(args.out) as handle:
            report = json.load(handle)
    report["shapes_version"] = shapes.VERSION
    for name, options in () if args.skip_lr else (("full", shapes.Options()), ("clean", shapes.CLEAN)):
        print(f"logistic regression on the {name} renders")
        report.setdefault("logistic_regression", {})[name] = logistic_regression(
            args.train, args.val, args.test, options, args.seed
        )
        print(f"  test accuracy {report['logistic_regression'][name]['test_accuracy']:.3f}")
    for item in args.run:
        name, _, run_dir = item.partition("=")
        if not run_dir:
            parser.error(f"--run takes NAME=RUN_DIR, got {item!r}")
        report.setdefault("networks", {})[name] = network(run_dir)
    report["provenance" if not args.skip_lr else "provenance_networks"] = {
        "command": "python scripts/shapes_baselines.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": metadata.version("scikit-learn"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
