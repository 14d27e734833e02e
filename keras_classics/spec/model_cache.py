"""Built models as plain-Python summaries, each model built once per session.

A VGG takes about 550 MB; `pytest spec/` and the contract tests need a dozen
of them and more. `ModelCache.summary(name)` builds the registered model with
its registered defaults, keeps what the checks read (per layer: class,
config, inbound layer names, output shape, parameter counts; the model's
inputs, outputs and totals) and drops the model at once, so only one lives
at a time. The root ``conftest.py`` registers one cache per pytest session
as the plugin ``MODEL_CACHE_PLUGIN``; `spec/conftest.py` and the tests share it.
"""

from __future__ import annotations

import ctypes
import gc
import math
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from keras_classics.graph import (
    first_output_shape,
    inbound_layer_names,
    input_layer_names,
    layer_calls,
    output_layer_names,
)

MODEL_CACHE_PLUGIN = "keras_classics_model_cache"


@dataclass
class LayerSummary:
    name: str
    class_name: str
    class_module: str
    config: Dict[str, Any]
    inbound: List[str]  # names of the layers feeding it ("input" for the model input)
    output_shape: Optional[List[Optional[int]]]  # without the batch axis
    params: int
    trainable_params: int
    calls: int  # how many times the model calls it (1 unless shared)
    # Its activation function's values at ACTIVATION_POINTS (None: no activation).
    activation_values: Optional[List[float]] = None


@dataclass
class ModelSummary:
    name: str
    input_shapes: List[List[Optional[int]]]
    outputs: List[str]
    layers: Dict[str, LayerSummary]  # in the model's order
    params: int
    trainable_params: int
    build_seconds: float = 0.0


# Where an activation is evaluated, so that a spec can check the constants
# of a formula (LeNet-5's 1.7159 tanh(2a/3)) and not only its name.
ACTIVATION_POINTS = (-2.0, -1.0, -0.5, 0.25, 1.0, 3.0)


def _activation_values(operation, cache: Dict[int, List[float]]) -> Optional[List[float]]:
    function = getattr(operation, "activation", None)
    if not callable(function):
        return None
    if id(function) not in cache:
        import keras
        import numpy as np

        points = keras.ops.convert_to_tensor(np.asarray(ACTIVATION_POINTS, dtype="float32"))
        cache[id(function)] = [float(v) for v in keras.ops.convert_to_numpy(function(points))]
    return cache[id(function)]


class BuildError(RuntimeError):
    """The registered model could not be built."""


def _plain(value):
    """Config values as plain Python: tuples to lists, numpy to builtins."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _plain(value.tolist())
    return value


def _size(variables) -> int:
    return int(sum(math.prod(v.shape) for v in variables))


def summarize(model) -> ModelSummary:
    """A plain-Python summary of a functional ``model``: holds no reference
    to Keras objects, so the model can be freed once this returns."""
    input_layers = set(input_layer_names(model))
    layers: Dict[str, LayerSummary] = {}
    activations: Dict[int, List[float]] = {}
    for operation in model.operations:
        nodes = layer_calls(operation, model)
        inbound = ["input" if name in input_layers else name for name in inbound_layer_names(operation, model)]
        output_shape = first_output_shape(operation, model)
        try:
            config = _plain(operation.get_config())
        except Exception as error:  # a layer without a config still gets checked
            config = {"__error__": f"get_config() failed: {error}"}
        layers[operation.name] = LayerSummary(
            name=operation.name,
            class_name=type(operation).__name__,
            class_module=type(operation).__module__,
            config=config,
            inbound=inbound,
            output_shape=output_shape,
            params=int(operation.count_params()) if getattr(operation, "built", True) else 0,
            trainable_params=_size(getattr(operation, "trainable_weights", [])),
            calls=len(nodes),
            activation_values=_activation_values(operation, activations),
        )
    return ModelSummary(
        name=model.name,
        input_shapes=[list(t.shape[1:]) for t in model.inputs],
        outputs=list(output_layer_names(model)),
        layers=layers,
        params=int(model.count_params()),
        trainable_params=_size(model.trainable_weights),
    )


def release_memory() -> None:
    """Forget Keras's global state and give freed memory back to the OS."""
    import keras

    keras.backend.clear_session()
    gc.collect()
    try:  # glibc keeps freed arenas otherwise; harmless elsewhere
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class ModelCache:
    """Summaries of registered models built with their registered defaults,
    one build per model per session. A failed build is remembered too, so
    every check that needs the model reports the same error quickly."""

    def __init__(self, build: Optional[Callable[[str], Any]] = None):
        self._build = build
        self._summaries: Dict[str, ModelSummary] = {}
        self._errors: Dict[str, str] = {}

    def _builder(self, name: str):
        if self._build is not None:
            return self._build(name)
        import keras_classics

        # The registered size, always: the spec describes the network there.
        return keras_classics.build(name, input_shape=keras_classics.get_entry(name).input_shape)

    def summary(self, name: str) -> ModelSummary:
        if name in self._errors:
            raise BuildError(self._errors[name])
        if name not in self._summaries:
            start = time.perf_counter()
            model = None
            try:
                model = self._builder(name)
                summary = summarize(model)
            except Exception as error:
                last = traceback.extract_tb(error.__traceback__)[-1]
                self._errors[name] = (
                    f"building {name!r} with its registered defaults failed: "
                    f"{type(error).__name__}: {error} "
                    f"({last.filename}:{last.lineno})"
                )
                raise BuildError(self._errors[name]) from error
            finally:
                del model
                release_memory()
            summary.build_seconds = time.perf_counter() - start
            self._summaries[name] = summary
        return self._summaries[name]

    def forget(self, name: str) -> None:
        self._summaries.pop(name, None)
        self._errors.pop(name, None)

    def built(self) -> List[str]:
        return list(self._summaries)


def get_cache(config) -> ModelCache:
    """The session's cache, registered by the root conftest.py; created here
    when pytest runs without it (a test project made by pytester)."""
    cache = config.pluginmanager.get_plugin(MODEL_CACHE_PLUGIN)
    if cache is None:
        cache = ModelCache()
        config.pluginmanager.register(cache, MODEL_CACHE_PLUGIN)
    return cache
