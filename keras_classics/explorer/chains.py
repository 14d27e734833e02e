"""A network's convolutions and poolings as the explorer's stack of layers.

The explorer works through a chain: each layer reads the one before. A
network is read layer by layer in its own order (a spec file's, or
`keras_classics.anatomy`'s for a built model), through the spec layer types'
rules (`keras_classics.spec.layer_types`), and its chain is the path that
ends at its feature map with the widest receptive field (its last, not an
auxiliary head's). Where branches meet (an Inception module's
concatenation, a residual addition) the path goes on through the input with
the widest receptive field, the one `keras_classics.anatomy` reports the
merged field from. Along the path:

* convolutions (sparse ones too) and poolings (LeNet-5's trainable
  subsampling too) become explorer layers;
* a ``ZeroPadding2D`` in front of one becomes that layer's padding in pixels;
* layers that keep the map's size and mix no neighbours (normalisation,
  activations, dropout) are left out;
* a layer whose parameters are not the plain count of its kind keeps them
  as ``model_params`` (and its MACs as ``model_macs``), and one that reads more channels than its
  predecessor on the path gives (after a concatenation) keeps them as
  ``in_channels``.

Every chain is checked against the network's own output sizes before it is
returned, so a stack that disagrees with its network is never shown.

Nothing here imports TensorFlow; `from_model` reads a model it is given.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from keras_classics import arithmetic
from keras_classics.arithmetic import ReceptiveField
from keras_classics.explorer.stack import check_layers, evaluate
from keras_classics.spec.layer_types import LAYER_TYPES, padding_pairs, pair, type_of_class

__all__ = ["Node", "Chain", "Preset", "PRESETS", "chain_of", "from_spec", "from_model", "preset", "site_presets"]

_CONVS = ("conv2d", "sparse_conv2d")
_POOLS = {"max_pool": "max", "avg_pool": "avg", "subsampling": "avg"}


@dataclass(frozen=True)
class Node:
    """One layer of a network as the chain reads it: its spec type
    (``conv2d``, ``max_pool``, ...; None for a layer no type describes), its
    fields in spec terms with their defaults, the layers it reads, its output
    shape without the batch axis and its parameters."""

    name: str
    type: Optional[str]
    fields: Mapping[str, Any]
    inputs: Tuple[str, ...]
    output_shape: Tuple[int, ...]
    params: int


@dataclass(frozen=True)
class Chain:
    """A network's chain: the input ``{"size", "channels"}``, the explorer
    layers and the input shape (height, width, channels) each layer reads."""

    model: str
    input: Dict[str, int]
    layers: List[Dict[str, Any]]
    shapes_in: List[Tuple[int, int, int]]

    def names(self) -> List[str]:
        return [layer["name"] for layer in self.layers]

    def slice(self, first: str, last: str) -> "Chain":
        """The layers from ``first`` to ``last`` (names, both included),
        with the input the first of them reads."""
        names = self.names()
        for name in (first, last):
            if name not in names:
                raise ValueError(f"{self.model}: no layer {name!r} on its chain; the chain has {names}")
        start, stop = names.index(first), names.index(last) + 1
        if stop <= start:
            raise ValueError(f"{self.model}: {last!r} comes before {first!r} on the chain")
        layers = [dict(layer) for layer in self.layers[start:stop]]
        size, _, channels = self.shapes_in[start]
        layers[0].pop("in_channels", None)  # the slice's input gives them
        return Chain(self.model, {"size": size, "channels": channels}, layers, self.shapes_in[start:stop])

    def as_dict(self) -> Dict[str, Any]:
        return {"model": self.model, "input": dict(self.input), "layers": [dict(layer) for layer in self.layers]}


@dataclass(frozen=True)
class _Path:
    layers: Tuple[Dict[str, Any], ...]
    shapes_in: Tuple[Tuple[int, int, int], ...]
    rf: ReceptiveField
    shape: Tuple[int, ...]  # the network's map at this point
    channels: int  # the channels the explorer's walk of the layers carries here
    pending: Tuple[int, int] = (0, 0)  # a ZeroPadding2D waiting for the next window
    unpadded: Optional[Tuple[int, ...]] = None  # the map before that padding
    whole: bool = True  # False once a layer on it is one the explorer cannot show

    def but(self, **changes) -> "_Path":
        return replace(self, **changes)


def _square(model: str, node: Node, what: str, value) -> int:
    first, second = pair(value)
    if first != second:
        raise ValueError(f"{model}: layer {node.name!r} has {what} {value}; the explorer shows square windows only")
    return first


def _add_layer(model: str, node: Node, path: _Path) -> _Path:
    """``path`` with the convolution or pooling ``node`` appended."""
    f = node.fields
    size, _, channels = path.unpadded or path.shape
    kernel = _square(model, node, "kernel", f["pool"] if node.type in _POOLS else f["kernel"])
    stride = _square(model, node, "stride", f["stride"])
    dilation = _square(model, node, "dilation", f.get("dilation", 1))
    padding = f.get("padding", "valid")
    if isinstance(padding, (list, tuple)):
        padding = [int(p) for p in padding]
    if path.pending != (0, 0):
        # The ZeroPadding2D in front and the layer's own padding (resolved on
        # the padded map, as Keras does), in pixels.
        padded = size + sum(path.pending)
        before, after = arithmetic.resolve_padding(padded, kernel, stride, padding, dilation)
        before, after = before + path.pending[0], after + path.pending[1]
        padding = before if before == after else [before, after]
    layer: Dict[str, Any] = {"name": node.name, "kernel": kernel, "stride": stride, "padding": padding}
    if node.type in _CONVS:
        groups, bias = int(f.get("groups", 1)), bool(f.get("use_bias", True))
        layer = {"kind": "conv", **layer, "dilation": dilation, "filters": int(node.output_shape[-1])}
        layer.update(groups=groups, bias=bias)
        plain = arithmetic.conv_params(kernel, channels, layer["filters"], groups, bias)
        channels_out = layer["filters"]
    else:
        layer = {"kind": "pool", **layer, "op": _POOLS[node.type], "rounding": "floor"}
        plain, channels_out = 0, channels
    if path.channels != channels:  # after a concatenation
        layer["in_channels"] = channels
    if node.params != plain:
        # Not a plain layer of its kind (a sparse convolution, a trainable
        # subsampling): keep what the network's own layer holds and costs.
        layer["model_params"] = int(node.params)
        cost = LAYER_TYPES[node.type].cost(f, [path.shape], node.output_shape)
        layer["model_macs"] = int(cost.macs)
    before = arithmetic.resolve_padding(size, kernel, stride, padding, dilation)[0]
    return path.but(
        layers=path.layers + (layer,),
        shapes_in=path.shapes_in + (tuple(path.unpadded or path.shape),),
        rf=arithmetic.receptive_field_step(path.rf, kernel, stride, before, dilation),
        shape=tuple(node.output_shape),
        channels=channels_out,
        pending=(0, 0),
        unpadded=None,
    )


def chain_of(model: str, input_shape: Sequence[int], nodes: Sequence[Node]) -> Chain:
    """The chain of a network given as ``nodes`` in an order where each comes
    after its inputs; inputs no node names are the network's input."""
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or None in input_shape:
        raise ValueError(f"{model}: the explorer needs a fixed (height, width, channels) input, got {input_shape}")
    start = _Path((), (), ReceptiveField(), input_shape, input_shape[2])
    paths: Dict[str, Optional[_Path]] = {}
    ends: List[Tuple[int, int, int, _Path]] = []  # (field, jump, order, path) of every feature map
    for order, node in enumerate(nodes):
        incoming = [paths[name] if name in paths else start for name in node.inputs] or [start]
        incoming = [p for p in incoming if p is not None]
        if not incoming:
            paths[node.name] = None
            continue
        # The widest field, the first of equals, as anatomy's merge.
        path = max(incoming, key=lambda p: (p.rf.size, p.rf.jump))
        shape = tuple(node.output_shape)
        if len(shape) != 3:
            paths[node.name] = None  # past the feature maps (flatten, dense, global pooling)
            continue
        if node.type in _CONVS or node.type in _POOLS:
            path = _add_layer(model, node, path) if path.whole else path.but(shape=shape)
        elif node.type == "zero_padding":
            (top, bottom), (left, right) = padding_pairs(node.fields["padding"])
            if (top, bottom) != (left, right):
                raise ValueError(f"{model}: layer {node.name!r} pads {((top, bottom), (left, right))}; square only")
            pending = (path.pending[0] + top, path.pending[1] + bottom)
            path = path.but(shape=shape, pending=pending, unpadded=path.unpadded or path.shape)
        elif shape[:2] != tuple(path.shape[:2]) or (
            node.type in LAYER_TYPES and LAYER_TYPES[node.type].window is not None
        ):
            # A layer that slides or resamples but is not a convolution or a
            # pooling (a shortcut's subsampling): the path cannot show it.
            window = LAYER_TYPES[node.type].window(node.fields) if node.type in LAYER_TYPES else None
            rf = window.step(path.rf, path.shape[:2]) if window else path.rf
            path = path.but(rf=rf, shape=shape, whole=False)
        else:
            path = path.but(shape=shape)
        paths[node.name] = path
        if path.whole and path.layers:
            ends.append((path.rf.size, path.rf.jump, order, path))
    if not ends:
        raise ValueError(f"{model}: no chain of convolutions and poolings the explorer can show")
    # The chain ends at the feature map with the widest field (the last of
    # equals): the network's last map, not an auxiliary head's.
    last = max(ends, key=lambda end: end[:3])[3]
    layers = check_layers(list(last.layers))
    chain = Chain(model, {"size": input_shape[0], "channels": input_shape[2]}, layers, list(last.shapes_in))
    _check_sizes(chain, nodes)
    return chain


