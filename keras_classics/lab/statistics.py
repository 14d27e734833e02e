"""The lab's statistics: an interval for each difference, the effect each
check could detect, and the verdict that follows from them.

Every check compares two arms on one quantity. What it reports:

* **The difference of the arms' means with a 95% interval** from Welch's
  t (`welch`): each arm's seeds are a sample, their variances may differ,
  and the t distribution accounts for how little five seeds say about the
  spread. A bootstrap over seeds was not used: five values have only 126
  distinct resamples, and the percentile interval of so few is too narrow
  (it ignores that the spread itself is estimated).
* **For errors on the held-out images**, two more things, because the test
  set is itself a sample of images. The interval is widened by the
  images' own sampling noise (`with_image_noise`, the law of total
  variance), and McNemar's test over the images (`mcnemar_midp`, exact
  binomial mid-p, the seed pairs pooled) must agree with the direction.
* **The detectable effect** (`detectable_effect`): the smallest difference
  the check would find (interval excluding zero) with 80% probability,
  given the standard error measured: the noncentral t with the check's
  degrees of freedom, which treats the measured spread as the true one.

The verdicts (`verdict`): *reproduced* when the interval excludes zero in
the paper's direction, *reversed* when it excludes zero the other way, *no
effect at this scale* when it includes zero and excludes an effect as large
as the paper's in the paper's direction, *inconclusive* otherwise. A claim
that something is no worse (`no_higher`, `no_lower`) is reproduced when the
interval excludes a worsening as large as its declared margin, reversed
when it excludes zero on the worse side.

Plain NumPy and SciPy; nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

import numpy as np
from scipy import optimize, stats

CONFIDENCE = 0.95
POWER = 0.80
# McNemar's test must reach this level for a difference in errors to count.
ALPHA = 1 - CONFIDENCE

REPRODUCED = "reproduced"
REVERSED = "reversed"
NO_EFFECT = "no effect at this scale"
INCONCLUSIVE = "inconclusive"
COMPUTED = "computed"  # arithmetic (parameters, MACs): a fact, not a measurement
VERDICTS = (REPRODUCED, REVERSED, NO_EFFECT, INCONCLUSIVE, COMPUTED)

# Beyond this many degrees of freedom the t is the normal distribution
# (SciPy's noncentral t is slow and inexact there).
_NORMAL_DF = 1e6


@dataclass(frozen=True)
class Estimate:
    """A difference of means (``arm`` minus ``other``) with its interval.

    ``se`` and ``df``: the standard error and the (Welch-Satterthwaite)
    degrees of freedom behind ``low`` and ``high``; ``df`` is infinite
    where the spread is zero.
    """

    difference: float
    se: float
    df: float
    low: float
    high: float
    method: str

    def as_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}


def _quantile(df: float, confidence: float = CONFIDENCE) -> float:
    upper = 1 - (1 - confidence) / 2
    return float(stats.norm.ppf(upper) if df > _NORMAL_DF else stats.t.ppf(upper, df))


def _interval(difference: float, se: float, df: float, method: str) -> Estimate:
    half = _quantile(df) * se if se > 0 else 0.0
    return Estimate(float(difference), float(se), float(df), float(difference - half), float(difference + half), method)


def welch(a: Sequence[float], b: Sequence[float]) -> Optional[Estimate]:
    """Mean of ``a`` minus mean of ``b``, with Welch's 95% interval; None
    when an arm has fewer than two values (no spread to measure)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return None
    wa, wb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    se = math.sqrt(wa + wb)
    if se == 0:
        return _interval(a.mean() - b.mean(), 0.0, math.inf, "welch")
    df = (wa + wb) ** 2 / (wa**2 / (len(a) - 1) + wb**2 / (len(b) - 1))
    return _interval(a.mean() - b.mean(), se, df, "welch")


def with_image_noise(estimate: Estimate, per_image_difference: Sequence[float]) -> Estimate:
    """``estimate`` (over seeds, on one fixed test set) widened by the test
    set's sampling noise.

    ``per_image_difference[i]``: the arm's error on image i (averaged over
    its seeds) minus the other arm's. By the law of total variance, the
    difference's variance is the seeds' (Welch's, given these images) plus
    the variance of the per-image mean differences over a new draw of
    images, estimated by their sample variance over N. That second term
    counts the seeds' per-image noise once more, so the interval errs on
    the wide side. The degrees of freedom combine by Satterthwaite's rule.
    """
    d = np.asarray(per_image_difference, dtype=float)
    n = len(d)
    if n < 2:
        return estimate
    images = float(np.var(d, ddof=1)) / n
    seeds = estimate.se**2
    se = math.sqrt(seeds + images)
    if se == 0:
        return _interval(estimate.difference, 0.0, math.inf, "welch+images")
    seed_part = seeds**2 / estimate.df if math.isfinite(estimate.df) else 0.0
    df = se**4 / (seed_part + images**2 / (n - 1))
    return _interval(estimate.difference, se, df, "welch+images")


