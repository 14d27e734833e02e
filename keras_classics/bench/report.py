"""The benchmark's report: the machine it ran on, the tables, the page.

`render` writes ``docs/performance.md`` from a run's raw measurements (the
report `keras_classics.bench.running.run_all` returns, or one saved with
``--json``), and with ``language="zh"`` its Chinese twin
``docs/performance.zh.md`` from the same measurements: each sentence is
written in both languages side by side from the same values. `summary`
gives the lines printed at the end of a run. No TensorFlow here.
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

__all__ = ["LANGUAGES", "machine", "text_table", "markdown_table", "render", "render_profiles", "summary", "targets"]


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


LANGUAGES = ("en", "zh")


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"the performance page is written in {LANGUAGES}, not {language!r}")


def _say(language: str, english: str, chinese: str) -> str:
    """One sentence of the page in its language. Both versions are written
    from the same values, side by side, so they cannot disagree."""
    return chinese if language == "zh" else english


# A table's header in Chinese, by its English text.
_HEADERS_ZH = {
    "network": "网络",
    "input": "输入",
    "GMACs/image": "每张图像 GMACs",
    "keras_classics img/s": "keras_classics 图像/秒",
    "keras.applications img/s": "keras.applications 图像/秒",
    "ours/theirs": "本包/对方",
    "ours/theirs, CPU time": "本包/对方（CPU 时间）",
    "% of peak (ours / theirs)": "峰值占比（本包 / 对方）",
    "% of peak in CPU time (ours / theirs)": "按 CPU 时间的峰值占比（本包 / 对方）",
    "others' CPU use (ours / theirs)": "其他程序的 CPU 占用（本包 / 对方）",
    "keras_classics params": "keras_classics 参数量",
    "keras.applications params": "keras.applications 参数量",
    "peak MiB, inference (ours / theirs)": "推理内存峰值 MiB（本包 / 对方）",
    "peak MiB, training (ours / theirs)": "训练内存峰值 MiB（本包 / 对方）",
    "training peak, ours/theirs": "训练内存峰值之比（本包/对方）",
    "model": "模型",
    "params": "参数量",
    "training img/s": "训练 图像/秒",
    "training, % of peak": "训练峰值占比",
    "inference img/s": "推理 图像/秒",
    "peak MiB": "内存峰值 MiB",
    "layer": "层",
    "shape": "形状",
    "implementation": "实现",
    "ms per step": "每步毫秒数",
    "speed-up over groups=2": "相对 groups=2 的加速比",
    "GFLOP/s": "GFLOP/s",
    "% of peak": "峰值占比",
    "category": "类别",
    "keras_classics": "keras_classics",
    "keras.applications": "keras.applications",
    "ours − theirs": "本包 − 对方",
}

# The profile's op categories (`keras_classics.bench.worker.op_category`).
_CATEGORIES_ZH = {
    "optimizer update": "优化器更新",
    "dropout": "Dropout",
    "convolution, backward": "卷积，反向",
    "convolution, forward": "卷积，前向",
    "matmul (dense layers)": "矩阵乘法（全连接层）",
    "batch norm": "批归一化",
    "bias": "偏置",
    "pooling": "池化",
    "ReLU": "ReLU",
    "additions": "相加",
    "other": "其他",
}


def _headers(language: str, header: Sequence[str]) -> List[str]:
    if language == "zh":
        return [_HEADERS_ZH[h] for h in header]
    return list(header)


def _phase_name(language: str, name: str) -> str:
    """A phase of the run, as `running.run_all`'s clock names it, shortened."""
    short = name.split(":")[0]
    if language != "zh":
        return short
    fixed = {
        "matmul peak (start)": "矩阵乘法峰值（开始）",
        "matmul peak (end)": "矩阵乘法峰值（结束）",
        "GroupedConv2D against Conv2D(groups=2)": "GroupedConv2D 对比 Conv2D(groups=2)",
    }
    if short in fixed:
        return fixed[short]
    if short.startswith("sweep over "):
        return f"遍历 {short.split()[2]} 个注册网络"
    return short


