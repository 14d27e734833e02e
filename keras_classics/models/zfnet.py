"""ZFNet (Zeiler & Fergus, 2014): AlexNet with smaller, denser first layers.

Sec. 4.1's visualisations of AlexNet's first two layers showed dead and
aliased filters, so Fig. 3's network shrinks conv1 from 11x11/4 to 7x7/2 and
gives conv2 a stride of 2; conv3 to pool5 and the classifier are AlexNet's,
all dense (Sec. 3: "the sparse connections used in Krizhevsky's layers
3,4,5 ... are replaced with dense connections"). Each of the first two
layers is convolution, ReLU, 3x3/2 max pool, then contrast normalisation
across feature maps: pooling comes before normalisation here, after it in
AlexNet.

The paper gives no paddings. Those below are the ones that produce Fig. 3's
sizes, 224 -> 110 -> 55 -> 26 -> 13 -> 13 -> 13 -> 13 -> 6:

* conv1: 1 pixel of zero padding (``conv1_pad``): (224 + 2 - 7) // 2 + 1 =
  110, where none gives 109 and ``"same"`` 112;
* pool1, pool2: ``"same"`` (one extra row and column after), 110 -> 55 and
  26 -> 13, where ``"valid"`` gives 54 and 12. It equals Caffe's ceil-mode
  pooling at these sizes;
* conv2: none, (55 - 5) // 2 + 1 = 26; conv3 to conv5: 1 pixel (``"same"``);
  pool5: none, (13 - 3) // 2 + 1 = 6.
"""

from __future__ import annotations

from keras_classics.models import _common
from keras_classics.models._rows import Conv, Norm, Pad, Pool
from keras_classics.models.alexnet import CONTRACT_ARGS, CONV3_TO_POOL5, Architecture, Head, build_network
from keras_classics.registry import Family

__all__ = ["zfnet"]

_PAPER = "M. D. Zeiler, R. Fergus. Visualizing and Understanding Convolutional Networks. ECCV 2014. arXiv:1311.2901"

# Fig. 3, at 224x224x3. "Contrast normalized across feature maps" is taken
# as AlexNet's LRN with its constants (the paper gives none).
ZFNET = Architecture(
    features=(
        Pad("conv1_pad", 1),  # 226x226x3
        Conv("conv1", 96, 7, stride=2),  # 110x110x96
        Pool("pool1", 3, 2, "same"),  # 55x55x96
        Norm("lrn1"),
        Conv("conv2", 256, 5, stride=2),  # 26x26x256
        Pool("pool2", 3, 2, "same"),  # 13x13x256
        Norm("lrn2"),
    )
    + CONV3_TO_POOL5,  # 13x13x384, 13x13x384, 13x13x256, 6x6x256
    head=Head(),  # Sec. 3: fc6, fc7 with dropout 0.5
    input_size=224,
)


def zfnet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="zfnet", *, include_lrn=True):  # fmt: skip
    """ZFNet, the 8-layer network of Zeiler and Fergus's Fig. 3.

    Reference:
        M. D. Zeiler, R. Fergus. Visualizing and Understanding Convolutional
        Networks. ECCV 2014 (arXiv:1311.2901). Fig. 3 (layers), Sec. 3
        (dense layers 3 to 5, dropout), Sec. 4.1 (why 7x7/2).

    At 224x224x3: conv1 96@7x7/2 -> 110x110, 3x3/2 max pool -> 55x55,
    contrast normalisation; conv2 256@5x5/2 -> 26x26, pool -> 13x13,
    normalisation; conv3 384@3x3, conv4 384@3x3, conv5 256@3x3 -> 13x13, pool
    -> 6x6x256 (9216 values); fc6 4096, dropout 0.5, fc7 4096, dropout 0.5,
    fc8 ``classes`` with soft-max. ReLU follows every convolution and fc6,
    fc7. 62,357,608 parameters.

    Deviations from the paper:
        - Paddings, which the paper does not give, are chosen to produce
          Fig. 3's sizes: 1 pixel before conv1 (``conv1_pad``), ``"same"``
          on pool1, pool2 and conv3 to conv5, none on conv2 and pool5.
        - The contrast normalisation is AlexNet's LRN (n=5, alpha=1e-4 on the
          plain sum, beta=0.75, k=2); the paper names no constants.
          ``include_lrn=False`` drops it.
        - Weights start from Keras's defaults (Glorot-uniform, zero biases);
          Sec. 3.1 initialises weights to 1e-2 and biases to 0 and renormalises
          conv filters whose RMS exceeds 0.1, a training rule left to the
          training code.

    Args:
        {input_args}
        input_shape: optional ``(height, width, channels)``; default
            ``(224, 224, 3)`` with the top, ``(None, None, 3)`` (any size)
            without it; at least 53x53. With ``include_top`` the size must be
            fixed, and other sizes change fc6's size.
        {output_args}
        include_lrn: keep the normalisation after pool1 and pool2.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> model = zfnet(include_top=False, input_shape=(224, 224, 3))
    >>> [model.get_layer(n).output.shape[1] for n in ("conv1", "pool1", "conv2", "pool2", "pool5")]
    [110, 55, 26, 13, 6]
    """
    return build_network(ZFNET, dict(locals()), include_lrn=include_lrn)


_common.fill_docstring(zfnet, CONTRACT_ARGS)

Family("zfnet", _PAPER, (224, 224, 3), recipe="zfnet").add(
    "zfnet", zfnet, "ZFNet (2014): AlexNet with a 7x7/2 conv1 and a stride-2 conv2, at 224x224", name="zfnet"
)
