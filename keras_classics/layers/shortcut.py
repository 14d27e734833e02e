"""ResNet's parameter-free shortcut for a change of shape (option A, Sec. 3.3)."""

from __future__ import annotations

import numbers

import keras
from keras import ops

__all__ = ["ZeroPadShortcut"]


@keras.saving.register_keras_serializable(package="keras_classics")
class ZeroPadShortcut(keras.layers.Layer):
    """Shortcut option A (Sec. 3.3): identity, subsampled and zero-padded.

    "The shortcut still performs identity mapping, with extra zero entries
    padded for increasing dimensions. This option introduces no extra
    parameter"; across two feature map sizes it is "performed with a stride
    of 2". The input is subsampled by taking every ``strides``-th pixel
    (rows and columns 0, s, 2s, ..., the pixels a stride-s 1x1 projection
    would read) and its channels are followed by ``filters - channels``
    channels of zeros.

    Args:
        filters: channels of the output, at least the input's.
        strides: the subsampling step, the block's stride.
        **kwargs: passed to `keras.layers.Layer` (``name``, ...).

    Example:

    >>> layer = ZeroPadShortcut(filters=4, strides=2)
    >>> x = keras.ops.ones((1, 4, 4, 2))
    >>> tuple(layer(x).shape), float(keras.ops.sum(layer(x)))
    ((1, 2, 2, 4), 8.0)
    """

    def __init__(self, filters, strides=1, **kwargs):
        super().__init__(**kwargs)
        for key, value in (("filters", filters), ("strides", strides)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"ZeroPadShortcut: {key} must be an integer >= 1, got {value!r}")
        self.filters = int(filters)
        self.strides = int(strides)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is not None and channels > self.filters:
            raise ValueError(
                f"ZeroPadShortcut: it can only add channels; got {channels} input channels for filters={self.filters}"
            )
        super().build(input_shape)

    def call(self, inputs):
        x = inputs
        if self.strides > 1:
            x = x[:, :: self.strides, :: self.strides, :]
        extra = self.filters - x.shape[-1]
        if extra:
            x = ops.pad(x, [(0, 0), (0, 0), (0, 0), (0, extra)])
        return x

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        s = self.strides
        return (
            batch,
            None if height is None else -(-height // s),
            None if width is None else -(-width // s),
            self.filters,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "strides": self.strides})
        return config
