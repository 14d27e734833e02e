"""Trained weights from keras.applications and torchvision, for the faithful builders.

Two sources, one function each:

* `from_keras_applications`: keras.applications' VGG16, VGG19 (into
  ``vgg16``, ``vgg19``) and ResNet50/101/152 (into the paper-stride
  ``resnet50``, ``resnet101``, ``resnet152``), with or without their
  classifier, from the legacy ``.h5`` files it downloads (the ``_notop``
  files too) and from Keras 3's own ``.weights.h5`` (``save_weights``)
  and ``.keras`` (``save``) files of those models.
* `from_torchvision`: torchvision state dicts of ``alexnet`` (into
  ``alexnet_torchvision``), ``vgg11`` to ``vgg19`` and their ``_bn`` forms,
  ``resnet18``/``34`` and ``resnet50``/``101``/``152`` (ResNet v1.5, into
  ``resnet50_v1_5`` ...), read from ``.pth`` (with PyTorch), ``.safetensors``
  or ``.npz`` (without it).

Each returns a `ConvertedWeights`: our model holding the weights, and what
is needed to use them; ``.save(path)`` writes the ``.weights.h5`` file that
every builder's ``weights=`` argument takes. `convert` does both steps and is
what ``keras-classics convert`` runs.

What the conversions have to account for, and how:

* Layouts. torch stores convolution kernels (out, in, kh, kw) and Keras
  (kh, kw, in, out); torch's linear weights are (out, in), Keras's dense
  kernels (in, out). The first fully connected layer after a flatten also
  sees its inputs in another order: torch flattens (C, H, W), Keras
  (H, W, C), so its rows are permuted, not just transposed.
* keras.applications' ResNets give every convolution a bias, followed by
  batch norm; ours have none. ``BN(conv(x) + b)`` with moving mean ``m``
  equals ``BN(conv(x))`` with moving mean ``m - b``: the bias is folded into
  the mean, exactly.
* Batch norm's epsilon: keras.applications' ResNets use 1.001e-5, torch
  1e-5, ours 1e-5. ``sqrt(var + eps)`` is kept by moving the difference into
  the moving variance (``var + 1.001e-5 - 1e-5``): exact, and below float32's
  resolution for variances near 1.
* Input conventions. keras.applications' VGG and ResNet take caffe-style
  input (BGR, ImageNet mean subtracted, 0-255 scale), torchvision's RGB
  scaled to [0, 1] and standardised. The convention is written into the
  converted file; `preprocess` applies it, so a converted model is not fed
  the other source's input by mistake.

A checkpoint that does not fit (another network, missing or extra tensors,
other shapes) is refused with the list of differences before anything is
written, and so is one whose weights are not floating point or hold NaN or
infinite values (a classifier that is NaN throughout, as in torchvision's
features-only VGG16 weights, is left out instead, with a note). torchvision's GoogLeNet is refused with the reason: it is not the
paper's network.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from keras_classics import checkpoints
from keras_classics.checkpoints import BOOKKEEPING_SUFFIX, CheckpointError, shape_of

__all__ = [
    "KERAS_APPLICATIONS",
    "TORCHVISION",
    "CheckpointError",
    "CheckpointMismatch",
    "ConvertedWeights",
    "Preprocessing",
    "from_keras_applications",
    "from_torchvision",
    "convert",
    "supported_models",
    "expected_source_keys",
    "expected_source_shapes",
    "conversion_info",
    "preprocess",
    "load_converted",
]

KERAS_APPLICATIONS = "keras.applications"
TORCHVISION = "torchvision"
SOURCES = (KERAS_APPLICATIONS, TORCHVISION)

# keras/src/applications/resnet.py builds every BatchNormalization with this;
# torch.nn.BatchNorm2d's default is 1e-5.
KERAS_APPLICATIONS_BN_EPSILON = 1.001e-5
TORCH_BN_EPSILON = 1e-5

# The attribute of a converted .weights.h5 file that records its conversion.
RECORD_ATTRIBUTE = "keras_classics_conversion"
RECORD_FORMAT = 1

# A refusal lists at most this many differences, then counts the rest.
_MAX_LISTED = 25


class CheckpointMismatch(CheckpointError):
    """A checkpoint that does not fit the network asked for.

    ``differences`` holds one line per missing, unexpected or misshapen
    tensor, in the source's own names.
    """

    def __init__(self, message: str, differences: Sequence[str] = ()):
        self.differences = list(differences)
        lines = [message]
        lines += [f"  {line}" for line in self.differences[:_MAX_LISTED]]
        if len(self.differences) > _MAX_LISTED:
            lines.append(f"  ... and {len(self.differences) - _MAX_LISTED} more")
        super().__init__("\n".join(lines))


# --------------------------------------------------------------------------
# Input conventions
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Preprocessing:
    """How a converted network's input is made from 0-255 RGB images.

    Applied in this order (`preprocess`): resize to ``input_size`` if the
    images differ (``"stretch"``: the whole image to that size, as
    keras.applications' examples load images; ``"shorter_side_then_center_crop"``:
    the shorter side to ``resize_size``, then the central ``input_size``,
    as torchvision's ``ImageClassification`` transform), reorder the channels
    to ``channel_order``, divide by ``scale``, subtract ``mean`` and divide
    by ``std`` (both per channel, in ``channel_order``).
    """

    convention: str
    channel_order: str
    scale: float
    mean: Tuple[float, float, float]
    std: Tuple[float, float, float]
    resize: str
    resize_size: Optional[int] = None
    input_size: Optional[Tuple[int, int]] = None

    def to_record(self) -> dict:
        """The fields as JSON values (tuples as lists)."""
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_record(cls, record: Mapping) -> "Preprocessing":
        size = record.get("input_size")
        return cls(
            convention=record["convention"],
            channel_order=record["channel_order"],
            scale=float(record["scale"]),
            mean=tuple(float(v) for v in record["mean"]),
            std=tuple(float(v) for v in record["std"]),
            resize=record["resize"],
            resize_size=record.get("resize_size"),
            input_size=None if size is None else tuple(int(v) for v in size),
        )


# keras.applications.imagenet_utils.preprocess_input(mode="caffe"), which
# vgg16, vgg19 and resnet use: RGB -> BGR, minus the BGR ImageNet mean.
KERAS_CAFFE = Preprocessing(
    convention="caffe",
    channel_order="BGR",
    scale=1.0,
    mean=(103.939, 116.779, 123.68),
    std=(1.0, 1.0, 1.0),
    resize="stretch",
)
# torchvision's IMAGENET1K_V1 transforms of every network converted here:
# resize 256, centre crop 224, scale to [0, 1], normalise with these.
TORCHVISION_IMAGENET = Preprocessing(
    convention="torchvision",
    channel_order="RGB",
    scale=255.0,
    mean=(0.485, 0.456, 0.406),
    std=(0.229, 0.224, 0.225),
    resize="shorter_side_then_center_crop",
    resize_size=256,
)
# Weights whose transform differs from the above; a state dict cannot tell,
# its cached file name can. The IMAGENET1K_V2 ResNets were evaluated after
# resizing to 232; vgg16's IMAGENET1K_FEATURES (convolutions only, a NaN
# classifier) takes 0-255 values less a mean.
TORCHVISION_CONVENTION_BY_FILE = {
    "resnet50-11ad3fa6.pth": {"resize_size": 232},
    "resnet101-cd907fc2.pth": {"resize_size": 232},
    "resnet152-f82ba261.pth": {"resize_size": 232},
    "vgg16_features-amdegroot-88682ab5.pth": {
        "mean": (0.48235, 0.45882, 0.40784),
        "std": (1 / 255, 1 / 255, 1 / 255),
    },
}


# --------------------------------------------------------------------------
# Tensor kinds: how source tensors become one of our layers' weights
# --------------------------------------------------------------------------


def _shapes(layer) -> List[Tuple[int, ...]]:
    return [tuple(int(n) for n in w.shape) for w in layer.weights]


class Kind:
    """One way of turning source tensors into one layer's weights.

    ``source_shapes(layer)`` gives the shapes the source must have, in the
    order of the entry's keys; ``convert(arrays, layer)`` the arrays for
    ``layer.set_weights``.
    """

    def source_shapes(self, layer) -> List[Tuple[int, ...]]:
        raise NotImplementedError

    def convert(self, arrays, layer) -> List[np.ndarray]:
        raise NotImplementedError


class Copy(Kind):
    """Keras to Keras: the same arrays in the same layout."""

    def source_shapes(self, layer):
        return _shapes(layer)

    def convert(self, arrays, layer):
        return [np.asarray(a, dtype=np.float32) for a in arrays]


class FoldedBatchNorm(Kind):
    """keras.applications' batch norm after a biased convolution.

    Keys: gamma, beta, moving mean, moving variance, then the preceding
    convolution's bias, which is subtracted from the moving mean; the
    epsilon difference moves into the moving variance.
    """

    def __init__(self, source_epsilon: float):
        self.source_epsilon = source_epsilon

    def source_shapes(self, layer):
        shapes = _shapes(layer)
        return shapes + [shapes[0]]

    def convert(self, arrays, layer):
        gamma, beta, mean, variance, conv_bias = (np.asarray(a, dtype=np.float64) for a in arrays)
        return _batch_norm(gamma, beta, mean - conv_bias, variance, self.source_epsilon, layer)


def _batch_norm(gamma, beta, mean, variance, source_epsilon, layer):
    # sqrt(var + eps_source) == sqrt((var + eps_source - eps_ours) + eps_ours).
    variance = np.asarray(variance, dtype=np.float64) + (source_epsilon - float(layer.epsilon))
    return [np.asarray(a, dtype=np.float32) for a in (gamma, beta, mean, variance)]


class TorchConv(Kind):
    """A torch convolution: kernel (out, in, kh, kw) -> (kh, kw, in, out), bias as is."""

    def source_shapes(self, layer):
        kernel, *rest = _shapes(layer)
        kh, kw, cin, cout = kernel
        return [(cout, cin, kh, kw)] + rest

    def convert(self, arrays, layer):
        kernel, *rest = arrays
        return [np.ascontiguousarray(np.transpose(kernel, (2, 3, 1, 0)), dtype=np.float32)] + [
            np.asarray(a, dtype=np.float32) for a in rest
        ]


class TorchDense(Kind):
    """A torch linear layer: weight (out, in) -> kernel (in, out), bias as is."""

    def source_shapes(self, layer):
        (fan_in, units), bias = _shapes(layer)
        return [(units, fan_in), bias]

    def convert(self, arrays, layer):
        weight, bias = arrays
        return [np.ascontiguousarray(np.asarray(weight).T, dtype=np.float32), np.asarray(bias, np.float32)]


class TorchFlattenDense(TorchDense):
    """The first linear layer after a flatten of ``channels`` square maps.

    torch flattens (C, H, W), Keras (H, W, C): input ``c*H*W + h*W + w`` of
    torch's weight is input ``(h*W + w)*C + c`` of our kernel.
    """

    def __init__(self, channels: int):
        self.channels = channels

    def convert(self, arrays, layer):
        weight, bias = arrays
        units, fan_in = weight.shape
        side = math.isqrt(fan_in // self.channels)
        reordered = np.asarray(weight).reshape(units, self.channels, side, side).transpose(2, 3, 1, 0)
        return [
            np.ascontiguousarray(reordered.reshape(fan_in, units), dtype=np.float32),
            np.asarray(bias, np.float32),
        ]


class TorchBatchNorm(Kind):
    """torch's weight, bias, running mean and variance (epsilon 1e-5)."""

    def source_shapes(self, layer):
        return _shapes(layer)

    def convert(self, arrays, layer):
        weight, bias, mean, variance = arrays
        return _batch_norm(weight, bias, mean, variance, TORCH_BN_EPSILON, layer)


class Entry(NamedTuple):
    """Our layer ``layer`` takes the source tensors ``keys`` through ``kind``."""

    layer: str
    keys: Tuple[str, ...]
    kind: Kind


_COPY = Copy()
_TORCH_CONV = TorchConv()
_TORCH_DENSE = TorchDense()
_TORCH_BN = TorchBatchNorm()
_KERAS_FOLDED_BN = FoldedBatchNorm(KERAS_APPLICATIONS_BN_EPSILON)


def _torch_bn(layer: str, prefix: str) -> Entry:
    keys = tuple(f"{prefix}.{s}" for s in ("weight", "bias", "running_mean", "running_var"))
    return Entry(layer, keys, _TORCH_BN)


def _torch_conv(layer: str, prefix: str, *, bias: bool) -> Entry:
    keys = (f"{prefix}.weight", f"{prefix}.bias") if bias else (f"{prefix}.weight",)
    return Entry(layer, keys, _TORCH_CONV)


def _torch_dense(layer: str, prefix: str, kind: Kind = _TORCH_DENSE) -> Entry:
    return Entry(layer, (f"{prefix}.weight", f"{prefix}.bias"), kind)


def _keras_copy(layer: str, *weights: str) -> Entry:
    return Entry(layer, tuple(f"{layer}/{w}" for w in weights), _COPY)


def _keras_conv_bn_with_bias(conv: str, bn: str) -> List[Entry]:
    """keras.applications' biased convolution and its batch norm."""
    folded_keys = tuple(f"{bn}/{w}" for w in ("gamma", "beta", "moving_mean", "moving_variance"))
    return [
        Entry(conv, (f"{conv}/kernel",), _COPY),
        Entry(bn, folded_keys + (f"{conv}/bias",), _KERAS_FOLDED_BN),
    ]


# --------------------------------------------------------------------------
# The networks: which source tensors feed which of our layers
# --------------------------------------------------------------------------


def _vgg_conv_names(config: str) -> List[str]:
    from keras_classics.models import vgg

    return [
        f"block{stage}_conv{position}"
        for stage, kernels in enumerate(vgg.CONFIGS[config].kernels, start=1)
        for position in range(1, len(kernels) + 1)
    ]


def _keras_vgg(config: str, include_top: bool) -> List[Entry]:
    # keras.applications' VGG names its layers as ours and, being Keras,
    # flattens (H, W, C) too: every array is copied.
    entries = [_keras_copy(name, "kernel", "bias") for name in _vgg_conv_names(config)]
    if include_top:
        entries += [_keras_copy(name, "kernel", "bias") for name in ("fc1", "fc2", "predictions")]
    return entries


def _torchvision_vgg(config: str, batch_norm: bool, include_top: bool = True) -> List[Entry]:
    # torchvision's make_layers: per convolution Conv2d [BatchNorm2d] ReLU,
    # per "M" one MaxPool2d, all numbered in one nn.Sequential `features`;
    # `classifier` is Linear ReLU Dropout Linear ReLU Dropout Linear.
    from keras_classics.models import vgg

    entries, index = [], 0
    for stage, kernels in enumerate(vgg.CONFIGS[config].kernels, start=1):
        for position in range(1, len(kernels) + 1):
            name = f"block{stage}_conv{position}"
            entries.append(_torch_conv(name, f"features.{index}", bias=True))
            index += 1
            if batch_norm:
                entries.append(_torch_bn(f"{name}_bn", f"features.{index}"))
                index += 1
            index += 1  # ReLU
        index += 1  # MaxPool2d
    if not include_top:
        return entries
    last_stage_filters = vgg.STAGE_FILTERS[-1]
    return entries + [
        _torch_dense("fc1", "classifier.0", TorchFlattenDense(last_stage_filters)),
        _torch_dense("fc2", "classifier.3"),
        _torch_dense("predictions", "classifier.6"),
    ]


# torchvision's AlexNet: features = Conv ReLU Pool Conv ReLU Pool Conv ReLU
# Conv ReLU Conv ReLU Pool, classifier = Dropout Linear ReLU Dropout Linear
# ReLU Linear; the numbers are the nn.Sequential indices.
_TORCHVISION_ALEXNET_CONVS = {"conv1": 0, "conv2": 3, "conv3": 6, "conv4": 8, "conv5": 10}
_TORCHVISION_ALEXNET_POOL5_CHANNELS = 256


def _torchvision_alexnet() -> List[Entry]:
    entries = [_torch_conv(name, f"features.{index}", bias=True) for name, index in _TORCHVISION_ALEXNET_CONVS.items()]
    return entries + [
        _torch_dense("fc6", "classifier.1", TorchFlattenDense(_TORCHVISION_ALEXNET_POOL5_CHANNELS)),
        _torch_dense("fc7", "classifier.4"),
        _torch_dense("predictions", "classifier.6"),
    ]


def _resnet_blocks(depth: int):
    """``(stage, block, has_projection, convolutions)`` for Table 1's column
    ``depth``: stages numbered 2 to 5 (conv2_x ...), blocks from 1."""
    from keras_classics.models import resnet

    table = resnet.IMAGENET_TABLES[depth]
    channels = table.stem.filters
    stages = zip(table.stackwise_num_blocks, table.stackwise_strides, table.out_filters)
    for stage, (blocks, stride, out_filters) in enumerate(stages, start=2):
        for block in range(1, blocks + 1):
            projection = block == 1 and (stride > 1 or channels != out_filters)
            yield stage, block, projection, table.convs_per_block
            channels = out_filters


def _keras_resnet(depth: int, include_top: bool) -> List[Entry]:
    entries = _keras_conv_bn_with_bias("conv1_conv", "conv1_bn")
    for stage, block, projection, convs in _resnet_blocks(depth):
        name = f"conv{stage}_block{block}"
        for part in ([0] if projection else []) + list(range(1, convs + 1)):
            entries += _keras_conv_bn_with_bias(f"{name}_{part}_conv", f"{name}_{part}_bn")
    if include_top:
        entries.append(_keras_copy("predictions", "kernel", "bias"))
    return entries


def _torchvision_resnet(depth: int) -> List[Entry]:
    entries = [_torch_conv("conv1_conv", "conv1", bias=False), _torch_bn("conv1_bn", "bn1")]
    for stage, block, projection, convs in _resnet_blocks(depth):
        ours, theirs = f"conv{stage}_block{block}", f"layer{stage - 1}.{block - 1}"
        if projection:
            entries.append(_torch_conv(f"{ours}_0_conv", f"{theirs}.downsample.0", bias=False))
            entries.append(_torch_bn(f"{ours}_0_bn", f"{theirs}.downsample.1"))
        for part in range(1, convs + 1):
            entries.append(_torch_conv(f"{ours}_{part}_conv", f"{theirs}.conv{part}", bias=False))
            entries.append(_torch_bn(f"{ours}_{part}_bn", f"{theirs}.bn{part}"))
    entries.append(_torch_dense("predictions", "fc"))
    return entries


# --------------------------------------------------------------------------
# Builder arguments read from the checkpoint
# --------------------------------------------------------------------------


def _square_side(arrays, key: str, channels: int, axis: int) -> int:
    """Side of the square maps a flatten fed to the layer of ``key``."""
    fan_in = shape_of(arrays[key])[axis]
    side = math.isqrt(fan_in // channels) if fan_in % channels == 0 else 0
    if side < 1 or side * side * channels != fan_in:
        raise CheckpointMismatch(
            f"{key} takes {fan_in} inputs, which are not {channels} channels of square maps",
        )
    return side


def _classes(arrays, key: str, axis: int) -> int:
    return shape_of(arrays[key])[axis]


@dataclass(frozen=True)
class Target:
    """One network a source converts into.

    ``model``: our registered name; ``network``: the source's name for it;
    ``entries(include_top)``: the tensor map; ``builder_kwargs(arrays,
    include_top)``: our builder's arguments, read from the checkpoint.
    """

    source: str
    model: str
    network: str
    entries: Callable[[bool], List[Entry]]
    builder_kwargs: Callable[[Mapping, bool], dict]
    preprocessing: Preprocessing
    tops: Tuple[bool, ...] = (True,)


def _keras_vgg_kwargs(arrays, include_top):
    if not include_top:
        return {"include_top": False}
    # Five 2x2 pools: the input is 32 times the side of the flattened maps.
    side = 32 * _square_side(arrays, "fc1/kernel", 512, axis=0)
    return {"input_shape": (side, side, 3), "classes": _classes(arrays, "predictions/kernel", 1)}


def _keras_resnet_kwargs(arrays, include_top):
    if not include_top:
        return {"include_top": False}
    return {"classes": _classes(arrays, "predictions/kernel", 1)}


def _torchvision_vgg_kwargs(arrays, include_top):
    if not include_top:
        return {"include_top": False}
    side = 32 * _square_side(arrays, "classifier.0.weight", 512, axis=1)
    return {"input_shape": (side, side, 3), "classes": _classes(arrays, "classifier.6.weight", 0)}


def _torchvision_alexnet_kwargs(arrays, include_top):
    side = _square_side(arrays, "classifier.1.weight", _TORCHVISION_ALEXNET_POOL5_CHANNELS, axis=1)
    if side != 6:
        raise CheckpointMismatch(
            f"classifier.1.weight takes {256 * side * side} inputs; torchvision's AlexNet flattens "
            "its 256x6x6 pool5 (9216 inputs), which our alexnet_torchvision gives at 224x224"
        )
    return {"input_shape": (224, 224, 3), "classes": _classes(arrays, "classifier.6.weight", 0)}


def _torchvision_resnet_kwargs(arrays, include_top):
    return {"classes": _classes(arrays, "fc.weight", 0)}


def _make_targets() -> Dict[Tuple[str, str], Target]:
    targets = [
        Target(
            KERAS_APPLICATIONS,
            "vgg16",
            "VGG16",
            lambda top: _keras_vgg("D", top),
            _keras_vgg_kwargs,
            KERAS_CAFFE,
            (True, False),
        ),
        Target(
            KERAS_APPLICATIONS,
            "vgg19",
            "VGG19",
            lambda top: _keras_vgg("E", top),
            _keras_vgg_kwargs,
            KERAS_CAFFE,
            (True, False),
        ),
    ]
    for depth in (50, 101, 152):
        targets.append(
            Target(
                KERAS_APPLICATIONS,
                f"resnet{depth}",
                f"ResNet{depth}",
                lambda top, depth=depth: _keras_resnet(depth, top),
                _keras_resnet_kwargs,
                KERAS_CAFFE,
                (True, False),
            )
        )
    targets.append(
        Target(
            TORCHVISION,
            "alexnet_torchvision",
            "alexnet",
            lambda top: _torchvision_alexnet(),
            _torchvision_alexnet_kwargs,
            TORCHVISION_IMAGENET,
        )
    )
    for name, config in (("vgg11", "A"), ("vgg13", "B"), ("vgg16", "D"), ("vgg19", "E")):
        for batch_norm in (False, True):
            suffix = "_bn" if batch_norm else ""
            targets.append(
                Target(
                    TORCHVISION,
                    name + suffix,
                    name + suffix,
                    lambda top, config=config, batch_norm=batch_norm: _torchvision_vgg(config, batch_norm, top),
                    _torchvision_vgg_kwargs,
                    TORCHVISION_IMAGENET,
                    (True, False),
                )
            )
    for depth in (18, 34, 50, 101, 152):
        # torchvision's bottleneck ResNets stride on the 3x3: ResNet v1.5.
        ours = f"resnet{depth}" if depth < 50 else f"resnet{depth}_v1_5"
        targets.append(
            Target(
                TORCHVISION,
                ours,
                f"resnet{depth}",
                lambda top, depth=depth: _torchvision_resnet(depth),
                _torchvision_resnet_kwargs,
                TORCHVISION_IMAGENET,
            )
        )
    return {(t.source, t.model): t for t in targets}


_TARGETS: Dict[Tuple[str, str], Target] = {}


def _targets() -> Dict[Tuple[str, str], Target]:
    if not _TARGETS:
        _TARGETS.update(_make_targets())
    return _TARGETS


def supported_models(source: str) -> Dict[str, str]:
    """``{our model name: the source's network name}`` for one source."""
    _check_source(source)
    return {t.model: t.network for t in _targets().values() if t.source == source}


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; valid sources are {', '.join(SOURCES)}")


# --------------------------------------------------------------------------
# Choosing the network and refusing what does not fit
# --------------------------------------------------------------------------

_GOOGLENET_REFUSAL = (
    "torchvision's GoogLeNet is not the paper's network, so its weights cannot be converted into "
    "keras_classics' googlenet: it puts batch normalisation after every convolution, which the "
    "2014 network does not have, and its Inception modules use a 3x3 convolution where the paper's "
    "Table 1 has the 5x5 branch (a known torchvision deviation, kept for its trained weights)"
)

# Our networks a source's look-alike must not be converted into, and why.
_WRONG_TWINS = {
    (TORCHVISION, "alexnet"): (
        "keras_classics' alexnet is the 2012 paper's network (96-256-384-384-256 maps with LRN); "
        "torchvision's AlexNet is the one-GPU network of Krizhevsky (2014), which converts into "
        "alexnet_torchvision"
    ),
    **{
        (TORCHVISION, f"resnet{d}"): (
            f"torchvision's resnet{d} is ResNet v1.5 (the stride on each bottleneck's 3x3); "
            f"keras_classics' resnet{d} strides on the first 1x1 as the paper's models do, and "
            f"would compute another function with the same weights: convert into resnet{d}_v1_5"
        )
        for d in (50, 101, 152)
    },
    **{
        (KERAS_APPLICATIONS, f"resnet{d}_v1_5"): (
            f"keras.applications' ResNet{d} strides on each bottleneck's first 1x1, as the paper's "
            f"models; convert it into resnet{d}, not the v1.5 variant"
        )
        for d in (50, 101, 152)
    },
}


def _looks_like_googlenet(keys) -> bool:
    return any(key.startswith(("inception3a.", "inception4a.")) for key in keys) or ("conv1.conv.weight" in keys)


def _key_set(target: Target, include_top: bool) -> set:
    return {key for entry in target.entries(include_top) for key in entry.keys}


def _identify(source: str, keys: set) -> Optional[Tuple[Target, bool]]:
    """The target and include_top whose tensor names are exactly ``keys``."""
    for target in _targets().values():
        if target.source != source:
            continue
        for top in target.tops:
            if _key_set(target, top) == keys:
                return target, top
    return None


def _describe(target: Target, top: bool) -> str:
    what = (
        f"{target.source}' {target.network}"
        if target.source == KERAS_APPLICATIONS
        else (f"torchvision's {target.network}")
    )
    return what + ("" if top else " without its classifier")


def _choose_target(source: str, keys: set, model_name: Optional[str], label: str):
    if source == TORCHVISION and _looks_like_googlenet(keys):
        raise CheckpointError(f"{label}: {_GOOGLENET_REFUSAL}")
    found = _identify(source, keys)
    if model_name is None:
        if found is not None:
            return found
        raise _unidentified(source, keys, label)

    if model_name.startswith("googlenet"):
        if source == TORCHVISION:
            raise CheckpointError(f"{label}: {_GOOGLENET_REFUSAL}")
        raise CheckpointError(f"{label}: keras.applications has no GoogLeNet to convert")
    if (source, model_name) in _WRONG_TWINS:
        raise CheckpointError(f"{label}: {_WRONG_TWINS[(source, model_name)]}")
    target = _targets().get((source, model_name))
    if target is None:
        raise CheckpointError(
            f"{label}: {source} checkpoints convert into {', '.join(supported_models(source))}; not {model_name!r}"
        )
    # Prefer the form (with or without classifier) the checkpoint is closest to.
    top = min(target.tops, key=lambda t: len(_key_set(target, t) ^ keys))
    expected = _key_set(target, top)
    if expected == keys:
        return target, top
    differences = [f"missing: {key}" for key in _ordered(target, top) if key not in keys]
    differences += [f"unexpected: {key}" for key in sorted(keys - expected)]
    hint = ""
    if found is not None:
        hint = f" It is {_describe(*found)}: convert it with --model {found[0].model}."
    raise CheckpointMismatch(
        f"{label} does not fit {model_name} ({_describe(target, top)}); nothing was written.{hint} "
        f"{len(differences)} difference(s):",
        differences,
    )


def _ordered(target: Target, top: bool) -> List[str]:
    seen, ordered = set(), []
    for entry in target.entries(top):
        for key in entry.keys:
            if key not in seen:
                seen.add(key)
                ordered.append(key)
    return ordered


def _unidentified(source: str, keys: set, label: str) -> CheckpointMismatch:
    """No network matched: compare with the closest one."""
    candidates = [
        (len(_key_set(t, top) ^ keys), t, top) for t in _targets().values() if t.source == source for top in t.tops
    ]
    _, target, top = min(candidates, key=lambda c: c[0])
    expected = _key_set(target, top)
    differences = [f"missing: {key}" for key in _ordered(target, top) if key not in keys]
    differences += [f"unexpected: {key}" for key in sorted(keys - expected)]
    return CheckpointMismatch(
        f"{label} is none of the {source} networks that convert "
        f"({', '.join(supported_models(source))}); nothing was written. Closest is "
        f"{_describe(target, top)} (--model {target.model}), with {len(differences)} difference(s):",
        differences,
    )


# --------------------------------------------------------------------------
# Converting
# --------------------------------------------------------------------------


@dataclass
class ConvertedWeights:
    """Our model holding a converted checkpoint, and how to use it.

    Attributes:
        model: the `keras.Model` our builder made, weights set.
        model_name: its registered name (``"vgg16"``, ``"resnet50_v1_5"``).
        builder_kwargs: the builder arguments read from the checkpoint
            (input shape, classes, include_top).
        source: where the weights came from (source, network, file, sha256).
        preprocessing: the input convention of the source.
        notes: what the conversion decided that the user should know
            (one sentence each), e.g. a classifier left out.
    """

    model: object
    model_name: str
    builder_kwargs: dict
    source: dict
    preprocessing: Preprocessing
    notes: List[str] = dataclasses.field(default_factory=list)

    def record(self) -> dict:
        """What `save` writes into the file (see `conversion_info`)."""
        import keras

        from keras_classics import __version__

        kwargs = {k: list(v) if isinstance(v, tuple) else v for k, v in self.builder_kwargs.items()}
        return {
            "format": RECORD_FORMAT,
            "model": self.model_name,
            "builder_kwargs": kwargs,
            "source": dict(self.source),
            "preprocessing": self.preprocessing.to_record(),
            "converted_with": f"keras_classics {__version__}, keras {keras.__version__}",
        }

    def save(self, path, *, overwrite: bool = False) -> str:
        """Write the weights to ``path`` (``.weights.h5``), with the record.

        The file is made in memory, then written beside ``path`` under a
        temporary name, flushed to disk and moved into place, so that a
        failed or interrupted save (a full disk, Ctrl-C) leaves no partial
        file, and an existing ``path`` (with ``overwrite``) as it was.
        """
        from keras_classics.training import safe_io

        path = _check_output(path, overwrite=overwrite)
        data = weights_file_bytes(self.model, {RECORD_ATTRIBUTE: json.dumps(self.record(), indent=1)})
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

        def write(temporary: str) -> None:
            with open(temporary, "wb") as handle:
                handle.write(data)

        try:
            safe_io.atomic_write(path, write, suffix=f".{os.getpid()}")
        except OSError as error:
            failure = OSError(f"{error} ({len(data) / 1e6:,.1f} MB to write); nothing was written")
            failure.errno = error.errno
            raise failure from None
        return path


def weights_file_bytes(model, attributes: Optional[Mapping[str, str]] = None) -> memoryview:
    """``model.save_weights``'s ``.weights.h5`` file, made in memory.

    HDF5 never writes to the disk here: when h5py's own writes fail (a full
    disk), the half-open file it leaves behind crashes the interpreter at
    exit (a segmentation fault after "Can't decrement id ref count"). Plain
    Python writes the bytes instead, and fails cleanly. ``attributes`` go
    on the file's root. The steps are those of Keras's
    ``saving_lib.save_weights_only``, with an in-memory store.
    """
    import io

    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    store = saving_lib.H5IOStore(buffer, mode="w")
    try:
        saving_lib._save_state(model, weights_store=store, assets_store=None, inner_path="", visited_saveables=set())
        for key, value in (attributes or {}).items():
            store.h5_file.attrs[key] = value
    finally:
        store.close()
    return buffer.getbuffer()


def _check_output(path, *, overwrite: bool) -> str:
    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise ValueError(
            f"the output file must end in .weights.h5 (the Keras weights format the builders' "
            f"weights= argument loads); got {path!r}"
        )
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path!r} exists; pass overwrite=True (--overwrite) to replace it")
    return path


def _convert(
    source: str,
    arrays: Mapping[str, np.ndarray],
    model_name: Optional[str],
    model,
    label: str,
    file_info: dict,
) -> ConvertedWeights:
    keys = {key for key in arrays if not key.endswith(BOOKKEEPING_SUFFIX)}
    target, top = _choose_target(source, keys, model_name, label)
    _check_dtypes(_ordered(target, top), arrays, label)
    notes: List[str] = []
    non_finite = _non_finite(_ordered(target, top), arrays)
    if non_finite and top and _only_a_blank_classifier(target, non_finite, arrays):
        # torchvision's features-only VGG16 weights fill their classifier with
        # NaN on purpose: what they hold is the convolutional base.
        top = False
        notes.append(
            f"its classifier ({', '.join(sorted(non_finite))}) holds no numbers (NaN or infinite "
            "throughout), so only the layers before it were converted (include_top=False)"
        )
    elif non_finite:
        listed = _listed(non_finite, lambda key, count: f"{key} ({count:,} of {np.size(arrays[key]):,})")
        raise CheckpointError(
            f"{label} has values that are NaN, infinite or beyond float32's range in {listed}: the "
            "network would compute NaN (a training run that diverged, or a damaged file); nothing was written"
        )
    entries = target.entries(top)
    try:
        kwargs = target.builder_kwargs(arrays, top)
    except CheckpointMismatch as error:
        raise CheckpointMismatch(f"{label} does not fit {target.model}; nothing was written: {error}")
    if model is None:
        from keras_classics import registry

        model = registry.build(target.model, **kwargs)

    differences = _shape_differences(entries, arrays, model)
    if differences:
        raise CheckpointMismatch(
            f"{label} does not fit {target.model} ({_describe(target, top)}): "
            f"nothing was written. {len(differences)} difference(s):",
            differences,
        )
    for entry in entries:
        layer = model.get_layer(entry.layer)
        layer.set_weights(entry.kind.convert([arrays[key] for key in entry.keys], layer))

    size = kwargs.get("input_shape", (224, 224, 3)) if top else None
    preprocessing = dataclasses.replace(target.preprocessing, input_size=None if size is None else tuple(size[:2]))
    if source == TORCHVISION and file_info.get("file") in TORCHVISION_CONVENTION_BY_FILE:
        preprocessing = dataclasses.replace(preprocessing, **TORCHVISION_CONVENTION_BY_FILE[file_info["file"]])
    return ConvertedWeights(
        model=model,
        model_name=target.model,
        builder_kwargs=kwargs,
        source={"source": source, "network": target.network, **file_info},
        preprocessing=preprocessing,
        notes=notes,
    )


# A refusal that lists tensors names this many, then counts the rest.
_MAX_NAMED = 5


def _listed(found: Mapping[str, object], describe) -> str:
    """``"3 tensors: a (x), b (y), c (z)"``, naming at most _MAX_NAMED."""
    items = [describe(key, value) for key, value in found.items()]
    shown = ", ".join(items[:_MAX_NAMED])
    more = f" and {len(items) - _MAX_NAMED} more" if len(items) > _MAX_NAMED else ""
    return f"{len(items)} tensor{'s' if len(items) != 1 else ''}: {shown}{more}"


def _check_dtypes(keys: Sequence[str], arrays, label: str) -> None:
    """Refuse tensors that are not real floating point (int, bool, complex):
    cast to float32 they would load silently into a wrong network."""
    wrong = {key: np.asarray(arrays[key]).dtype for key in keys if not _is_real_float(arrays[key])}
    if wrong:
        raise CheckpointError(
            f"{label} holds weights that are not floating point in "
            f"{_listed(wrong, lambda key, dtype: f'{key} ({dtype})')}: trained weights are float16, "
            "float32 or float64; nothing was written"
        )


def _is_real_float(array) -> bool:
    return np.issubdtype(np.asarray(array).dtype, np.floating)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _non_finite(keys: Sequence[str], arrays) -> Dict[str, int]:
    """``{key: how many values are NaN or infinite}``, for the tensors that
    have any; a float64 value beyond float32's range counts too, since it
    becomes infinite once converted."""
    found = {}
    for key in keys:
        array = np.asarray(arrays[key])
        count = array.size - int(np.count_nonzero(np.isfinite(array)))
        if array.dtype.itemsize > 4 and count == 0 and array.size:
            count = int(np.count_nonzero(np.abs(array) > _FLOAT32_MAX))
        if count:
            found[key] = count
    return found


def _only_a_blank_classifier(target: "Target", non_finite: Mapping[str, int], arrays) -> bool:
    """Whether the non-finite tensors are exactly the classifier's, every
    value of them, for a network that converts without its classifier."""
    if False not in target.tops:
        return False
    classifier = _key_set(target, True) - _key_set(target, False)
    return set(non_finite) == classifier and all(
        count == np.asarray(arrays[key]).size for key, count in non_finite.items()
    )


def _shape_differences(entries: Sequence[Entry], arrays, model) -> List[str]:
    """Source tensors whose shapes do not fit ``model``; our layers that no
    entry fills (they would keep random weights)."""
    differences = []
    filled = set()
    for entry in entries:
        try:
            layer = model.get_layer(entry.layer)
        except ValueError:
            differences.append(f"{model.name} has no layer {entry.layer!r} for {', '.join(entry.keys)}")
            continue
        filled.add(entry.layer)
        for key, expected in zip(entry.keys, entry.kind.source_shapes(layer)):
            actual = shape_of(arrays[key])
            if actual != tuple(expected):
                differences.append(f"shape: {key} is {actual}; {model.name}'s {entry.layer} needs {tuple(expected)}")
    for layer in model.layers:
        if layer.weights and layer.name not in filled:
            differences.append(f"not filled: {model.name}'s layer {layer.name} has no source tensor")
    return differences


def _file_info(path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return {"file": os.path.basename(os.fspath(path)), "sha256": digest.hexdigest()}


def from_keras_applications(source, model_name: Optional[str] = None, *, model=None) -> ConvertedWeights:
    """Convert a keras.applications checkpoint into our builder's weights.

    Args:
        source: the legacy ``.h5`` file (e.g.
            ``~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels.h5``),
            a Keras 3 ``.weights.h5`` (``model.save_weights``) or ``.keras``
            file (``model.save``) of keras.applications' model, or the
            weights as ``{"layer/weight": array}``.
        model_name: ``"vgg16"``, ``"vgg19"``, ``"resnet50"``, ``"resnet101"``
            or ``"resnet152"``; None: recognised from the tensor names.
        model: an already built model of that name to fill, with the input
            shape and classes of the checkpoint (default: built here).

    Returns:
        A `ConvertedWeights`; ``.save("x.weights.h5")`` writes the file.

    Raises:
        CheckpointMismatch: the checkpoint does not fit, with every difference.
    """
    notes: List[str] = []
    if isinstance(source, Mapping):
        arrays, label, info = dict(source), "the checkpoint", {}
    else:
        arrays, notes = _read_keras_file(source)
        label, info = repr(os.fspath(source)), _file_info(source)
    converted = _convert(KERAS_APPLICATIONS, arrays, model_name, model, label, info)
    converted.notes[:0] = notes
    return converted


# --------------------------------------------------------------------------
# Keras 3's own files of keras.applications' networks
# --------------------------------------------------------------------------

# keras.applications' networks by what a Keras 3 .weights.h5 file shows of
# them: (Conv2D layers, BatchNormalization layers), every Conv2D with a bias.
_KERAS3_NETWORKS = {
    (13, 0): "VGG16",
    (16, 0): "VGG19",
    (53, 53): "ResNet50",
    (104, 104): "ResNet101",
    (155, 155): "ResNet152",
}
# Dense layers with and without the classifier.
_KERAS3_DENSE = {"VGG": (3, 0), "ResNet": (1, 0)}
_KERAS3_CLASSES = ("conv2d", "batch_normalization", "dense")
_VGG_DEFAULTS = {"include_top": True, "classes": 1000, "input_shape": (224, 224, 3)}


def _read_keras_file(path) -> Tuple[Dict[str, np.ndarray], List[str]]:
    """``{"layer/weight": array}`` from any Keras file of keras.applications'
    networks: the legacy ``.h5`` (layer names inside), Keras 3's
    ``.weights.h5`` and ``.keras``; and notes for the user."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path!r} does not exist")
    if path.lower().endswith(".keras"):
        return _read_keras_archive(path), []
    shapes = checkpoints.keras3_layer_shapes(path)
    if shapes is None:
        return checkpoints.read_keras_h5(path), []
    return _read_keras3_weights(path, shapes)


def _named_weights(model) -> Dict[str, np.ndarray]:
    """A Keras model's weights keyed ``"layer/weight"``, as legacy files name them."""
    import keras

    return {
        f"{layer.name}/{variable.path.rsplit('/', 1)[-1]}": keras.ops.convert_to_numpy(variable)
        for layer in model.layers
        for variable in layer.weights
    }


def _read_keras_archive(path: str) -> Dict[str, np.ndarray]:
    """The weights of a ``.keras`` model file by layer name (the archive
    holds the model's configuration, names included)."""
    from keras_classics import saving

    try:
        model = saving.load_model(path, compile=False)
    except (OSError, ValueError) as error:
        raise CheckpointError(str(error)) from None
    return _named_weights(model)


def _read_keras3_weights(path: str, shapes: Mapping[str, List[Tuple[int, ...]]]):
    """A Keras 3 ``.weights.h5`` of one of keras.applications' networks.

    The file names its layers by class and position only, so the network is
    recognised by its counts of layers, built by keras.applications
    (``weights=None``, nothing downloaded) with the classifier the file
    has, and loaded by Keras itself, which checks every shape; its weights
    are then read by layer name.
    """
    import keras

    with_weights = {name: layer for name, layer in shapes.items() if layer}
    counts = {cls: 0 for cls in _KERAS3_CLASSES}
    others = {}
    for name in with_weights:
        cls = checkpoints.keras3_class_name(name)
        if cls in counts:
            counts[cls] += 1
        else:
            others[cls] = others.get(cls, 0) + 1
    network = _KERAS3_NETWORKS.get((counts["conv2d"], counts["batch_normalization"]))
    family = network.rstrip("0123456789") if network else None
    biased = all(len(layer) == 2 for name, layer in with_weights.items() if name.startswith("conv2d"))
    if network is None or others or not biased or counts["dense"] not in _KERAS3_DENSE[family]:
        found = ", ".join(f"{n} {cls}" for cls, n in {**counts, **others}.items())
        raise CheckpointError(
            f"{path!r} is a Keras 3 weights file (.weights.h5), which records its layers by class "
            f"and position, not by name; its layers with weights ({found}"
            f"{'' if biased else ', convolutions without biases'}) are none of keras.applications' "
            "VGG16, VGG19, ResNet50, ResNet101 or ResNet152, which convert. A weights file saved "
            "from a keras_classics model needs no conversion: its builder loads it "
            "(keras_classics.build(NAME, weights=FILE))"
        )
    dense = [with_weights[f"dense{'' if i == 0 else f'_{i}'}"] for i in range(counts["dense"])]
    kwargs: Dict[str, object] = {"weights": None, "include_top": bool(dense)}
    if dense:
        kwargs["classes"] = dense[-1][0][1]
        if family == "VGG":
            # Five 2x2 pools: the input is 32 times the side of the maps fc1 flattens.
            side = math.isqrt(dense[0][0][0] // 512)
            kwargs["input_shape"] = (32 * side, 32 * side, 3)
    try:
        theirs = getattr(keras.applications, network)(**kwargs)
        theirs.load_weights(path)
    except Exception as error:  # noqa: BLE001 - Keras raises several types for a mismatch
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(
            f"{path!r} has the layers of keras.applications' {network}, but Keras does not load "
            f"it into that network: {first}"
        ) from None
    arrays = _named_weights(theirs)
    del theirs
    notes = []
    if family == "VGG":
        ours = network.lower()
        shown = {k: v for k, v in kwargs.items() if k != "weights" and v != _VGG_DEFAULTS.get(k)}
        arguments = "".join(f"{key}={value!r}, " for key, value in shown.items())
        notes.append(
            f"this file of keras.applications' {network} also loads directly into keras_classics' {ours}, "
            f"whose layers are the same in the same order: keras_classics.{ours}({arguments}weights=FILE); "
            "the converted file adds the record of its input convention"
        )
    return arrays, notes


def from_torchvision(source, model_name: Optional[str] = None, *, model=None) -> ConvertedWeights:
    """Convert a torchvision state dict into our builder's weights.

    Args:
        source: a ``.pth``/``.pt`` file (needs PyTorch), ``.safetensors`` or
            ``.npz`` file, or the state dict as ``{key: numpy array}``.
        model_name: ``"alexnet_torchvision"``, ``"vgg11"`` ... ``"vgg19_bn"``,
            ``"resnet18"``, ``"resnet34"``, ``"resnet50_v1_5"``,
            ``"resnet101_v1_5"`` or ``"resnet152_v1_5"``; None: recognised
            from the tensor names.
        model: an already built model of that name to fill (default: built
            here).

    Returns:
        A `ConvertedWeights`; ``.save("x.weights.h5")`` writes the file.

    Raises:
        CheckpointMismatch: the checkpoint does not fit, with every difference.
        CheckpointError: torchvision's GoogLeNet, or an unreadable file.
    """
    if isinstance(source, Mapping):
        arrays, label, info = {k: np.asarray(v) for k, v in source.items()}, "the state dict", {}
    else:
        arrays, label, info = checkpoints.read_state_dict(source), repr(os.fspath(source)), _file_info(source)
    return _convert(TORCHVISION, arrays, model_name, model, label, info)


def source_of(path) -> str:
    """The source a checkpoint file comes from, by its suffix."""
    lower = os.fspath(path).lower()
    if lower.endswith((".h5", ".hdf5", ".keras")):
        return KERAS_APPLICATIONS
    if lower.endswith(checkpoints.STATE_DICT_SUFFIXES):
        return TORCHVISION
    raise CheckpointError(
        f"cannot tell where {os.fspath(path)!r} comes from: keras.applications checkpoints end in "
        f".h5 or .keras, torchvision state dicts in {', '.join(checkpoints.STATE_DICT_SUFFIXES)}"
    )


def convert(source, output, model_name: Optional[str] = None, *, overwrite: bool = False) -> ConvertedWeights:
    """Convert a checkpoint file and write ``output`` (``.weights.h5``).

    The source is told by the suffix (``.h5``: keras.applications; ``.pth``,
    ``.pt``, ``.safetensors``, ``.npz``: torchvision). The output is checked
    before the checkpoint is read and written only once everything fits.
    """
    _check_output(output, overwrite=overwrite)
    kind = source_of(source)
    convert_one = from_keras_applications if kind == KERAS_APPLICATIONS else from_torchvision
    converted = convert_one(source, model_name)
    converted.save(output, overwrite=overwrite)
    return converted


def expected_source_keys(model_name: str, source: str = TORCHVISION, *, include_top: bool = True) -> List[str]:
    """Names of the tensors a ``source`` checkpoint for ``model_name`` holds
    (torchvision's ``num_batches_tracked`` counters, which are ignored, left out)."""
    _check_source(source)
    target = _targets().get((source, model_name))
    if target is None or include_top not in target.tops:
        raise ValueError(f"{source} checkpoints convert into {', '.join(supported_models(source))}")
    return _ordered(target, include_top)


def expected_source_shapes(model_name: str, model, source: str = TORCHVISION) -> Dict[str, Tuple[int, ...]]:
    """``{source key: shape}`` that a checkpoint for ``model`` must hold.

    ``model`` is our built network of ``model_name``; the shapes are in the
    source's layout (torch's (out, in, kh, kw), ...). With a classifier.
    """
    _check_source(source)
    target = _targets().get((source, model_name))
    if target is None:
        raise ValueError(f"{source} checkpoints convert into {', '.join(supported_models(source))}")
    shapes = {}
    for entry in target.entries(True):
        layer = model.get_layer(entry.layer)
        shapes.update(zip(entry.keys, (tuple(s) for s in entry.kind.source_shapes(layer))))
    return shapes


# --------------------------------------------------------------------------
# Using a converted file
# --------------------------------------------------------------------------


def conversion_info(weights_file) -> dict:
    """The record `ConvertedWeights.save` wrote into ``weights_file``:
    model, builder arguments, source and preprocessing."""
    import h5py

    path = os.fspath(weights_file)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"weights file {path!r} does not exist")
    with h5py.File(path, "r") as handle:
        raw = handle.attrs.get(RECORD_ATTRIBUTE)
    if raw is None:
        raise ValueError(
            f"{path!r} was not written by keras-classics convert (it has no {RECORD_ATTRIBUTE!r} "
            "record), so its input convention is unknown"
        )
    return json.loads(raw)


def load_converted(weights_file, **overrides):
    """Build the network a converted file was made for and load it.

    The builder gets the recorded arguments (input shape, classes,
    include_top) and ``weights=weights_file``; ``overrides`` win, e.g.
    ``classifier_activation=None`` for logits.
    """
    from keras_classics import registry

    info = conversion_info(weights_file)
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in info["builder_kwargs"].items()}
    kwargs.update(overrides)
    kwargs["weights"] = os.fspath(weights_file)
    return registry.build(info["model"], **kwargs)


def preprocess(images, weights_file, *, resize: bool = True) -> np.ndarray:
    """Turn 0-255 RGB images into the input the converted network expects.

    Args:
        images: one image ``(H, W, 3)`` or a batch ``(N, H, W, 3)``, RGB,
            pixel values 0 to 255 (uint8 or float), as photos load.
        weights_file: a file written by `convert` (or ``keras-classics
            convert``), whose record names the convention; or a
            `Preprocessing`.
        resize: resize images of another size to the network's input as
            the source does (keras.applications: the whole image to
            224x224; torchvision: shorter side 256, centre crop 224).
            Resampling is bilinear with antialiasing, close to but not bit
            for bit the source's own image library.

    Returns:
        A float32 batch ``(N, H, W, 3)`` for ``model.predict``.
    """
    if isinstance(weights_file, Preprocessing):
        convention = weights_file
    else:
        convention = Preprocessing.from_record(conversion_info(weights_file)["preprocessing"])
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[np.newaxis]
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"preprocess expects RGB images shaped (H, W, 3) or (N, H, W, 3); got shape {x.shape}")
    if np.issubdtype(x.dtype, np.floating) and x.size and 0.0 <= x.min() and x.max() <= 1.0:
        warnings.warn(
            "the images' values all lie in [0, 1]; preprocess expects 0-255 pixel values (it "
            "applies the scaling itself)",
            stacklevel=2,
        )
    x = x.astype(np.float32)
    if resize and convention.input_size is not None and tuple(x.shape[1:3]) != convention.input_size:
        x = _resize(x, convention)
    if convention.channel_order == "BGR":
        x = x[..., ::-1]
    mean = np.asarray(convention.mean, dtype=np.float32)
    std = np.asarray(convention.std, dtype=np.float32)
    return ((x / np.float32(convention.scale) - mean) / std).astype(np.float32)


def _resize(x: np.ndarray, convention: Preprocessing) -> np.ndarray:
    import keras

    height, width = convention.input_size

    def bilinear(images, size):
        return keras.ops.convert_to_numpy(
            keras.ops.image.resize(images, size, interpolation="bilinear", antialias=True)
        )

    if convention.resize == "stretch":
        return bilinear(x, (height, width))
    # torchvision's Resize(int): the shorter side to resize_size, the other
    # side in proportion (truncated); then CenterCrop, offsets rounded.
    in_h, in_w = x.shape[1:3]
    short = convention.resize_size
    if in_h <= in_w:
        size = (short, int(short * in_w / in_h))
    else:
        size = (int(short * in_h / in_w), short)
    x = bilinear(x, size)
    top = int(round((size[0] - height) / 2.0))
    left = int(round((size[1] - width) / 2.0))
    return x[:, top : top + height, left : left + width, :]