def _load_text(language: str, load: str) -> str:
    """``machine()``'s load average, "0.73, 1.07, 1.98 (1, 5, 15 min)"."""
    if language == "zh":
        return load.replace(" (1, 5, 15 min)", "（1、5、15 分钟平均）")
    return load


def targets(report: dict, language: str = "en") -> List[dict]:
    """Each of the project's speed goals: what, the figure, met or not
    (judged on wall time, what a user waits for; CPU time alongside)."""
    _check_language(language)
    batch = report["settings"]["batch"]
    found = []

    def ratio_target(what: str, faster: dict, slower: dict, note: str = "") -> dict:
        ratio = paired_ratio(faster, slower, "train")
        by_cpu = paired_ratio(faster, slower, "train", "cpu_seconds")
        return {
            "target": what,
            "value": ratio.median,
            "figure": _say(
                language,
                f"{_ratio_cell(ratio)}{note}; in CPU time {_ratio_cell(by_cpu)}",
                f"{_ratio_cell(ratio)}{note}；按 CPU 时间 {_ratio_cell(by_cpu)}",
            ),
            "met": ratio.median >= TARGET_RATIO,
            "met_in_cpu_time": by_cpu.median >= TARGET_RATIO,
            "resolved": not ratio.low < TARGET_RATIO < ratio.high,
        }

    for name in report["shared"]:
        ours, theirs = _pair(report, name)
        what = _say(
            language,
            f"{name}: training throughput ours/theirs >= {TARGET_RATIO:.1f}",
            f"{name}：训练吞吐量 本包/对方 >= {TARGET_RATIO:.1f}",
        )
        found.append(ratio_target(what, ours, theirs))
    if len(report.get("alexnet", {})) == 2 and "train" in report["alexnet"][ALEXNET_PAIR[0]]["seconds"]:
        one, two = (report["alexnet"][n] for n in ALEXNET_PAIR)
        found.append(
            ratio_target(
                _say(
                    language,
                    "AlexNet: two towers at least as fast as one tower (training)",
                    "AlexNet：双塔训练至少与单塔一样快",
                ),
                two,
                one,
                _say(language, " (two towers / one tower)", "（双塔 / 单塔）"),
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
                "target": _say(
                    language,
                    f"vgg16 training at >= {TARGET_VGG16_PEAK:.0%} of the matmul peak",
                    f"vgg16 训练达到矩阵乘法峰值的 {TARGET_VGG16_PEAK:.0%} 以上",
                ),
                "value": fraction,
                "figure": _say(
                    language,
                    f"{_percent(fraction)} ({_percent(low)}–{_percent(high)}); in CPU time {_percent(by_cpu)}",
                    f"{_percent(fraction)}（{_percent(low)}–{_percent(high)}）；按 CPU 时间 {_percent(by_cpu)}",
                ),
                "met": fraction >= TARGET_VGG16_PEAK,
                "met_in_cpu_time": by_cpu >= TARGET_VGG16_PEAK,
                "resolved": not low < TARGET_VGG16_PEAK < high,
            }
        )
    return found


def _verdict(language: str, t: dict) -> str:
    if language == "zh":
        verdict = "达到" if t["met"] else "**未达到**"
        if not t["resolved"]:
            verdict += "（各轮的范围跨过了目标）"
        if t["met_in_cpu_time"] != t["met"]:
            verdict += f"；按 CPU 时间{'达到' if t['met_in_cpu_time'] else '未达到'}"
        return verdict
    verdict = "met" if t["met"] else "**missed**"
    if not t["resolved"]:
        verdict += " (the rounds' spread straddles the goal)"
    if t["met_in_cpu_time"] != t["met"]:
        verdict += f"; in CPU time {'met' if t['met_in_cpu_time'] else 'missed'}"
    return verdict


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
- **The matmul peak** is a $n x $n float32 `tf.linalg.matmul` on the
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

