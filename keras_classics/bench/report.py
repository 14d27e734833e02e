"""The benchmark's report: the machine it ran on, the tables, the page.

`render` writes ``docs/performance.md`` from a run's raw measurements (the
report `keras_classics.bench.running.run_all` returns, or one saved with
``--json``), `summary` the lines printed at the end of a run. No TensorFlow
here.
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import string
import sys
from importlib import metadata
from typing import Dict, List, Optional, Sequence

from keras_classics.bench.settings import (
    ALEXNET_PAIR,
    LEARNING_RATE,
    LOSS,
    MOMENTUM,
    TARGET_RATIO,
    TARGET_VGG16_PEAK,
)
from keras_classics.bench.statistics import (
    Spread,
    all_measurements,
    cpu_fraction_of_peak,
    gflops,
    matmul_gflops,
    matmul_others_share,
    others_share,
    ours_measurements,
    paired_ratio,
    peak_gflops,
    rate_spread,
    spread,
)

__all__ = ["machine", "text_table", "markdown_table", "render", "render_profiles", "summary"]


# -- the machine and the tables -----------------------------------------------------
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
        found.append(
            ratio_target(
                "AlexNet: two towers at least as fast as one tower (training)", two, one, " (two towers / one tower)"
            )
        )
    if "vgg16" in report["shared"] and not report["settings"]["quick"]:
        ours, _ = _pair(report, "vgg16")
        rate = rate_spread(ours, "train", batch)
        peak = peak_gflops(report)
        fraction, low, high = (gflops(ours["info"]["macs"], r, "train") / peak for r in rate[:3])
        by_cpu = cpu_fraction_of_peak(ours, "train", batch, report)
        found.append(
            {
                "target": f"vgg16 training at >= {TARGET_VGG16_PEAK:.0%} of the matmul peak",
                "value": fraction,
                "figure": f"{_percent(fraction)} ({_percent(low)}–{_percent(high)}); in CPU time {_percent(by_cpu)}",
                "met": fraction >= TARGET_VGG16_PEAK,
                "met_in_cpu_time": by_cpu >= TARGET_VGG16_PEAK,
                "resolved": not low < TARGET_VGG16_PEAK < high,
            }
        )
    return found


# -- the page ---------------------------------------------------------------------

HOW_MEASURED = """\
## How it is measured

- **One process per model.** Each network is built, compiled and run in a
  worker process of its own (`keras_classics.bench.worker`), so that the worker's
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
- **No tf.data autotuning.** The synthetic pipeline runs with
  `options.autotune.enabled = False` (it repeats one batch: there is
  nothing to tune). With autotuning on, the tuner's thread sleeps 10, 20,
  40, ... ms, doubling, and deleting the iterator at the end of each `fit`
  or `predict` waits for its next wake: every round's wall time was
  rounded up to 0.31, 0.63, 1.27, 2.55, 5.11 or 10.2 s, the running sums of
  those sleeps, at the same CPU time.
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