def mcnemar_midp(only_arm_right: int, only_other_right: int) -> float:
    """Two-sided mid-p of McNemar's exact test on the discordant images:
    ``only_arm_right`` images that the arm got right and the other wrong,
    ``only_other_right`` the reverse. Under no difference each discordant
    image is a fair coin; the mid-p counts half the probability of the
    observed split (less conservative than the exact test, close to its
    nominal level)."""
    b, c = int(only_arm_right), int(only_other_right)
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    one_sided = stats.binom.cdf(k - 1, n, 0.5) + 0.5 * stats.binom.pmf(k, n, 0.5) if k > 0 else 0.5 * 0.5**n
    return float(min(1.0, 2 * one_sided))


def power(effect: float, se: float, df: float, alpha: float = ALPHA) -> float:
    """Probability that the two-sided t test at level ``alpha`` (the
    interval excluding zero) detects a true difference ``effect``, when the
    estimate's standard error is ``se`` with ``df`` degrees of freedom:
    the noncentral t with noncentrality effect / se."""
    if se <= 0:
        return 1.0 if effect != 0 else 0.0
    ncp = abs(effect) / se
    if df > _NORMAL_DF:
        z = stats.norm.ppf(1 - alpha / 2)
        return float(stats.norm.sf(z - ncp) + stats.norm.cdf(-z - ncp))
    t = stats.t.ppf(1 - alpha / 2, df)
    # The far tail's term vanishes at large noncentrality, where SciPy
    # can return NaN for it.
    far = float(np.nan_to_num(stats.nct.cdf(-t, df, ncp), nan=0.0))
    return min(1.0, float(stats.nct.sf(t, df, ncp)) + far)


def detectable_effect(se: float, df: float, target: float = POWER, alpha: float = ALPHA) -> float:
    """The smallest difference detected with probability ``target`` (80%)
    at this standard error: the inverse of `power`."""
    if se <= 0:
        return 0.0
    high = (_quantile(df, 1 - alpha) + 4) * se
    while power(high, se, df, alpha) < target:
        high *= 2
    return float(optimize.brentq(lambda e: power(e, se, df, alpha) - target, 0.0, high, xtol=se * 1e-6))


def verdict(
    estimate: Optional[Estimate],
    expect: str,
    paper_effect: Optional[float],
    *,
    images_agree: Optional[bool] = None,
    censored: Optional[str] = None,
) -> tuple:
    """(verdict, reason) for a check whose claim is ``expect`` ("lower",
    "higher", "no_higher", "no_lower" for ``arm`` against ``other``).

    ``paper_effect``: the size of the paper's effect (a positive number in
    the compared units), or for a "no worse" claim the declared margin.
    ``images_agree``: for errors on the held-out images, whether McNemar's
    test found the difference in the interval's direction (None: not
    applicable). ``censored``: "up" or "down" when some values are bounds
    (a threshold not reached): the true difference is at least ("up") or
    at most ("down") the measured one; "both" when both arms hold bounds.
    """
    if estimate is None:
        return INCONCLUSIVE, "fewer than two seeds in an arm: no spread to compare the difference with"
    sign = -1.0 if expect in ("lower", "no_higher") else 1.0  # the paper's direction, as + after the flip
    low, high = sorted((sign * estimate.low, sign * estimate.high))
    if expect in ("no_higher", "no_lower"):
        margin = abs(paper_effect or 0.0)
        if high < 0:
            outcome, reason = REVERSED, "the interval excludes zero on the worse side"
        elif low > -margin:
            outcome, reason = REPRODUCED, "the interval excludes a worsening as large as the margin"
        else:
            outcome, reason = INCONCLUSIVE, "the interval includes a worsening as large as the margin"
    elif low > 0:
        outcome, reason = REPRODUCED, "the interval excludes zero in the paper's direction"
    elif high < 0:
        outcome, reason = REVERSED, "the interval excludes zero against the paper's direction"
    elif paper_effect is not None and high < abs(paper_effect):
        outcome, reason = NO_EFFECT, "the interval includes zero and excludes an effect as large as the paper's"
    else:
        outcome, reason = INCONCLUSIVE, "the interval includes zero and an effect as large as the paper's"
    if outcome in (REPRODUCED, REVERSED) and images_agree is False and reason.startswith("the interval excludes zero"):
        return INCONCLUSIVE, "the interval excludes zero but McNemar's test over the images does not (p >= 0.05)"
    if censored == "both":
        return INCONCLUSIVE, "seeds of both arms never reached the threshold: the difference is unknown"
    if censored and outcome != INCONCLUSIVE:
        # A bound supports a conclusion only on the side it bounds.
        bounded_up = (censored == "up") == (sign > 0)  # the true paper-direction effect is at least this
        if outcome in (REPRODUCED,) and not bounded_up or outcome in (REVERSED, NO_EFFECT) and bounded_up:
            return INCONCLUSIVE, "some seeds never reached the threshold, and their bounds leave the outcome open"
    return outcome, reason


def test_images_needed(error: float, effect: float, target: float = POWER, alpha: float = ALPHA) -> float:
    """How many test images two arms need for a difference of ``effect`` in
    their error rates (``error`` and ``error - effect``) to be found with
    probability ``target`` at level ``alpha``: the normal approximation for
    two independent proportions. Scoring both arms on the same images
    (McNemar) needs fewer where they err on the same images, so this is an
    upper bound, good for planning."""
    other = error - effect
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(target)
    return float(z**2 * (error * (1 - error) + other * (1 - other)) / effect**2)
