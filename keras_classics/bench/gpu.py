"""Training throughput on one GPU under Keras's JAX backend, with no TensorFlow.

For AlexNet, VGG16 and ResNet50 built by keras_classics, and keras.applications'
VGG16 and ResNet50 beside them (``weights=None``: nothing is downloaded),
it trains a fixed number of steps in mixed precision (``mixed_bfloat16``:
bfloat16 compute, float32 variables) on synthetic images already on the
device, and prints a Markdown table of images/s and the share of the GPU's
peak those images/s stand for.

FLOPs: training one image costs 3 x 2 x MACs: the forward pass and the two
backward products (the gradient with respect to the layer's input and with
respect to its weights) each cost about one forward's multiply-accumulates,
and a multiply-accumulate is 2 FLOPs (as in `keras_classics.bench.statistics.gflops`).
The MACs are our own count (`keras_classics.anatomy`), the same for both
sides of a pair. The peak is the GPU's dense bfloat16 tensor-core rate:
``--peak-tflops``, or looked up by device name in `PEAK_BF16_TFLOPS`.

The batch: ``--batch``, or per model the largest power of two whose
training activations fit in half the device memory (`default_batch`),
halved until a step fits when the device says it does not.

Usage (``KERAS_BACKEND`` is set to ``jax`` before Keras is imported)::

    python benchmarks/gpu.py                      # the run, a few minutes on a GPU
    python benchmarks/gpu.py --peak-tflops 989 -o gpu.md
    python benchmarks/gpu.py --quick              # smoke test on the CPU, seconds
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

DESCRIPTION = "Train AlexNet, VGG16 and ResNet50 (ours and keras.applications') on one GPU under JAX, in bfloat16."

# Dense (no structured sparsity) bfloat16 tensor-core peaks, TFLOP/s, from
# NVIDIA's data sheets: H100 and H200 (SXM: 989, PCIe: 756, NVL: 835; the
# GH200 superchip's GPU: 989), A100 (312, SXM and PCIe alike), L40S (362),
# L4 (121), A10 (125). The data sheets print the sparse figure first (twice
# these). A row matches when each of its words is a word of the device's
# name (so "A10" is not "A100" or "A10G"); the first match wins, so the
# more specific rows come first.
PEAK_BF16_TFLOPS: Tuple[Tuple[Tuple[str, ...], float], ...] = (
    (("H100", "PCIE"), 756.0),
    (("H100", "NVL"), 835.0),
    (("H200", "NVL"), 835.0),
    (("H100",), 989.0),
    (("H200",), 989.0),
    (("GH200",), 989.0),
    (("A100",), 312.0),
    (("L40S",), 362.0),
    (("L4",), 121.0),
    (("A10",), 125.0),
)

# Each pair: a name in the table, and how to build it (input shape, classes).
DEFAULT_MODELS = ("alexnet", "vgg16", "resnet50", "applications.VGG16", "applications.ResNet50")
# Training keeps about this many times the forward activations per image
# (the outputs kept for the backward pass, their gradients, and the
# intermediates of batch norm and the activations): the batch estimate
# divides the memory by it.
ACTIVATION_FACTOR = 4


class GpuBenchError(ValueError):
    """A bad option or a backend that is not JAX."""


def peak_tflops(device_name: str) -> Optional[float]:
    """The dense bfloat16 peak of the GPU called ``device_name``, or None.

    >>> peak_tflops("NVIDIA H100 80GB HBM3"), peak_tflops("NVIDIA H100 PCIe"), peak_tflops("cpu")
    (989.0, 756.0, None)
    """
    words = set(re.split(r"[^A-Z0-9]+", device_name.upper()))
    for row, peak in PEAK_BF16_TFLOPS:
        if words.issuperset(row):
            return peak
    return None


def training_flops_per_image(macs: int) -> float:
    """3 x 2 x MACs (see the module's docstring).

    >>> training_flops_per_image(10)
    60.0
    """
    from keras_classics.bench.settings import TRAIN_PASSES

    return float(TRAIN_PASSES * 2 * macs)


def default_batch(activation_bytes: int, memory_bytes: Optional[int], *, largest: int = 1024) -> int:
    """The largest power of two (at most ``largest``) whose training
    activations, `ACTIVATION_FACTOR` x the forward ones, fill at most half
    of ``memory_bytes``; 32 where the memory is unknown.

    >>> default_batch(100 * 2**20, 80 * 2**30)  # 100 MiB per image, 80 GiB
    64
    """
    if not memory_bytes:
        return 32
    batch = 1
    while batch * 2 <= largest and batch * 2 * ACTIVATION_FACTOR * activation_bytes <= memory_bytes / 2:
        batch *= 2
    return batch


@dataclass(frozen=True)
class Result:
    model: str
    source: str
    input_size: int
    batch: int
    steps: int
    seconds: float
    macs: int
    loss: float
    compile_seconds: float

    @property
    def images_per_second(self) -> float:
        return self.batch * self.steps / self.seconds

    def share_of_peak(self, peak: Optional[float]) -> Optional[float]:
        if not peak:
            return None
        return self.images_per_second * training_flops_per_image(self.macs) / (peak * 1e12)


def _builders(input_size: int, classes: int) -> Dict[str, Tuple[str, Callable]]:
    import keras

    import keras_classics

    shape = (input_size, input_size, 3)

    def ours(name):
        return lambda: keras_classics.build(name, input_shape=shape, classes=classes)

    def applications(name):
        return lambda: getattr(keras.applications, name)(weights=None, input_shape=shape, classes=classes)

    return {
        "alexnet": ("keras_classics", ours("alexnet")),
        "vgg16": ("keras_classics", ours("vgg16")),
        "resnet50": ("keras_classics", ours("resnet50")),
        "applications.VGG16": ("keras.applications", applications("VGG16")),
        "applications.ResNet50": ("keras.applications", applications("ResNet50")),
    }


def _is_out_of_memory(error: Exception) -> bool:
    return "RESOURCE_EXHAUSTED" in str(error) or "out of memory" in str(error).lower()


def train(model, batch: int, steps: int, warmup: int, classes: int) -> Tuple[float, float, float]:
    """(seconds of ``steps`` timed steps, seconds of the warm-up, last loss).

    The images and labels are put on the device once; every step trains on
    them, so nothing crosses from the host during the timed steps.
    """
    import jax
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    shape = (batch, *model.inputs[0].shape[1:])
    images = jax.device_put(rng.standard_normal(shape, dtype="float32"))
    labels = jax.device_put(rng.integers(0, classes, batch).astype("int32"))
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="sparse_categorical_crossentropy")
    started = time.perf_counter()
    for _ in range(warmup):  # the first compiles the step
        loss = model.train_on_batch(images, labels)
    warmed = time.perf_counter()
    for _ in range(steps):
        loss = model.train_on_batch(images, labels)  # returns a host number: each step has finished
    finished = time.perf_counter()
    return finished - warmed, warmed - started, float(np.asarray(loss))


def measure(
    name: str, make: Callable, source: str, args, memory_bytes: Optional[int], say: Callable[[str], None]
) -> Result:
    """Build ``make()``, pick its batch and train it as ``args`` (the
    parsed options) say; halves the batch while the device reports that a
    step does not fit."""
    import gc

    from keras_classics.anatomy import anatomy

    started = time.perf_counter()
    model = make()
    table = anatomy(model)
    batch, steps, warmup, classes = args.batch, args.steps, args.warmup, args.classes
    batch = batch or default_batch(table.activation_bytes, memory_bytes)
    say(f"{name}: built in {time.perf_counter() - started:.1f} s")
    while True:
        say(f"{name}: batch {batch}, {steps} steps after {warmup} warm-up")
        try:
            seconds, compile_seconds, loss = train(model, batch, steps, warmup, classes)
            say(f"{name}: warm-up {compile_seconds:.1f} s, {steps} steps {seconds:.2f} s")
            break
        except Exception as error:  # XLA's out-of-memory error has no public class
            if not _is_out_of_memory(error) or batch == 1:
                raise
            say(f"{name}: batch {batch} does not fit in the device memory; trying {batch // 2}")
            batch //= 2
            del model
            gc.collect()
            model = make()
    return Result(name, source, args.input_size, batch, steps, seconds, int(table.macs), loss, compile_seconds)


def markdown_table(results: Sequence[Result], peak: Optional[float]) -> str:
    """The results as a Markdown table, one row per model."""
    lines = [
        "| model | built by | input | batch | steps | GMACs/image | images/s | TFLOP/s (3 x 2 x MACs) | share of peak |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        share = r.share_of_peak(peak)
        tflops = r.images_per_second * training_flops_per_image(r.macs) / 1e12
        lines.append(
            f"| {r.model} | {r.source} | {r.input_size}x{r.input_size} | {r.batch} | {r.steps} | "
            f"{r.macs / 1e9:.3g} | {r.images_per_second:.1f} | {tflops:.3g} | "
            f"{'n/a' if share is None else f'{100 * share:.1f}%'} |"
        )
    return "\n".join(lines)


def device_summary() -> Tuple[str, Optional[int]]:
    """(the first device's name, its memory in bytes or None)."""
    import jax

    device = jax.devices()[0]
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    memory = (stats or {}).get("bytes_limit")
    return f"{device.platform}: {device.device_kind}", memory


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS), choices=DEFAULT_MODELS, metavar="MODEL")
    parser.add_argument("--batch", type=int, help="images per step for every model (default: per model, see above)")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per model (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first; the first compiles (default 3)")
    parser.add_argument("--input-size", type=int, default=224, help="image height and width (default 224)")
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--peak-tflops", type=float, help="the GPU's dense bfloat16 peak, TFLOP/s")
    parser.add_argument("--precision", choices=["mixed_bfloat16", "float32"], default="mixed_bfloat16")
    parser.add_argument("-o", "--output", help="also write the Markdown report to this file")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 2 steps of batch 2 at 67x67, 10 classes, unoptimised compiles (runs on a CPU)",
    )


