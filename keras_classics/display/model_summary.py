"""``keras_classics.summary(model)``: a network's layer table in one call.

The `Summary` is the model's `keras_classics.anatomy.Anatomy` (its rows,
``row(name)``, ``params``, ``macs``, ...) that also knows how to show
itself: as HTML in a notebook, as the terminal table with ``str()`` or
``print``, and as Markdown, CSV, LaTeX, JSON or a pandas DataFrame for a
handout or a program.

>>> import keras_classics
>>> table = keras_classics.summary("lenet5")
>>> table.row("c1").params  # LeCun et al. 1998: 156 trainable parameters
156
>>> print(table.to_csv().splitlines()[1])
c1,Conv2D,5x5,1x1,0,6,,28x28x6,156,156,0,117600,5,1,2,18816,input
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

from keras_classics.anatomy import Anatomy, anatomy
from keras_classics.display.files import check_destination, checked_format, write_atomically
from keras_classics.display.layers import layer_table
from keras_classics.display.table import TABLE_FORMATS, Table

__all__ = ["Summary", "summary"]


class Summary(Anatomy):
    """The anatomy of a model, shown as its layer table.

    Everything an `Anatomy` has (``rows``, ``row(name)``, ``params``,
    ``trainable_params``, ``macs``, ``flops``, ``activation_bytes``,
    ``as_dict()``) plus its renderings: ``to_markdown()``, ``to_csv()``,
    ``to_latex()``, ``to_html()``, ``to_json()``, ``to_dataframe()``,
    ``str()`` (the terminal table), ``save(path)`` by extension, and
    ``diagram()``. In Jupyter it shows as an HTML table, totals last.
    """

    @classmethod
    def of(cls, table: Anatomy) -> "Summary":
        """The `Summary` of an existing `Anatomy`."""
        return cls(model_name=table.model_name, input_shape=table.input_shape, rows=list(table.rows))

    def table(self) -> Table:
        """The layer table as a `keras_classics.display.table.Table`."""
        return layer_table(self, title=self.model_name)

    def to_text(self) -> str:
        """The fixed-width terminal table, totals last (what ``str()`` gives)."""
        return layer_table(self).to_text()

    def to_markdown(self) -> str:
        """A Markdown table, the totals in a paragraph after it."""
        return layer_table(self).to_markdown()

    def to_csv(self) -> str:
        """One line per layer, one number per cell (``macs``, ``rf_size``,
        ...); the totals are the columns' sums."""
        return layer_table(self).to_csv()

    def to_latex(self) -> str:
        """A booktabs table (``\\usepackage{booktabs}``), the totals (which
        name the model) as its caption."""
        return layer_table(self).to_latex()

    def to_html(self, document: bool = False) -> str:
        """A plain HTML table (class ``kc-table``); ``document=True``: a
        page of its own."""
        return self.table().to_html(document=document)

    def to_json(self) -> str:
        """Every field of every layer and the totals (`Anatomy.as_dict`)."""
        import json

        return json.dumps(self.as_dict(), indent=2) + "\n"

    def to_dataframe(self):
        """The CSV's columns as a pandas DataFrame (needs pandas)."""
        return self.table().to_dataframe()

    def render(self, form: str) -> str:
        """The table as ``table``, ``markdown``, ``csv``, ``latex``,
        ``html`` (a whole page) or ``json``."""
        if form == "json":
            return self.to_json()
        if form in ("table", "markdown", "csv"):
            return {"table": self.to_text, "markdown": self.to_markdown, "csv": self.to_csv}[form]()
        return self.table().render(form)

    def save(self, path) -> str:
        """Write the table in the format its extension names (``.txt``,
        ``.md``, ``.csv``, ``.tex``, ``.html``, ``.json``); returns ``path``."""
        form = TABLE_FORMATS[checked_format(path, tuple(TABLE_FORMATS), "a layer table")]
        check_destination(path)
        write_atomically(path, self.render(form))
        return str(path)

    def diagram(self, blocks: Optional[bool] = None, title: Optional[str] = None):
        """The architecture drawing (`keras_classics.display.model_diagram.Diagram`):
        block by block for a deep network with named blocks, layer by layer
        otherwise; ``blocks=True`` or ``False`` chooses."""
        from keras_classics.display.model_diagram import Diagram

        return Diagram(self, blocks=blocks, title=title)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html()