def _comparison_table(report: dict, mode: str, *, with_sizes: bool) -> str:
    """Ours against keras.applications in one mode (``"train"`` or
    ``"infer"``): rates, ratios, shares of the peak and others' CPU use;
    ``with_sizes`` adds each network's input and GMACs per image."""
    batch, peak = report["settings"]["batch"], peak_gflops(report)
    cpus = int(report["machine"]["logical_cpus"])
    rows = []
    for name in report["shared"]:
        ours, theirs = _pair(report, name)
        macs = ours["info"]["macs"]
        o, t = rate_spread(ours, mode, batch), rate_spread(theirs, mode, batch)
        sizes = [_shape(ours["input_shape"]), _gmac(macs)] if with_sizes else []
        rows.append(
            [
                name,
                *sizes,
                _cell(o),
                _cell(t),
                _ratio_cell(paired_ratio(ours, theirs, mode)),
                _ratio_cell(paired_ratio(ours, theirs, mode, "cpu_seconds")),
                f"{_percent(gflops(macs, o.median, mode) / peak)} / {_percent(gflops(macs, t.median, mode) / peak)}",
                f"{_percent(cpu_fraction_of_peak(ours, mode, batch, report))} / "
                f"{_percent(cpu_fraction_of_peak(theirs, mode, batch, report))}",
                f"{_percent(others_share(ours, mode, cpus))} / {_percent(others_share(theirs, mode, cpus))}",
            ]
        )
    header = [
        "network",
        *(["input", "GMACs/image"] if with_sizes else []),
        "keras_classics img/s",
        "keras.applications img/s",
        "ours/theirs",
        "ours/theirs, CPU time",
        "% of peak (ours / theirs)",
        "% of peak in CPU time (ours / theirs)",
        "others' CPU use (ours / theirs)",
    ]
    align = "ll" if with_sizes else "l"
    return markdown_table(header, rows, align + "r" * (len(header) - len(align)))


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
        "<!-- Written by keras_classics.bench (keras-classics bench, benchmarks/bench.py); do not edit by hand. "
        "Re-run the command below to refresh it. -->\n"
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
        f"{_percent(matmul_others_share(matmuls[0], cpus))} of the CPUs."
    )
    shares = [
        share
        for m in all_measurements(report)
        for mode in m["seconds"]
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
        add(
            "The project aims for its builders to train at least as fast as keras.applications' versions of "
            "the same networks, and for VGG-16, whose time is almost all large convolutions, to train at 80% "
            "or more of the machine's matmul peak. Each goal is judged on wall time, which is what a user "
            'waits for; the CPU-time figure beside it is what a busy machine disturbs less (see "How it is '
            'measured").\n'
        )
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
        add(_comparison_table(report, "train", with_sizes=True))
        add(f"### Inference (`model.predict`, batch {batch})\n")
        add(_comparison_table(report, "infer", with_sizes=False))
        add("### Parameters and peak memory\n")
        isolated = all(m["isolated"] for p in report["shared"].values() for m in p.values())
        if not isolated:
            add("Measured with several models in one process (`--no-isolate`): the memory figures are not per model.\n")
        rows = []
        for name in report["shared"]:
            ours, theirs = _pair(report, name)
            mo, mt = ours["memory_mib"], theirs["memory_mib"]
            rows.append(
                [
                    name,
                    f"{ours['info']['params']:,}",
                    f"{theirs['info']['params']:,}",
                    f"{_mib(mo['infer'])} / {_mib(mt['infer'])}",
                    f"{_mib(mo['train'])} / {_mib(mt['train'])}",
                    f"{mo['train'] / mt['train']:.3f}",
                ]
            )
        add(
            markdown_table(
                [
                    "network",
                    "keras_classics params",
                    "keras.applications params",
                    "peak MiB, inference (ours / theirs)",
                    "peak MiB, training (ours / theirs)",
                    "training peak, ours/theirs",
                ],
                rows,
                "lrrrrr",
            )
        )
        baselines = [m["memory_mib"]["baseline"] for p in report["shared"].values() for m in p.values()]
        add(
            f"Peak resident memory of the whole worker process; right after importing TensorFlow, Keras and "
            f"keras_classics it held {_mib(min(baselines))}–{_mib(max(baselines))} MiB.\n"
        )
        profiled = [n for n in report["shared"] if _pair(report, n)[0].get("profile")]
        if profiled:
            add(render_profiles(report, profiled))
        mismatched = [n for n in report["shared"] if len({m["info"]["macs"] for m in _pair(report, n)}) > 1]
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
            tr, inf = rate_spread(m, "train", batch), rate_spread(m, "infer", batch)
            memory = m["memory_mib"].get("train", m["memory_mib"].get("infer")) if m["isolated"] else None
            rows.append(
                [
                    m["name"],
                    _shape(m["input_shape"]),
                    _gmac(macs),
                    f"{m['info']['params']:,}",
                    _cell(tr),
                    _percent(gflops(macs, tr.median, "train") / peak if tr else None),
                    _cell(inf),
                    _mib(memory),
                ]
            )
        add(
            markdown_table(
                [
                    "model",
                    "input",
                    "GMACs/image",
                    "params",
                    "training img/s",
                    "training, % of peak",
                    "inference img/s",
                    "peak MiB",
                ],
                rows,
                "llrrrrrr",
            )
        )
        ratios = [
            f"{label} {_ratio_cell(paired_ratio(two, one, mode))}"
            for mode, label in (("train", "training"), ("infer", "inference"))
            if mode in one["seconds"]
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
                rows.append(
                    [
                        layer,
                        f"{size}x{size}x{cin} → {cout}, {kernel}x{kernel}",
                        impl,
                        _cell(sp),
                        f"{ref_ms / sp.median:.2f}x",
                    ]
                )
        add(
            markdown_table(["layer", "shape", "implementation", "ms per step", "speed-up over groups=2"], rows, "lllrr")
        )

    add("## Every registered network against the matmul peak\n")
    add(
        f"Batch {batch}, each network at its registered input and number of classes. Training figures come from "
        "the measurements above"
        + (
            " and from this sweep"
            if s["sweep_train"]
            else " (the sweep itself times inference only, to keep the run short; `--sweep-train` adds training)"
        )
        + ".\n"
    )
    by_name = {m["name"]: m for m in ours_measurements(report)}
    rows = []
    for entry in report["catalog"]:
        m = by_name.get(entry["name"])
        if m is None:
            continue
        macs = m["info"]["macs"]
        inf, tr = rate_spread(m, "infer", batch), rate_spread(m, "train", batch)
        rows.append(
            [
                entry["name"],
                _shape(m["input_shape"]),
                _gmac(macs),
                _cell(inf),
                _fmt(gflops(macs, inf.median, "infer")),
                _percent(gflops(macs, inf.median, "infer") / peak),
                _cell(tr),
                _fmt(gflops(macs, tr.median, "train") if tr else None),
                _percent(gflops(macs, tr.median, "train") / peak if tr else None),
            ]
        )
    add(
        markdown_table(
            [
                "model",
                "input",
                "GMACs/image",
                "inference img/s",
                "GFLOP/s",
                "% of peak",
                "training img/s",
                "GFLOP/s",
                "% of peak",
            ],
            rows,
            "llrrrrrrr",
        )
    )
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
        rows.append(
            [
                "wall time of the batch",
                f"{1e3 * ours['seconds']:,.0f}",
                f"{1e3 * theirs['seconds']:,.0f}",
                f"{1e3 * (ours['seconds'] - theirs['seconds']):+,.0f}",
            ]
        )
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
            rows.append(
                [
                    name,
                    mode,
                    _cell(rate_spread(ours, mode, batch)),
                    _cell(rate_spread(theirs, mode, batch)),
                    _ratio_cell(paired_ratio(ours, theirs, mode)),
                    _ratio_cell(paired_ratio(ours, theirs, mode, "cpu_seconds")),
                ]
            )
    if rows:
        lines.append(text_table(["network", "mode", "ours img/s", "keras img/s", "ours/theirs", "by CPU time"], rows))
    for t in targets(report):
        lines.append(
            f"{t['target']}: {t['figure']} -> {'met' if t['met'] else 'MISSED'}"
            f" (in CPU time: {'met' if t['met_in_cpu_time'] else 'missed'})"
        )
    return "\n".join(lines) + "\n"
