"""What every builder shares: the keras.applications argument contract.

Each builder in this package takes the same arguments as keras.applications
(``include_top, weights, input_tensor, input_shape, pooling, classes,
classifier_activation, name``, in that order and so also positionally; its
own options are keyword-only) and hands them to `assemble`, so a bad
argument gets the same clear message from every network, before any layer
is built.

A builder hands ``locals()`` (its parameters, exactly) to `assemble`, which
checks them; a named variant forwards them whole to its family's builder,
``vgg(**locals(), config="D")``. Signatures are written in two lines, the
contract's eight arguments first, so that a builder's own options stand out.

Where several builders of a family document the same arguments, the family
writes that text once and `fill_docstring` puts it into each docstring.
"""

from __future__ import annotations

import collections
import io
import numbers
import os
import re
import sys
import warnings
import zipfile
from typing import Callable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import keras

_POOLING_CHOICES = (None, "avg", "max")

# What a ``weights`` argument may name, said in every message about one.
_WEIGHTS_FILES = (
    "a .weights.h5 file (written by model.save_weights), a .keras file (written by "
    "model.save) or a Keras 2 .h5 weights file"
)
_WEIGHTS_SUFFIXES = (".weights.h5", ".keras", ".h5", ".hdf5")


def as_integer(value, what: str, *, model_name: str, minimum: int = 1) -> int:
    """``value`` as a plain ``int``: Python and numpy integers pass, anything
    else (floats such as ``20.0``, booleans, strings) is refused by name."""
    if isinstance(value, (bool, float)) or not isinstance(value, numbers.Integral) or value < minimum:
        kind = f" (a {type(value).__name__})" if not isinstance(value, numbers.Integral) else ""
        raise ValueError(f"{model_name}: {what} must be an integer >= {minimum}, got {value!r}{kind}")
    return int(value)


def check_data_format(model_name: str) -> None:
    """Refuse ``channels_first``: every layer here reads channels last.

    Keras's global ``image_data_format`` would otherwise turn the
    convolutions and pools channels-first while batch norm, LRN, the
    concatenations, the zero-pad shortcut and LeNet-5's custom layers kept
    reading the last axis: a different network, built without a word.
    """
    data_format = keras.config.image_data_format()
    if data_format != "channels_last":
        raise ValueError(
            f"{model_name}: keras_classics builds channels-last models only, and "
            f"keras.config.image_data_format() is {data_format!r}. Call "
            "keras.config.set_image_data_format('channels_last') (or set "
            '"image_data_format": "channels_last" in ~/.keras/keras.json) and give images as '
            "(height, width, channels); transpose channels-first arrays with "
            "np.transpose(x, (0, 2, 3, 1))."
        )


def check_weights_path(weights, model_name: str) -> None:
    """``weights`` must be None or an existing weights file; say which of
    the ways it is not."""
    if weights is None:
        return
    if not isinstance(weights, (str, os.PathLike)):
        raise ValueError(
            f"{model_name}: weights must be None (random initialisation) or the path to "
            f"{_WEIGHTS_FILES}; got {weights!r}. keras_classics downloads nothing: pretrained "
            "weights must be a local file."
        )
    path = os.fspath(weights)
    if os.path.isdir(path):
        raise ValueError(
            f"{model_name}: weights {path!r} is a folder, not a weights file; pass the path of "
            f"{_WEIGHTS_FILES}, or None for random initialisation."
        )
    if os.path.exists(path) and not os.path.isfile(path):
        raise ValueError(
            f"{model_name}: weights {path!r} is not a regular file; pass the path of "
            f"{_WEIGHTS_FILES}, or None for random initialisation."
        )
    if not os.path.isfile(path):
        raise ValueError(
            f"{model_name}: weights file {path!r} does not exist. keras_classics downloads "
            "nothing (no pretrained 'imagenet' weights): pass None for random initialisation "
            f"or the path of {_WEIGHTS_FILES}."
        )
    if not path.endswith(_WEIGHTS_SUFFIXES):
        raise ValueError(
            f"{model_name}: weights file {path!r} has an unknown extension; pass the path of {_WEIGHTS_FILES}."
        )