HOW_MEASURED_ZH = """\
## 怎样测量 {: #how-it-is-measured }

- **每个模型一个进程。** 每个网络都在自己的工作进程（`keras_classics.bench.worker`）里构建、编译和运行，
  所以这个进程的常驻内存峰值只属于这一个网络；一对竞争者的两个工作进程同时存在，但每次只有一个在运行。
  负责调度它们的进程不导入 TensorFlow。（遍历全部注册网络时共用一个工作进程，不报告内存。）
- **先预热，再交替计时。** 每个模型先不计时地运行：两次一批的 `predict`（第一次追踪出计算图），
  然后一次一批的 `fit`（追踪计算图，第一次为优化器的状态和 oneDNN 的计算核分配内存）。两个竞争者的
  第一次追踪同时进行，可以省下几分钟。然后选定每轮的批数，使一轮至少持续 `--min-round-seconds`
  （遍历时为半秒），两个竞争者相同；计时的各轮交替进行：先本包后对方，再先对方后本包，依此类推。
- **一轮**是一次 `model.fit(dataset, steps_per_epoch=k, epochs=1)`（或 `model.predict(dataset, steps=k)`）
  调用，数据是由 `tf.data` 重复的一批合成数据（标准正态分布的图像，均匀分布的随机标签），在工作进程内
  从调用开始计时到它返回。每秒图像数等于批大小乘以 `k` 再除以这段时间。表中给出各轮的中位数，
  括号里是最小值–最大值。
- **不用 tf.data 的自动调优。** 合成数据的流水线设置了 `options.autotune.enabled = False`
  （它只是重复一批数据，没有什么可调的）。打开自动调优时，调优线程依次睡眠 10、20、40……毫秒，
  每次加倍，而每次 `fit` 或 `predict` 结束时删除迭代器都要等它下一次醒来：每一轮的墙钟时间都被
  向上凑到 0.31、0.63、1.27、2.55、5.11 或 10.2 秒，即这些睡眠时间的累加和，CPU 时间却不变。
- **本包/对方**是各轮每秒图像数之比的中位数（每一轮先后运行双方，所以一轮的比值面对的是机器的同一状态）；
  括号里是这些比值的最小值–最大值。“CPU 时间”的比值用每轮所用的 CPU 时间（全部线程）同样计算：
  机器空闲时两者一致；有其他任务争用 CPU 核时，墙钟时间随之起伏，CPU 时间仍基本反映完成的工作量
  （但不完全：等待 CPU 核或空转的线程也会耗费时间）。
- **编译设置**对每个模型都相同：`SGD(learning_rate=$lr, momentum=$momentum)`，`$loss`
  （带辅助分类器的网络每个输出一个），以及 Keras 默认的 `jit_compile="auto"`，在没有 GPU 的机器上
  它意味着不用 XLA。
- **GFLOP/s** 按每次乘加 2 次浮点运算计，乘加次数来自 `keras_classics.anatomy`（只计卷积层和全连接层，
  不计偏置、池化、归一化和激活）。推理是一次前向传播：每张图像 2 × MACs。训练按三次传播计
  （前向、对输入求梯度、对权重求梯度）：每张图像 3 × 2 × MACs；第一层对输入的梯度其实没有人计算，
  也一并计入。一对竞争者都用本包的乘加次数；keras.applications 的模型得到的计数相同（每次运行都核对）。
- **矩阵乘法峰值**是同一台机器上 $n × $n 的 float32 `tf.linalg.matmul`：每次乘积 2n³ 次浮点运算，
  取计时各次的中位数；在运行开始和结束时各测一次，每一部分之前再简短地测一次；百分比以这些中位数中
  最好的一个为准。
- **按 CPU 时间的峰值占比**用一个网络每 CPU 秒（全部线程）的浮点运算次数，除以矩阵乘法最好的每 CPU 秒
  浮点运算次数：同一个问题改用 CPU 时间来问，其他程序对它的干扰小得多。机器空闲时，只要线程一直有活干，
  它与按墙钟时间的数字一致；线程互相等待时，它是两者中较高的一个。
- **其他程序的 CPU 占用**是一轮期间整台机器忙碌的 CPU 时间（`/proc/stat`）减去工作进程自己的部分，
  占这一轮全部 CPU 时间的比例，取一次测量各轮的中位数。机器忙的时候就表现在这里：CPU 时间不变，
  墙钟时间变长。来自机器之外的争用（同一宿主机上的其他虚拟机）不会出现在这一栏，只表现为墙钟时间
  变长而 CPU 时间不变。（原始 JSON，即 `--json` 的输出，还记录了工作进程的线程排队等待 CPU 核的时间。）
- **性能剖析**让双方各在 `tf.profiler` 下再训练一批，按用途（卷积的前向或反向、全连接层的矩阵乘法、
  批归一化、优化器更新、Dropout 等）把计算图中各算子的耗时相加；用途由算子的类型和它所在层的名字判断。
- **内存峰值**是工作进程用 `getrusage` 得到的最大常驻内存，包括 TensorFlow 运行时本身（导入之后的
  常驻内存作为基线给出），分别在推理各轮（构建加推理）之后和训练各轮之后读取。

## 同类相比 {: #like-with-like }

- keras.applications 的 `VGG16` 和 `VGG19` 没有 Dropout；本包的版本按论文在 fc6 和 fc7 之后使用
  Dropout（0.5）。每张图像只多出两个随机掩码和对 4,096 个值的乘法，与卷积相比微不足道。
- keras.applications 的 `ResNet50/101/152` 把瓶颈结构的步长放在第一个 1x1 卷积上，与本包的
  `resnet50/101/152` 相同（不是 `_v1_5` 变体）。它们的卷积带偏置（每个卷积后面都有批归一化，偏置被抵消）；
  本包的卷积不带偏置，与论文和作者的 Caffe 模型一致。批归一化的 epsilon（对方 1.001e-5，本包 1e-5）
  和动量（对方 0.99，本包 0.9）不改变计算量。
- 一对竞争者的输入尺寸、批大小、优化器、损失函数、编译设置、每轮批数和合成数据都相同。
"""


