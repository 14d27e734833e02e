"""Grouped convolution on the CPU: Keras's Conv2D(groups=2) against GroupedConv2D.

Times one forward pass plus the weight gradients (what a training step costs
a layer, less the input gradient) on AlexNet's grouped layers, one tower pair
as in the paper's Figure 2, for three implementations holding the same
weights:

* ``Conv2D(groups=2)``: keras.layers.Conv2D, which the TensorFlow backend runs
  through XLA when groups > 1;
* ``GroupedConv2D``: keras_classics.layers.GroupedConv2D (split, one conv per
  group, concatenate);
* ``2 x Conv2D + concat``: two ordinary Conv2D layers on the two halves of the
  input channels, joined by a Concatenate layer.

Each step runs as a ``tf.function`` (as ``model.fit`` does; ``--eager`` to
skip it), the variants alternate within each repeat after ``--warmup``
untimed rounds, and the outputs and gradients are compared before timing.

Usage::

    python benchmarks/grouped_conv.py --batch 16 --repeats 10 --warmup 2
    python -m keras_classics.bench.grouped_conv --batch 16
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Dict, List, NamedTuple

import keras
import numpy as np
import tensorflow as tf

from keras_classics.bench.report import text_table
from keras_classics.bench.statistics import alternate
from keras_classics.layers import GroupedConv2D


class ConvShape(NamedTuple):
    size: int  # input height = width
    in_channels: int
    filters: int
    kernel: int
    groups: int


# AlexNet (Krizhevsky et al., 2012), section 3.5 and Figure 2: the layers whose
# kernels see only their own GPU's half of the previous layer's maps.
ALEXNET_GROUPED = {
    "conv2": ConvShape(27, 96, 256, 5, 2),
    "conv4": ConvShape(13, 384, 384, 3, 2),
    "conv5": ConvShape(13, 384, 256, 3, 2),
}

REFERENCE = "Conv2D(groups=2)"


def _split_convs(shape: ConvShape, kernel: np.ndarray, bias: np.ndarray):
    """Two plain Conv2D layers holding the two halves of ``kernel``."""
    half_in, half_out = shape.in_channels // 2, shape.filters // 2
    convs = []
    for g in range(2):
        conv = keras.layers.Conv2D(half_out, shape.kernel, padding="same")
        conv.build((None, shape.size, shape.size, half_in))
        conv.set_weights([kernel[..., g * half_out : (g + 1) * half_out], bias[g * half_out : (g + 1) * half_out]])
        convs.append(conv)
    concat = keras.layers.Concatenate()

    def forward(x):
        return concat([convs[0](x[..., :half_in]), convs[1](x[..., half_in:])])

    weights = [w for conv in convs for w in conv.trainable_weights]
    return forward, weights


def _grads_as_conv2d(name: str, grads: List[tf.Tensor]) -> List[np.ndarray]:
    """Gradients as one (kernel, bias) pair, whatever the variant's layout."""
    if name.startswith("2 x"):
        k0, b0, k1, b1 = (g.numpy() for g in grads)
        return [np.concatenate([k0, k1], axis=-1), np.concatenate([b0, b1])]
    return [g.numpy() for g in grads]


def make_variants(shape: ConvShape, seed: int = 0) -> Dict[str, tuple]:
    """name -> (forward fn, trainable weights), all with the same weights."""
    assert shape.groups == 2, "the split variant is written for two groups"
    input_shape = (None, shape.size, shape.size, shape.in_channels)
    reference = keras.layers.Conv2D(shape.filters, shape.kernel, padding="same", groups=shape.groups)
    reference.build(input_shape)
    rng = np.random.default_rng(seed)
    kernel = (rng.standard_normal(reference.kernel.shape) * 0.05).astype("float32")
    bias = (rng.standard_normal(reference.bias.shape) * 0.1).astype("float32")
    reference.set_weights([kernel, bias])

    ours = GroupedConv2D(shape.filters, shape.kernel, padding="same", groups=shape.groups)
    ours.build(input_shape)
    ours.set_weights([kernel, bias])

    split_forward, split_weights = _split_convs(shape, kernel, bias)
    return {
        REFERENCE: (reference, reference.trainable_weights),
        "GroupedConv2D": (ours, ours.trainable_weights),
        "2 x Conv2D + concat": (split_forward, split_weights),
    }


def make_step(forward: Callable, weights, eager: bool):
    def step(x, upstream):
        with tf.GradientTape() as tape:
            y = forward(x)
            loss = tf.reduce_sum(y * upstream)
        return y, tape.gradient(loss, weights)

    return step if eager else tf.function(step)


