"""keras_classics side by side with keras.applications, on this machine.

One run measures, after a warm-up, with the competitors alternating:

* VGG16, VGG19, ResNet50, ResNet101, ResNet152, built by keras_classics and
  by keras.applications: training images/s (``model.fit`` on synthetic
  data), inference images/s (``model.predict``) and peak resident memory;
* the machine's float32 matmul peak (2048 x 2048 through TensorFlow), and
  for every registered network the achieved GFLOP/s (from our MAC count)
  against it;
* AlexNet with one tower against the paper's two towers, and our
  ``GroupedConv2D`` against ``keras.layers.Conv2D(groups=2)``.

It reports medians over ``--repeats`` rounds with their min-max spread and
the ratio ours/theirs (from wall time, and from CPU time, which a busy
machine disturbs less), profiles one training batch of VGG16 and ResNet50 on
both sides op by op, and writes the tables, the machine and this command to
``docs/performance.md``. The default run is sized to finish within 15
minutes on a quiet 2-core machine (the page says how long it took and where
the time went); ``--quick`` is a smoke test of every part on tiny inputs (it
writes nothing unless given ``--output``).

How: this process imports no TensorFlow. Each model is built in its own
worker process (``_worker.py``), so that a worker's peak memory is its
model's alone; the two workers of a pair stay alive side by side, and only
one of them runs at a time. See "How it is measured" in the page it writes.

Usage::

    python benchmarks/bench.py                 # the full run, under 15 min
    python benchmarks/bench.py --quick         # smoke test, under a minute
    python benchmarks/bench.py --models vgg16 resnet50 --sweep none
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import resource
import shlex
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from _timing import Spread, alternate, machine, markdown_table, spread, text_table  # noqa: E402
from _worker import KERAS_APPLICATIONS, LEARNING_RATE, LOSS, MOMENTUM  # noqa: E402

ROOT = os.path.dirname(_HERE)
DEFAULT_OUTPUT = os.path.join(ROOT, "docs", "performance.md")
SHARED = tuple(KERAS_APPLICATIONS)  # vgg16, vgg19, resnet50, resnet101, resnet152
ALEXNET_PAIR = ("alexnet", "alexnet_two_tower")  # the same widths, one tower or two
GROUPED_LAYERS = ("conv2", "conv4", "conv5")
# Training costs about three forward passes: the forward pass, the gradient
# with respect to the inputs and the one with respect to the weights.
TRAIN_PASSES = 3

# The project's speed goals: as fast as keras.applications, VGG-16 near the peak.
TARGET_RATIO = 1.0
TARGET_VGG16_PEAK = 0.80


class BenchError(RuntimeError):
    """A worker failed; the message carries its traceback and log."""


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------


@dataclass
class Settings:
    batch: int = 16
    repeats: int = 3
    min_round_seconds: float = 1.0
    shared: Sequence[str] = SHARED
    shared_input: Optional[int] = None  # None: each network's registered size (224)
    shared_classes: Optional[int] = None  # None: 1000
    alexnet: bool = True
    alexnet_modes: Sequence[str] = ("infer", "train")
    profile: Sequence[str] = ("vgg16", "resnet50")  # shared networks whose training step is profiled
    sweep: Optional[Sequence[str]] = None  # None: every registered model
    sweep_train: bool = False
    sweep_min_round_seconds: float = 0.5  # the sweep's many small networks: shorter rounds
    grouped_layers: Sequence[str] = GROUPED_LAYERS
    grouped_batch: int = 16
    grouped_repeats: int = 5
    grouped_warmup: int = 2
    matmul_n: int = 2048
    matmul_repeats: int = 10
    matmul_warmup: int = 3
    probe_repeats: int = 4  # a shorter matmul before each part of the run
    isolate: bool = True
    quick: bool = False


def quick_settings(settings: Settings) -> Settings:
    """Every part of the run on tiny work, all models in two processes."""
    settings.batch = 2
    settings.repeats = 2
    settings.min_round_seconds = 0.1
    settings.sweep_min_round_seconds = 0.1
    settings.shared = ("vgg16",)
    settings.profile = ("vgg16",)
    settings.shared_input = 32
    settings.shared_classes = 10
    settings.alexnet_modes = ("infer",)  # tracing AlexNet's training step is most of its cost
    settings.sweep = ("lenet5_modern", "resnet20")
    settings.grouped_layers = ("conv4",)
    settings.grouped_batch = 1
    settings.grouped_repeats = 1
    settings.grouped_warmup = 1
    settings.matmul_n = 256
    settings.matmul_repeats = 3
    settings.matmul_warmup = 1
    settings.probe_repeats = 2
    settings.isolate = False
    settings.quick = True
    return settings


# --------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------


class WorkerProcess:
    """One ``_worker.py`` process: JSON lines in, JSON lines out."""

    def __init__(self, group: str, log_dir: str):
        self.group = group
        self.log_path = os.path.join(log_dir, group.replace(":", "_") + ".log")
        self._log = open(self.log_path, "w")
        env = dict(os.environ, KERAS_BACKEND="tensorflow", PYTHONUNBUFFERED="1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
        self._process = subprocess.Popen(
            [sys.executable, os.path.join(_HERE, "_worker.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=env,
        )
        self._pending = 0
        self.hello = None

    def send(self, op: str, **fields) -> None:
        self._process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self._process.stdin.flush()
        self._pending += 1

    def _read(self):
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            raise BenchError(f"worker {self.group} died (exit {self._process.returncode}).\n{self.log_tail()}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise BenchError(f"worker {self.group} failed:\n{reply['error']}")
        return reply["result"]

    def receive(self):
        if self.hello is None:
            self.hello = self._read()
        self._pending -= 1
        return self._read()

    def request(self, op: str, **fields):
        self.send(op, **fields)
        return self.receive()

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        with open(self.log_path) as log:
            return "".join(log.readlines()[-lines:])

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                self.request("exit")
            except (BenchError, OSError, ValueError):
                pass
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()


class Pool:
    """Workers by group name, started on first use."""

    def __init__(self):
        self.log_dir = tempfile.mkdtemp(prefix="keras-classics-bench-")
        self.workers: Dict[str, WorkerProcess] = {}

    def get(self, group: str) -> WorkerProcess:
        if group not in self.workers:
            self.workers[group] = WorkerProcess(group, self.log_dir)
        return self.workers[group]

    def close(self, group: str) -> None:
        worker = self.workers.pop(group, None)
        if worker is not None:
            worker.close()

    def close_all(self, keep_logs: bool = False) -> None:
        for group in list(self.workers):
            self.close(group)
        if not keep_logs:
            shutil.rmtree(self.log_dir, ignore_errors=True)


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


@dataclass
class Competitor:
    label: str  # how the tables name it
    source: str  # "ours" or "keras"
    name: str  # registered name (ours) or the matching one (keras)
    input_shape: Sequence[int]
    classes: Optional[int]  # None: the registered number
    group: str  # the worker process it runs in

    @property
    def key(self) -> str:
        return f"{self.source}:{self.name}"


@dataclass
class Measurement:
    """What one competitor's worker reported."""

    label: str
    source: str
    name: str
    input_shape: List[int]
    info: dict = field(default_factory=dict)  # from "build": params, MACs, ...
    steps: Dict[str, int] = field(default_factory=dict)  # batches per round, per mode
    seconds: Dict[str, List[float]] = field(default_factory=dict)  # per timed round, per mode
    cpu_seconds: Dict[str, List[float]] = field(default_factory=dict)  # the same rounds' CPU time
    run_queue_seconds: Dict[str, List[Optional[float]]] = field(default_factory=dict)  # waiting for a CPU
    others_cpu_seconds: Dict[str, List[Optional[float]]] = field(default_factory=dict)  # other programs' CPU use
    memory_mib: Dict[str, float] = field(default_factory=dict)  # "baseline", "build", "infer", "train"
    isolated: bool = False
    profile: Optional[dict] = None  # one profiled training batch, by op category

    def images_per_second(self, mode: str, batch: int) -> Optional[Spread]:
        if mode not in self.seconds:
            return None
        return spread(self.seconds[mode]).rate(self.steps[mode] * batch)


