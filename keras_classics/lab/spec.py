"""What an experiment is: data, read by one runner.

An `Experiment` names the paper's claim (in our words, with its section
and figure), its arms (a lab network and its options, or a training
setting), the data and how much of it, how long to train and when to stop,
the learning rate or the grid each arm's rate is chosen from, the seeds,
the quantities to measure and the `Check`s that turn the numbers into a
verdict. Adding an experiment is adding one of these to
`keras_classics.lab.experiments`.

Every setting is the same for every arm of an experiment; what differs
between arms is what the arms declare.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, NamedTuple, Optional, Tuple

# Quantities every run records per epoch (the x axis of the curves).
# "val_error" is measured on the validation split, where learning rates
# are chosen and early stopping watches, and "gap" is the validation error
# less the training error. The held-out test images, which nothing is
# chosen on, are measured once, on the network a run ends with:
# "test_error" and "test_gap" (test error less that network's training
# error) are scalars.
EPOCH_QUANTITIES = ("train_loss", "train_error", "val_error", "gap", "conv1_grad_norm")
TEST_QUANTITIES = ("test_error", "test_gap")

# Every quantity a measure may name (their words: `keras_classics.lab.words`).
QUANTITIES = (
    EPOCH_QUANTITIES
    + TEST_QUANTITIES
    + (
        "params",
        "macs",
        "receptive_field",
        "epochs_to_threshold",
        "steps_to_best",
        "learning_rate",
        "init_activation_std",
        "init_grad_std",
    )
)
# Errors on the held-out test images: the same images for every arm, so
# the comparison is also paired over the images (McNemar).
PER_IMAGE_QUANTITIES = ("test_error",)
# Quantities shown as percentages.
FRACTIONS = ("train_error", "val_error", "gap", "test_error", "test_gap")
# Quantities that can only be selected by (lower is better).
SELECTABLE = ("val_error", "epochs_to_threshold")

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

    ``kind``: "epoch" (a curve over epochs), "scalar" (one number per run)
    or "layer" (a profile over layers, measured at initialisation). ``at``:
    where a curve is summarised: "last" or "first" (epoch or layer), or
    "best" (the epoch of lowest validation error, whose weights an early
    stopped run keeps). ``deterministic``: the same for every seed
    (parameters, MACs): computed, not measured, so it is reported as
    arithmetic rather than given a verdict. ``log_scale``: the checks
    compare log10 of the values, for scales that multiply (orders of
    magnitude, or "six times faster").
    """

    quantity: str
    kind: str = "epoch"
    at: str = "last"
    deterministic: bool = False
    log_scale: bool = False


@dataclass(frozen=True)
class Check:
    """The paper's claim as a comparison of two arms on one quantity.

    ``expect``: "lower" or "higher" (``arm`` against ``other``), or
    "no_higher" / "no_lower" for a claim that something does not get
    worse. ``paper_effect``: the size of the paper's effect in the units
    compared (a fraction for errors, log10 of the factor for a log-scale
    measure), or for a "no worse" claim the largest worsening that still
    counts as none; None where the paper gives no size (then the check
    can never conclude "no effect at this scale"). ``effect_source``: where
    that size comes from, or why there is none. A check on a deterministic
    quantity (arithmetic) needs neither.
    """

    quantity: str
    arm: str
    other: str
    expect: str
    statement: str
    paper_effect: Optional[float] = None
    effect_source: str = ""


@dataclass(frozen=True)
class EarlyStopping:
    """Stop an arm when its validation error has not improved for
    ``patience`` epochs (by more than ``min_delta``), and keep the weights
    of its best epoch. The budget is the experiment's ``epochs``."""

    patience: int
    min_delta: float = 0.0


