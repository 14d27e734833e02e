"""The lab's statistics on simulated arms with known effects: the interval
covers the true difference as often as it says, the power and detectable
effect agree with the closed forms, McNemar's mid-p with the binomial, and
each verdict follows from its interval.

Every simulation has a fixed seed. The tolerance on a simulated rate r
from n simulations is three binomial standard errors, 3 sqrt(r(1-r)/n).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special
from scipy import stats as scipy_stats

from keras_classics.lab import statistics as st


def _tolerance(rate: float, simulations: int) -> float:
    return 3 * math.sqrt(rate * (1 - rate) / simulations)


# ------------------------------------------------------------------ Welch


def test_welch_interval_is_scipys_welch_interval():
    a, b = [0.11, 0.14, 0.12, 0.18, 0.15], [0.21, 0.19, 0.30, 0.24, 0.27]
    ours = st.welch(a, b)
    reference = scipy_stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert ours.difference == pytest.approx(np.mean(a) - np.mean(b))
    assert (ours.low, ours.high) == pytest.approx((reference.low, reference.high))
    # Welch-Satterthwaite by hand: variances 0.00073 and 0.00185 (ddof 1).
    wa, wb = np.var(a, ddof=1) / 5, np.var(b, ddof=1) / 5
    assert ours.df == pytest.approx((wa + wb) ** 2 / (wa**2 / 4 + wb**2 / 4))


def test_one_seed_gives_no_interval():
    assert st.welch([0.1], [0.2, 0.3]) is None


SIMULATIONS = 4000


@pytest.mark.parametrize("sd_a, sd_b, effect", [(1.0, 1.0, 0.0), (1.0, 1.0, 1.5), (0.5, 2.0, 1.0)])
def test_welch_interval_covers_the_true_difference_95_percent_of_the_time(sd_a, sd_b, effect):
    rng = np.random.default_rng(20261)
    a = rng.normal(effect, sd_a, size=(SIMULATIONS, 5))
    b = rng.normal(0.0, sd_b, size=(SIMULATIONS, 5))
    covered = 0
    for x, y in zip(a, b):
        interval = st.welch(x, y)
        covered += interval.low <= effect <= interval.high
    rate = covered / SIMULATIONS
    tolerance = _tolerance(0.95, SIMULATIONS)  # 0.0103
    # Welch's estimated degrees of freedom make it slightly conservative at
    # five seeds per arm (about 95.5% to 96%): at most 2 points above.
    assert 0.95 - tolerance <= rate <= 0.97 + tolerance, rate


def test_power_is_the_noncentral_t_and_matches_the_pooled_t_test():
    # The formula itself: the pooled two-sample t test, 5 + 5 values of
    # SD 1, has exactly the noncentral t power with 8 degrees of freedom.
    rng = np.random.default_rng(7)
    n, simulations = 5, 20000
    se = math.sqrt(2 / n)
    for effect in (1.0, 2.0):
        a = rng.normal(effect, 1.0, size=(simulations, n))
        b = rng.normal(0.0, 1.0, size=(simulations, n))
        pooled = np.sqrt((a.var(axis=1, ddof=1) + b.var(axis=1, ddof=1)) / 2)
        t = (a.mean(axis=1) - b.mean(axis=1)) / (pooled * se)
        simulated = float(np.mean(np.abs(t) > scipy_stats.t.ppf(0.975, 2 * n - 2)))
        closed = st.power(effect, se, 2 * n - 2)
        assert abs(simulated - closed) <= _tolerance(closed, simulations), (effect, simulated, closed)


@pytest.mark.parametrize("effect", [1.0, 2.0])
def test_power_of_the_welch_check_on_simulated_arms(effect):
    """The check's own procedure (Welch's interval excludes zero) against
    the closed form it reports, at the true standard error and 8 degrees of
    freedom. Welch's test estimates its degrees of freedom, so its power is
    a little lower than the formula's: by at most 4 points at 5 seeds."""
    rng = np.random.default_rng(11)
    a = rng.normal(effect, 1.0, size=(SIMULATIONS, 5))
    b = rng.normal(0.0, 1.0, size=(SIMULATIONS, 5))
    detected = sum(st.welch(x, y).low > 0 or st.welch(x, y).high < 0 for x, y in zip(a, b))
    simulated = detected / SIMULATIONS
    closed = st.power(effect, math.sqrt(2 / 5), 8)
    tolerance = _tolerance(closed, SIMULATIONS)
    assert closed - 0.04 - tolerance <= simulated <= closed + tolerance, (simulated, closed)