class Clock:
    """Progress lines on stderr with the time since the start."""

    def __init__(self):
        self.start = time.perf_counter()
        self._marks: List[tuple] = []

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def say(self, message: str) -> None:
        print(f"[{self.elapsed():6.0f} s] {message}", file=sys.stderr, flush=True)

    def phase(self, name: str) -> None:
        """Start a named part of the run (and end the previous one)."""
        self.say(name)
        self._marks.append((name, self.elapsed()))

    def phases(self) -> Dict[str, float]:
        """Seconds spent in each part so far."""
        ends = [t for _, t in self._marks[1:]] + [self.elapsed()]
        return {name: end - start for (name, start), end in zip(self._marks, ends)}


def measure(
    pool: Pool,
    competitors: Sequence[Competitor],
    modes: Sequence[str],
    settings: Settings,
    clock: Clock,
    profile: bool = False,
    min_round_seconds: Optional[float] = None,
) -> Dict[str, Measurement]:
    """Build the competitors, warm each up, then time them in alternation."""
    min_round_seconds = settings.min_round_seconds if min_round_seconds is None else min_round_seconds
    results = {
        c.label: Measurement(c.label, c.source, c.name, list(c.input_shape), isolated=settings.isolate)
        for c in competitors
    }
    workers = {c.label: pool.get(c.group) for c in competitors}
    # Builds (and the imports of freshly started workers) overlap: nothing
    # is timed yet.
    for c in competitors:
        workers[c.label].send(
            "build", key=c.key, source=c.source, name=c.name, input_shape=list(c.input_shape),
            classes=c.classes, batch=settings.batch,
        )
    for c in competitors:
        worker = workers[c.label]
        results[c.label].info = worker.receive()
        results[c.label].memory_mib["baseline"] = worker.hello["memory_mib"]
        results[c.label].memory_mib["build"] = results[c.label].info["peak_memory_mib"]

    step_estimate: Dict[str, float] = {}
    for mode in modes:
        # The first call traces the step function, mostly one core's Python
        # work: the competitors' first calls overlap (they are not timed).
        for c in competitors:
            workers[c.label].send("run", key=c.key, mode=mode, steps=1)
        firsts = {c.label: workers[c.label].receive()["seconds"] for c in competitors}
        for c in competitors:
            worker = workers[c.label]
            first = firsts[c.label]
            if mode == "train" and c.label in step_estimate:
                # About three forward passes; saves a second warm-up step
                # of the big networks.
                step_estimate[c.label] *= TRAIN_PASSES
            else:
                step_estimate[c.label] = worker.request("run", key=c.key, mode=mode, steps=1)["seconds"]
            clock.say(f"  {c.label} {mode}: warm-up {first:.2f} s, then ~{step_estimate[c.label]:.3f} s per batch")
        # The same number of batches per round for every competitor.
        steps = max(1, math.ceil(min_round_seconds / max(step_estimate[c.label] for c in competitors)))
        cpu: Dict[str, List[float]] = {c.label: [] for c in competitors}
        waits: Dict[str, List[Optional[float]]] = {c.label: [] for c in competitors}
        others: Dict[str, List[Optional[float]]] = {c.label: [] for c in competitors}

        def runner(c: Competitor):
            def run_round() -> float:
                answer = workers[c.label].request("run", key=c.key, mode=mode, steps=steps)
                cpu[c.label].append(answer["cpu_seconds"])
                waits[c.label].append(answer["run_queue_seconds"])
                others[c.label].append(answer["others_cpu_seconds"])
                return answer["seconds"]

            return run_round

        seconds = alternate({c.label: runner(c) for c in competitors}, settings.repeats)
        for c in competitors:
            results[c.label].steps[mode] = steps
            results[c.label].seconds[mode] = seconds[c.label]
            results[c.label].cpu_seconds[mode] = cpu[c.label]
            results[c.label].run_queue_seconds[mode] = waits[c.label]
            results[c.label].others_cpu_seconds[mode] = others[c.label]
            results[c.label].memory_mib[mode] = workers[c.label].request("memory")["peak_memory_mib"]
            rate = results[c.label].images_per_second(mode, settings.batch)
            clock.say(
                f"  {c.label} {mode}: {rate.median:.2f} img/s ({rate.low:.2f}-{rate.high:.2f}), "
                f"{steps} batch(es) per round"
            )
        if profile and mode == "train":
            for c in competitors:
                results[c.label].profile = workers[c.label].request("profile", key=c.key, mode=mode, steps=1)
            clock.say("  profiled one training batch of each")
    for c in competitors:
        workers[c.label].request("drop", key=c.key)
    return results


