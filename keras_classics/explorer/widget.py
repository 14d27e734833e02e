"""``keras_classics.explore``: the explorer as a notebook widget (anywidget).

The widget runs the site's JavaScript (``widget.js`` and the modules it
imports, inlined by `keras_classics.explorer.module_source`), on three
traitlets that the browser and Python share: ``lang``, ``input``
(``{"size", "channels"}``) and ``layers`` (the format of
`keras_classics.explorer.stack`). A student's edits come back to Python in
``layers``; `ExplorerWidget.rows` works them through with
`keras_classics.arithmetic`.

Needs the ``jupyter`` extra (``pip install "keras-classics[jupyter]"``).
"""

from __future__ import annotations

import functools
from typing import Any, Dict, List

from keras_classics.explorer import module_source, stylesheet
from keras_classics.explorer.chains import PRESETS, Chain, from_model, preset
from keras_classics.explorer.stack import check_input, check_layers, evaluate

__all__ = ["explore"]

_INSTALL = 'the explorer widget needs anywidget: pip install "keras-classics[jupyter]"'


@functools.lru_cache(maxsize=None)
def widget_class():
    """The widget's class, made on first use (anywidget is optional)."""
    try:
        import anywidget
        import traitlets
    except ImportError as error:
        raise ImportError(f"{_INSTALL} ({error})") from None

    class ExplorerWidget(anywidget.AnyWidget):
        """The conv-arithmetic explorer on a stack of layers."""

        _esm = module_source("widget.js")
        _css = stylesheet()
        lang = traitlets.Unicode("en").tag(sync=True)
        input = traitlets.Dict({"size": 224, "channels": 3}).tag(sync=True)
        layers = traitlets.List([]).tag(sync=True)
        network = traitlets.Unicode("").tag(sync=True)  # the network the stack came from

        @traitlets.validate("lang")
        def _valid_lang(self, proposal):
            if proposal["value"] not in ("en", "zh"):
                raise traitlets.TraitError(f"lang must be 'en' or 'zh', got {proposal['value']!r}")
            return proposal["value"]

        @traitlets.validate("input")
        def _valid_input(self, proposal):
            value = proposal["value"]
            try:
                return check_input(value.get("size"), value.get("channels"))
            except ValueError as error:
                raise traitlets.TraitError(str(error)) from None

        @traitlets.validate("layers")
        def _valid_layers(self, proposal):
            try:
                return check_layers(proposal["value"])
            except ValueError as error:
                raise traitlets.TraitError(str(error)) from None

        def rows(self) -> List[Dict[str, Any]]:
            """Each layer's sizes, padding, receptive field, parameters and
            MACs, as the widget shows them (`keras_classics.explorer.stack.evaluate`)."""
            return evaluate(self.input, self.layers)

    return ExplorerWidget


def _chain_for(model_or_preset) -> Chain:
    if model_or_preset is None:
        return preset("empty")
    if isinstance(model_or_preset, str):
        name = model_or_preset
        if name in {p.id for p in PRESETS}:
            try:
                return preset(name)
            except (FileNotFoundError, ImportError):  # no spec files, or no jsonschema to read them
                return preset(name, source="model")
        import keras_classics  # the registry; building a model imports Keras

        if name not in keras_classics.list_models():
            raise ValueError(
                f"explore() takes a preset ({', '.join(p.id for p in PRESETS)}), a registered model "
                f"({', '.join(keras_classics.list_models())}) or a Keras model; got {name!r}"
            )
        chain = from_model(keras_classics.build(name))
        return Chain(name, chain.input, chain.layers, chain.shapes_in)
    if hasattr(model_or_preset, "layers") and hasattr(model_or_preset, "inputs"):
        return from_model(model_or_preset)
    raise TypeError(
        f"explore() takes a preset name, a registered model's name or a functional Keras model, "
        f"got {type(model_or_preset).__name__}"
    )


def explore(model_or_preset=None, *, lang: str = "en"):
    """The conv-arithmetic explorer in a notebook, on a network's layers.

    Args:
        model_or_preset: a functional Keras model; the name of a registered
            model (built, then read through `keras_classics.anatomy`); the
            name of one of the site's presets (``"resnet50-stem"``, read
            from the spec files, without TensorFlow); or None for an empty
            stack. The stack is the network's convolutions and poolings on
            the path to its last feature map (the widest field where
            branches meet; see `keras_classics.explorer.chains`).
        lang: ``"en"`` or ``"zh"``, the language of the widget's words.

    Returns:
        An ``anywidget.AnyWidget``: display it, edit the layers; its
        ``layers`` and ``input`` hold the edited stack and its ``rows()``
        the numbers.

    Example:
        >>> import keras_classics
        >>> widget = keras_classics.explore("lenet5-c1-c3")
        >>> [row["size_out"] for row in widget.rows()]
        [28, 14, 10]
    """
    cls = widget_class()
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    chain = _chain_for(model_or_preset)
    return cls(lang=lang, input=chain.input, layers=chain.layers, network=chain.model)
