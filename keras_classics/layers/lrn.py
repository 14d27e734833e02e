"""Local response normalisation across channels: AlexNet's, ZFNet's, GoogLeNet's and VGG A-LRN's."""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops

__all__ = ["LocalResponseNormalization"]


@keras.saving.register_keras_serializable(package="keras_classics")
class LocalResponseNormalization(keras.layers.Layer):
    """Local response normalisation across channels (AlexNet, section 3.3).

    For channels-last input ``a``, each activation is divided by a power of
    the sum of squares over a window of ``size`` channels centred on it::

        b[..., c] = a[..., c] / (bias + alpha * sum_{j=c-r}^{c+r} a[..., j]**2) ** beta

    with ``r = (size - 1) // 2`` and channels beyond the edges counted as
    zeros. The defaults are the paper's ``n=5, alpha=1e-4, beta=0.75, k=2``.

    The alpha convention (``alpha`` multiplies the plain sum, not the mean):

    * this layer, the AlexNet paper's formula, and
      ``tf.nn.local_response_normalization(depth_radius=(size - 1) // 2,
      bias=bias, alpha=alpha, beta=beta)`` all use the plain sum;
    * Caffe's ``LRN`` layer and PyTorch's ``nn.LocalResponseNorm`` divide
      ``alpha`` by ``size``: their ``alpha=1e-4`` is ``alpha=1e-4 / size``
      here. Build such a layer with `from_averaged_alpha`. (Caffe's and
      PyTorch's default ``k`` is 1, not the paper's 2.)

    Args:
        size: the window, in channels; a positive odd integer so that the
            window is centred (Caffe also rejects even sizes).
        alpha: scale of the sum of squares (plain-sum convention, above).
        beta: the exponent.
        bias: the additive constant, ``k`` in the paper.
        **kwargs: passed to `keras.layers.Layer` (``name``, ``dtype``, ...).

    Example:

    >>> lrn = LocalResponseNormalization(size=3, alpha=1.0, beta=1.0, bias=1.0)
    >>> x = keras.ops.convert_to_tensor([[1.0, 2.0, 3.0]])
    >>> # channel 0 sees 0 + 1 + 4, channel 1 sees 1 + 4 + 9, channel 2 sees 4 + 9 + 0
    >>> [round(float(v), 4) for v in lrn(x)[0]]
    [0.1667, 0.1333, 0.2143]
    """

    def __init__(self, size=5, alpha=1e-4, beta=0.75, bias=2.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"LocalResponseNormalization: size must be a positive odd integer; got {size!r}.")
        if size % 2 == 0:
            raise ValueError(
                f"LocalResponseNormalization: size must be odd so that the window of channels is "
                f"centred on each channel; got size={size}. (AlexNet uses 5; an even window has no "
                "centre, and the frameworks that accept one pad it asymmetrically.)"
            )
        self.size = int(size)
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.bias = float(bias)

    @classmethod
    def from_averaged_alpha(cls, size=5, alpha=1e-4, beta=0.75, bias=1.0, **kwargs):
        """The layer that Caffe's ``LRN`` or PyTorch's ``nn.LocalResponseNorm``
        with these arguments computes: both divide ``alpha`` by ``size``.

        The defaults are PyTorch's (``k=1``); Caffe's AlexNet prototxt uses
        ``local_size=5, alpha=1e-4, beta=0.75`` with the default ``k=1``.

        >>> LocalResponseNormalization.from_averaged_alpha(size=5, alpha=1e-4).alpha
        2e-05
        """
        return cls(size=size, alpha=alpha / size, beta=beta, bias=bias, **kwargs)

    def call(self, inputs):
        squares = ops.square(inputs)
        channels = inputs.shape[-1]
        if channels is not None and keras.backend.backend() == "tensorflow":
            window_sum = self._window_sum_by_band_matmul(squares, channels)
        else:
            window_sum = self._window_sum_by_slices(squares)
        scale = ops.add(ops.multiply(window_sum, self.alpha), self.bias)
        return ops.multiply(inputs, self._inverse_power(scale))

    def _window_sum_by_band_matmul(self, squares, channels):
        # TensorFlow: the window sum as one product with a 0/1 band matrix,
        # whose gradient is one matmul too. On the CPU this was 4x or more
        # faster than shifted slices, pooling over channels or a cumulative
        # sum (AlexNet's norm1 at batch 16), whose gradients TensorFlow does
        # not fuse. Where TensorFloat-32 is on (TensorFlow's default on recent
        # GPUs) the sum carries TF32 rounding, about 1e-4 relative, like the
        # convolutions around it.
        offsets = np.arange(channels)
        band = ops.cast(np.abs(offsets[:, None] - offsets[None, :]) <= self.size // 2, squares.dtype)
        window_sum = ops.matmul(ops.reshape(squares, (-1, channels)), band)
        return ops.reshape(window_sum, ops.shape(squares))

    def _window_sum_by_slices(self, squares):
        # Exact in float32 on every device; JAX (XLA) and PyTorch run these
        # adds cheaply. Negative slice ends need no static channel count.
        radius = self.size // 2
        if radius == 0:
            return squares
        padded = ops.pad(squares, [(0, 0)] * (len(squares.shape) - 1) + [(radius, radius)])
        window_sum = padded[..., : -2 * radius]
        for offset in range(1, self.size):
            window_sum = ops.add(window_sum, padded[..., offset : (offset - 2 * radius) or None])
        return window_sum

    def _inverse_power(self, scale):
        # scale ** -beta; the classic betas without pow's exp and log, which
        # cost more than the rest of the layer together.
        if self.beta == 0.75:
            root = ops.rsqrt(scale)
            return ops.multiply(root, ops.sqrt(root))
        if self.beta == 0.5:
            return ops.rsqrt(scale)
        if self.beta == 1.0:
            return ops.reciprocal(scale)
        return ops.power(scale, -self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "alpha": self.alpha, "beta": self.beta, "bias": self.bias})
        return config