def _comparison_table(report: dict, mode: str, *, with_sizes: bool, language: str = "en") -> str:
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
    return markdown_table(_headers(language, header), rows, align + "r" * (len(header) - len(align)))


def render(report: dict, command: str, language: str = "en") -> str:
    """The performance page of ``report`` in ``language`` (``"en"``, or
    ``"zh"`` for its Chinese twin): the same run, the same figures."""
    _check_language(language)
    zh = language == "zh"

    def say(english: str, chinese: str) -> str:
        return _say(language, english, chinese)

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
    add(say("# Performance\n", "# 性能\n"))
    add(
        say(
            "<!-- Written by keras_classics.bench (keras-classics bench, benchmarks/bench.py); do not edit by hand. "
            "Re-run the command below to refresh it. -->\n",
            "<!-- Written by keras_classics.bench (keras-classics bench, benchmarks/bench.py), with its English "
            "twin performance.md from the same run; do not edit by hand. Re-run the command below to refresh both. -->\n",
        )
    )
    add(
        say(
            "keras_classics side by side with keras.applications, and every registered network against "
            "this machine's matmul peak. Every figure on this page comes from the one run described here.\n",
            "keras_classics 与 keras.applications 中同样网络的训练和推理速度并列比较，以及每个注册网络与本机"
            "矩阵乘法峰值的比较。本页的每个数字都来自下面描述的那一次运行，英文页与本页由同一次运行的同一份"
            "测量结果写出。\n",
        )
    )
    if zh:
        add(
            "读表的几个词：**图像/秒**是每秒训练（或推理）的图像数；**本包/对方**是 keras_classics 与 "
            "keras.applications 的图像/秒之比，大于 1 表示本包更快；**墙钟时间**是实际经过的时间，**CPU 时间**"
            f"是进程的全部线程实际占用 CPU 的时间；**矩阵乘法峰值**是本机 {s['matmul_n']}×{s['matmul_n']} float32 矩阵乘法达到的"
            "每秒浮点运算次数（GFLOP/s）。乘加次数（MACs）的定义见[参数量与乘加次数](concepts/counting.md)；"
            "括号里是各轮测量的最小值到最大值，机器被其他程序占用时范围会变宽。\n"
        )
    if s["quick"]:
        add(
            say(
                "**This is a `--quick` smoke test on tiny inputs: its figures mean nothing.**\n",
                "**这是在很小的输入上运行的 `--quick` 冒烟测试：其中的数字没有意义。**\n",
            )
        )
    add(say("## The run\n", "## 这次运行 {: #the-run }\n"))
    add(say(f"- Command: `{command}`", f"- 命令：`{command}`"))
    add(
        say(
            f"- Finished {date:%Y-%m-%d %H:%M} UTC, after {report['wall_seconds'] / 60:.1f} minutes "
            f"(the worker processes used {report['worker_cpu_seconds'] / 60:.1f} CPU-minutes).",
            f"- 完成于 {date:%Y-%m-%d %H:%M} UTC，用时 {report['wall_seconds'] / 60:.1f} 分钟"
            f"（各工作进程共用 {report['worker_cpu_seconds'] / 60:.1f} CPU 分钟）。",
        )
    )
    add(
        say(
            f"- Machine: {mach['cpu']} ({mach['cpu_flags']}), {mach['logical_cpus']} logical CPUs, "
            f"{mach['memory']}, {mach['os']}; no GPU used ({worker['gpus']} visible).",
            f"- 机器：{mach['cpu']}（{mach['cpu_flags']}），{mach['logical_cpus']} 个逻辑 CPU，"
            f"{mach['memory']}，{mach['os']}；不使用 GPU（可见 {worker['gpus']} 块）。",
        )
    )
    add(
        say(
            f"- Software: Python {mach['python']}, TensorFlow {worker['tensorflow']}, Keras {worker['keras']} "
            f"(backend {worker['backend']}), NumPy {mach['numpy']}; TensorFlow threads: intra-op "
            f"{worker['intra_op_threads'] or 'default'}, inter-op {worker['inter_op_threads'] or 'default'}.",
            f"- 软件：Python {mach['python']}，TensorFlow {worker['tensorflow']}，Keras {worker['keras']}"
            f"（后端 {worker['backend']}），NumPy {mach['numpy']}；TensorFlow 线程数：算子内 "
            f"{worker['intra_op_threads'] or '默认'}，算子间 {worker['inter_op_threads'] or '默认'}。",
        )
    )
    load_start = _load_text(language, mach["load_average"])
    load_end = _load_text(language, mach.get("load_average_end", "?"))
    add(
        say(
            f"- Load average at the start: {load_start}; at the end: {load_end}. "
            "Other work on the machine shows up as a wide min–max.",
            f"- 开始时的平均负载：{load_start}；结束时：{load_end}。机器上的其他任务会让最小–最大范围变宽。",
        )
    )
    phases = report["phases"].items()
    add(
        say(
            "- Where the time went: "
            + "; ".join(f"{_phase_name(language, name)} {seconds / 60:.1f} min" for name, seconds in phases)
            + ".",
            "- 时间花在哪里："
            + "；".join(f"{_phase_name(language, name)} {seconds / 60:.1f} 分钟" for name, seconds in phases)
            + "。",
        )
    )
    add(
        say(
            f"- Settings: batch {batch}, {s['repeats']} timed rounds per measurement after the warm-up, "
            f"at least {s['min_round_seconds']:g} s per round, input {s['shared_input'] or 224} for the shared "
            "networks (each network's registered input elsewhere), "
            f"{'one process per model' if s['isolate'] else 'all models in two processes'}.",
            f"- 设置：批大小 {batch}，预热之后每次测量计时 {s['repeats']} 轮，每轮至少 {s['min_round_seconds']:g} 秒，"
            f"双方都有的网络输入为 {s['shared_input'] or 224}（其余网络用各自注册的输入），"
            f"{'每个模型一个进程' if s['isolate'] else '全部模型共用两个进程'}。",
        )
    )
    probes = [(m["when"], _fmt(matmul_gflops(m["seconds"], n).median)) for m in matmuls[1:-1]]
    first_others = _percent(matmul_others_share(matmuls[0], cpus))
    if zh:
        probe_text = "，".join(f"{'遍历' if when == 'sweep' else when} {value}" for when, value in probes)
        add(
            f"- 矩阵乘法峰值（{n} × {n}，float32）：开始时 {_cell(start)} GFLOP/s，结束时 {_cell(end)} GFLOP/s"
            f"{f'，各部分之前分别为 {probe_text}' if probes else ''}；最好的中位数 **{_fmt(peak)} GFLOP/s** "
            f"即下文的 100%。测第一次时，其他程序占用了 {first_others} 的 CPU。"
        )
    else:
        probe_text = ", ".join(f"{when} {value}" for when, value in probes)
        add(
            f"- Matmul peak ({n} x {n} float32): {_cell(start)} GFLOP/s at the start, {_cell(end)} GFLOP/s at the "
            f"end{f', and before each part: {probe_text}' if probes else ''}; the best median, "
            f"**{_fmt(peak)} GFLOP/s**, is the 100% below. While the first was timed, other programs used "
            f"{first_others} of the CPUs."
        )
    shares = [
        share
        for m in all_measurements(report)
        for mode in m["seconds"]
        if (share := others_share(m, mode, cpus)) is not None
    ]
    if shares:
        median_share, worst_share = _percent(sorted(shares)[len(shares) // 2]), _percent(max(shares))
        add(
            say(
                f"- Other programs on the machine used {median_share} of its CPU time "
                f"during the median measurement's rounds, {worst_share} during the worst. Near 0% the "
                "machine was quiet; more means the wall-time figures were slowed by others, which the CPU-time "
                "ratios feel much less.",
                f"- 机器上的其他程序在中位数那次测量的各轮中占用了 {median_share} 的 CPU 时间，最多的一次为 "
                f"{worst_share}。接近 0% 说明机器空闲；更高则说明墙钟时间的数字被其他程序拖慢了，"
                "而 CPU 时间的比值受到的影响要小得多。",
            )
        )
    add("")

    found = targets(report, language)
    if found:
        add(say("## Goals\n", "## 目标 {: #goals }\n"))
        add(
            say(
                "The project aims for its builders to train at least as fast as keras.applications' versions of "
                "the same networks, and for VGG-16, whose time is almost all large convolutions, to train at 80% "
                "or more of the machine's matmul peak. Each goal is judged on wall time, which is what a user "
                'waits for; the CPU-time figure beside it is what a busy machine disturbs less (see "How it is '
                'measured").\n',
                "本项目的目标是：本包的构建函数训练起来至少和 keras.applications 中同样的网络一样快；VGG-16 "
                "的时间几乎全花在大卷积上，它的训练应当达到本机矩阵乘法峰值的 80% 以上。每个目标按墙钟时间判定，"
                "因为用户等的是墙钟时间；旁边按 CPU 时间的数字受机器繁忙的干扰更小（见“怎样测量”）。\n",
            )
        )
        for t in found:
            add(
                say(
                    f"- {t['target']}: {t['figure']}: {_verdict(language, t)}.",
                    f"- {t['target']}：{t['figure']}：{_verdict(language, t)}。",
                )
            )
        add("")

    if report["shared"]:
        add(
            say(
                "## keras_classics against keras.applications\n",
                "## keras_classics 对比 keras.applications {: #keras_classics-against-kerasapplications }\n",
            )
        )
        add(
            say(
                f"### Training (`model.fit`, batch {batch})\n",
                f"### 训练（`model.fit`，批大小 {batch}） {{: #training }}\n",
            )
        )
        add(_comparison_table(report, "train", with_sizes=True, language=language))
        add(
            say(
                f"### Inference (`model.predict`, batch {batch})\n",
                f"### 推理（`model.predict`，批大小 {batch}） {{: #inference }}\n",
            )
        )
        add(_comparison_table(report, "infer", with_sizes=False, language=language))
        add(say("### Parameters and peak memory\n", "### 参数量与内存峰值 {: #parameters-and-peak-memory }\n"))
        isolated = all(m["isolated"] for p in report["shared"].values() for m in p.values())
        if not isolated:
            add(
                say(
                    "Measured with several models in one process (`--no-isolate`): the memory figures are not per "
                    "model.\n",
                    "多个模型在同一个进程中测量（`--no-isolate`）：内存数字不是单个模型的。\n",
                )
            )
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
        header = [
            "network",
            "keras_classics params",
            "keras.applications params",
            "peak MiB, inference (ours / theirs)",
            "peak MiB, training (ours / theirs)",
            "training peak, ours/theirs",
        ]
        add(markdown_table(_headers(language, header), rows, "lrrrrr"))
        baselines = [m["memory_mib"]["baseline"] for p in report["shared"].values() for m in p.values()]
        low, high = _mib(min(baselines)), _mib(max(baselines))
        add(
            say(
                f"Peak resident memory of the whole worker process; right after importing TensorFlow, Keras and "
                f"keras_classics it held {low}–{high} MiB.\n",
                f"整个工作进程的常驻内存峰值；刚导入 TensorFlow、Keras 和 keras_classics 之后，它占 {low}–{high} MiB。\n",
            )
        )
        profiled = [n for n in report["shared"] if _pair(report, n)[0].get("profile")]
        if profiled:
            add(render_profiles(report, profiled, language))
        mismatched = [n for n in report["shared"] if len({m["info"]["macs"] for m in _pair(report, n)}) > 1]
        if mismatched:
            add(
                say(
                    f"The MAC counts of the two sides differ for: {', '.join(mismatched)} (ours used above).\n",
                    f"双方的乘加次数在这些网络上不同：{'、'.join(mismatched)}（上文用本包的计数）。\n",
                )
            )
        else:
            add(
                say(
                    "`keras_classics.anatomy` counts the same MACs for both sides of every pair.\n",
                    "`keras_classics.anatomy` 对每一对的双方数出的乘加次数相同。\n",
                )
            )

    if report.get("alexnet"):
        one, two = (report["alexnet"][n] for n in ALEXNET_PAIR)
        add(
            say(
                "## AlexNet: one tower against two towers\n",
                "## AlexNet：单塔对比双塔 {: #alexnet-one-tower-against-two-towers }\n",
            )
        )
        add(
            say(
                "The same widths (96, 256, 384, 384, 256 kernels); with two towers conv2, conv4 and conv5 see only "
                "their own tower's half of the maps (`GroupedConv2D`, groups=2), which halves their MACs.\n",
                "两者宽度相同（96、256、384、384、256 个卷积核）；双塔时 conv2、conv4 和 conv5 只看自己那一塔的"
                "一半特征图（`GroupedConv2D`，groups=2），乘加次数因此减半。\n",
            )
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
        header = [
            "model",
            "input",
            "GMACs/image",
            "params",
            "training img/s",
            "training, % of peak",
            "inference img/s",
            "peak MiB",
        ]
        add(markdown_table(_headers(language, header), rows, "llrrrrrr"))
        ratios = [
            (label, _ratio_cell(paired_ratio(two, one, mode)))
            for mode, label in (("train", say("training", "训练")), ("infer", say("inference", "推理")))
            if mode in one["seconds"]
        ]
        add(
            say(
                f"Two towers / one tower, images/s: {', '.join(f'{label} {cell}' for label, cell in ratios)}.\n",
                f"双塔 / 单塔的图像/秒之比：{'，'.join(f'{label} {cell}' for label, cell in ratios)}。\n",
            )
        )

    if report.get("grouped"):
        g = report["grouped"]
        ref = g["reference"]
        add(
            say(
                "## Grouped convolution: `GroupedConv2D` against `Conv2D(groups=2)`\n",
                "## 分组卷积：`GroupedConv2D` 对比 `Conv2D(groups=2)` {: #grouped-convolution }\n",
            )
        )
        add(
            say(
                f"AlexNet's grouped layers alone (`benchmarks/grouped_conv.py`), batch {s['grouped_batch']}: one "
                f"forward pass plus the weight gradients as a `tf.function`, {s['grouped_repeats']} round(s) after "
                f"{s['grouped_warmup']} warm-up round(s), the implementations alternating. All three hold the same "
                "weights; their outputs and gradients were checked equal before timing.\n",
                f"单独测 AlexNet 的分组层（`benchmarks/grouped_conv.py`），批大小 {s['grouped_batch']}：把一次前向"
                f"传播加上对权重的梯度写成一个 `tf.function`，预热 {s['grouped_warmup']} 轮之后计时 "
                f"{s['grouped_repeats']} 轮，几种实现交替运行。三种实现的权重相同；计时之前已核对它们的输出和梯度相等。\n",
            )
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
        header = ["layer", "shape", "implementation", "ms per step", "speed-up over groups=2"]
        add(markdown_table(_headers(language, header), rows, "lllrr"))

    add(
        say(
            "## Every registered network against the matmul peak\n",
            "## 每个注册网络与矩阵乘法峰值的比较 {: #every-registered-network-against-the-matmul-peak }\n",
        )
    )
    if zh:
        add(
            f"批大小 {batch}，每个网络用它注册的输入尺寸和类别数。训练的数字来自上文的测量"
            + (
                "和这次遍历"
                if s["sweep_train"]
                else "（为了缩短运行时间，遍历本身只测推理；加上 `--sweep-train` 也测训练）"
            )
            + "。\n"
        )
    else:
        add(
            f"Batch {batch}, each network at its registered input and number of classes. Training figures come "
            "from the measurements above"
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
    header = [
        "model",
        "input",
        "GMACs/image",
        "inference img/s",
        "GFLOP/s",
        "% of peak",
        "training img/s",
        "GFLOP/s",
        "% of peak",
    ]
    add(markdown_table(_headers(language, header), rows, "llrrrrrrr"))
    add(
        say(
            "Small networks (LeNet-5, the CIFAR ResNets) are far from the peak: at batch "
            f"{batch} their layers are too small to keep the matrix units busy, and each step's fixed cost "
            "(launching the graph, the optimizer's updates, Keras's loop) dominates.\n",
            f"小网络（LeNet-5、CIFAR 上的 ResNet）离峰值很远：批大小为 {batch} 时，它们的层太小，喂不饱矩阵运算单元，"
            "每一步的固定开销（启动计算图、优化器更新、Keras 的循环）占了大头。\n",
        )
    )
    add(
        string.Template(HOW_MEASURED_ZH if zh else HOW_MEASURED).substitute(
            lr=f"{LEARNING_RATE:g}", momentum=f"{MOMENTUM:g}", loss=LOSS, n=n
        )
    )
    return "\n".join(out)


def render_profiles(report: dict, names: Sequence[str], language: str = "en") -> str:
    """Op time per training batch by category, ours against theirs."""
    _check_language(language)
    zh = language == "zh"
    out = [
        _say(
            language,
            "### Where a training batch's time goes (profile)\n",
            "### 一个训练批的时间花在哪里（性能剖析） {: #where-a-training-batchs-time-goes }\n",
        ),
        _say(
            language,
            "One training batch of each side under `tf.profiler`, right after the timed rounds; the op time of "
            "each category summed over its ops. TensorFlow's executor runs up to two ops at once here, so op "
            "times overlap and add up to more than the batch's wall time: compare the columns with each other. "
            "oneDNN fuses a convolution with its bias and ReLU (and a filter gradient with the bias gradient), "
            "so a bias shows up inside the convolution's time, not as a category of its own.\n",
            "计时各轮结束后，双方各在 `tf.profiler` 下训练一批；每个类别的时间是其中各算子耗时之和。TensorFlow 的"
            "执行器在这里最多同时运行两个算子，所以算子的时间互相重叠，加起来比这一批的墙钟时间还多：请在两栏之间"
            "比较。oneDNN 把卷积与它的偏置和 ReLU 融合在一起（卷积核的梯度也与偏置的梯度融合），所以偏置的时间算在"
            "卷积里，不单独成为一类。\n",
        ),
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
            shown = _CATEGORIES_ZH.get(category, category) if zh else category
            rows.append([shown, f"{o:,.1f}", f"{t:,.1f}", f"{o - t:+,.1f}"])
        total_o, total_t = sum(ours["categories_ms"].values()), sum(theirs["categories_ms"].values())
        rows.append(
            [
                _say(language, "**all ops**", "**全部算子**"),
                f"**{total_o:,.0f}**",
                f"**{total_t:,.0f}**",
                f"**{total_o - total_t:+,.0f}**",
            ]
        )
        rows.append(
            [
                _say(language, "wall time of the batch", "这一批的墙钟时间"),
                f"{1e3 * ours['seconds']:,.0f}",
                f"{1e3 * theirs['seconds']:,.0f}",
                f"{1e3 * (ours['seconds'] - theirs['seconds']):+,.0f}",
            ]
        )
        out.append(_say(language, f"**{name}**, ms per batch:\n", f"**{name}**，每批毫秒数：\n"))
        header = ["category", "keras_classics", "keras.applications", "ours − theirs"]
        out.append(markdown_table(_headers(language, header), rows, "lrrr"))
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