def _check(args) -> None:
    for option in ("batch", "steps", "warmup", "classes"):
        value = getattr(args, option)
        if value is not None and value < (0 if option == "warmup" else 1):
            raise GpuBenchError(f"--{option} must be at least {0 if option == 'warmup' else 1}, got {value}")
    # AlexNet's smallest input (67) is the largest of the five.
    if args.input_size < 67:
        raise GpuBenchError(f"--input-size must be at least 67 (AlexNet's smallest input), got {args.input_size}")
    if args.peak_tflops is not None and args.peak_tflops <= 0:
        raise GpuBenchError(f"--peak-tflops must be positive, got {args.peak_tflops}")


def run(args, say: Callable[[str], None] = print) -> str:
    """Measure what ``args`` asks and return the Markdown report."""
    if args.quick:
        args.batch, args.steps, args.warmup, args.input_size, args.classes = args.batch or 2, 2, 1, 67, 10
    _check(args)
    import keras

    if keras.backend.backend() != "jax":
        raise GpuBenchError(
            f"the GPU benchmark runs on Keras's JAX backend, but Keras was loaded with {keras.backend.backend()!r}; "
            "run it in a fresh process (benchmarks/gpu.py sets KERAS_BACKEND=jax)"
        )
    if args.quick:
        # A smoke test keeps none of its timings: compile without LLVM's
        # optimisations, which take most of its time on a CPU (read when
        # JAX first starts a device, so only if nothing has run yet).
        os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
    import jax

    keras.mixed_precision.set_global_policy(args.precision)
    device, memory = device_summary()
    peak = args.peak_tflops or peak_tflops(device)
    started = time.perf_counter()
    builders = _builders(args.input_size, args.classes)
    results: List[Result] = []
    for name in args.models:
        source, make = builders[name]
        results.append(measure(name, make, source, args, memory, say))
        keras.backend.clear_session()
    peak_note = (
        f"{peak:g} TFLOP/s dense bfloat16 ({'given' if args.peak_tflops else 'looked up by device name'})"
        if peak
        else "unknown (pass --peak-tflops)"
    )
    lines = [
        f"Device: {device}; memory {memory / 2**30:.1f} GiB" if memory else f"Device: {device}",
        f"Peak: {peak_note}",
        f"Versions: Python {sys.version.split()[0]}, JAX {jax.__version__}, Keras {keras.__version__}; "
        f"policy {args.precision}",
        f"Total time: {time.perf_counter() - started:.0f} s (compile and warm-up included)",
        "",
        markdown_table(results, peak),
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        report = run(args, say=lambda message: print(message, file=sys.stderr, flush=True))
    except GpuBenchError as error:
        print(f"gpu benchmark: {error}", file=sys.stderr)
        return 2
    print(report)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report)
    return 0