def _check_sizes(chain: Chain, nodes: Sequence[Node]) -> None:
    """The explorer's walk must give every layer the network's own size."""
    by_name = {node.name: node for node in nodes}
    rows = evaluate(chain.input, chain.layers)
    for layer, row in zip(chain.layers, rows):
        node = by_name[layer["name"]]
        expected = (node.output_shape[0], node.output_shape[-1])
        got = (row.get("size_out"), row.get("channels_out"))
        if row["error"] or got != expected:
            raise ValueError(
                f"{chain.model}: the explorer's walk gives {layer['name']} {row['error'] or got}, "
                f"the network {expected}"
            )


# --------------------------------------------------------------------------
# Where the nodes come from
# --------------------------------------------------------------------------


def from_spec(model: str) -> Chain:
    """The chain of ``spec/<model>.yaml`` (read with the spec checker's
    loader; no model is built, TensorFlow is not imported)."""
    chain = _spec_chain(model)
    return Chain(chain.model, dict(chain.input), [dict(layer) for layer in chain.layers], list(chain.shapes_in))


@functools.lru_cache(maxsize=None)
def _spec_chain(model: str) -> Chain:
    from keras_classics.spec.loader import SPEC_DIR, load_spec

    path = SPEC_DIR / f"{model}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no spec file {path} for {model!r}")
    spec = load_spec(path)
    nodes = [
        Node(layer.name, layer.type, layer.fields, tuple(layer.inputs), tuple(layer.output_shape), int(layer.params))
        for layer in spec.layers
    ]
    return chain_of(model, spec.input_shape, nodes)