def test_detectable_effect_inverts_power_and_tends_to_the_normal_formula():
    for se, df in ((0.01, 8.0), (0.02, 3.3), (1.0, 30.0)):
        effect = st.detectable_effect(se, df)
        assert st.power(effect, se, df) == pytest.approx(0.80, abs=1e-6)
    # With known variance (infinite degrees of freedom) the detectable
    # effect is (z_0.975 + z_0.80) standard errors = 2.8016 SE.
    assert st.detectable_effect(1.0, math.inf) == pytest.approx(1.959964 + 0.841621, abs=1e-4)
    # Fewer degrees of freedom need a larger effect.
    assert st.detectable_effect(1.0, 4) > st.detectable_effect(1.0, 8) > st.detectable_effect(1.0, 100)


def test_more_seeds_shrink_the_detectable_effect():
    # The old rule (means two SDs apart) got no better with seeds; an
    # interval on the mean does: SE falls as 1/sqrt(seeds).
    sd = 1.0
    effects = [st.detectable_effect(sd * math.sqrt(2 / n), 2 * n - 2) for n in (3, 5, 10, 20)]
    assert effects == sorted(effects, reverse=True)
    assert effects[-1] < 0.5 * effects[0]


# ------------------------------------------------------------------ images


def _arms_on_images(rng, images, seeds, spread, interaction, seed_sd, mean_a, mean_b):
    """Per-image errors of two arms: image difficulty shared by both arms,
    an arm-by-image part, a per-seed shift; each (seed, image) a Bernoulli."""
    z = rng.normal(0, spread, images)
    wa, wb = rng.normal(0, interaction, images), rng.normal(0, interaction, images)
    ua, ub = rng.normal(0, seed_sd, (seeds, 1)), rng.normal(0, seed_sd, (seeds, 1))
    errors_a = rng.random((seeds, images)) < special.expit(z + wa + mean_a + ua)
    errors_b = rng.random((seeds, images)) < special.expit(z + wb + mean_b + ub)
    return errors_a, errors_b


def test_the_test_sets_own_noise_is_counted():
    """Seeds agree on most images (as trained networks do), and the two
    arms disagree on some: a new test set would give another difference.
    Welch over seeds alone, on one test set, misses that; the interval
    widened by the images covers the population's difference."""
    rng = np.random.default_rng(5)
    spread, interaction, seed_sd, mean_a, mean_b = 4.0, 2.0, 0.1, -3.0, -2.7
    # The population's difference, from 2 million images.
    big_a, big_b = _arms_on_images(rng, 2_000_000, 1, spread, interaction, seed_sd, mean_a, mean_b)
    truth = float(big_a.mean() - big_b.mean())
    simulations, covered_seeds, covered_both = 1500, 0, 0
    for _ in range(simulations):
        errors_a, errors_b = _arms_on_images(rng, 448, 5, spread, interaction, seed_sd, mean_a, mean_b)
        seeds_only = st.welch(errors_a.mean(axis=1), errors_b.mean(axis=1))
        both = st.with_image_noise(seeds_only, errors_a.mean(axis=0) - errors_b.mean(axis=0))
        covered_seeds += seeds_only.low <= truth <= seeds_only.high
        covered_both += both.low <= truth <= both.high
    tolerance = _tolerance(0.95, simulations)  # 0.017
    assert covered_seeds / simulations < 0.90  # about 0.7 here
    # Conservative by construction (the seeds' per-image noise is counted
    # twice), but not uselessly so.
    assert 0.95 - tolerance <= covered_both / simulations <= 0.99 + tolerance


