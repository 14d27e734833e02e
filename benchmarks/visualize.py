"""CPU time of the visualisation methods against the model's own predict.

Timed in one run, the calls alternating, with ``time.process_time`` (CPU
time of this process, all its threads): on a shared machine wall time
measures the neighbours as much as the code.

- occlusion: `occlusion_sensitivity` against ``model.predict`` on the same
  occluded images, built beforehand (untimed), in one call;
- saliency and Grad-CAM (default layer, predicted class): one image each,
  against ``model.predict_on_batch`` on that image. A gradient costs a
  forward and a backward pass, so about two to three forward passes is
  what a compiled one should cost.

The script first checks that occlusion gives ``model.predict``'s numbers.

Usage::

    python benchmarks/visualize.py                # ResNet-50 at 224x224
    python benchmarks/visualize.py --quick        # LeNet-5 smoke run
"""

from __future__ import annotations

import argparse
import os
import sys
import time

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


def cpu_timed(function):
    """A runner for `alternate` that reports the CPU seconds of one call."""

    def run():
        start = time.process_time()
        function()
        return time.process_time() - start

    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--side", type=int, default=224)
    parser.add_argument("--stride", type=int, default=32, help="occlusion: pixels between squares")
    parser.add_argument("--batch", type=int, default=64, help="occlusion: images per forward pass")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="lenet5_modern at 32x32, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.model, args.side, args.stride, args.repeats, args.warmup = "lenet5_modern", 32, 8, 1, 1

    import keras_classics
    from keras_classics import visualize as vis

    entry = keras_classics.get_entry(args.model)
    channels = entry.input_shape[-1]
    model = keras_classics.build(args.model, input_shape=(args.side, args.side, channels))
    image = np.random.default_rng(0).uniform(0, 1, (args.side, args.side, channels)).astype("float32")
    batch = image[None]
    layer = vis.default_layer(model)

    result = vis.occlusion_sensitivity(model, image, class_index=0, stride=args.stride, batch_size=args.batch)
    rows, cols, boxes = vis.occluder_boxes(args.side, args.side, result.size, args.stride)
    copies = occluded_images(image, boxes, image.mean(axis=(0, 1)))
    reference = model.predict(copies, batch_size=args.batch, verbose=0)[:, 0].reshape(rows, cols)
    np.testing.assert_allclose(result.probability, reference, rtol=1e-4, atol=1e-7)

    runners = {
        "occlusion_sensitivity": cpu_timed(
            lambda: vis.occlusion_sensitivity(
                model, image, class_index=0, size=result.size, stride=args.stride, batch_size=args.batch
            )
        ),
        "model.predict (occluded copies)": cpu_timed(lambda: model.predict(copies, batch_size=args.batch, verbose=0)),
        "saliency": cpu_timed(lambda: vis.saliency(model, image)),
        "grad_cam": cpu_timed(lambda: vis.grad_cam(model, image)),
        "model.predict_on_batch (1 image)": cpu_timed(lambda: model.predict_on_batch(batch)),
    }
    times = alternate(runners, repeats=args.repeats, warmup=args.warmup)
    medians = {name: spread(seconds).median for name, seconds in times.items()}
    print(
        f"{args.model} at {args.side}x{args.side}, Grad-CAM at {layer}; occlusion: {rows}x{cols} = "
        f"{len(boxes)} images ({result.size}px square every {args.stride}px), batch {args.batch}; "
        f"{args.repeats} timed rounds after {args.warmup} warm-up; CPU time (time.process_time)"
    )
    print(", ".join(f"{k}: {v}" for k, v in machine().items()))
    table = []
    for name, seconds in times.items():
        s = spread(seconds)
        table.append([name, f"{s.median:.3f}", f"{s.low:.3f}-{s.high:.3f}"])
    print(text_table(["method", "median CPU s", "min-max CPU s"], table), end="")
    predict = medians["model.predict_on_batch (1 image)"]
    print(
        "occlusion_sensitivity / model.predict on the same images: "
        f"{medians['occlusion_sensitivity'] / medians['model.predict (occluded copies)']:.2f}x CPU time"
    )
    for name in ("saliency", "grad_cam"):
        print(f"{name} / model.predict_on_batch: {medians[name] / predict:.2f}x CPU time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
