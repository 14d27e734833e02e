"""Occlusion sensitivity against ``model.predict`` on the same images.

`keras_classics.visualize.occlusion_sensitivity` builds the occluded
copies of one image in batches with ``keras.ops`` and classifies each
batch with the model's compiled predict step. The yardstick is the cheapest
way to get the same numbers with plain Keras: all the occluded images built
beforehand (not timed) and given to ``model.predict`` in one call. Both
runs use the same batch size; the two alternate after a warm-up, and the
script first checks that they give the same probabilities.

Usage::

    python benchmarks/occlusion.py                  # AlexNet at 227x227, stride 8
    python benchmarks/occlusion.py --quick          # LeNet-5 sized smoke run
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
# Run from a checkout without installing the package.
sys.path.insert(0, os.path.join(_HERE, os.pardir))

from keras_classics.bench.report import machine, text_table  # noqa: E402
from keras_classics.bench.statistics import alternate, spread  # noqa: E402


def occluded_images(image: np.ndarray, boxes: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Every occluded copy at once, in NumPy (the yardstick's input)."""
    copies = np.repeat(image[None], len(boxes), axis=0)
    for copy, (top, left, bottom, right) in zip(copies, boxes):
        copy[top:bottom, left:right] = fill
    return copies


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="alexnet")
    parser.add_argument("--side", type=int, default=227)
    parser.add_argument("--stride", type=int, default=8)
    parser.add_argument("--size", type=int, default=None, help="occluder side (default: the method's)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="lenet5_modern at 32x32, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.model, args.side, args.stride, args.repeats, args.warmup = "lenet5_modern", 32, 4, 1, 0

    import keras_classics
    from keras_classics.visualize import occluder_boxes, occlusion_sensitivity

    entry = keras_classics.get_entry(args.model)
    channels = entry.input_shape[-1]
    model = keras_classics.build(args.model, input_shape=(args.side, args.side, channels))
    image = np.random.default_rng(0).normal(size=(args.side, args.side, channels)).astype("float32")
    result = occlusion_sensitivity(
        model, image, class_index=0, size=args.size, stride=args.stride, batch_size=args.batch
    )
    rows, cols, boxes = occluder_boxes(args.side, args.side, result.size, args.stride)
    copies = occluded_images(image, boxes, image.mean(axis=(0, 1)))
    reference = model.predict(copies, batch_size=args.batch, verbose=0)[:, 0].reshape(rows, cols)
    np.testing.assert_allclose(result.probability, reference, rtol=1e-4, atol=1e-7)

    def ours():
        occlusion_sensitivity(model, image, class_index=0, size=result.size, stride=args.stride, batch_size=args.batch)

    def yardstick():
        model.predict(copies, batch_size=args.batch, verbose=0)

    # Each runner returns None: `alternate` then times the call's wall time.
    runners = {"occlusion_sensitivity": ours, "model.predict (one call)": yardstick}
    times = alternate(runners, repeats=args.repeats, warmup=args.warmup)
    images = len(boxes)
    table = []
    for name, seconds in times.items():
        s = spread(seconds)
        table.append([name, f"{s.median:.2f}", f"{s.low:.2f}-{s.high:.2f}", f"{images / s.median:.1f}"])
    where = machine()
    print(
        f"{args.model} at {args.side}x{args.side}: {rows}x{cols} = {images} occluded images "
        f"({result.size}px square every {args.stride}px), batch {args.batch}, "
        f"{args.repeats} timed rounds after {args.warmup} warm-up"
    )
    print(", ".join(f"{k}: {v}" for k, v in where.items()))
    print(text_table(["method", "median s", "min-max s", "images/s"], table), end="")
    ratio = spread(times["occlusion_sensitivity"]).median / spread(times["model.predict (one call)"]).median
    print(
        f"occlusion_sensitivity / model.predict: {ratio:.2f}x the time "
        "(model.predict's images were built beforehand, untimed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
