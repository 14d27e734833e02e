"""Timing helpers shared by the benchmark scripts.

No TensorFlow here: `bench.py`'s parent process only orchestrates workers
and writes tables, so it imports this module without paying for TensorFlow.

* `alternate`: run several competitors in turn, rotating the order every
  round, and keep the timed rounds after the warm-up;
* `Spread` / `spread`: median and min-max of repeated measurements;
* `machine`: what the figures were measured on;
* `text_table` / `markdown_table`: the tables both scripts print.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from importlib import metadata
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

__all__ = ["rotation", "alternate", "Spread", "spread", "machine", "text_table", "markdown_table"]


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


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> Optional[float]:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return ", ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile") if f in flags)
    except OSError:
        pass
    return ""


def machine() -> Dict[str, str]:
    """What a benchmark ran on, read without importing TensorFlow."""
    memory = _memory_gib()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "cpu": _cpu_model(),
        "cpu_flags": _cpu_flags(),
        "logical_cpus": str(os.cpu_count()),
        "memory": f"{memory:.1f} GiB" if memory else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow"),
        "keras": _version("keras"),
        "numpy": _version("numpy"),
        "load_average": f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (1, 5, 15 min)",
        "executable": sys.executable,
    }


def text_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns padded with spaces, for a terminal."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [cells[0], ["-" * w for w in widths]] + cells[1:]
    return "\n".join(" | ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines) + "\n"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A GitHub/MkDocs table; ``align`` has one letter per column (l, r)."""
    align = align.ljust(len(header), "l")
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [header, rule] + [[str(c) for c in row] for row in rows]
    return "\n".join("| " + " | ".join(str(c).replace("|", "\\|") for c in line) + " |" for line in lines) + "\n"