def shared_competitors(name: str, input_shape, settings: Settings) -> List[Competitor]:
    classes = settings.shared_classes or 1000
    return [
        Competitor(f"{name} keras_classics", "ours", name, input_shape, classes, _group("ours", name, settings)),
        Competitor(f"{name} keras.applications", "keras", name, input_shape, classes, _group("keras", name, settings)),
    ]


def _group(source: str, name: str, settings: Settings) -> str:
    # Isolated: one process per model. Otherwise one per source (--quick).
    return f"{source}:{name}" if settings.isolate else source


MISC = "misc"


def run_all(settings: Settings, clock: Clock) -> dict:
    """Every measurement of the run, as plain data (what --json writes)."""
    pool = Pool()
    misc = "ours" if not settings.isolate else MISC
    report: dict = {"settings": asdict(settings), "machine": machine()}
    failed = False
    try:
        worker = pool.get(misc)
        if settings.quick and settings.shared:
            pool.get("keras")  # both imports at once: --quick's timings mean nothing anyway
        clock.phase("matmul peak (start)")
        report["catalog"] = worker.request("catalog")
        report["worker"] = worker.hello
        report["matmul"] = [dict(when="start", **worker.request(
            "matmul", n=settings.matmul_n, repeats=settings.matmul_repeats, warmup=settings.matmul_warmup
        ))]

        def probe(when: str) -> None:
            # The matmul again before each part: the machine's state through
            # the run, and the best of all these is the peak.
            answer = worker.request("matmul", n=settings.matmul_n, repeats=settings.probe_repeats, warmup=1)
            report["matmul"].append(dict(when=when, **answer))
        catalog = {m["name"]: m for m in report["catalog"]}
        unknown = [n for n in (settings.sweep or ()) if n not in catalog]
        if unknown:
            raise ValueError(f"--sweep: not registered: {', '.join(unknown)}; see `keras-classics list`")

        report["shared"] = {}
        for name in settings.shared:
            shape = list(catalog[name]["input_shape"])
            if settings.shared_input:
                shape[:2] = [settings.shared_input] * 2
            clock.phase(f"{name}: keras_classics against keras.applications, input {'x'.join(map(str, shape))}")
            pair = shared_competitors(name, shape, settings)
            probe(name)
            measured = measure(pool, pair, ("infer", "train"), settings, clock, profile=name in settings.profile)
            report["shared"][name] = {k: asdict(v) for k, v in measured.items()}
            if settings.isolate:
                for c in pair:
                    pool.close(c.group)

        report["alexnet"] = {}
        if settings.alexnet:
            clock.phase("AlexNet: one tower against two towers")
            probe("AlexNet")
            pair = [
                Competitor(n, "ours", n, catalog[n]["input_shape"], 1000, _group("ours", n, settings))
                for n in ALEXNET_PAIR
            ]
            measured = measure(pool, pair, settings.alexnet_modes, settings, clock)
            report["alexnet"] = {k: asdict(v) for k, v in measured.items()}
            if settings.isolate:
                for c in pair:
                    pool.close(c.group)

        report["grouped"] = None
        if settings.grouped_layers:
            clock.phase("GroupedConv2D against Conv2D(groups=2)")
            report["grouped"] = worker.request(
                "grouped", layers=list(settings.grouped_layers), batch=settings.grouped_batch,
                repeats=settings.grouped_repeats, warmup=settings.grouped_warmup,
            )

        measured = {m["name"] for m in _ours_measurements(report)}
        sweep = [n for n in (settings.sweep if settings.sweep is not None else catalog) if n not in measured]
        modes = ("infer", "train") if settings.sweep_train else ("infer",)
        report["sweep"] = {}
        if sweep:
            clock.phase(f"sweep over {len(sweep)} registered networks")
            probe("sweep")
        for index, name in enumerate(sweep, 1):
            clock.say(f"sweep {index}/{len(sweep)}: {name}")
            # The sweep shares one process: its memory is not reported.
            competitor = Competitor(name, "ours", name, catalog[name]["input_shape"], None, misc)
            measured = measure(
                pool, [competitor], modes, settings, clock, min_round_seconds=settings.sweep_min_round_seconds
            )
            report["sweep"][name] = asdict(measured[name])
            report["sweep"][name]["isolated"] = False

        clock.phase("matmul peak (end)")
        report["matmul"].append(dict(when="end", **worker.request(
            "matmul", n=settings.matmul_n, repeats=settings.matmul_repeats, warmup=settings.matmul_warmup
        )))
        report["machine"]["load_average_end"] = machine()["load_average"]
    except BenchError:
        failed = True
        raise
    finally:
        pool.close_all(keep_logs=failed)
        if failed:
            print(f"worker logs kept in {pool.log_dir}", file=sys.stderr)
    report["wall_seconds"] = clock.elapsed()
    report["phases"] = clock.phases()
    # Every worker has exited and been waited for: their CPU time, which on
    # a busy machine says more about the run's cost than its wall time.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    report["worker_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return report


