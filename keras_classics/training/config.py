"""Every setting of a training run, as one plain dataclass.

No TensorFlow here: the command line builds its help from these defaults, and
a run folder's ``results.json`` records them all. ``None`` means "the
network's paper recipe decides" (see `keras_classics.training.recipes`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from keras_classics.training.augment import SCHEMES
from keras_classics.training.recipes import OPTIMIZERS, SCHEDULES

__all__ = ["TrainConfig", "STRATEGIES", "CACHE_MODES", "VERIFY_MODES", "CLUSTER_TIMEOUT"]

STRATEGIES = ("auto", "default", "mirrored", "multiworker")
CACHE_MODES = ("auto", "memory", "none")
VERIFY_MODES = ("auto", "yes", "no")
PREPROCESS_SCHEMES = tuple(sorted(SCHEMES))

# Settings that may change between a killed run and its restart without
# changing what the run computes (cached or not, the batches are the same).
RESTARTABLE_FIELDS = ("verbose", "overwrite", "run_dir", "cache", "cluster_timeout")

# Default wait for the other workers of a cluster, in seconds: long enough
# to start the same command by hand on a few machines.
CLUSTER_TIMEOUT = 300.0


def _setting(
    default, help: str, *, group: str, flags: Tuple[str, ...] = (), metavar: str = "", choices: Tuple[Any, ...] = ()
):
    """A field with its command-line flag described in its metadata."""
    return field(
        default=default, metadata={"help": help, "group": group, "flags": flags, "metavar": metavar, "choices": choices}
    )


_WHOLE = ("epochs", "batch_size", "lr_patience", "input_size", "steps_per_epoch", "seed")
_REAL = (
    "learning_rate",
    "momentum",
    "weight_decay",
    "lr_factor",
    "dropout",
    "aux_loss_weight",
    "val_fraction",
    "test_fraction",
    "cluster_timeout",
)


@dataclass
class TrainConfig:
    """What to train, on what, and how.

    Args:
        model: registered model name (`keras_classics.list_models()`).
        data: None for scikit-learn's bundled digits; a named data set
            ("shapes", "shapes:N", "shapes-64", "mnist", "fashion_mnist",
            "cifar10", "cifar100": `keras_classics.datasets.named`); else a
            folder of class sub-folders of images, or one holding ``train/``
            and ``val/`` such folders (the ImageNet / Imagenette layout).
        run_dir: the run folder; None: ``runs/<model>``. The same command
            finds the same folder, which is how a killed run resumes.
        epochs, batch_size, learning_rate, optimizer, momentum, weight_decay,
        schedule, lr_patience, lr_factor, lr_milestones, dropout,
        aux_loss_weight, preprocess: None takes the paper recipe's value.
            ``batch_size`` is the global batch, split across replicas; the
            recipe's learning rate is scaled linearly with it.
        augment: apply the recipe's training augmentation (crops, flips,
            colour noise); False keeps only the test-time transform.
        input_size: square input side; None: the registered input shape.
        val_fraction, test_fraction: held-out shares of the data (10% to
            steer the schedule and pick the best epoch, 15% to report).
        seed: seeds the split, the weights, the shuffles and augmentation.
        strategy: "auto" (MultiWorkerMirrored when TF_CONFIG names a cluster,
            Mirrored over every visible GPU, else the default strategy) or one
            of "default", "mirrored", "multiworker". On JAX, "auto" and
            "mirrored" are DataParallel over every device; "multiworker" is
            refused.
        mixed_precision: float16 compute on GPUs.
        steps_per_epoch: cap on the training steps per epoch (smoke runs).
        cache: "auto" keeps decoded images in memory when they fit.
        verify_images: decode every image once before training ("auto":
            when the folder holds at most 20,000 images).
        verbose: Keras verbosity; None: progress bar on a terminal, one
            line per epoch otherwise.
        overwrite: start afresh in a run folder that holds another run.
        cluster_timeout: seconds to wait for every worker named in
            ``TF_CONFIG`` to answer before giving up.
    """

    # Each field's metadata is its command-line flag: the help line, the
    # argparse group, and where the flag is not the field's name with
    # dashes, its spelling (`keras_classics.training.cli` reads them).
    model: str = _setting("lenet5", "registered model name, e.g. lenet5, alexnet, vgg16", group="", metavar="NAME")
    data: Optional[str] = _setting(
        None,
        (
            "a named data set: shapes (bundled, drawn on first use; shapes:N for N training images, "
            "shapes-64 for 64x64), digits, or mnist, fashion_mnist, cifar10, cifar100 (keras.datasets, "
            "downloaded once); or a folder of class sub-folders of images, or one with train/ and val/ "
            "(ImageNet layout); default: scikit-learn's digits"
        ),
        group="data",
        metavar="NAME|DIR",
    )
    run_dir: Optional[str] = _setting(None, "run folder (default: runs/NAME)", group="run", metavar="DIR")
    epochs: Optional[int] = _setting(None, "", group="recipe")
    batch_size: Optional[int] = _setting(
        None, "global batch, split across replicas; the learning rate scales with it", group="recipe"
    )
    learning_rate: Optional[float] = _setting(
        None, "initial learning rate (no batch scaling)", group="recipe", flags=("--lr", "--learning-rate")
    )
    optimizer: Optional[str] = _setting(None, "", group="recipe", choices=OPTIMIZERS)
    momentum: Optional[float] = _setting(None, "", group="recipe")
    weight_decay: Optional[float] = _setting(
        None, "L2 coefficient (coupled with SGD, decoupled with Adam/RMSprop)", group="recipe"
    )
    schedule: Optional[str] = _setting(None, "", group="recipe", choices=SCHEDULES)
    lr_patience: Optional[int] = _setting(
        None, "plateau: epochs without a lower validation loss before dividing", group="recipe"
    )
    lr_factor: Optional[float] = _setting(None, "multiplier at each decay", group="recipe")
    lr_milestones: Optional[Tuple[int, ...]] = _setting(
        None, "step schedule: epochs at which to decay", group="recipe", metavar="E1,E2,..."
    )
    dropout: Optional[float] = _setting(None, "override every dropout rate", group="recipe")
    aux_loss_weight: Optional[float] = _setting(None, "GoogLeNet's auxiliary classifiers' loss weight", group="recipe")
    preprocess: Optional[str] = _setting(
        None, "preprocessing scheme (default: the paper recipe's)", group="data", choices=PREPROCESS_SCHEMES
    )
    augment: bool = _setting(
        True, "no training augmentation (crops, flips, colour noise)", group="data", flags=("--no-augment",)
    )
    input_size: Optional[int] = _setting(None, "square input side (default: the model's)", group="data")
    val_fraction: float = _setting(0.10, "share of the data held out to steer the schedule", group="data")
    test_fraction: float = _setting(0.15, "share of the data held out to report", group="data")
    seed: int = _setting(1337, "seeds the split, the weights, the shuffles and augmentation", group="run")
    strategy: str = _setting(
        "auto",
        (
            "auto: MultiWorkerMirrored when TF_CONFIG names a cluster, Mirrored over all GPUs, else the default "
            "strategy (on JAX: DataParallel over every device)"
        ),
        group="run",
        choices=STRATEGIES,
    )
    mixed_precision: bool = _setting(False, "float16 compute (GPUs only)", group="run")
    steps_per_epoch: Optional[int] = _setting(None, "cap on training steps per epoch", group="run")
    cache: str = _setting(
        "auto", "keep decoded images in memory (auto: when they fit)", group="data", choices=CACHE_MODES
    )
    verify_images: str = _setting(
        "auto",
        "decode every image once before training (auto: up to 20,000 images)",
        group="data",
        choices=VERIFY_MODES,
    )
    verbose: Optional[int] = _setting(
        None,
        "0 silent, 1 progress bar, 2 one line per epoch (default: 1 on a terminal)",
        group="run",
        choices=(0, 1, 2),
    )
    overwrite: bool = _setting(
        False, "start afresh in a run folder that holds a finished or different run", group="run"
    )
    cluster_timeout: float = _setting(
        CLUSTER_TIMEOUT,
        (
            "multi-worker: how long to wait for every worker in TF_CONFIG to answer before giving "
            "up (default %(default)g)"
        ),
        group="run",
        metavar="SECONDS",
    )
    extra: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.lr_milestones is not None:
            self.lr_milestones = tuple(int(m) for m in self.lr_milestones)
        self.validate()

    def validate(self) -> None:
        """Reject settings that cannot work, with the reason."""
        self._check_types()
        positive = {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "lr_patience": self.lr_patience,
            "input_size": self.input_size,
            "steps_per_epoch": self.steps_per_epoch,
        }
        if self.cluster_timeout <= 0:
            raise ValueError(f"cluster_timeout must be positive seconds, got {self.cluster_timeout!r}")
        for name, value in positive.items():
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        for name in ("momentum", "weight_decay", "aux_loss_weight"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0, got {value!r}")
        if self.dropout is not None and not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.lr_factor is not None and not 0 < self.lr_factor < 1:
            raise ValueError(f"lr_factor must be in (0, 1), got {self.lr_factor!r}")
        for name in ("val_fraction", "test_fraction"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise ValueError(f"{name} must be in (0, 1), got {value!r}")
        if self.val_fraction + self.test_fraction >= 0.9:
            raise ValueError(
                "val_fraction + test_fraction must leave at least 10% of the data for training, "
                f"got {self.val_fraction} + {self.test_fraction}"
            )
        for name, value, choices in (
            ("strategy", self.strategy, STRATEGIES),
            ("cache", self.cache, CACHE_MODES),
            ("verify_images", self.verify_images, VERIFY_MODES),
        ):
            if value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
        if self.verbose not in (None, 0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2, got {self.verbose!r}")

    def _check_types(self) -> None:
        # Python callers can pass anything; say what was wrong rather than
        # letting a comparison fail with a bare TypeError deep inside.
        import math
        import numbers

        for name in _WHOLE:
            value = getattr(self, name)
            if value is None and name != "seed":
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise ValueError(f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
            setattr(self, name, int(value))
        for name in _REAL:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            setattr(self, name, float(value))
        for name in ("augment", "mixed_precision", "overwrite"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        for name in ("model", "strategy", "cache", "verify_images"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string, got {getattr(self, name)!r}")

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready settings (tuples become lists)."""
        out = dataclasses.asdict(self)
        if out["lr_milestones"] is not None:
            out["lr_milestones"] = list(out["lr_milestones"])
        return out

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training setting(s): {', '.join(unknown)}")
        return cls(**values)
