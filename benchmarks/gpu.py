"""Training images/s and share of peak on one GPU, under JAX, without TensorFlow.

A thin script over `keras_classics.bench.gpu`: AlexNet, VGG16 and ResNet50
built by keras_classics beside keras.applications' VGG16 and ResNet50,
trained in bfloat16 mixed precision on synthetic data; prints a Markdown
table. Needs ``jax`` (``jax[cuda12]`` on an NVIDIA GPU) and ``keras``, not
TensorFlow.

Usage::

    python benchmarks/gpu.py                       # a few minutes on a GPU
    python benchmarks/gpu.py --peak-tflops 989 -o gpu.md
    python benchmarks/gpu.py --quick               # smoke test on the CPU
"""

import os
import sys

# Keras picks its backend when it is first imported: JAX, before anything.
os.environ["KERAS_BACKEND"] = "jax"
# From a checkout without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from keras_classics.bench.gpu import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
