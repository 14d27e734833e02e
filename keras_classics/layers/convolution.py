"""Convolutions Keras has no fast or exact layer for.

* `GroupedConv2D`: ``Conv2D(groups=g)`` with the same weights and config,
  computed as ``g`` ordinary convolutions so that it is fast on the CPU
  (AlexNet's two towers).
* `SparseConv2D`: a convolution in which each output map reads only the
  input maps a connection table names (LeNet-5's C3).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_classics import arithmetic

__all__ = ["GroupedConv2D", "SparseConv2D"]


@keras.saving.register_keras_serializable(package="keras_classics")
class GroupedConv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D(groups=g)``, computed as ``g`` separate convolutions.

    AlexNet was trained on two GPUs with half of the kernels on each: conv2,
    conv4 and conv5 see only the feature maps on their own GPU (paper,
    section 3.2 and Figure 2). That is a grouped convolution with
    ``groups=2``, and half the parameters of a full one.

    Keras has it as ``Conv2D(groups=2)``, but its TensorFlow backend runs a
    grouped convolution through XLA, which on the CPU is about ten times
    slower (AlexNet's conv2 at batch 16, forward and weight gradient: about
    740 ms, against about 70 ms for two convolutions and a concatenation; see
    ``benchmarks/grouped_conv.py``). This layer is a `Conv2D` subclass with
    exactly ``Conv2D(groups=g)``'s weights (kernel of shape ``(kh, kw,
    in_channels / groups, filters)``), config and parameter count, so weights
    and saved configs move between the two freely; only the computation
    differs: the input channels and the kernel's output axis are split into
    ``groups`` slices, convolved pairwise and concatenated. With ``groups=1``
    it is a plain `Conv2D`.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate:
            as for `keras.layers.Conv2D`.
        groups: number of groups; must divide both ``filters`` and the input
            channels. Defaults to AlexNet's 2.
        **kwargs: any other `keras.layers.Conv2D` argument (``activation``,
            ``use_bias``, initialisers, ``name``, ...).

    Example:

    >>> conv = GroupedConv2D(256, 5, padding="same", groups=2)
    >>> conv.build((None, 27, 27, 96))
    >>> tuple(conv.kernel.shape), conv.count_params()
    ((5, 5, 48, 256), 307456)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups=2,
        **kwargs,
    ):
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
            **kwargs,
        )

    def convolution_op(self, inputs, kernel):
        if self.groups == 1:
            return super().convolution_op(inputs, kernel)
        # TensorFlow's CPU kernel has no NCHW convolution (Keras 3.15.1 sends
        # only grouped and 3-D ones through XLA), so the groups are always
        # convolved channels-last; channels-first input is transposed around them.
        channels_first = self.data_format == "channels_first"
        if channels_first:
            inputs = ops.transpose(inputs, (0, 2, 3, 1))
        # The kernel's input axis already holds in_channels / groups; its
        # output axis holds the groups one after another, as Conv2D's does.
        input_groups = ops.split(inputs, self.groups, axis=-1)
        kernel_groups = ops.split(kernel, self.groups, axis=-1)
        outputs = [
            ops.conv(
                x,
                k,
                strides=list(self.strides),
                padding=self.padding,
                dilation_rate=self.dilation_rate,
                data_format="channels_last",
            )
            for x, k in zip(input_groups, kernel_groups)
        ]
        outputs = ops.concatenate(outputs, axis=-1)
        return ops.transpose(outputs, (0, 3, 1, 2)) if channels_first else outputs


def _spatial_output(size, kernel, stride):
    return None if size is None else arithmetic.conv_output_size(size, kernel, stride)


def _pair(value, what):
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in pair):
        raise ValueError(f"{what} must be a positive int or a pair of them, got {value!r}")
    return pair


@keras.saving.register_keras_serializable(package="keras_classics")
class SparseConv2D(keras.layers.Layer):
    """A convolution in which each output map reads only some input maps.

    LeNet-5's C3 (section II.B, Table I) connects its 16 maps to 60 of the 96
    (S2 map, C3 map) pairs: the paper's reasons are to keep the number of
    connections "within reasonable bounds" and to force "a break of symmetry
    in the network". ``connection_table`` lists the connected
    ``[input_map, output_map]`` pairs; only their weights are stored, as a
    ``(kh, kw, len(connection_table))`` kernel, so the parameter count is
    ``kh * kw * len(connection_table) + filters``: 1,516 for C3, not the
    2,416 of a dense convolution. The call scatters that kernel into a full
    ``(kh, kw, in_maps, filters)`` one with a constant 0/1 matrix and runs an
    ordinary convolution: the result equals a dense `Conv2D` whose
    unconnected weights are zero.

    Args:
        filters: number of output maps.
        kernel_size: int or ``(kh, kw)``.
        connection_table: sequence of ``(input_map, output_map)`` pairs.
        strides: int or pair.
        padding: ``"valid"`` or ``"same"``.
        activation: activation name or function.
        kernel_initializer: initialiser of the full dense kernel; the
            connected entries are kept, so the weights start as a dense
            `Conv2D`'s would.
        bias_initializer: initialiser of the ``filters`` biases.
        **kwargs: passed to `keras.layers.Layer`.

    Example:

    >>> layer = SparseConv2D(2, 3, connection_table=[[0, 0], [1, 1], [2, 1]])
    >>> layer.build((None, 8, 8, 3))
    >>> tuple(layer.kernel.shape), layer.count_params()
    ((3, 3, 3), 29)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        connection_table,
        strides=1,
        padding="valid",
        activation=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters < 1:
            raise ValueError(f"SparseConv2D: filters must be a positive int, got {filters!r}")
        self.filters = filters
        self.kernel_size = _pair(kernel_size, "SparseConv2D: kernel_size")
        self.strides = _pair(strides, "SparseConv2D: strides")
        if str(padding).lower() not in ("valid", "same"):
            raise ValueError(f"SparseConv2D: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = str(padding).lower()
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.connection_table = self._check_table(connection_table, filters)

    @staticmethod
    def _check_table(table, filters):
        pairs = []
        for pair in table:
            pair = tuple(pair)
            valid = all(not isinstance(v, bool) and isinstance(v, (int, np.integer)) and v >= 0 for v in pair)
            if len(pair) != 2 or not valid:
                raise ValueError(
                    f"SparseConv2D: connection_table entries must be [input_map, output_map] pairs of "
                    f"non-negative ints, got {pair!r}"
                )
            pairs.append((int(pair[0]), int(pair[1])))
        if not pairs:
            raise ValueError("SparseConv2D: connection_table is empty")
        if len(set(pairs)) != len(pairs):
            raise ValueError("SparseConv2D: connection_table lists a pair twice")
        if max(out for _, out in pairs) >= filters:
            raise ValueError(f"SparseConv2D: connection_table names an output map >= filters={filters}")
        return tuple(pairs)

    def build(self, input_shape):
        in_maps = input_shape[-1]
        highest = max(i for i, _ in self.connection_table)
        if in_maps is None:
            raise ValueError("SparseConv2D: the input's channel count must be known")
        if highest >= in_maps:
            raise ValueError(
                f"SparseConv2D: connection_table names input map {highest}, but the input has only {in_maps} channels"
            )
        kh, kw = self.kernel_size
        n = len(self.connection_table)
        flat_index = [i * self.filters + o for i, o in self.connection_table]
        scatter = np.zeros((n, in_maps * self.filters), dtype="float32")
        scatter[np.arange(n), flat_index] = 1.0
        # Numpy, not a weight: the matrix is structure, rebuilt from the config.
        self._scatter = scatter
        self._in_maps = in_maps

        def init_connected(shape, dtype=None):
            full = self.kernel_initializer((kh, kw, in_maps, self.filters), dtype=dtype)
            return ops.take(ops.reshape(full, (kh, kw, in_maps * self.filters)), flat_index, axis=-1)

        self.kernel = self.add_weight(name="kernel", shape=(kh, kw, n), initializer=init_connected)
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)

    def full_kernel(self):
        """The dense ``(kh, kw, in_maps, filters)`` kernel, zero where unconnected."""
        kh, kw = self.kernel_size
        n = len(self.connection_table)
        scatter = ops.convert_to_tensor(self._scatter, dtype=self.kernel.dtype)
        full = ops.matmul(ops.reshape(self.kernel, (kh * kw, n)), scatter)
        return ops.reshape(full, (kh, kw, self._in_maps, self.filters))

    def call(self, inputs):
        kernel = ops.cast(self.full_kernel(), inputs.dtype)
        outputs = ops.conv(inputs, kernel, strides=self.strides, padding=self.padding)
        outputs = ops.add(outputs, ops.cast(self.bias, outputs.dtype))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        if self.padding == "same":
            size = [None if s is None else -(-s // st) for s, st in zip((height, width), self.strides)]
        else:
            windows = zip((height, width), self.kernel_size, self.strides)
            size = [_spatial_output(s, k, st) for s, k, st in windows]
        return (batch, size[0], size[1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "activation": keras.activations.serialize(self.activation),
                "connection_table": [list(pair) for pair in self.connection_table],
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config