def test_mcnemar_mid_p_by_hand():
    # 1 against 9 discordant images: exact two-sided p = 2 (1 + 10) / 1024;
    # the mid-p counts half of P(X = 1): 2 (1 + 5) / 1024.
    assert st.mcnemar_midp(1, 9) == pytest.approx(12 / 1024)
    assert st.mcnemar_midp(9, 1) == pytest.approx(12 / 1024)
    assert st.mcnemar_midp(0, 3) == pytest.approx(2 * 0.5 * 0.125)
    assert st.mcnemar_midp(5, 5) == 1.0 and st.mcnemar_midp(0, 0) == 1.0
    for b, c in ((3, 17), (12, 20), (40, 61)):
        exact = scipy_stats.binomtest(min(b, c), b + c, 0.5).pvalue
        assert st.mcnemar_midp(b, c) == pytest.approx(exact - scipy_stats.binom.pmf(min(b, c), b + c, 0.5))


def test_mcnemar_rejects_about_5_percent_of_the_time_without_a_difference():
    rng = np.random.default_rng(3)
    simulations = 4000
    discordant = rng.integers(20, 80, size=simulations)
    b = rng.binomial(discordant, 0.5)
    rate = float(np.mean([st.mcnemar_midp(x, n - x) < 0.05 for x, n in zip(b, discordant)]))
    assert abs(rate - 0.05) <= _tolerance(0.05, simulations) + 0.005, rate


# ------------------------------------------------------------------ verdicts


def _at(low, high):
    return st.Estimate((low + high) / 2, 1.0, 8.0, low, high, "welch")


@pytest.mark.parametrize(
    "low, high, expect, effect, verdict",
    [
        (-0.05, -0.01, "lower", 0.02, st.REPRODUCED),
        (0.01, 0.05, "lower", 0.02, st.REVERSED),
        (0.01, 0.05, "higher", 0.02, st.REPRODUCED),
        # includes zero, and the paper's 0.02 lies outside on its side
        (-0.015, 0.01, "lower", 0.02, st.NO_EFFECT),
        (-0.03, 0.01, "lower", 0.02, st.INCONCLUSIVE),
        # the interval in the other direction does not matter for "no effect"
        (-0.01, 0.05, "lower", 0.02, st.NO_EFFECT),
        # "no worse" with a margin of 0.01
        (-0.004, 0.006, "no_higher", 0.01, st.REPRODUCED),
        (-0.004, 0.02, "no_higher", 0.01, st.INCONCLUSIVE),
        (0.002, 0.02, "no_higher", 0.01, st.REVERSED),
    ],
)
def test_verdict_follows_the_interval(low, high, expect, effect, verdict):
    assert st.verdict(_at(low, high), expect, effect)[0] == verdict


def test_mcnemar_must_agree_for_a_difference_in_errors():
    interval = _at(-0.05, -0.01)
    assert st.verdict(interval, "lower", 0.02, images_agree=True)[0] == st.REPRODUCED
    outcome, why = st.verdict(interval, "lower", 0.02, images_agree=False)
    assert outcome == st.INCONCLUSIVE and "McNemar" in why


def test_a_threshold_not_reached_counts_only_on_the_side_it_bounds():
    # relu "lower" than tanh; tanh's seeds never reached the threshold, so
    # tanh's true value is larger and the difference lower still: a
    # reproduced verdict stands, a reversed one cannot be trusted.
    assert st.verdict(_at(-5, -1), "lower", 3, censored="down")[0] == st.REPRODUCED
    assert st.verdict(_at(1, 5), "lower", 3, censored="up")[0] == st.REVERSED
    assert st.verdict(_at(1, 5), "lower", 3, censored="down")[0] == st.INCONCLUSIVE
    assert st.verdict(_at(-1, 1), "lower", 3, censored="down")[0] == st.INCONCLUSIVE
    assert st.verdict(_at(-5, -1), "lower", 3, censored="both")[0] == st.INCONCLUSIVE


def test_no_interval_is_inconclusive():
    assert st.verdict(None, "lower", 0.02)[0] == st.INCONCLUSIVE
