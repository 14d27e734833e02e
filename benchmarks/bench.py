"""keras_classics side by side with keras.applications: the full benchmark.

A thin script over `keras_classics.bench` (``keras-classics bench`` runs
the same): it writes ``docs/performance.md``.

Usage::

    python benchmarks/bench.py                 # the full run, under 15 min
    python benchmarks/bench.py --quick         # smoke test, under a minute
    python benchmarks/bench.py --models vgg16 resnet50 --sweep none
"""

import os
import sys

# From a checkout without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from keras_classics.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
