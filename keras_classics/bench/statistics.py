"""The benchmark's statistics: repeated rounds and what they add up to.

No TensorFlow here (the benchmark's parent process imports this module).

* `alternate`: run several competitors in turn, rotating the order every
  round, and keep the timed rounds after the warm-up;
* `Spread` / `spread`: median and min-max of repeated measurements;
* the figures the page reports: images per second, GFLOP/s against the
  matmul peak, the round-by-round ratio of ours to theirs.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

from keras_classics.bench.settings import TRAIN_PASSES

__all__ = [
    "rotation",
    "alternate",
    "Spread",
    "spread",
    "matmul_gflops",
    "peak_gflops",
    "peak_gflop_per_cpu_second",
    "cpu_fraction_of_peak",
    "others_share",
    "gflops",
    "paired_ratio",
]


def rotation(names: Sequence[str], round_: int) -> List[str]:
    """The order of ``names`` in round ``round_``: rotated by one each round,
    so that no competitor always runs first, or always after the same one,
    on a shared, noisy machine."""
    names = list(names)
    shift = round_ % len(names) if names else 0
    return names[shift:] + names[:shift]


def alternate(
    runners: Dict[str, Callable[[], Optional[float]]], repeats: int, warmup: int = 0
) -> Dict[str, List[float]]:
    """Seconds per timed round for each runner, the runners alternating.

    Each runner does one measured unit of work. If it returns a number, that
    is its duration in seconds (a worker process timing itself, without the
    round trip); if it returns ``None`` the wall time of the call is used,
    so the runner must not return before its work is done. The first
    ``warmup`` rounds run every runner but are not kept.
    """
    times: Dict[str, List[float]] = {name: [] for name in runners}
    for round_ in range(warmup + repeats):
        for name in rotation(list(runners), round_):
            start = time.perf_counter()
            seconds = runners[name]()
            if seconds is None:
                seconds = time.perf_counter() - start
            if round_ >= warmup:
                times[name].append(float(seconds))
    return times


class Spread(NamedTuple):
    """Median and range of repeated measurements."""

    median: float
    low: float
    high: float
    count: int

    def scaled(self, factor: float) -> "Spread":
        """The same measurements times ``factor`` (> 0); for a rate made from
        durations use `rate`."""
        return Spread(self.median * factor, self.low * factor, self.high * factor, self.count)

    def rate(self, work: float) -> "Spread":
        """``work`` per unit of these durations: the slowest round gives the
        lowest rate."""
        return Spread(work / self.median, work / self.high, work / self.low, self.count)


def spread(values: Sequence[float]) -> Spread:
    if not values:
        raise ValueError("no measurements")
    return Spread(float(statistics.median(values)), float(min(values)), float(max(values)), len(values))


# -- figures from the measurements ---------------------------------------------
def matmul_others_share(matmul: dict, cpus: int) -> Optional[float]:
    others = matmul.get("others_cpu_seconds")
    return None if others is None else others / (sum(matmul["seconds"]) * cpus)


def all_measurements(report: dict) -> List[dict]:
    found = [m for pair in report.get("shared", {}).values() for m in pair.values()]
    return found + list(report.get("alexnet", {}).values()) + list(report.get("sweep", {}).values())


def ours_measurements(report: dict) -> List[dict]:
    found = [m for pair in report.get("shared", {}).values() for m in pair.values() if m["source"] == "ours"]
    found += list(report.get("alexnet", {}).values())
    found += list(report.get("sweep", {}).values())
    return found


def rate_spread(m: dict, mode: str, batch: int) -> Optional[Spread]:
    if mode not in m.get("seconds", {}):
        return None
    return spread(m["seconds"][mode]).rate(m["steps"][mode] * batch)


def matmul_gflops(seconds: Sequence[float], n: int) -> Spread:
    return spread(seconds).rate(2 * n**3 / 1e9)


def peak_gflops(report: dict) -> float:
    """The machine's float32 peak: the best median of the matmuls timed
    through the run, so that a busy moment does not flatter the networks'
    percentages."""
    n = report["settings"]["matmul_n"]
    return max(matmul_gflops(m["seconds"], n).median for m in report["matmul"])


def peak_gflop_per_cpu_second(report: dict) -> float:
    """The matmul's FLOPs per second of CPU time (all threads), the best of
    the run: what one CPU-second can do at best, whatever else ran."""
    n = report["settings"]["matmul_n"]
    return max(2 * n**3 * len(m["seconds"]) / m["cpu_seconds"] / 1e9 for m in report["matmul"])


def cpu_fraction_of_peak(m: dict, mode: str, batch: int, report: dict) -> float:
    """A network's FLOPs per CPU-second over the matmul's: its share of the
    peak measured in CPU time, which other programs disturb much less than
    wall time (on a quiet machine the two agree when the threads stay busy)."""
    cpu = spread(m["cpu_seconds"][mode]).median
    flop = gflops(m["info"]["macs"], m["steps"][mode] * batch, mode)  # GFLOP of one round
    return flop / cpu / peak_gflop_per_cpu_second(report)


def others_share(m: dict, mode: str, cpus: int) -> Optional[float]:
    """Median over the rounds of the share of the machine's CPU time that
    other programs used during the round: near 0 on a quiet machine."""
    pairs = [(w, s) for w, s in zip(m.get("others_cpu_seconds", {}).get(mode, []), m["seconds"][mode]) if w is not None]
    if not pairs:
        return None
    return statistics.median(w / (s * cpus) for w, s in pairs)


def gflops(macs: int, images_per_second: float, mode: str) -> float:
    """2 FLOPs per MAC; training counts three passes (forward, input
    gradient, weight gradient)."""
    passes = TRAIN_PASSES if mode == "train" else 1
    return passes * 2 * macs * images_per_second / 1e9


def paired_ratio(ours: dict, theirs: dict, mode: str, clock: str = "seconds") -> Spread:
    """ours/theirs in images/s, round by round: each round ran both back to
    back, so the ratio of a round is less exposed to the machine's drift
    than the ratio of two medians. ``clock="cpu_seconds"``: the same from
    the CPU time the rounds used."""
    assert ours["steps"][mode] == theirs["steps"][mode]
    return spread([t / o for o, t in zip(ours[clock][mode], theirs[clock][mode])])