def check_equal(steps: Dict[str, Callable], x, upstream) -> List[str]:
    """Compare every variant's output and weight gradients with the reference."""
    results = {name: step(x, upstream) for name, step in steps.items()}
    y_ref, g_ref = results[REFERENCE][0].numpy(), _grads_as_conv2d(REFERENCE, results[REFERENCE][1])
    lines = []
    for name, (y, grads) in results.items():
        if name == REFERENCE:
            continue
        y = y.numpy()
        grads = _grads_as_conv2d(name, grads)
        out_diff = float(np.max(np.abs(y - y_ref)))
        grad_diff = max(float(np.max(np.abs(g - r) / (np.max(np.abs(r)) + 1e-12))) for g, r in zip(grads, g_ref))
        bitwise = np.array_equal(y, y_ref) and all(np.array_equal(g, r) for g, r in zip(grads, g_ref))
        # float32 sums in another order: equal to round-off, checked here
        assert np.allclose(y, y_ref, rtol=1e-5, atol=1e-5), f"{name}: output differs by {out_diff}"
        assert grad_diff < 1e-5, f"{name}: weight gradient differs by {grad_diff} (relative)"
        lines.append(
            f"  {name} vs {REFERENCE}: outputs equal (max |diff| {out_diff:.2e}), weight gradients equal "
            f"(max relative diff {grad_diff:.2e}){'; bitwise identical' if bitwise else ''}"
        )
    ours_y, ours_g = results["GroupedConv2D"]
    split_y, split_g = results["2 x Conv2D + concat"]
    same = np.array_equal(ours_y.numpy(), split_y.numpy()) and all(
        np.array_equal(a, b)
        for a, b in zip(_grads_as_conv2d("GroupedConv2D", ours_g), _grads_as_conv2d("2 x", split_g))
    )
    lines.append(f"  GroupedConv2D vs 2 x Conv2D + concat: {'bitwise identical' if same else 'NOT bitwise identical'}")
    return lines


def time_steps(steps: Dict[str, Callable], x, upstream, repeats: int, warmup: int) -> Dict[str, List[float]]:
    """Milliseconds per step for each variant, the variants alternating."""

    def runner(step):
        def run():
            y, grads = step(x, upstream)
            grads[0].numpy()  # make sure the work is done

        return run

    seconds = alternate({name: runner(step) for name, step in steps.items()}, repeats, warmup)
    return {name: [s * 1e3 for s in ts] for name, ts in seconds.items()}


def measure_layer(layer_name: str, batch: int, repeats: int, warmup: int, eager: bool = False, rng=None):
    """Check that the variants agree on one of AlexNet's grouped layers, then
    time them: (lines describing the check, milliseconds per variant)."""
    rng = np.random.default_rng(1) if rng is None else rng
    shape = ALEXNET_GROUPED[layer_name]
    x = tf.constant(rng.standard_normal((batch, shape.size, shape.size, shape.in_channels)), tf.float32)
    upstream = tf.constant(rng.standard_normal((batch, shape.size, shape.size, shape.filters)), tf.float32)
    steps = {name: make_step(fwd, w, eager) for name, (fwd, w) in make_variants(shape).items()}
    checks = check_equal(steps, x, upstream)
    return checks, time_steps(steps, x, upstream, repeats, warmup)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=10, help="timed rounds (each runs every variant once)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first (tracing, XLA compile, caches)")
    parser.add_argument("--layers", nargs="+", default=list(ALEXNET_GROUPED), choices=list(ALEXNET_GROUPED))
    parser.add_argument("--eager", action="store_true", help="run the steps eagerly instead of as tf.function")
    args = parser.parse_args(argv)

    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; batch {args.batch}, {args.repeats} repeats after "
        f"{args.warmup} warm-up rounds, {'eager' if args.eager else 'tf.function'}; forward + weight gradient"
    )
    rng = np.random.default_rng(1)
    rows = []
    for layer_name in args.layers:
        shape = ALEXNET_GROUPED[layer_name]
        print(
            f"\n{layer_name}: {shape.size}x{shape.size}x{shape.in_channels} -> {shape.filters}, "
            f"{shape.kernel}x{shape.kernel}, groups={shape.groups}"
        )
        checks, times = measure_layer(layer_name, args.batch, args.repeats, args.warmup, args.eager, rng)
        for line in checks:
            print(line)
        ref_median = float(np.median(times[REFERENCE]))
        ours_median = float(np.median(times["GroupedConv2D"]))
        for name, ts in times.items():
            median = float(np.median(ts))
            rows.append((layer_name, name, median, min(ts), max(ts), ref_median / median, median / ours_median))

    header = ("layer", "implementation", "median ms", "min-max ms", "speed-up vs groups=2", "time / GroupedConv2D")
    body = [
        (layer, name, f"{median:.1f}", f"{lo:.1f}-{hi:.1f}", f"{speedup:.2f}x", f"{rel:.2f}")
        for layer, name, median, lo, hi, speedup, rel in rows
    ]
    print()
    print(text_table(header, body), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
