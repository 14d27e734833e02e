"""Grouped convolution on the CPU: Keras's Conv2D(groups=2) against
GroupedConv2D, as a script (`keras_classics.bench.grouped_conv`).

Usage::

    python benchmarks/grouped_conv.py --batch 16 --repeats 10 --warmup 2
"""

import os
import sys

# From a checkout without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from keras_classics.bench.grouped_conv import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
