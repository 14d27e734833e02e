"""What an experiment is: data, read by one runner.

An `Experiment` names the paper's claim (in our words, with its section
and figure), its arms (a lab network and its options, or a training
setting), the data, how long to train, the seeds, the quantities to
measure and the `Check`s that turn the numbers into a verdict. Adding an
experiment is adding one of these to `keras_classics.lab.experiments`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, NamedTuple, Optional, Tuple

# Quantities every run records per epoch (the x axis of the curves).
EPOCH_QUANTITIES = ("train_loss", "train_error", "val_error", "gap", "conv1_grad_norm")

# What each quantity means, for tables and figure labels.
QUANTITY_LABELS = {
    "train_loss": "training loss (mean over the epoch's steps)",
    "train_error": "training error (whole training set, inference mode)",
    "val_error": "validation error",
    "gap": "generalisation gap (validation error - training error)",
    "conv1_grad_norm": "gradient norm at the first convolution (mean over the epoch's steps)",
    "params": "parameters",
    "macs": "multiply-accumulates per image",
    "receptive_field": "receptive field of the last convolution (pixels)",
    "steps_to_threshold": "training steps to reach the training-error threshold",
    "init_activation_std": "activation standard deviation at initialisation, per layer",
    "init_grad_std": "gradient standard deviation at initialisation, per layer",
}

EXPECTATIONS = ("lower", "higher", "no_higher", "no_lower")


class Row(NamedTuple):
    """One measured number: ``x`` is the epoch ("epoch" rows), the layer
    (1-based, "layer" rows) or empty ("scalar" rows)."""

    kind: str
    x: Optional[int]
    quantity: str
    value: float


@dataclass(frozen=True)
class Arm:
    """One variant: a lab network (`keras_classics.lab.networks`) with its
    options, and training settings that differ from the experiment's."""

    name: str
    label: str
    network: str
    options: Dict = field(default_factory=dict)
    augment: bool = False
    aux_loss_weight: float = 0.0  # weight of a second (auxiliary) output's loss


@dataclass(frozen=True)
class Measure:
    """A quantity to report.

    ``kind``: "epoch" (a curve over epochs; summarised by its last epoch),
    "scalar" (one number per run) or "layer" (a profile over layers,
    measured at initialisation; summarised at ``at``: "first" or "last"
    layer). ``deterministic``: the same for every seed (parameters, MACs),
    so one seed is enough to compare it. ``log_scale``: the verdict compares
    log10 of the values, for scales that multiply through the layers and so
    differ between arms by orders of magnitude.
    """

    quantity: str
    kind: str = "epoch"
    at: str = "last"
    deterministic: bool = False
    log_scale: bool = False  # compare orders of magnitude (log10), not values


@dataclass(frozen=True)
class Check:
    """The paper's claim as a comparison of two arms on one quantity.

    ``expect``: "lower" or "higher" (``arm`` against ``other``), or
    "no_higher" / "no_lower" for a claim that something does not get
    worse (the inception module's accuracy with fewer MACs).
    """

    quantity: str
    arm: str
    other: str
    expect: str
    statement: str


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    claim: str
    source: str  # paper, section and figure
    course_point: str  # the design choice of the course this backs
    arms: Tuple[Arm, ...]
    measures: Tuple[Measure, ...]
    checks: Tuple[Check, ...]
    input_size: int = 32
    epochs: int = 10
    steps_per_epoch: Optional[int] = None  # None: one pass over the training set
    batch_size: int = 64
    learning_rate: float = 0.01
    momentum: float = 0.9
    warmup_epochs: int = 0  # epochs at learning_rate / 10 first
    error_threshold: Optional[float] = None  # for steps_to_threshold
    seeds: Tuple[int, ...] = (0, 1, 2)
    notes: str = ""  # what differs from the paper and why
    pages: Tuple[str, ...] = ()  # site pages that link here (network, course point)

    def __post_init__(self):
        names = [arm.name for arm in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"experiment {self.name}: arm names repeat: {names}")
        measured = {m.quantity for m in self.measures}
        for check in self.checks:
            if check.arm not in names or check.other not in names:
                raise ValueError(f"experiment {self.name}: check on unknown arm {check.arm!r}/{check.other!r}")
            if check.quantity not in measured:
                raise ValueError(f"experiment {self.name}: check on unmeasured {check.quantity!r}")
            if check.expect not in EXPECTATIONS:
                raise ValueError(f"experiment {self.name}: expect must be one of {EXPECTATIONS}")
        for measure in self.measures:
            if measure.quantity not in QUANTITY_LABELS:
                raise ValueError(f"experiment {self.name}: unknown quantity {measure.quantity!r}")
        if any(m.quantity == "steps_to_threshold" for m in self.measures) and self.error_threshold is None:
            raise ValueError(f"experiment {self.name}: steps_to_threshold needs error_threshold")

    def arm(self, name: str) -> Arm:
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise KeyError(name)
