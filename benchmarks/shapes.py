"""How long the shapes set takes to draw: CPU and wall time per image.

Draws ``--images`` images (default 60,000: 50,000 training and 10,000
test, the size of the default `load_data`) without the cache, block by
block, in one process, and prints the CPU time (``time.process_time``)
beside the wall time, and the same for ``--workers`` processes drawing
blocks in parallel. The budget is 120 s for 60,000 images on two cores.

Usage::

    python benchmarks/shapes.py                 # 60,000 images at 32x32
    python benchmarks/shapes.py --size 64
    python benchmarks/shapes.py --quick         # 1,000 images, a smoke run
    python benchmarks/shapes.py --out docs/figures/datasets/generation.json   # the data card's numbers
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor

_HERE = os.path.dirname(os.path.abspath(__file__))
# Run from a checkout without installing the package.
sys.path.insert(0, os.path.join(_HERE, os.pardir))

from keras_classics.datasets import shapes  # noqa: E402


def _blocks(images: int):
    """(split, block) pairs of a load of ``images``: 5/6 training, 1/6 test."""
    test = images // 6
    train = images - test
    per = shapes.CHUNK
    return [("train", b) for b in range(-(-train // per))] + [("test", b) for b in range(-(-test // per))]


def _draw(job):
    split, block, size = job
    started = time.process_time()
    x, _ = shapes.render_block(0, split, block, size)
    return time.process_time() - started, len(x)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--size", type=int, default=32, choices=shapes.SIZES)
    parser.add_argument("--workers", type=int, default=2, help="processes of the parallel run (default 2)")
    parser.add_argument("--quick", action="store_true", help="1,000 images")
    parser.add_argument("--out", metavar="JSON", help="also write the numbers to this JSON file (one entry per size)")
    args = parser.parse_args(argv)
    images = 1_000 if args.quick else args.images
    jobs = [(split, block, args.size) for split, block in _blocks(images)]

    wall = time.perf_counter()
    cpu = time.process_time()
    drawn = sum(_draw(job)[1] for job in jobs)
    one_wall, one_cpu = time.perf_counter() - wall, time.process_time() - cpu

    wall = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(_draw, jobs))
    many_wall = time.perf_counter() - wall
    many_cpu = sum(cpu for cpu, _ in results)

    print(f"shapes: {drawn} images at {args.size}x{args.size} ({len(jobs)} blocks of {shapes.CHUNK})")
    print(f"{'run':<22}{'CPU s':>10}{'wall s':>10}{'ms/image (CPU)':>17}")
    print(f"{'one process':<22}{one_cpu:>10.1f}{one_wall:>10.1f}{1000 * one_cpu / drawn:>17.3f}")
    print(f"{f'{args.workers} processes':<22}{many_cpu:>10.1f}{many_wall:>10.1f}{1000 * many_cpu / drawn:>17.3f}")
    print("budget: 120 s of wall time for 60,000 images on two cores")
    if args.out:
        report = {}
        if os.path.exists(args.out):
            with open(args.out) as handle:
                report = json.load(handle)
        report[str(args.size)] = {
            "images": drawn,
            "one_process": {"cpu_s": round(one_cpu, 1), "wall_s": round(one_wall, 1)},
            "workers": args.workers,
            "parallel": {"cpu_s": round(many_cpu, 1), "wall_s": round(many_wall, 1)},
            "command": "python benchmarks/shapes.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "date": datetime.date.today().isoformat(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "shapes_version": shapes.VERSION,
        }
        with open(args.out, "w") as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
