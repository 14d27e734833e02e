"""The benchmark's running side: a pool of worker processes and the plan of
a run.

This process imports no TensorFlow. Each model is built in a worker process
(`keras_classics.bench.worker`), so that a worker's peak memory is its
model's alone; the two workers of a pair stay alive side by side, and only
one of them runs at a time. `run_all` measures everything a run's
`Settings` ask for and returns the raw report `keras_classics.bench.report`
renders.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence

import keras_classics
from keras_classics.bench.report import machine
from keras_classics.bench.settings import ALEXNET_PAIR, TRAIN_PASSES, BenchError, Settings
from keras_classics.bench.statistics import Spread, alternate, ours_measurements, spread

__all__ = ["WorkerProcess", "Pool", "Competitor", "Measurement", "Clock", "measure", "run_all"]

# The folder that holds the keras_classics package: the workers import the
# same copy as this process, installed or not.
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(keras_classics.__file__)))


class WorkerProcess:
    """One worker process (`keras_classics.bench.worker`): JSON lines in, JSON lines out."""

    def __init__(self, group: str, log_dir: str):
        self.group = group
        self.log_path = os.path.join(log_dir, group.replace(":", "_") + ".log")
        self._log = open(self.log_path, "w")
        env = dict(os.environ, KERAS_BACKEND="tensorflow", PYTHONUNBUFFERED="1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "keras_classics.bench.worker"],
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


# -- measuring -------------------------------------------------------------------------


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
            "build",
            key=c.key,
            source=c.source,
            name=c.name,
            input_shape=list(c.input_shape),
            classes=c.classes,
            batch=settings.batch,
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
        report["matmul"] = [
            dict(
                when="start",
                **worker.request(
                    "matmul", n=settings.matmul_n, repeats=settings.matmul_repeats, warmup=settings.matmul_warmup
                ),
            )
        ]

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
                "grouped",
                layers=list(settings.grouped_layers),
                batch=settings.grouped_batch,
                repeats=settings.grouped_repeats,
                warmup=settings.grouped_warmup,
            )

        measured = {m["name"] for m in ours_measurements(report)}
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
        report["matmul"].append(
            dict(
                when="end",
                **worker.request(
                    "matmul", n=settings.matmul_n, repeats=settings.matmul_repeats, warmup=settings.matmul_warmup
                ),
            )
        )
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