def factor(times: float) -> float:
    """A paper's "``times`` times faster" as the log10 difference a
    log-scale check compares."""
    return math.log10(times)


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
    epochs: int = 10  # the budget: every arm trains this many, or stops early
    steps_per_epoch: Optional[int] = None  # None: one pass over the training set
    batch_size: int = 64
    learning_rate: float = 0.01
    # A grid to choose each arm's learning rate from, on the validation
    # split, by ``select_by`` (lower is better; ties go to the lower
    # validation error), from runs with ``selection_seeds`` (never the
    # measured seeds). Empty: every arm uses ``learning_rate``.
    learning_rates: Tuple[float, ...] = ()
    select_by: str = "val_error"
    selection_seeds: Tuple[int, ...] = (1000,)
    momentum: float = 0.9
    warmup_epochs: int = 0  # epochs at a tenth of the learning rate first
    early_stopping: Optional[EarlyStopping] = None
    error_threshold: Optional[float] = None  # for epochs_to_threshold (training error)
    stop_at_threshold: bool = False  # end an arm's run at the epoch it reaches the threshold
    # The training error of each epoch on a fixed sample of this many
    # training images (the same for every arm and seed); None: all of them.
    train_error_images: Optional[int] = None
    train_size: Optional[int] = None  # training images used; None: all of them
    seeds: Tuple[int, ...] = (0, 1, 2, 3, 4)
    headline: int = 0  # which behavioural check is the experiment's verdict
    notes: str = ""  # what differs from the paper and why
    pages: Tuple[str, ...] = ()  # site pages that link here (network, course point)

    def __post_init__(self):
        names = [arm.name for arm in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"experiment {self.name}: arm names repeat: {names}")
        measures = {m.quantity: m for m in self.measures}
        for measure in self.measures:
            if measure.quantity not in QUANTITIES:
                raise ValueError(f"experiment {self.name}: unknown quantity {measure.quantity!r}")
            if measure.at not in ("first", "last", "best"):
                raise ValueError(f"experiment {self.name}: at must be 'first', 'last' or 'best'")
            if measure.at == "best" and self.early_stopping is None:
                raise ValueError(f"experiment {self.name}: at='best' needs early_stopping")
            if measure.quantity in TEST_QUANTITIES and measure.kind != "scalar":
                raise ValueError(f"experiment {self.name}: {measure.quantity} is measured once: kind='scalar'")
        for check in self.checks:
            if check.arm not in names or check.other not in names:
                raise ValueError(f"experiment {self.name}: check on unknown arm {check.arm!r}/{check.other!r}")
            if check.quantity not in measures:
                raise ValueError(f"experiment {self.name}: check on unmeasured {check.quantity!r}")
            if check.expect not in EXPECTATIONS:
                raise ValueError(f"experiment {self.name}: expect must be one of {EXPECTATIONS}")
            if not measures[check.quantity].deterministic and not check.effect_source:
                raise ValueError(
                    f"experiment {self.name}: the check {check.statement!r} needs the paper's effect size "
                    "(paper_effect) and its source, or why the paper gives none (effect_source)"
                )
            if check.expect.startswith("no_") and check.paper_effect is None:
                raise ValueError(f"experiment {self.name}: a 'no worse' check needs its margin as paper_effect")
        if not self.behavioural_checks():
            raise ValueError(f"experiment {self.name}: needs a check on a measured (not computed) quantity")
        if not 0 <= self.headline < len(self.behavioural_checks()):
            raise ValueError(f"experiment {self.name}: headline must index a behavioural check")
        if ("epochs_to_threshold" in measures or self.stop_at_threshold) and self.error_threshold is None:
            raise ValueError(f"experiment {self.name}: epochs_to_threshold needs error_threshold")
        if self.learning_rates:
            if len(set(self.learning_rates)) != len(self.learning_rates) or min(self.learning_rates) <= 0:
                raise ValueError(f"experiment {self.name}: learning_rates must be distinct and positive")
            if self.select_by not in SELECTABLE:
                raise ValueError(f"experiment {self.name}: select_by must be one of {SELECTABLE}")
            if self.select_by == "epochs_to_threshold" and self.error_threshold is None:
                raise ValueError(f"experiment {self.name}: selecting by epochs_to_threshold needs error_threshold")
            if set(self.selection_seeds) & set(self.seeds):
                raise ValueError(f"experiment {self.name}: selection seeds must differ from the measured seeds")
        if self.early_stopping is not None and self.early_stopping.patience < 1:
            raise ValueError(f"experiment {self.name}: early stopping needs a patience of at least one epoch")
        if self.train_size is not None and self.train_size < self.batch_size:
            raise ValueError(f"experiment {self.name}: train_size must be at least one batch ({self.batch_size})")

    def arm(self, name: str) -> Arm:
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise KeyError(name)

    def measure(self, quantity: str) -> Measure:
        for measure in self.measures:
            if measure.quantity == quantity:
                return measure
        raise KeyError(quantity)

    def behavioural_checks(self) -> Tuple[Check, ...]:
        """The checks on measured quantities (accuracy, speed, gap), which
        get verdicts; the others are arithmetic."""
        deterministic = {m.quantity for m in self.measures if m.deterministic}
        return tuple(c for c in self.checks if c.quantity not in deterministic)

    def headline_check(self) -> Check:
        return self.behavioural_checks()[self.headline]