def _matmul_others(matmul: dict, cpus: int) -> Optional[float]:
    others = matmul.get("others_cpu_seconds")
    return None if others is None else others / (sum(matmul["seconds"]) * cpus)


def _all_measurements(report: dict) -> List[dict]:
    found = [m for pair in report.get("shared", {}).values() for m in pair.values()]
    return found + list(report.get("alexnet", {}).values()) + list(report.get("sweep", {}).values())


def _ours_measurements(report: dict) -> List[dict]:
    found = [m for pair in report.get("shared", {}).values() for m in pair.values() if m["source"] == "ours"]
    found += list(report.get("alexnet", {}).values())
    found += list(report.get("sweep", {}).values())
    return found


# --------------------------------------------------------------------------
# Figures from the measurements
# --------------------------------------------------------------------------


def _rate(m: dict, mode: str, batch: int) -> Optional[Spread]:
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


def _fmt(value: Optional[float]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(s: Optional[Spread], unit: str = "") -> str:
    if s is None:
        return "–"
    return f"{_fmt(s.median)}{unit} ({_fmt(s.low)}–{_fmt(s.high)})"


def _ratio_cell(s: Spread) -> str:
    return f"{s.median:.3f} ({s.low:.3f}–{s.high:.3f})"


def _percent(fraction: Optional[float]) -> str:
    return "–" if fraction is None else f"{100 * fraction:.0f}%"


def _gmac(macs: int) -> str:
    return f"{macs / 1e9:.3g}"


def _mib(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _shape(shape) -> str:
    return "x".join(str(d) for d in shape)


def _pair(report: dict, name: str):
    pair = report["shared"][name]
    ours = next(m for m in pair.values() if m["source"] == "ours")
    theirs = next(m for m in pair.values() if m["source"] == "keras")
    return ours, theirs


def targets(report: dict) -> List[dict]:
    """Each of the project's speed goals: what, the figure, met or not
    (judged on wall time, what a user waits for; CPU time alongside)."""
    batch = report["settings"]["batch"]
    found = []

    def ratio_target(what: str, faster: dict, slower: dict, note: str = "") -> dict:
        ratio = paired_ratio(faster, slower, "train")
        by_cpu = paired_ratio(faster, slower, "train", "cpu_seconds")
        return {
            "target": what,
            "value": ratio.median,
            "figure": f"{_ratio_cell(ratio)}{note}; in CPU time {_ratio_cell(by_cpu)}",
            "met": ratio.median >= TARGET_RATIO,
            "met_in_cpu_time": by_cpu.median >= TARGET_RATIO,
            "resolved": not ratio.low < TARGET_RATIO < ratio.high,
        }

    for name in report["shared"]:
        ours, theirs = _pair(report, name)
        found.append(ratio_target(f"{name}: training throughput ours/theirs >= {TARGET_RATIO:.1f}", ours, theirs))
    if len(report.get("alexnet", {})) == 2 and "train" in report["alexnet"][ALEXNET_PAIR[0]]["seconds"]:
        one, two = (report["alexnet"][n] for n in ALEXNET_PAIR)
        found.append(ratio_target(
            "AlexNet: two towers at least as fast as one tower (training)", two, one, " (two towers / one tower)"
        ))
    if "vgg16" in report["shared"] and not report["settings"]["quick"]:
        ours, _ = _pair(report, "vgg16")
        rate = _rate(ours, "train", batch)
        peak = peak_gflops(report)
        fraction, low, high = (gflops(ours["info"]["macs"], r, "train") / peak for r in rate[:3])
        by_cpu = cpu_fraction_of_peak(ours, "train", batch, report)
        found.append({
            "target": f"vgg16 training at >= {TARGET_VGG16_PEAK:.0%} of the matmul peak",
            "value": fraction,
            "figure": f"{_percent(fraction)} ({_percent(low)}–{_percent(high)}); in CPU time {_percent(by_cpu)}",
            "met": fraction >= TARGET_VGG16_PEAK,
            "met_in_cpu_time": by_cpu >= TARGET_VGG16_PEAK,
            "resolved": not low < TARGET_VGG16_PEAK < high,
        })
    return found


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------

HOW_MEASURED = """\
## How it is measured

- **One process per model.** Each network is built, compiled and run in a
  worker process of its own (`benchmarks/_worker.py`), so that the worker's
  peak resident memory is that network's alone; the two workers of a pair
  stay alive side by side and only one of them runs at a time. The process
  that orchestrates them imports no TensorFlow. (The sweep over every
  registered network shares one worker, and reports no memory.)
- **Warm-up, then alternation.** Each model first runs untimed: two
  `predict` calls of one batch (the first traces the step function), then
  one `fit` call of one batch (tracing, first allocation of the optimizer's
  slots and of oneDNN's kernels). The competitors' first, tracing calls run
  at the same time, which saves the run some minutes. The number of batches per
  round is then chosen so that a round lasts at least `--min-round-seconds`
  (half a second in the sweep), the same for both competitors, and the
  timed rounds alternate: ours then theirs, theirs then ours, and so on.
- **A round** is one `model.fit(dataset, steps_per_epoch=k, epochs=1)` (or
  `model.predict(dataset, steps=k)`) call on a synthetic batch repeated by
  `tf.data` (standard normal images, uniform random labels), timed from the
  call to its return inside the worker. Images/s is the batch size times
  `k` over that time. Tables give the median over the rounds and, in
  brackets, the min–max.
- **Ours/theirs** is the median of the per-round ratios of images/s (each
  round runs both back to back, so a round's ratio sees the same state of
  the machine); brackets give the min–max of those ratios. The "CPU time"
  ratio is the same from the CPU time (all threads) each round used: on a
  quiet machine the two agree; when other work competes for the cores,
  wall time swings with it while CPU time still tracks the work done
  (though not perfectly: threads that wait for a core or spin cost time
  too).
- **Compile settings**, the same for every model: `SGD(learning_rate=$lr,
  momentum=$momentum)`, `$loss` (one per output
  for the networks with auxiliary classifiers), Keras's default `jit_compile="auto"`, which
  resolves to no XLA on a machine without a GPU.
- **GFLOP/s** count 2 FLOPs per multiply-accumulate, from
  `keras_classics.anatomy` (convolutions and fully connected layers,
  biases, pooling, normalisation and activations excluded). Inference is one
  forward pass: 2 x MACs per image. Training counts three passes (forward,
  gradient with respect to the inputs, gradient with respect to the
  weights): 3 x 2 x MACs per image; the first layer's input gradient, which
  no one computes, is counted too. Both sides of a pair use our MAC count;
  the keras.applications models give the same count (checked in each run).
- **The matmul peak** is an $n x $n float32 `tf.linalg.matmul` on the
  same machine: 2 n^3 FLOPs per product, median over the timed repeats,
  measured at the start and at the end of the run, and more briefly before
  each part of it; percentages use the best of these medians.
- **% of peak in CPU time** divides a network's FLOPs per CPU-second (all
  its threads) by the matmul's best FLOPs per CPU-second: the same
  question asked of CPU time, which other programs disturb much less. On a
  quiet machine it agrees with the wall-time figure as long as the
  threads are kept busy; where they wait for each other it is the higher.
- **Others' CPU use** is the CPU time the whole machine spent busy during
  a round (`/proc/stat`) less the worker's own, as a share of the CPUs'
  time over the round: the median over the rounds of a measurement. It is
  how a busy machine shows itself: CPU time stays put while wall time
  stretches. Contention from outside the machine (other virtual machines
  on the same host) does not show in it, only in wall times that stretch
  while CPU time does not. (The raw JSON, `--json`, also has the time the
  worker's threads spent queued for a core.)
- **The profile** runs one more training batch of each side under
  `tf.profiler` and sums the duration of the graph's ops by what they are
  for (convolution forward or backward, dense matmuls, batch norm, the
  optimizer's update, dropout, ...), read from the op's type and its
  layer's name.
- **Peak memory** is the worker's `getrusage` maximum resident set size,
  TensorFlow's runtime included (the resident size right after the imports
  is given as the baseline), read after the inference rounds (build plus
  inference) and after the training rounds.

## Like with like

- keras.applications `VGG16` and `VGG19` have no dropout; ours apply the
  paper's dropout (0.5) after fc6 and fc7. It costs two random masks and
  multiplies over 4,096 values per image, nothing next to the
  convolutions.
- keras.applications `ResNet50/101/152` put a bottleneck's stride on its
  first 1x1 convolution, as our `resnet50/101/152` do (not the `_v1_5`
  variants). Their convolutions carry biases (each followed by batch norm,
  which cancels them); ours have none, as in the paper and the authors'
  Caffe models. Batch norm's epsilon (1.001e-5 there, 1e-5 here) and
  momentum (0.99 there, 0.9 here) change no amount of work.
- Same input size, batch size, optimizer, loss, compile settings, number
  of batches per round and synthetic data for both sides of a pair.
"""


def render(report: dict, command: str) -> str:
    s = report["settings"]
    batch = s["batch"]
    peak = peak_gflops(report)
    n = s["matmul_n"]
    matmuls = report["matmul"]
    start, end = matmul_gflops(matmuls[0]["seconds"], n), matmul_gflops(matmuls[-1]["seconds"], n)
    cpus = int(report["machine"]["logical_cpus"])
    mach = report["machine"]
    worker = report["worker"]
    date = datetime.datetime.fromtimestamp(report["finished"], datetime.timezone.utc)
    out = []
    add = out.append
    add("# Performance\n")
    add(
        "<!-- Written by benchmarks/bench.py; do not edit by hand. Re-run the command below to refresh it. -->\n"
    )
    add(
        "keras_classics side by side with keras.applications, and every registered network against "
        "this machine's matmul peak. Every figure on this page comes from the one run described here.\n"
    )
    if s["quick"]:
        add("**This is a `--quick` smoke test on tiny inputs: its figures mean nothing.**\n")
    add("## The run\n")
    add(f"- Command: `{command}`")
    add(
        f"- Finished {date:%Y-%m-%d %H:%M} UTC, after {report['wall_seconds'] / 60:.1f} minutes "
        f"(the worker processes used {report['worker_cpu_seconds'] / 60:.1f} CPU-minutes)."
    )
    add(
        f"- Machine: {mach['cpu']} ({mach['cpu_flags']}), {mach['logical_cpus']} logical CPUs, "
        f"{mach['memory']}, {mach['os']}; no GPU used ({worker['gpus']} visible)."
    )
    add(
        f"- Software: Python {mach['python']}, TensorFlow {worker['tensorflow']}, Keras {worker['keras']} "
        f"(backend {worker['backend']}), NumPy {mach['numpy']}; TensorFlow threads: intra-op "
        f"{worker['intra_op_threads'] or 'default'}, inter-op {worker['inter_op_threads'] or 'default'}."
    )
    add(
        f"- Load average at the start: {mach['load_average']}; at the end: {mach.get('load_average_end', '?')}. "
        "Other work on the machine shows up as a wide min–max."
    )
    add(
        "- Where the time went: "
        + "; ".join(f"{name.split(':')[0]} {seconds / 60:.1f} min" for name, seconds in report["phases"].items())
        + "."
    )
    add(
        f"- Settings: batch {batch}, {s['repeats']} timed rounds per measurement after the warm-up, "
        f"at least {s['min_round_seconds']:g} s per round, input {s['shared_input'] or 224} for the shared networks "
        f"(each network's registered input elsewhere), "
        f"{'one process per model' if s['isolate'] else 'all models in two processes'}."
    )
    probes = ", ".join(f"{m['when']} {_fmt(matmul_gflops(m['seconds'], n).median)}" for m in matmuls[1:-1])
    add(
        f"- Matmul peak ({n} x {n} float32): {_cell(start)} GFLOP/s at the start, {_cell(end)} GFLOP/s at the "
        f"end{f', and before each part: {probes}' if probes else ''}; the best median, "
        f"**{_fmt(peak)} GFLOP/s**, is the 100% below. While the first was timed, other programs used "
        f"{_percent(_matmul_others(matmuls[0], cpus))} of the CPUs."
    )
    shares = [
        share for m in _all_measurements(report) for mode in m["seconds"]
        if (share := others_share(m, mode, cpus)) is not None
    ]
    if shares:
        add(
            f"- Other programs on the machine used {_percent(sorted(shares)[len(shares) // 2])} of its CPU time "
            f"during the median measurement's rounds, {_percent(max(shares))} during the worst. Near 0% the "
            "machine was quiet; more means the wall-time figures were slowed by others, which the CPU-time "
            "ratios feel much less."
        )
    add("")

    found = targets(report)
    if found:
        add("## Goals\n")
        add("The project aims for its builders to train at least as fast as keras.applications' versions of "
            "the same networks, and for VGG-16, whose time is almost all large convolutions, to train at 80% "
            "or more of the machine's matmul peak. Each goal is judged on wall time, which is what a user "
            "waits for; the CPU-time figure beside it is what a busy machine disturbs less (see \"How it is "
            "measured\").\n")
        for t in found:
            verdict = "met" if t["met"] else "**missed**"
            if not t["resolved"]:
                verdict += " (the rounds' spread straddles the goal)"
            if t["met_in_cpu_time"] != t["met"]:
                verdict += f"; in CPU time {'met' if t['met_in_cpu_time'] else 'missed'}"
            add(f"- {t['target']}: {t['figure']}: {verdict}.")
        add("")

    if report["shared"]:
        add("## keras_classics against keras.applications\n")
        add(f"### Training (`model.fit`, batch {batch})\n")
        rows = []
        for name in report["shared"]:
            ours, theirs = _pair(report, name)
            macs = ours["info"]["macs"]
            o, t = _rate(ours, "train", batch), _rate(theirs, "train", batch)
            rows.append([
                name, _shape(ours["input_shape"]), _gmac(macs), _cell(o), _cell(t),
                _ratio_cell(paired_ratio(ours, theirs, "train")),
                _ratio_cell(paired_ratio(ours, theirs, "train", "cpu_seconds")),
                f"{_percent(gflops(macs, o.median, 'train') / peak)} / "
                f"{_percent(gflops(macs, t.median, 'train') / peak)}",
                f"{_percent(cpu_fraction_of_peak(ours, 'train', batch, report))} / "
                f"{_percent(cpu_fraction_of_peak(theirs, 'train', batch, report))}",
                f"{_percent(others_share(ours, 'train', cpus))} / {_percent(others_share(theirs, 'train', cpus))}",
            ])
        add(markdown_table(
            ["network", "input", "GMACs/image", "keras_classics img/s", "keras.applications img/s", "ours/theirs",
             "ours/theirs, CPU time", "% of peak (ours / theirs)", "% of peak in CPU time (ours / theirs)",
             "others' CPU use (ours / theirs)"],
            rows, "llrrrrrrrr"))
        add(f"### Inference (`model.predict`, batch {batch})\n")
        rows = []
        for name in report["shared"]:
            ours, theirs = _pair(report, name)
            macs = ours["info"]["macs"]
            o, t = _rate(ours, "infer", batch), _rate(theirs, "infer", batch)
            rows.append([
                name, _cell(o), _cell(t), _ratio_cell(paired_ratio(ours, theirs, "infer")),
                _ratio_cell(paired_ratio(ours, theirs, "infer", "cpu_seconds")),
                f"{_percent(gflops(macs, o.median, 'infer') / peak)} / "
                f"{_percent(gflops(macs, t.median, 'infer') / peak)}",
                f"{_percent(cpu_fraction_of_peak(ours, 'infer', batch, report))} / "
                f"{_percent(cpu_fraction_of_peak(theirs, 'infer', batch, report))}",
                f"{_percent(others_share(ours, 'infer', cpus))} / {_percent(others_share(theirs, 'infer', cpus))}",
            ])
        add(markdown_table(
            ["network", "keras_classics img/s", "keras.applications img/s", "ours/theirs", "ours/theirs, CPU time",
             "% of peak (ours / theirs)", "% of peak in CPU time (ours / theirs)", "others' CPU use (ours / theirs)"],
            rows, "lrrrrrrr"))
        add("### Parameters and peak memory\n")
        isolated = all(m["isolated"] for p in report["shared"].values() for m in p.values())
        if not isolated:
            add("Measured with several models in one process (`--no-isolate`): the memory figures are not per model.\n")
        rows = []
        for name in report["shared"]:
            ours, theirs = _pair(report, name)
            mo, mt = ours["memory_mib"], theirs["memory_mib"]
            rows.append([
                name, f"{ours['info']['params']:,}", f"{theirs['info']['params']:,}",
                f"{_mib(mo['infer'])} / {_mib(mt['infer'])}", f"{_mib(mo['train'])} / {_mib(mt['train'])}",
                f"{mo['train'] / mt['train']:.3f}",
            ])
        add(markdown_table(
            ["network", "keras_classics params", "keras.applications params",
             "peak MiB, inference (ours / theirs)", "peak MiB, training (ours / theirs)", "training peak, ours/theirs"],
            rows, "lrrrrr"))
        baselines = [m["memory_mib"]["baseline"] for p in report["shared"].values() for m in p.values()]
        add(
            f"Peak resident memory of the whole worker process; right after importing TensorFlow, Keras and "
            f"keras_classics it held {_mib(min(baselines))}–{_mib(max(baselines))} MiB.\n"
        )
        profiled = [n for n in report["shared"] if _pair(report, n)[0].get("profile")]
        if profiled:
            add(render_profiles(report, profiled))
        mismatched = [
            n for n in report["shared"] if len({m["info"]["macs"] for m in _pair(report, n)}) > 1
        ]
        if mismatched:
            add(f"The MAC counts of the two sides differ for: {', '.join(mismatched)} (ours used above).\n")
        else:
            add("`keras_classics.anatomy` counts the same MACs for both sides of every pair.\n")

    if report.get("alexnet"):
        one, two = (report["alexnet"][n] for n in ALEXNET_PAIR)
        add("## AlexNet: one tower against two towers\n")
        add(
            "The same widths (96, 256, 384, 384, 256 kernels); with two towers conv2, conv4 and conv5 see only "
            "their own tower's half of the maps (`GroupedConv2D`, groups=2), which halves their MACs.\n"
        )
        rows = []
        for m in (one, two):
            macs = m["info"]["macs"]
            tr, inf = _rate(m, "train", batch), _rate(m, "infer", batch)
            memory = m["memory_mib"].get("train", m["memory_mib"].get("infer")) if m["isolated"] else None
            rows.append([
                m["name"], _shape(m["input_shape"]), _gmac(macs), f"{m['info']['params']:,}", _cell(tr),
                _percent(gflops(macs, tr.median, "train") / peak if tr else None), _cell(inf), _mib(memory),
            ])
        add(markdown_table(
            ["model", "input", "GMACs/image", "params", "training img/s", "training, % of peak", "inference img/s",
             "peak MiB"], rows, "llrrrrrr"))
        ratios = [
            f"{label} {_ratio_cell(paired_ratio(two, one, mode))}"
            for mode, label in (("train", "training"), ("infer", "inference")) if mode in one["seconds"]
        ]
        add(f"Two towers / one tower, images/s: {', '.join(ratios)}.\n")

    if report.get("grouped"):
        g = report["grouped"]
        ref = g["reference"]
        add("## Grouped convolution: `GroupedConv2D` against `Conv2D(groups=2)`\n")
        add(
            f"AlexNet's grouped layers alone (`benchmarks/grouped_conv.py`), batch {s['grouped_batch']}: one "
            f"forward pass plus the weight gradients as a `tf.function`, {s['grouped_repeats']} round(s) after "
            f"{s['grouped_warmup']} warm-up round(s), the implementations alternating. All three hold the same "
            "weights; their outputs and gradients were checked equal before timing.\n"
        )
        rows = []
        for layer, data in g["layers"].items():
            size, cin, cout, kernel, groups = data["shape"]
            ref_ms = spread(data["times_ms"][ref]).median
            for impl, times in data["times_ms"].items():
                sp = spread(times)
                rows.append([
                    layer, f"{size}x{size}x{cin} → {cout}, {kernel}x{kernel}", impl, _cell(sp),
                    f"{ref_ms / sp.median:.2f}x",
                ])
        add(markdown_table(
            ["layer", "shape", "implementation", "ms per step", "speed-up over groups=2"], rows, "lllrr"
        ))

    add("## Every registered network against the matmul peak\n")
    add(
        f"Batch {batch}, each network at its registered input and number of classes. Training figures come from "
        "the measurements above"
        + (" and from this sweep" if s["sweep_train"] else " (the sweep itself times inference only, to keep "
           "the run short; `--sweep-train` adds training)")
        + ".\n"
    )
    by_name = {m["name"]: m for m in _ours_measurements(report)}
    rows = []
    for entry in report["catalog"]:
        m = by_name.get(entry["name"])
        if m is None:
            continue
        macs = m["info"]["macs"]
        inf, tr = _rate(m, "infer", batch), _rate(m, "train", batch)
        rows.append([
            entry["name"], _shape(m["input_shape"]), _gmac(macs), _cell(inf),
            _fmt(gflops(macs, inf.median, "infer")), _percent(gflops(macs, inf.median, "infer") / peak),
            _cell(tr), _fmt(gflops(macs, tr.median, "train") if tr else None),
            _percent(gflops(macs, tr.median, "train") / peak if tr else None),
        ])
    add(markdown_table(
        ["model", "input", "GMACs/image", "inference img/s", "GFLOP/s", "% of peak", "training img/s", "GFLOP/s",
         "% of peak"], rows, "llrrrrrrr"))
    add(
        "Small networks (LeNet-5, the CIFAR ResNets) are far from the peak: at batch "
        f"{batch} their layers are too small to keep the matrix units busy, and each step's fixed cost "
        "(launching the graph, the optimizer's updates, Keras's loop) dominates.\n"
    )
    add(string.Template(HOW_MEASURED).substitute(lr=f"{LEARNING_RATE:g}", momentum=f"{MOMENTUM:g}", loss=LOSS, n=n))
    return "\n".join(out)


def render_profiles(report: dict, names: Sequence[str]) -> str:
    """Op time per training batch by category, ours against theirs."""
    out = [
        "### Where a training batch's time goes (profile)\n",
        "One training batch of each side under `tf.profiler`, right after the timed rounds; the op time of "
        "each category summed over its ops. TensorFlow's executor runs up to two ops at once here, so op "
        "times overlap and add up to more than the batch's wall time: compare the columns with each other. "
        "oneDNN fuses a convolution with its bias and ReLU (and a filter gradient with the bias gradient), "
        "so a bias shows up inside the convolution's time, not as a category of its own.\n",
    ]
    for name in names:
        ours, theirs = (m["profile"] for m in _pair(report, name))
        rows = []
        for category in sorted(
            set(ours["categories_ms"]) | set(theirs["categories_ms"]),
            key=lambda k: -(ours["categories_ms"].get(k, 0) + theirs["categories_ms"].get(k, 0)),
        ):
            o, t = ours["categories_ms"].get(category, 0.0), theirs["categories_ms"].get(category, 0.0)
            if max(o, t) < 0.5:
                continue
            rows.append([category, f"{o:,.1f}", f"{t:,.1f}", f"{o - t:+,.1f}"])
        total_o, total_t = sum(ours["categories_ms"].values()), sum(theirs["categories_ms"].values())
        rows.append(["**all ops**", f"**{total_o:,.0f}**", f"**{total_t:,.0f}**", f"**{total_o - total_t:+,.0f}**"])
        rows.append(["wall time of the batch", f"{1e3 * ours['seconds']:,.0f}", f"{1e3 * theirs['seconds']:,.0f}",
                     f"{1e3 * (ours['seconds'] - theirs['seconds']):+,.0f}"])
        out.append(f"**{name}**, ms per batch:\n")
        header = ["category", "keras_classics", "keras.applications", "ours − theirs"]
        out.append(markdown_table(header, rows, "lrrr"))
    return "\n".join(out)


def summary(report: dict) -> str:
    """A short text version for the terminal."""
    batch = report["settings"]["batch"]
    lines = [f"matmul peak: {_fmt(peak_gflops(report))} GFLOP/s"]
    rows = []
    for name in report["shared"]:
        ours, theirs = _pair(report, name)
        for mode in ("train", "infer"):
            rows.append([
                name, mode, _cell(_rate(ours, mode, batch)), _cell(_rate(theirs, mode, batch)),
                _ratio_cell(paired_ratio(ours, theirs, mode)),
                _ratio_cell(paired_ratio(ours, theirs, mode, "cpu_seconds")),
            ])
    if rows:
        lines.append(text_table(["network", "mode", "ours img/s", "keras img/s", "ours/theirs", "by CPU time"], rows))
    for t in targets(report):
        lines.append(
            f"{t['target']}: {t['figure']} -> {'met' if t['met'] else 'MISSED'}"
            f" (in CPU time: {'met' if t['met_in_cpu_time'] else 'missed'})"
        )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Settings()
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: every part on tiny inputs, under a minute; writes nothing unless --output")
    parser.add_argument("--output", metavar="FILE.md",
                        help="where to write the page (default: docs/performance.md; with --quick: nowhere)")
    parser.add_argument("--json", metavar="FILE.json", help="also write every raw measurement as JSON")
    parser.add_argument("--from-json", metavar="FILE.json",
                        help="measure nothing: write the page again from a run saved with --json")
    parser.add_argument("--batch", type=int, help=f"batch size (default {d.batch})")
    parser.add_argument("--repeats", type=int, help=f"timed rounds per measurement (default {d.repeats})")
    parser.add_argument("--min-round-seconds", type=float,
                        help="batches per round are chosen so that a round lasts this long "
                        f"(default {d.min_round_seconds:g})")
    parser.add_argument("--models", nargs="+", metavar="NAME", choices=list(SHARED) + ["none"],
                        help=f"networks to compare with keras.applications (default: {' '.join(SHARED)})")
    parser.add_argument("--input-size", type=int, metavar="SIZE",
                        help="input height and width of the compared networks (default: their registered 224)")
    parser.add_argument("--sweep", nargs="+", metavar="NAME",
                        help="registered networks for the GFLOP/s table (default: all; 'none' for none)")
    parser.add_argument("--sweep-train", action="store_true",
                        help="time training in the sweep too (adds several minutes)")
    parser.add_argument("--profile", nargs="+", metavar="NAME", choices=list(SHARED) + ["none"],
                        help="compared networks whose training step is also profiled, ours and theirs, op by op "
                        f"(default: {' '.join(d.profile)}; 'none' for none)")
    parser.add_argument("--no-alexnet", action="store_true", help="skip AlexNet one tower against two towers")
    parser.add_argument("--grouped-layers", nargs="+", metavar="LAYER", choices=list(GROUPED_LAYERS) + ["none"],
                        help="AlexNet layers for GroupedConv2D against Conv2D(groups=2) (default: all three)")
    parser.add_argument("--no-isolate", action="store_true",
                        help="all models in two processes instead of one each (faster start, no per-model memory)")


def settings_from(args: argparse.Namespace) -> Settings:
    settings = quick_settings(Settings()) if args.quick else Settings()
    for option in ("batch", "repeats", "min_round_seconds"):
        value = getattr(args, option)
        if value is not None:
            if value <= 0:
                raise ValueError(f"--{option.replace('_', '-')} must be positive, got {value}")
            setattr(settings, option, value)
    if args.input_size is not None:
        if args.input_size < 32:
            raise ValueError(f"--input-size must be at least 32 (keras.applications' smallest), got {args.input_size}")
        settings.shared_input = args.input_size
    if args.models:
        settings.shared = () if args.models == ["none"] else tuple(dict.fromkeys(args.models))
    if args.profile:
        settings.profile = () if args.profile == ["none"] else tuple(args.profile)
    if args.sweep:
        settings.sweep = () if args.sweep == ["none"] else (None if args.sweep == ["all"] else tuple(args.sweep))
    if args.sweep_train:
        settings.sweep_train = True
    if args.no_alexnet:
        settings.alexnet = False
    if args.grouped_layers:
        settings.grouped_layers = () if args.grouped_layers == ["none"] else tuple(args.grouped_layers)
    if args.no_isolate:
        settings.isolate = False
    return settings


def output_path(args: argparse.Namespace) -> Optional[str]:
    """Where the page goes: --output, else docs/performance.md, except that
    a --quick run writes nowhere unless asked."""
    if args.output:
        return args.output
    return None if args.quick else DEFAULT_OUTPUT


def run(args: argparse.Namespace, command: str) -> int:
    output = output_path(args)
    clock = Clock()
    if args.from_json:
        with open(args.from_json) as handle:
            report = json.load(handle)
        command = report["command"]  # the page describes the run that measured
    else:
        report = run_all(settings_from(args), clock)
        report["finished"] = time.time()
        report["command"] = command
    sys.stdout.write(summary(report))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)
    if output:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        with open(output, "w") as handle:
            handle.write(render(report, command))
        print(f"wrote {output}")
    clock.say("done")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    command = shlex.join(["python", "benchmarks/bench.py"] + argv)
    try:
        return run(args, command)
    except (BenchError, ValueError) as error:
        print(f"bench.py: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
