"""Numbers about the networks, read from spec/*.yaml at docs build time.

Everything here is plain Python over the spec files and
`keras_classics.arithmetic`: no model is built. For every layer of a spec it
works out what the site prints: input shapes, multiply-accumulates, weights
without biases, the receptive field, and the depth of the network. The spec
files are read with the spec checker's own loader (`keras_classics.spec.loader`),
so templates and defaults mean exactly what ``pytest spec/`` takes them to
mean.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from keras_classics.arithmetic import ReceptiveField
from keras_classics.spec.layer_types import LAYER_TYPES, connection_count, pair  # noqa: F401 (pair: for the macros)
from keras_classics.spec.loader import SPEC_DIR, Layer, Spec, load_spec

ROOT = SPEC_DIR.parent

__all__ = ["LayerFacts", "ModelFacts", "model_facts", "has_spec", "WEIGHT_TYPES", "depth_of"]

# Layers that count towards a network's depth: those with learned weights,
# batch norm aside. LeNet-5's trainable subsampling layers count, as in the
# paper's "7 layers"; so GoogLeNet is 22 deep and ResNet-50 50.
WEIGHT_TYPES = frozenset(name for name, t in LAYER_TYPES.items() if t.weighted)


@dataclass(frozen=True)
class LayerFacts:
    """One spec layer with what follows from it."""

    layer: Layer
    input_shapes: Tuple[Tuple[int, ...], ...]
    macs: int
    weights: int  # learned weights without biases (and without batch norm's statistics)
    receptive_field: Optional[ReceptiveField]
    padding: Optional[Tuple[int, int]]  # pixels (before, after) along the height, if it slides

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def type(self) -> str:
        return self.layer.type

    @property
    def params(self) -> int:
        return self.layer.params

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return tuple(self.layer.output_shape)

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return self.input_shapes[0]

    def get(self, key: str):
        return self.layer.get(key)

    @property
    def connections(self) -> int:
        """A sparse convolution's number of (input map, output map) pairs:
        the count a page prints, never the table itself."""
        return connection_count(self.layer.get("connections"))


@dataclass
class ModelFacts:
    """A spec file and the numbers the site prints about it."""

    spec: Spec
    layers: Dict[str, LayerFacts] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.model

    @property
    def file(self) -> str:
        return f"spec/{self.spec.path.name}"

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return tuple(self.spec.input_shape)

    @property
    def params(self) -> int:
        return int(self.spec.totals["params"])

    @property
    def trainable_params(self) -> int:
        return int(self.spec.totals.get("trainable_params", self.params))

    @property
    def macs(self) -> int:
        return sum(f.macs for f in self.layers.values())

    @property
    def weights(self) -> int:
        return sum(f.weights for f in self.layers.values())

    @property
    def depth(self) -> int:
        return depth_of((f.name, f.type, f.layer.inputs) for f in self.layers.values())

    @property
    def year(self) -> Optional[int]:
        match = re.search(r"\b(19[89]\d|20[0-4]\d)\b", self.citation)
        return int(match.group(1)) if match else None

    @property
    def citation(self) -> str:
        paper = _raw_document(self.spec.path).get("paper") or {}
        return " ".join(str(paper.get("citation", "")).split())

    @property
    def source(self) -> str:
        paper = _raw_document(self.spec.path).get("paper") or {}
        return " ".join(str(paper.get("source", "")).split())

    @property
    def source_zh(self) -> str:
        """`source` in Chinese (the spec's ``paper.source_zh``)."""
        paper = _raw_document(self.spec.path).get("paper") or {}
        return " ".join(str(paper.get("source_zh", "")).split())

    def layer(self, name: str) -> LayerFacts:
        try:
            return self.layers[name]
        except KeyError:
            raise KeyError(f"{self.file} has no layer {name!r}") from None

    def share(self, name: str) -> float:
        """The fraction of all parameters that layer ``name`` holds."""
        return self.layer(name).params / self.params

    def last_spatial(self) -> LayerFacts:
        """The last layer whose output is still a feature map."""
        spatial = [f for f in self.layers.values() if len(f.output_shape) == 3]
        return spatial[-1]

    @property
    def activations(self) -> int:
        """Values in all layer outputs for one image (the input excluded)."""
        return sum(math.prod(f.output_shape) for f in self.layers.values())

    def params_of(self, *types: str) -> int:
        """Parameters held by layers of the given spec types."""
        return sum(f.params for f in self.layers.values() if f.type in types)

    def macs_of(self, *types: str) -> int:
        """MACs spent in layers of the given spec types."""
        return sum(f.macs for f in self.layers.values() if f.type in types)

    def count(self, layer_type: str) -> int:
        return sum(1 for f in self.layers.values() if f.type == layer_type)

    def select(self, pattern: str) -> List[LayerFacts]:
        """Layers whose names match the regular expression ``pattern``."""
        return [f for f in self.layers.values() if re.fullmatch(pattern, f.name)]


def depth_of(layers) -> int:
    """Weight layers on the longest path from the input to any output.

    ``layers``: ``(name, type, inputs)`` in an order where each comes after
    its inputs; ``type`` is a spec type (see `WEIGHT_TYPES`).
    """
    depth: Dict[str, int] = {"input": 0}
    for name, layer_type, inputs in layers:
        below = max((depth.get(i, 0) for i in inputs), default=0)
        depth[name] = below + (1 if layer_type in WEIGHT_TYPES else 0)
    return max(depth.values())


@functools.lru_cache(maxsize=None)
def _raw_document(path: Path) -> dict:
    import yaml

    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def spec_path(model: str) -> Path:
    return SPEC_DIR / f"{model}.yaml"


def has_spec(model: str) -> bool:
    return spec_path(model).is_file()


@functools.lru_cache(maxsize=None)
def model_facts(model: str) -> ModelFacts:
    """The facts of ``spec/<model>.yaml`` (read once per process)."""
    path = spec_path(model)
    if not path.is_file():
        raise FileNotFoundError(f"no spec file {path.relative_to(ROOT)} for model {model!r}")
    spec = load_spec(path)
    facts = ModelFacts(spec)
    shapes: Dict[str, Tuple[int, ...]] = {"input": tuple(spec.input_shape)}
    fields: Dict[str, Optional[ReceptiveField]] = {"input": ReceptiveField()}
    for layer in spec.layers:
        in_shapes = tuple(shapes[name] for name in layer.inputs)
        incoming = [fields.get(name) for name in layer.inputs]
        incoming = [f for f in incoming if f is not None]
        rf_in = max(incoming, key=lambda f: (f.size, f.jump)) if incoming else None
        macs, weights = _cost(layer, in_shapes)
        rf, padding = _receptive_field(layer, in_shapes, rf_in)
        facts.layers[layer.name] = LayerFacts(layer, in_shapes, macs, weights, rf, padding)
        shapes[layer.name] = tuple(layer.output_shape)
        fields[layer.name] = rf
    return facts


def _cost(layer: Layer, in_shapes: Sequence[Tuple[int, ...]]) -> Tuple[int, int]:
    """(MACs for one image, weights without biases), by the layer type's rule."""
    cost = LAYER_TYPES[layer.type].cost(layer.fields, in_shapes, layer.output_shape)
    return cost.macs, cost.weights


def _receptive_field(layer: Layer, in_shapes, rf: Optional[ReceptiveField]):
    """The field after ``layer`` along the height, and its padding in pixels
    (``(before, after)``, None for a layer that pads nothing of its own)."""
    window = LAYER_TYPES[layer.type].window
    if rf is None or window is None or not in_shapes or len(in_shapes[0]) != 3 or len(layer.output_shape) != 3:
        return rf, None
    slide = window(layer.fields)
    padding = slide.pixels(in_shapes[0][:2])[0] if slide.shows_padding else None
    return slide.step(rf, in_shapes[0][:2]), padding


def human(value: float) -> str:
    """1234567 -> '1.23M', as `keras_classics.render.human_count`."""
    for threshold, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return f"{value:g}"


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan
