"""Every layer the classic networks need and Keras does not ship.

* `LocalResponseNormalization`: AlexNet's (and ZFNet's, GoogLeNet's, VGG
  A-LRN's) normalisation across neighbouring channels.
* `GroupedConv2D`: ``Conv2D(groups=g)`` with the same weights and config,
  computed as ``g`` ordinary convolutions so that it is fast on the CPU.
* `SparseConv2D`: LeNet-5's C3, a convolution on a connection table.
* `Subsampling`: LeNet-5's S2 and S4, trainable 2x2 sums.
* `EuclideanRBF`: LeNet-5's output, squared distances to fixed prototypes.
* `ZeroPadShortcut`: ResNet's shortcut option A, subsampled and zero-padded.
* `scaled_tanh`, `negative`: LeNet-5's activations.

Only ``keras.layers`` and ``keras.ops`` are used, so every layer runs under
any Keras backend (TensorFlow, JAX, PyTorch). Each registers itself with
Keras under the package name ``keras_classics`` (``keras_classics>SparseConv2D``),
not its module, so a model saved before these layers moved here (from
``keras_classics.models.lenet`` and ``keras_classics.models.resnet``, where
they can still be imported) loads unchanged.
"""

from keras_classics.layers.convolution import GroupedConv2D, SparseConv2D
from keras_classics.layers.lenet import (
    EuclideanRBF,
    Subsampling,
    digit_prototypes,
    negative,
    rbf_prototypes,
    scaled_tanh,
)
from keras_classics.layers.lrn import LocalResponseNormalization
from keras_classics.layers.shortcut import ZeroPadShortcut

__all__ = [
    "LocalResponseNormalization",
    "GroupedConv2D",
    "SparseConv2D",
    "Subsampling",
    "EuclideanRBF",
    "ZeroPadShortcut",
    "scaled_tanh",
    "negative",
    "digit_prototypes",
    "rbf_prototypes",
]
