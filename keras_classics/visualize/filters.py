"""What a convolution layer's weights look like.

The first layer's kernels act on pixels, so each one can be shown as a
small image (AlexNet's Fig. 3, ZFNet's Fig. 6). Deeper kernels act on
feature maps, which have no colours; their per-filter norms show instead
which filters carry weight and which died or were never used.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from keras_classics.visualize._graph import VisualizeError, conv_layer_names, first_conv_layer, get_layer, kernel_of

__all__ = ["filter_tiles", "filter_norms"]


def filter_tiles(model, layer: Optional[str] = None) -> np.ndarray:
    """The kernels of the first convolution as images.

    Args:
        model: a functional Keras model.
        layer: the convolution to show; None: the first one. It must read
            the input image itself (one or three channels).

    Returns:
        An array (filters, kh, kw, channels) with each filter scaled on
            its own to [0, 1] around mid-grey 0.5 (zero weight), so a
            filter's sign and shape show whatever its size.
    """
    name = layer or first_conv_layer(model)
    conv = get_layer(model, name, conv_layer_names(model), what="convolution layer")
    if name != first_conv_layer(model):
        raise VisualizeError(
            f"filter_tiles shows kernels that act on pixels, so only the first convolution "
            f"({first_conv_layer(model)!r}); {name!r} acts on feature maps: use filter_norms for it"
        )
    kernel = kernel_of(conv)  # (kh, kw, channels, filters)
    tiles = np.transpose(kernel, (3, 0, 1, 2)).astype("float64")
    # Symmetric scaling about zero keeps 0.5 meaning "no weight".
    extent = np.max(np.abs(tiles), axis=(1, 2, 3), keepdims=True)
    extent[extent == 0] = 1.0
    return (0.5 + 0.5 * tiles / extent).astype("float32")


def filter_norms(model, layer: str) -> np.ndarray:
    """The L2 norm of each filter of a convolution layer, shape (filters,)."""
    conv = get_layer(model, layer, conv_layer_names(model), what="convolution layer")
    kernel = kernel_of(conv)
    return np.sqrt(np.sum(np.square(kernel.astype("float64")), axis=(0, 1, 2))).astype("float32")