Shape = Union[int, Sequence[Optional[int]]]


def _full_shape(size: Shape, channels: Optional[int]) -> Tuple[Optional[int], ...]:
    """``224`` or ``(224, 192)`` or ``(224, 192, 3)`` as height, width and channels."""
    if isinstance(size, int):
        size = (size, size)
    size = tuple(size)
    if len(size) == 2:
        size = size + (channels,)
    if len(size) != 3 or any(d is not None and (not isinstance(d, int) or d < 1) for d in size):
        raise ValueError(f"input_shape is a size such as 224, (224, 192) or (224, 192, 3), got {size!r}")
    return size


def _without_weights(build):
    """``build()``'s model inside a Keras ``StatelessScope`` that never fills
    its variables: the anatomy needs their shapes only (VGG-16's 138
    million parameters would take 550 MB and a second to initialise).

    Keras keeps such variables in a global list, to fill them when a later
    scope closes; the list is put back as it was, so that nothing of this
    model is ever filled and the user's own session is left as it was.
    """
    import keras

    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - a Keras without that module
        return anatomy(build())
    key = "uninitialized_variables"
    before = list(global_state.get_global_attribute(key, []) or [])
    try:
        with keras.StatelessScope(initialize_variables=False):
            return anatomy(build())
    finally:
        global_state.set_global_attribute(key, before)


def _of_model(model, input_shape) -> Anatomy:
    shapes = [tuple(t.shape[1:]) for t in getattr(model, "inputs", None) or []]
    if input_shape is None or not shapes:
        return anatomy(model)
    if len(shapes) != 1:
        raise ValueError(f"input_shape works for a model with one input; {model.name} has {len(shapes)}")
    (current,) = shapes
    wanted = _full_shape(input_shape, current[-1] if len(current) == 3 else None)
    if wanted == current:
        return anatomy(model)
    if len(wanted) != len(current) or any(c is not None and c != w for c, w in zip(current, wanted)):
        shown = "x".join("?" if d is None else str(d) for d in current)
        raise ValueError(
            f"{model.name} takes inputs of {shown}, not {'x'.join(map(str, wanted))}: a model's fixed size cannot "
            "change; build it again with the size you want (or give input_shape for a model built on "
            "keras.Input((None, None, C)))"
        )
    # Open dimensions: the same layers on an input of the asked size.
    import keras

    return _without_weights(lambda: keras.models.clone_model(model, input_tensors=keras.Input(wanted)))


def summary(model, input_shape: Optional[Shape] = None, **options) -> Summary:
    """The layer table of ``model``: shapes, parameters, MACs and receptive
    fields, with totals; in a notebook it shows itself as HTML.

    Args:
        model: a functional ``keras.Model``, or a registered name
            (``"alexnet"``; see `keras_classics.list_models`), built
            without filling its weights.
        input_shape: the input's size, ``224``, ``(224, 192)`` or
            ``(224, 192, 3)``: for a name, the size to build it at (default
            its paper's); for a model, the size of its open (None)
            dimensions.
        **options: for a name, the builder's own options
            (``summary("alexnet", two_tower=True)``).

    Returns:
        A `Summary`: ``str()`` is the terminal table, ``to_markdown()``,
        ``to_csv()``, ``to_latex()``, ``to_dataframe()`` export it, and
        ``diagram()`` draws it.

    Raises:
        ValueError: an unknown name, a size the network cannot take, an
            option the builder does not have, or a model that is not
            functional.
    """
    if isinstance(model, Anatomy):
        if input_shape is not None or options:
            raise TypeError("summary() of an Anatomy takes no input_shape or builder options")
        return Summary.of(model)
    if isinstance(model, str):
        from keras_classics.registry import get_entry

        entry = get_entry(model)
        shape = entry.input_shape if input_shape is None else _full_shape(input_shape, entry.input_shape[-1])
        return Summary.of(_without_weights(lambda: entry.build(**{**options, "input_shape": shape})))
    if options:
        raise TypeError(
            f"summary() takes builder options ({', '.join(sorted(options))}) with a registered name only, "
            "not with a built model"
        )
    return Summary.of(_of_model(model, input_shape))