def _node_type(class_name: str, config: Mapping[str, Any]):
    # As keras_classics.anatomy reads a class no spec type names: a
    # convolution or a pooling by its config keys.
    known = type_of_class(class_name)
    if known is not None:
        return known
    if "kernel_size" in config:
        return LAYER_TYPES["conv2d"]
    if "pool_size" in config:
        return LAYER_TYPES["avg_pool" if "Average" in class_name else "max_pool"]
    return None


def from_model(model) -> Chain:
    """The chain of a functional Keras ``model``, read through
    `keras_classics.anatomy` (its layers in execution order) and each
    layer's config (the padding word, the dilation)."""
    from keras_classics.anatomy import anatomy

    table = anatomy(model)
    nodes = []
    for row in table.rows:
        layer = model.get_layer(row.name)
        config = layer.get_config()
        layer_type = _node_type(type(layer).__name__, config)
        fields = layer_type.fields_from_config(type(layer).__name__, config) if layer_type else {}
        nodes.append(
            Node(
                row.name,
                layer_type.name if layer_type else None,
                fields,
                tuple(row.inputs),
                tuple(row.output_shape),
                row.params,
            )
        )
    return chain_of(model.name, table.input_shape, nodes)


# --------------------------------------------------------------------------
# The stacks the explorer starts from
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A stack to start from: the layers ``first`` to ``last`` of
    ``model``'s chain (all of it when both are None), with its label in
    English and Chinese."""

    id: str
    model: Optional[str]
    first: Optional[str]
    last: Optional[str]
    label: Dict[str, str] = field(default_factory=dict)


PRESETS: Tuple[Preset, ...] = (
    Preset("lenet5-c1-c3", "lenet5", "c1", "c3", {"en": "LeNet-5: C1, S2, C3", "zh": "LeNet-5：C1、S2、C3"}),
    Preset(
        "alexnet-conv1-pool1",
        "alexnet",
        "conv1",
        "pool1",
        {"en": "AlexNet: conv1 and pool1", "zh": "AlexNet：conv1 与 pool1"},
    ),
    Preset(
        "zfnet-conv1-pool1",
        "zfnet",
        "conv1",
        "pool1",
        {"en": "ZFNet: conv1 and pool1", "zh": "ZFNet：conv1 与 pool1"},
    ),
    Preset(
        "vgg16-blocks1-3",
        "vgg16",
        "block1_conv1",
        "block3_pool",
        {"en": "VGG-16: blocks 1 to 3 (stacked 3×3)", "zh": "VGG-16：第 1 到第 3 段（串联的 3×3 卷积）"},
    ),
    Preset(
        "googlenet-stem",
        "googlenet",
        "conv1",
        "pool2",
        {"en": "GoogLeNet: the stem, conv1 to pool2", "zh": "GoogLeNet 的起始部分：conv1 到 pool2"},
    ),
    Preset(
        "resnet50-stem",
        "resnet50",
        "conv1_conv",
        "pool1_pool",
        {"en": "ResNet-50: the stem, conv1 and pool1", "zh": "ResNet-50 的起始部分：conv1 与 pool1"},
    ),
    Preset("lenet5", "lenet5", None, None, {"en": "LeNet-5: every layer", "zh": "LeNet-5：全部卷积与池化层"}),
    Preset("alexnet", "alexnet", None, None, {"en": "AlexNet: every layer", "zh": "AlexNet：全部卷积与池化层"}),
    Preset("zfnet", "zfnet", None, None, {"en": "ZFNet: every layer", "zh": "ZFNet：全部卷积与池化层"}),
    Preset("vgg16", "vgg16", None, None, {"en": "VGG-16: every layer", "zh": "VGG-16：全部卷积与池化层"}),
    Preset(
        "googlenet",
        "googlenet",
        None,
        None,
        {"en": "GoogLeNet: the path of the widest field", "zh": "GoogLeNet：感受野最大的那条路径"},
    ),
    Preset(
        "resnet50",
        "resnet50",
        None,
        None,
        {"en": "ResNet-50: the path of the widest field", "zh": "ResNet-50：感受野最大的那条路径"},
    ),
    Preset("empty", None, None, None, {"en": "Empty: build your own", "zh": "空白：自己搭"}),
)


def preset(id: str, source: str = "spec") -> Chain:
    """The stack of preset ``id``, from the spec files (``source="spec"``,
    no TensorFlow) or from the built registered model (``"model"``)."""
    known = {p.id: p for p in PRESETS}
    if id not in known:
        raise ValueError(f"no explorer preset {id!r}; known: {sorted(known)}")
    entry = known[id]
    if entry.model is None:
        return Chain("", {"size": 224, "channels": 3}, [], [])
    if source == "spec":
        whole = from_spec(entry.model)
    elif source == "model":
        import keras_classics

        whole = from_model(keras_classics.build(entry.model))
    else:
        raise ValueError(f"source must be 'spec' or 'model', got {source!r}")
    return whole if entry.first is None else whole.slice(entry.first, entry.last)


def site_presets(language: str = "en") -> List[Dict[str, Any]]:
    """Every preset as the explorer page embeds it: ``id``, ``label`` in
    ``language``, ``model``, ``input`` and ``layers`` (from the spec files)."""
    out = []
    for entry in PRESETS:
        chain = preset(entry.id)
        out.append({"id": entry.id, "label": entry.label[language], **chain.as_dict()})
    return out