def check_common_args(
    *,
    include_top,
    weights,
    pooling,
    classes,
    classifier_activation,
    model_name: str,
) -> int:
    """Validate the contract arguments that do not depend on the input.

    Returns ``classes`` as a plain ``int`` (numpy integers are accepted).
    """
    check_data_format(model_name)
    if include_top not in (True, False):
        raise ValueError(f"{model_name}: include_top must be True or False, got {include_top!r}")
    check_weights_path(weights, model_name)
    if pooling not in _POOLING_CHOICES:
        raise ValueError(f"{model_name}: pooling must be None, 'avg' or 'max', got {pooling!r}")
    classes = as_integer(classes, "classes", model_name=model_name)
    if classifier_activation is not None and not (
        isinstance(classifier_activation, str) or callable(classifier_activation)
    ):
        raise ValueError(
            f"{model_name}: classifier_activation must be None, an activation name such as "
            f"'softmax', or a callable; got {classifier_activation!r}"
        )
    return classes


def _check_shape(shape, model_name: str) -> Tuple[Optional[int], Optional[int], int]:
    """``shape`` as ``(height, width, channels)`` of plain ints (height and
    width may be None), or a ValueError that says what is wrong."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) != 3:
        raise ValueError(
            f"{model_name}: input_shape must be (height, width, channels), three integers "
            f"such as (224, 224, 3); got {shape!r}"
        )
    checked = []
    for axis, value in zip(("height", "width", "channels"), shape):
        if value is None and axis != "channels":
            checked.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            allowed = "an integer" if axis == "channels" else "an integer or None (any size)"
            raise ValueError(
                f"{model_name}: input_shape's {axis} must be {allowed}, got {value!r} "
                f"(a {type(value).__name__}) in input_shape {tuple(shape)!r}"
            )
        checked.append(int(value))
    return tuple(checked)


def make_input(
    contract: Contract,
    *,
    default_shape: Tuple[int, int, int],
    min_size: int,
    flattening_head: Optional[str] = None,
    channels: Optional[int] = None,
):
    """Return the image input of the ``contract``'s call (its
    ``input_tensor``, ``input_shape`` and ``include_top``), checked against
    what the network accepts.

    Without ``input_shape`` or ``input_tensor`` the input is
    ``default_shape`` with the top, and ``(None, None, channels)`` without
    it (any height and width, as in keras.applications). ``channels`` pins
    the channel count where the network needs one (None: any positive
    count). ``min_size`` is the smallest height and width that keeps every
    feature map at least 1x1. ``flattening_head`` names, for networks whose
    top flattens a feature map into a dense layer, that dense layer: with
    the top, such a network needs a fixed height and width.
    """
    input_tensor, input_shape, include_top = contract.input_tensor, contract.input_shape, contract.include_top
    model_name = contract.name
    if input_tensor is not None:
        if not keras.backend.is_keras_tensor(input_tensor):
            raise ValueError(
                f"{model_name}: input_tensor must be a Keras tensor (from keras.Input or a "
                f"layer's output), got {type(input_tensor).__name__}"
            )
        shape = tuple(input_tensor.shape[1:])
        if input_shape is not None and tuple(input_shape) != shape:
            raise ValueError(
                f"{model_name}: input_shape {tuple(input_shape)} disagrees with input_tensor's "
                f"shape {shape}; pass one or make them equal"
            )
    elif input_shape is not None:
        shape = input_shape
    elif include_top:
        shape = tuple(default_shape)
    else:
        shape = (None, None, default_shape[2])

    if len(shape) != 3 and input_tensor is not None:
        raise ValueError(
            f"{model_name}: input_tensor must be an image batch (batch, height, width, "
            f"channels), got shape {tuple(input_tensor.shape)}"
        )
    height, width, depth = _check_shape(shape, model_name)
    shape = (height, width, depth)
    if depth < 1:
        raise ValueError(f"{model_name}: the channel count must be >= 1, got {depth}")
    if channels is not None and depth != channels:
        raise ValueError(f"{model_name}: expects {channels} input channel(s), got {depth} (input_shape {shape})")
    for axis, value in (("height", height), ("width", width)):
        if value is not None and value < min_size:
            raise ValueError(
                f"{model_name}: input {axis} {value} is too small; the smallest input that "
                f"works is {min_size}x{min_size} (default {default_shape[0]}x{default_shape[1]})"
            )
    if include_top and flattening_head and None in (height, width):
        raise ValueError(
            f"{model_name}: include_top=True needs a fixed input height and width: its top "
            f"flattens the last feature map into {flattening_head}, whose weights are sized "
            f"from it; got input shape {shape}. Pass a fixed input_shape such as "
            f"{tuple(default_shape)} (any size from {min_size}x{min_size} works), or "
            "include_top=False for a feature extractor that takes any size."
        )

    if input_tensor is not None:
        return input_tensor
    return keras.Input(shape=shape, name="input")


def pool_features(x, pooling, name_prefix: str = ""):
    """Global pooling for ``include_top=False``: None, 'avg' or 'max'."""
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name=f"{name_prefix}avg_pool")(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name=f"{name_prefix}max_pool")(x)
    return x


def build_model(
    img_input, outputs, *, name: str, weights, model_name: str, classes: Optional[int] = None, rebuild=None
) -> keras.Model:
    """Wrap the graph in a functional model and load ``weights`` if given.

    With an ``input_tensor`` from another graph, the model's inputs are that
    graph's source inputs, as in keras.applications. ``classes`` and
    ``rebuild`` (see `load_weights`) let a file with another number of
    classes load all but its classifier.
    """
    inputs = keras.utils.get_source_inputs(img_input)
    # A lone input is passed bare, so that calling the model on one tensor
    # matches its input structure (a one-item list would warn on each call).
    model = keras.Model(inputs[0] if len(inputs) == 1 else inputs, outputs, name=name)
    if weights is not None:
        load_weights(model, weights, model_name=model_name, classes=classes, rebuild=rebuild)
    return model


def _read_error(path: str) -> Optional[str]:
    """Why the file at ``path`` cannot be read as a weights file, or None.

    Checked before loading, so that a corrupt or truncated file is not
    reported as weights that do not fit.
    """
    try:
        if path.endswith(".keras"):
            with zipfile.ZipFile(path) as archive:
                broken = archive.testzip()
            return None if broken is None else f"its member {broken!r} is damaged"
        import h5py  # a dependency of Keras

        with h5py.File(path, "r"):
            return None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        return str(error) or type(error).__name__


def _load_into(model: keras.Model, path: str) -> None:
    """Every weight of ``model`` from the file, which must fit it exactly."""
    if path.endswith(".keras"):
        from keras_classics.saving import load_model

        # The package's loader says which custom class a file needs when
        # Keras does not know it, instead of calling that a mismatch.
        source = load_model(path, compile=False)
        model.set_weights(source.get_weights())
    else:
        model.load_weights(path)


def load_weights(model: keras.Model, path, *, model_name: str, classes: Optional[int] = None, rebuild=None) -> None:
    """Load a weights file, telling an unreadable file from a mismatch.

    A file whose only difference is the number of classes (fine-tuning a
    trained network on other classes) loads every layer but the classifier,
    with a warning that names the layers left as initialised and why, as
    timm does with ``num_classes``. That needs ``classes`` (this model's)
    and ``rebuild(k)``, the same network with ``k`` classes; any other
    mismatch is an error.
    """
    path = os.fspath(path)
    unreadable = _read_error(path)
    if unreadable is None:
        # Keras warns about each layer it cannot fill before it raises: said
        # again below unless the classifier alone was left out.
        with warnings.catch_warnings(record=True) as keras_said:
            warnings.simplefilter("always")
            try:
                _load_into(model, path)
                error = None
            except Exception as raised:
                error = raised
        if error is None or isinstance(error, OSError) or rebuild is None:
            _repeat(keras_said)
        if error is None:
            return
        if isinstance(error, OSError):  # h5py's read errors: the file, not the model
            unreadable = str(error)
        elif isinstance(error, ValueError) and "which is not registered in this process" in str(error):
            raise ValueError(f"{model_name}: the weights in {path!r} cannot be read here: {error}") from None
        else:  # Keras raises several types for a mismatch.
            loaded = _load_all_but_classifier(model, path, classes, rebuild) if rebuild is not None else None
            if loaded is not None:
                stored, skipped = loaded
                _warn_from_caller(
                    f"{model_name}: the weights in {path!r} are for {stored} classes and this model has "
                    f"{classes}, so every layer was loaded but the classifier, {', '.join(skipped)}, "
                    f"which {'keeps its' if len(skipped) == 1 else 'keep their'} fresh initialisation to be trained "
                    f"(fine-tuning). Pass classes={stored} to load the classifier too."
                )
                return
            if rebuild is not None:
                _repeat(keras_said)
            raise ValueError(
                f"{model_name}: the weights in {path!r} do not fit this architecture "
                f"({model.count_params():,} parameters in {len(model.weights)} arrays): {error}"
            ) from error
    raise ValueError(
        f"{model_name}: the weights file {path!r} cannot be read; it is corrupt or truncated "
        f"(an interrupted copy or save?), or not {_WEIGHTS_FILES}. Details: {unreadable}"
    )


def _repeat(caught) -> None:
    """Issue caught warnings again, each from its module as before (so that
    the filters on it, such as one on ``keras.*``, still apply)."""
    modules = {getattr(m, "__file__", None): name for name, m in list(sys.modules.items())} if caught else {}
    for said in caught:
        module = modules.get(said.filename, os.path.splitext(os.path.basename(said.filename))[0])
        warnings.warn_explicit(said.message, said.category, said.filename, said.lineno, module=module)


def _stored_shapes(path: str) -> "collections.Counter":
    """The shapes of the arrays a weights file holds (a multiset)."""
    import h5py  # a dependency of Keras

    shapes = collections.Counter()

    def visit(_, item):
        if isinstance(item, h5py.Dataset):
            shapes[tuple(item.shape)] += 1

    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as archive:
            data = io.BytesIO(archive.read("model.weights.h5"))
        with h5py.File(data, "r") as stored:
            stored.visititems(visit)
    else:
        with h5py.File(path, "r") as stored:
            stored.visititems(visit)
    return shapes


def _load_all_but_classifier(model, path: str, classes, rebuild) -> Optional[Tuple[int, List[str]]]:
    """Load what fits if the file is this network with another number of
    classes: (that number, the layers left out); None if it is not.

    The number is read off the arrays that do not fit: each of ours differs
    from one of the file's in one axis only, where ours holds ``classes``.
    The same network built with that number (``rebuild``) must then load
    the file exactly; its layers whose shapes differ from ours are the
    classifier (every layer whose shape depends on the classes), and every
    other layer is copied over.
    """
    try:
        stored = _stored_shapes(path)
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    ours = collections.Counter(tuple(w.shape) for w in model.weights)
    unmatched, spare = list(ours - stored), list(stored - ours)

    def other_classes(mine, theirs) -> Optional[int]:
        # theirs is mine with another number in the one axis where mine holds ``classes``.
        if len(mine) != len(theirs):
            return None
        differ = [axis for axis in range(len(mine)) if mine[axis] != theirs[axis]]
        return theirs[differ[0]] if len(differ) == 1 and mine[differ[0]] == classes else None

    def explained(number: int) -> bool:
        return all(any(other_classes(mine, theirs) == number for theirs in spare) for mine in unmatched)

    # Every array of ours that the file lacks must be one of the file's with that number.
    candidates = {other_classes(unmatched[0], theirs) for theirs in spare} - {None} if unmatched else set()
    candidates = sorted(number for number in candidates if explained(number))
    for stored_classes in candidates[:2]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Keras's, about a number that does not fit
                donor = rebuild(stored_classes)
                _load_into(donor, path)
        except Exception:  # not this number: the file does not fit that network either
            continue
        if [type(layer) for layer in donor.layers] != [type(layer) for layer in model.layers]:
            return None
        skipped = []
        for layer, source in zip(model.layers, donor.layers):
            values = source.get_weights()
            if [tuple(v.shape) for v in values] == [tuple(w.shape) for w in layer.weights]:
                layer.set_weights(values)
            else:
                skipped.append(layer.name)
        return stored_classes, skipped
    return None


def _warn_from_caller(message: str) -> None:
    """``warnings.warn`` pointing at the first caller outside this package."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


class Contract(NamedTuple):
    """The keras.applications arguments of one call, checked (``classes``
    is a plain ``int``); what a family's ``features`` and ``top`` read."""

    include_top: bool
    weights: object
    input_tensor: object
    input_shape: object
    pooling: Optional[str]
    classes: int
    classifier_activation: object
    name: str


def assemble(
    args: Mapping,
    *,
    features: Callable,
    top: Callable,
    default_shape: Tuple[int, int, int],
    min_size: int,
    flattening_head: Optional[str] = None,
    channels: Optional[int] = None,
) -> keras.Model:
    """The builder contract, once for every network.

    Checks the contract arguments in ``args`` (a builder's ``locals()``;
    other keys are the family's own options, checked by the family), makes
    the input (see `make_input` for ``default_shape``, ``min_size``,
    ``flattening_head`` and ``channels``), runs ``features(x, contract)``,
    then ``top(x, contract)`` with the top or the global ``pooling``
    without it, and builds the model, loading ``weights`` if given.
    """
    name = args["name"]
    classes = check_common_args(
        include_top=args["include_top"],
        weights=args["weights"],
        pooling=args["pooling"],
        classes=args["classes"],
        classifier_activation=args["classifier_activation"],
        model_name=name,
    )
    contract = Contract(**{**{key: args[key] for key in Contract._fields}, "classes": classes})
    img_input = make_input(
        contract, default_shape=default_shape, min_size=min_size, flattening_head=flattening_head, channels=channels
    )
    x = features(img_input, contract)
    outputs = top(x, contract) if contract.include_top else pool_features(x, contract.pooling)

    def rebuild(other_classes: int) -> keras.Model:
        # The same network with another number of classes, on an input of
        # this one's shape, for a weights file trained on other classes.
        changed = {**args, "classes": other_classes, "weights": None, "input_tensor": None}
        changed["input_shape"] = tuple(img_input.shape[1:])
        return assemble(
            changed,
            features=features,
            top=top,
            default_shape=default_shape,
            min_size=min_size,
            flattening_head=flattening_head,
            channels=channels,
        )

    return build_model(
        img_input,
        outputs,
        name=name,
        weights=contract.weights,
        model_name=name,
        classes=classes,
        rebuild=rebuild if contract.include_top else None,
    )


def check_flag(model_name: str, flag: str, value) -> None:
    """A builder's own boolean option must be True or False."""
    if value not in (True, False):
        raise ValueError(f"{model_name}: {flag} must be True or False, got {value!r}")


_PLACEHOLDER = re.compile(r"^(\s*)\{(\w+)\}$")


def fill_docstring(function: Callable, texts: Mapping[str, str]) -> Callable:
    """Complete ``function``'s docstring with text its family writes once.

    Each docstring line that holds only ``{key}`` becomes ``texts[key]``,
    indented like that line (an empty text drops the line); the text may
    hold such lines in turn. Then ``{key}`` within a line becomes a
    one-line ``texts[key]``, and ``{builder}`` the function's name; other
    braces are left alone. So ``help()`` shows each builder's
    docstring whole while the source holds the shared text once (the site's
    API pages read the same result: docs/hooks/griffe_runtime_docs.py).
    """
    if function.__doc__ is None:  # python -OO strips docstrings
        return function
    lines = function.__doc__.split("\n")
    done = []
    while lines:
        line = lines.pop(0)
        match = _PLACEHOLDER.match(line)
        if match is None:
            done.append(line)
            continue
        indent, key = match.groups()
        if key not in texts:
            raise KeyError(f"{function.__name__}'s docstring asks for {{{key}}}, which is not among {sorted(texts)}")
        lines[:0] = [indent + part if part else part for part in texts[key].split("\n")] if texts[key] else []
    text = "\n".join(done)
    for key, value in {**texts, "builder": function.__name__}.items():
        if "\n" not in value:
            text = text.replace(f"{{{key}}}", value)
    function.__doc__ = text
    return function
