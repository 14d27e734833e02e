"""The macros that docs pages call, so that every number on the site comes
from the package.

Each Markdown page is a Jinja template (``{{ ... }}``) rendered at build
time with the names that `context` gives it:

* ``m("vgg16")``: the facts of ``spec/vgg16.yaml`` (`spec_facts.ModelFacts`),
  e.g. ``{{ m("vgg16").layer("fc1").params | num }}``;
* ``arith``: `keras_classics.arithmetic`, for the course's worked claims;
* ``networks_table()``, ``variants_table(family)``, ``spec_table(model)``,
  ``deviations(model)``, ``walk(model, layer, ...)``,
  ``params_formula(model, layer)``: tables and worked arithmetic generated
  from the spec files; ``table(header, rows)`` for a page's own tables;
* ``recipe(family)``: a network's training recipe, from the training code;
* ``module(name)``: a keras_classics module, for its constants;
  ``build_error(name, **kwargs)``: the message a builder refuses them with;
* ``diagram(model)``: the model is built once per docs build, its anatomy
  drawn by `keras_classics.diagram` into the built site (never the source
  tree), and checked against its spec;
* ``source(path, name, ...)``: a definition pulled from the real source;
* ``cli_help(command)``: the command line's own ``--help``.

Filters: ``num`` (34,944), ``si`` (1.14G), ``pct`` (74.3%), ``shape``
(55×55×96), ``tex`` (a number inside math).
"""

from __future__ import annotations

import logging
import math
import os
import posixpath
import time
from typing import Dict, Iterable, List, Optional, Sequence

import i18n_words as i18n
import jinja2
import results
import source_code
import spec_facts
from spec_facts import LayerFacts, ModelFacts, human, model_facts

log = logging.getLogger("mkdocs.hooks.keras_classics")

# Every registered family has a walkthrough page; tests/test_docs.py fails
# when a registered model's family is missing here.
FAMILY_PAGES = {
    "lenet": "networks/lenet.md",
    "alexnet": "networks/alexnet.md",
    "zfnet": "networks/zfnet.md",
    "vgg": "networks/vgg.md",
    "googlenet": "networks/googlenet.md",
    "resnet": "networks/resnet.md",
}
FAMILY_TITLES = {
    "lenet": "LeNet-5",
    "alexnet": "AlexNet",
    "zfnet": "ZFNet",
    "vgg": "VGG",
    "googlenet": "GoogLeNet",
    "resnet": "ResNet",
}
DIAGRAM_DIR = "assets/diagrams"
FIGURE_DIR = "assets/figures"

TIMES = "\u00d7"


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


def num(value) -> str:
    """34944 -> '34,944'."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def si(value) -> str:
    """1135256096 -> '1.14G' (three significant digits)."""
    return human(value)


def pct(value: float, digits: int = 1) -> str:
    """0.7427 -> '74.3%'."""
    return f"{100 * value:.{digits}f}%"


def shape(value: Sequence[int]) -> str:
    """(55, 55, 96) -> '55×55×96'."""
    return TIMES.join(str(v) for v in value)


def tex(value) -> str:
    """A number for TeX: 34944 -> '34{,}944'."""
    if isinstance(value, float):
        if value.is_integer():
            value = int(value)
        else:
            return f"{value:g}"
    return f"{value:,}".replace(",", "{,}")


def mib(n_bytes) -> str:
    """Memory in MiB, or in KiB below 1 MiB (LeNet's activations)."""
    if n_bytes < 2**20:
        return f"{n_bytes / 2**10:.1f} KiB"
    return f"{n_bytes / 2**20:.1f} MiB"


def fixed(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


FILTERS = {"mib": mib, "num": num, "si": si, "pct": pct, "shape": shape, "tex": tex, "fixed": fixed}


# --------------------------------------------------------------------------
# State of one docs build
# --------------------------------------------------------------------------


class BuildState:
    """What one ``mkdocs build`` computes once: built models' anatomies and
    their SVG diagrams, and which models each page documents."""

    def __init__(self):
        self.anatomies: Dict[str, object] = {}
        self.svgs: Dict[str, str] = {}
        self.build_seconds: Dict[str, float] = {}
        self.documented: Dict[str, List[str]] = {}  # page src_uri -> models shown

    def anatomy(self, name: str):
        """The anatomy of the registered model ``name``, built once."""
        if name not in self.anatomies:
            import keras

            import keras_classics
            from keras_classics.anatomy import anatomy

            start = time.perf_counter()
            model = keras_classics.build(name)
            self.anatomies[name] = anatomy(model)
            del model
            keras.backend.clear_session()
            self.build_seconds[name] = time.perf_counter() - start
            self._check_against_spec(name)
        return self.anatomies[name]

    def _check_against_spec(self, name: str) -> None:
        # The site prints spec numbers; a built model that disagrees with
        # them would make the diagram contradict the tables.
        if not spec_facts.has_spec(name):
            return
        facts = model_facts(name)
        built = self.anatomies[name]
        for what, ours, theirs in (("parameters", built.params, facts.params), ("MACs", built.macs, facts.macs)):
            if ours != theirs:
                log.warning(f"{name}: the built model has {ours:,} {what}, {facts.file} implies {theirs:,}")

    def svg(self, name: str) -> str:
        if name not in self.svgs:
            from keras_classics.diagram import to_svg

            self.svgs[name] = to_svg(self.anatomy(name), title=name)
        return self.svgs[name]


STATE = BuildState()


def reset() -> None:
    """Forget everything computed by a previous build (``mkdocs serve``)."""
    global STATE
    STATE = BuildState()
    spec_facts.model_facts.cache_clear()
    spec_facts._raw_document.cache_clear()
    source_code._parse.cache_clear()


# --------------------------------------------------------------------------
# The registry, read once
# --------------------------------------------------------------------------


def registered() -> List[str]:
    import keras_classics

    return keras_classics.list_models()


def entry(name: str):
    import keras_classics

    return keras_classics.get_entry(name)


def facts_or_warn(name: str) -> Optional[ModelFacts]:
    if not spec_facts.has_spec(name):
        log.warning(f"registered model {name!r} has no spec file spec/{name}.yaml; its row is left empty")
        return None
    return model_facts(name)


def builder_call(name: str) -> str:
    """How to get the registered model ``name`` from its builder."""
    item = entry(name)
    kwargs = {k: v for k, v in item.kwargs.items() if k != "name"}
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"{item.builder.__name__}({args})"


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------


def _table(header: Sequence[str], align: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(i18n.word(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def _pair_text(value) -> str:
    if isinstance(value, (list, tuple)):
        a, b = value
        return str(a) if a == b else f"{a}{TIMES}{b}"
    return str(value)


def _padding_text(lf: LayerFacts) -> str:
    f = lf.layer.fields
    if lf.type == "zero_padding":
        p = lf.padding
        return f"{p[0]}/{p[1]} px" if p[0] != p[1] else f"{p[0]} px"
    if "padding" not in f:
        return ""
    word = f["padding"]
    if word == "same" and lf.padding is not None:
        before, after = lf.padding
        return f"same ({before}/{after})" if before != after else f"same ({before})"
    return str(word)


def _maps(lf: LayerFacts) -> str:
    f = lf.layer.fields
    for key in ("filters", "units"):
        if f.get(key) is not None:
            text = str(f[key])
            if f.get("groups", 1) != 1:
                text += f" ({f['groups']} groups)"
            return text
    if lf.type == "lrn":
        return f"n={f['size']}"
    if lf.type == "dropout":
        return f"rate {f['rate']}"
    return ""


def _kernel(lf: LayerFacts) -> str:
    f = lf.layer.fields
    if "kernel" in f:
        return _pair_text(f["kernel"])
    if "pool" in f:
        return _pair_text(f["pool"])
    return ""


def _stride(lf: LayerFacts) -> str:
    f = lf.layer.fields
    return _pair_text(f["stride"]) if "stride" in f and f["stride"] is not None else ""


def _rf(lf: LayerFacts) -> str:
    rf = lf.receptive_field
    if rf is None or len(lf.output_shape) != 3:
        return ""
    return f"{rf.size} / {rf.jump}"


def _inputs(facts: ModelFacts, lf: LayerFacts, previous: str) -> str:
    if list(lf.layer.inputs) == [previous]:
        return ""
    # Inside a module or block, name the inputs without the prefix they
    # share with this layer ("inception3a_1x1" -> "1x1"): the table stays
    # narrow and the branch still reads.
    prefix = lf.name.split("_")[0] + "_"
    if lf.name.startswith(("conv",)) and "_block" in lf.name:
        prefix = "_".join(lf.name.split("_")[:2]) + "_"
    names = [n[len(prefix) :] if n.startswith(prefix) and len(lf.layer.inputs) > 1 else n for n in lf.layer.inputs]
    return ", ".join(f"`{name}`" for name in names)


_SHORT_TYPES = {
    "conv2d": "conv",
    "sparse_conv2d": "sparse conv",
    "max_pool": "max pool",
    "avg_pool": "avg pool",
    "global_avg_pool": "global avg pool",
    "global_max_pool": "global max pool",
    "batch_norm": "batch norm",
    "zero_padding": "zero pad",
    "zero_pad_shortcut": "zero-pad shortcut",
}


def _kind(lf: LayerFacts) -> str:
    activation = lf.layer.fields.get("activation")
    if lf.type == "activation":
        return str(activation)
    kind = _SHORT_TYPES.get(lf.type, lf.type.replace("_", " "))
    return kind if activation in (None, "linear") else f"{kind}, {activation}"


def spec_table(model: str) -> str:
    """The layer table of ``spec/<model>.yaml``, with the arithmetic the
    site adds (MACs and receptive field) computed from the same file."""
    facts = model_facts(model)
    deviating = set()
    for item in facts.spec.deviations:
        deviating.update(_matching(facts, item.get("layers", [])))
    rows = []
    previous = "input"
    branched = False
    for lf in facts.layers.values():
        mark = " †" if lf.name in deviating else ""
        kernel, stride = _kernel(lf), _stride(lf)
        window = f"{kernel} / {stride}" if kernel else (f"– / {stride}" if stride else "")
        padding = _padding_text(lf)
        if padding:
            window = f"{window}, {padding}" if window else padding
        kind = i18n.word(_kind(lf))
        inputs = _inputs(facts, lf, previous)
        branched = branched or bool(inputs)
        # The YAML line is a tooltip on the name: a reader who wants it
        # hovers, and the table keeps its width for the numbers.
        where = f"{facts.file}, line {lf.layer.line}"
        rows.append(
            [
                f'<code title="{where}">{lf.name}</code>{mark}',
                kind,
                inputs,
                window,
                _maps(lf),
                shape(lf.output_shape),
                num(lf.params) if lf.params else "",
                si(lf.macs) if lf.macs else "",
                _rf(lf),
            ]
        )
        previous = lf.name
    header = ["layer", "type", "from", "kernel / stride, padding", "maps", "output", "params", "MACs", "RF / jump"]
    align = [":---", ":---", ":---", ":---", "---:", "---:", "---:", "---:", "---:"]
    if not branched:
        # A chain: every layer reads the one before, so the column is empty.
        for row in rows:
            del row[2]
        del header[2], align[2]
    table = _table(header, align, rows)
    trainable = facts.trainable_params
    totals = (
        f"**{facts.name}**: input {shape(facts.input_shape)}, {len(facts.layers)} layers, "
        f"depth {facts.depth}, {num(facts.params)} parameters"
        + (f" ({num(trainable)} trainable)" if trainable != facts.params else "")
        + f", {si(facts.macs)} MACs per image. "
        f"Generated from `{facts.file}` (hover over a layer's name for its line there); "
        f"source: {facts.source}."
    )
    legend = ""
    if deviating:
        legend = " † marks a layer listed under `deviations` (see below)."
    note = (
        "\n\n*MACs: multiply-accumulates for one image (convolutions and fully connected "
        "layers). RF: receptive field along the height in input pixels, and the jump "
        "between neighbouring units.*" + legend
    )
    return f'<div class="kc-spec-table" markdown>\n\n{table}\n\n{totals}{note}\n\n</div>\n'


def _matching(facts: ModelFacts, patterns: Sequence[str]) -> List[str]:
    import fnmatch

    names = list(facts.layers)
    out = []
    for pattern in patterns:
        out += [n for n in names if fnmatch.fnmatchcase(n, pattern)]
    return out


def deviations(model: str, kind: str = "both") -> str:
    """The spec's ``deviations`` (and ``choices``) as tables, with their why."""
    facts = model_facts(model)
    parts = []
    if kind in ("both", "deviations"):
        if facts.spec.deviations:
            rows = [
                [
                    ", ".join(f"`{n}`" for n in d.get("layers", [])),
                    str(d.get("field", "")),
                    _value(d.get("paper")),
                    _value(d.get("ours")),
                    _oneline(d.get("why", "")),
                ]
                for d in facts.spec.deviations
            ]
            parts.append(
                f"Deviations of `{model}` from the paper (`{facts.file}`):\n\n"
                + _table(["layers", "field", "paper", "ours", "why"], [":---"] * 5, rows)
            )
        else:
            parts.append(f"`{facts.file}` lists no deviation from the paper.")
    if kind in ("both", "choices") and facts.spec.choices:
        rows = [
            [
                ", ".join(f"`{n}`" for n in c.get("layers", [])),
                str(c.get("field", "")),
                _value(c.get("value")),
                _oneline(c.get("why", "")),
            ]
            for c in facts.spec.choices
        ]
        parts.append(
            f"What the paper leaves open, as decided in `{facts.file}`:\n\n"
            + _table(["layers", "field", "value", "why"], [":---"] * 4, rows)
        )
    return "\n\n".join(parts) + "\n"


def _value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return f"`{value}`" if value is not None else ""


def _oneline(text) -> str:
    return " ".join(str(text).split())


def _year(model: str) -> str:
    """The publication year, preceded by the challenge's where they differ
    (ZFNet: ILSVRC 2013, published 2014)."""
    facts = model_facts(model)
    published = str(facts.year) if facts.year else ""
    challenge = results.CHALLENGE_YEAR.get(entry(model).family)
    if challenge is None or str(challenge) == published:
        return published
    return f"{challenge} / {published}"


def networks_table(page=None) -> str:
    """Every registered model, grouped by network, from its spec file."""
    order = list(FAMILY_PAGES)
    names = sorted(registered(), key=lambda n: order.index(entry(n).family) if entry(n).family in order else len(order))
    rows = []
    shown = set()
    for name in names:
        item = entry(name)
        facts = facts_or_warn(name)
        link = ""
        if item.family not in shown:
            shown.add(item.family)
            link = _link(page, FAMILY_PAGES.get(item.family, ""), FAMILY_TITLES.get(item.family, item.family))
        if facts is None:
            rows.append([link, f"`{name}`", "", shape(item.input_shape), "", "", ""])
            continue
        rows.append(
            [
                link,
                f"`{name}`",
                _year(name),
                shape(facts.input_shape),
                str(facts.depth),
                num(facts.params),
                si(facts.macs),
            ]
        )
    return (
        _table(
            ["network", "model", "year (ILSVRC / paper)", "input", "depth", "parameters", "MACs"],
            [":---", ":---", "---:", "---:", "---:", "---:", "---:"],
            rows,
        )
        + "\n"
    )


def variants_table(family: str, page=None) -> str:
    """The registered models of ``family``: how to build each, and its size."""
    names = [n for n in registered() if entry(n).family == family]
    if not names:
        raise ValueError(f"no registered model in family {family!r}")
    rows = []
    for name in names:
        item = entry(name)
        facts = facts_or_warn(name)
        cells = [f"`{name}`", f"`{builder_call(name)}`", i18n.summary(item.summary)]
        if facts is None:
            cells += [shape(item.input_shape), "", "", ""]
        else:
            cells += [shape(facts.input_shape), str(facts.depth), num(facts.params), si(facts.macs)]
        rows.append(cells)
    if page is not None:
        STATE.documented.setdefault(page.file.src_uri, []).extend(names)
    return (
        _table(
            ["model", "builder", "what it is", "input", "depth", "parameters", "MACs"],
            [":---", ":---", ":---", "---:", "---:", "---:", "---:"],
            rows,
        )
        + "\n"
    )


def _link(page, target: str, text: str) -> str:
    if not target or page is None:
        return text
    here = posixpath.dirname(page.file.src_uri)
    return f"[{text}]({posixpath.relpath(target, here or '.')})"


def table(header: Sequence[str], rows: Iterable[Sequence], align: Optional[Sequence[str]] = None) -> str:
    """A Markdown table from a page's own rows (numbers right-aligned)."""
    rows = [list(r) for r in rows]
    if align is None:
        align = [":---"] + ["---:"] * (len(header) - 1)
    return _table(header, align, [[str(c) for c in r] for r in rows]) + "\n"


def recipe(family: str) -> str:
    """The paper's training recipe for ``family``, as the training code holds it."""
    from keras_classics.training.augment import get_scheme
    from keras_classics.training.recipes import RECIPES

    r = RECIPES[family]
    scheme = get_scheme(r.preprocess)
    schedule = {
        "plateau": f"divide by {1 / r.lr_factor:g} when the validation loss stalls for {r.lr_patience} "
        f"epochs, at most {r.max_lr_drops} times",
        "exponential": f"multiply by {r.lr_factor:g} every {r.decay_every} epochs",
        "step": f"multiply by {r.lr_factor:g} at epochs {', '.join(map(str, r.lr_milestones))}",
        "constant": "constant",
    }[r.schedule]
    crops = "none (resized to the input)"
    if scheme.train_sides:
        low, high = scheme.train_sides
        sides = f"{low}" if low == high else f"{low} to {high}"
        crops = f"shorter side {sides}, random 224 crop (scaled to the input)"
        if scheme.flip:
            crops += ", horizontal flips"
        if scheme.lighting:
            crops += f", PCA colour noise (std {scheme.lighting:g})"
    rows = [
        ["source", r.source],
        ["optimizer", f"{r.optimizer}, momentum {r.momentum:g}" if r.optimizer == "sgd" else r.optimizer],
        ["learning rate", f"{r.learning_rate:g} at batch {r.batch_size} (scaled linearly with the batch)"],
        ["weight decay", f"{r.weight_decay:g} (L2, coupled)" if r.weight_decay else "none"],
        ["schedule", f"`{r.schedule}`: {schedule}"],
        ["epochs", str(r.epochs)],
        ["preprocessing", f"`{r.preprocess}`: {scheme.normalize.replace('_', ' ')}"],
        ["augmentation", crops],
    ]
    if family == "googlenet":
        rows.append(["auxiliary loss weight", f"{r.aux_loss_weight:g}"])
    out = _table(["setting", "value"], [":---", ":---"], rows)
    return out + f"\n\n*Notes kept with the recipe:* {r.notes}\n"


def _error(value) -> str:
    """An error rate as the papers print it: 36.0%, 19.38%."""
    if value is None:
        return "–"
    text = f"{value:.2f}".rstrip("0")
    return (text + "0" if text.endswith(".") else text) + "%"


def results_table(family: Optional[str] = None, page=None) -> str:
    """The ILSVRC error rates the papers report: the headline single model
    and ensemble of every network (``family=None``), or every row a
    network's paper reports (its page)."""
    rows = []
    for row in results.RESULTS:
        if family is None and not row.headline:
            continue
        if family is not None and row.family != family:
            continue
        cells = [row.entry, row.kind, _error(row.top1_val), _error(row.top5_val), _error(row.top5_test), row.source]
        if family is None:
            title = FAMILY_TITLES[row.family]
            cells.insert(
                0, f"{_link(page, FAMILY_PAGES[row.family], title)} (ILSVRC {results.CHALLENGE_YEAR[row.family]})"
            )
        rows.append(cells)
    if not rows:
        raise ValueError(f"no ILSVRC result recorded for {family!r}")
    header = ["entry", "kind", "top-1 val", "top-5 val", "top-5 test", "from"]
    if family is None:
        header.insert(0, "network")
    align = [":---"] * (2 if family is not None else 3) + ["---:"] * 3 + [":---"]
    return _table(header, align, rows) + "\n"


def result_value(key: str) -> str:
    """One top-1 figure a page quotes in its prose, with its table."""
    row = results.by_key(key)
    return f"{_error(row.top1_val)}"


def years(family: str) -> str:
    """'2012', or 'ILSVRC 2013, published 2014' where the two differ."""
    names = [n for n in registered() if entry(n).family == family]
    published = model_facts(names[0]).year if names else None
    challenge = results.CHALLENGE_YEAR.get(family)
    if challenge is None or challenge == published:
        return str(published or challenge)
    return f"ILSVRC {challenge}, published {published}"


def exercises(*items) -> str:
    """Course-style exercises, each a (question, answer) pair, the answer
    computed by the package when the page is built and folded away."""
    if not 3 <= len(items) <= 5:
        raise ValueError(f"a page sets 3 to 5 exercises, got {len(items)}")
    out = ["## Exercises {: #exercises }", ""]
    for number, (question, answer) in enumerate(items, 1):
        out.append(f"**{number}.** {' '.join(str(question).split())}")
        out.append("")
        out.append('??? success "Answer"')
        out.append("")
        for line in str(answer).strip().splitlines():
            out.append(f"    {line.strip()}" if line.strip() else "")
        out.append("")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# Worked arithmetic
# --------------------------------------------------------------------------


def _floor_formula(size: int, before: int, after: int, kernel: int, stride: int, out: int) -> str:
    pad = f" + {before} + {after}" if before or after else ""
    if stride == 1:
        return f"{size}{pad} - {kernel} + 1 = {out}"
    return rf"\left\lfloor \frac{{{size}{pad} - {kernel}}}{{{stride}}} \right\rfloor + 1 = {out}"


def _rf_formula(before, after, kernel: int, stride: int) -> str:
    """The receptive-field recurrence with the layer's numbers in it."""
    if before is None or after is None:
        return ""
    return (
        f"$r = {before.size} + ({kernel} - 1) \\cdot {before.jump} = {after.size}$ pixels, "
        f"jump $j = {before.jump} \\cdot {stride} = {after.jump}$"
    )


def _check(facts: ModelFacts, lf: LayerFacts, what: str, ours, declared) -> None:
    if ours != declared:
        log.warning(f"{facts.file}:{lf.layer.line} {lf.name}: the worked {what} gives {ours}, the spec says {declared}")


def walk(model: str, *names: str) -> str:
    """Each named layer of ``spec/<model>.yaml`` with its output size,
    parameters, MACs and receptive field worked out from its fields."""
    facts = model_facts(model)
    items = []
    for name in names:
        lf = facts.layer(name)
        source = lf.layer.inputs[0] if lf.layer.inputs else "input"
        rf_before = spec_facts.ReceptiveField() if source == "input" else facts.layer(source).receptive_field
        items.append(_walk_one(facts, lf, rf_before))
    return "\n".join(items) + "\n"


def _check_rule(facts: ModelFacts, lf: LayerFacts) -> None:
    """The layer type's own rule (the one `pytest spec/` applies) against
    the output size and parameter count the page is about to print."""
    implied = spec_facts.LAYER_TYPES[lf.type].expected(lf.layer.fields, [list(s) for s in lf.input_shapes])
    _check(facts, lf, "output shape", tuple(implied.shape), lf.output_shape)
    _check(facts, lf, "parameter count", implied.params, lf.params)


def _walk_one(facts: ModelFacts, lf: LayerFacts, rf_before) -> str:
    f = lf.layer.fields
    t = lf.type
    lines: List[str] = []
    in_shape = lf.input_shape if lf.input_shapes else ()
    out = lf.output_shape
    head = f"- **`{lf.name}`**"
    _check_rule(facts, lf)
    if t in ("conv2d", "sparse_conv2d", "max_pool", "avg_pool", "subsampling"):
        kernel = spec_facts.pair(f.get("kernel", f.get("pool")))[0]
        stride = spec_facts.pair(f["stride"])[0]
        before, after = lf.padding
        what = f"{kernel}{TIMES}{kernel} " + {
            "conv2d": "convolution, {filters} filters",
            "sparse_conv2d": "convolution over a connection table, {filters} maps",
            "max_pool": "max pooling",
            "avg_pool": "average pooling",
            "subsampling": "trainable subsampling",
        }[t].format(filters=f.get("filters"))
        padding = f.get("padding", "valid")
        pad_words = (
            "no padding"
            if (before, after) == (0, 0)
            else (
                f"{before} pixel{'s' if before != 1 else ''} before and {after} after"
                if before != after
                else f"{before} pixel{'s' if before != 1 else ''} on each side"
            )
        )
        if padding == "same":
            pad_words = (
                "`same` padding, which pads nothing here"
                if (before, after) == (0, 0)
                else f"`same` padding: {pad_words}"
            )
        lines.append(f"{head}: {what}, stride {stride}, {pad_words}, on {shape(in_shape)}.")
        size = in_shape[0]
        lines.append(
            f"    - output size: ${_floor_formula(size, before, after, kernel, stride, out[0])}$, so {shape(out)}"
        )
        if padding == "same" and stride > 1:
            lines.append(
                rf"    - with `same`, TensorFlow aims at $\lceil {size} / {stride} \rceil = {out[0]}$ "
                f"and pads whatever that needs, the odd pixel after"
            )
        if t == "conv2d":
            groups = f["groups"]
            c = in_shape[-1] // groups
            bias = " + 1" if f["use_bias"] else ""
            group_words = (
                f" (each filter sees {c} of the {in_shape[-1]} input maps: {groups} groups)" if groups > 1 else ""
            )
            lines.append(
                f"    - parameters: $({kernel} \\cdot {kernel} \\cdot {c}{bias}) \\cdot {f['filters']} = "
                f"{tex(lf.params)}${group_words}"
                if bias
                else f"    - parameters: ${kernel} \\cdot {kernel} \\cdot {c} \\cdot {f['filters']} = {tex(lf.params)}$ "
                f"(no bias){group_words}"
            )
            lines.append(
                f"    - MACs: ${out[0]} \\cdot {out[1]} \\cdot {f['filters']} \\cdot ({kernel} \\cdot {kernel} \\cdot {c}) "
                f"= {tex(lf.macs)}$"
            )
        elif t == "sparse_conv2d":
            n = spec_facts.connection_count(f["connections"])
            lines.append(
                f"    - parameters: ${kernel} \\cdot {kernel} \\cdot {n} + {f['filters']} = {tex(lf.params)}$ "
                f"({n} input-output map pairs, one bias per map)"
            )
            lines.append(
                f"    - MACs: ${out[0]} \\cdot {out[1]} \\cdot {kernel} \\cdot {kernel} \\cdot {n} = {tex(lf.macs)}$"
            )
        elif t == "subsampling":
            lines.append(
                f"    - parameters: $2 \\cdot {in_shape[-1]} = {tex(lf.params)}$ (a coefficient and a bias per map)"
            )
        else:
            lines.append("    - parameters: none")
        dilation = spec_facts.pair(f.get("dilation", 1))[0]
        lines.append(
            f"    - receptive field: {_rf_formula(rf_before, lf.receptive_field, dilation * (kernel - 1) + 1, stride)}"
        )
    elif t == "zero_padding":
        (top, bottom) = lf.padding
        lines.append(f"{head}: zero padding, {top} pixel{'s' if top != 1 else ''} before and {bottom} after.")
        lines.append(f"    - output size: ${in_shape[0]} + {top} + {bottom} = {out[0]}$")
    elif t == "dense":
        n_in = in_shape[-1]
        units = f["units"]
        bias = f" + {tex(units)}" if f["use_bias"] else ""
        lines.append(f"{head}: fully connected, {num(n_in)} inputs to {num(units)} units.")
        lines.append(f"    - parameters: ${tex(n_in)} \\cdot {tex(units)}{bias} = {tex(lf.params)}$")
        lines.append(f"    - MACs: ${tex(n_in)} \\cdot {tex(units)} = {tex(lf.macs)}$")
    elif t == "rbf":
        lines.append(f"{head}: Euclidean RBF units, {in_shape[-1]} inputs to {f['units']} outputs.")
        lines.append(
            f"    - fixed prototypes: ${in_shape[-1]} \\cdot {f['units']} = {tex(lf.weights)}$ numbers, "
            f"{num(lf.params - (facts.layer(lf.name).get('trainable_params') or 0))} of them not trained"
        )
    elif t == "flatten":
        product = r" \cdot ".join(str(d) for d in in_shape)
        lines.append(f"{head}: the {shape(in_shape)} maps become one vector, ${product} = {tex(out[0])}$ numbers.")
    elif t in ("global_avg_pool", "global_max_pool"):
        kind = "average" if t == "global_avg_pool" else "maximum"
        lines.append(
            f"{head}: the {kind} of each of the {in_shape[-1]} maps over all "
            f"${in_shape[0]} \\times {in_shape[1]}$ positions: {out[0]} numbers, no parameters."
        )
    elif t == "concat":
        channels = [s[-1] for s in lf.input_shapes]
        lines.append(
            f"{head}: stacks {len(channels)} branches along the channels, "
            f"${' + '.join(str(c) for c in channels)} = {out[-1]}$, so {shape(out)}."
        )
    elif t == "add":
        lines.append(
            f"{head}: adds {' and '.join(f'`{n}`' for n in lf.layer.inputs)}, both {shape(out)}; no parameters."
        )
    elif t == "batch_norm":
        c = out[-1]
        lines.append(
            f"{head}: batch norm over {c} channels, $4 \\cdot {c} = {tex(lf.params)}$ numbers: "
            f"$\\gamma$ and $\\beta$ are trained, the moving mean and variance are not."
        )
    elif t == "zero_pad_shortcut":
        stride = spec_facts.pair(f["stride"])[0]
        every = {2: "second", 3: "third", 4: "fourth"}.get(stride, f"{stride}th")
        lines.append(
            f"{head}: takes every {every} pixel ($\\lceil {in_shape[0]} / {stride} \\rceil = {out[0]}$) "
            f"and pads the {in_shape[-1]} channels with zeros to {out[-1]}; no parameters."
        )
    elif t == "lrn":
        lines.append(
            f"{head}: local response normalisation across {f['size']} neighbouring maps "
            f"($k = {f['bias']:g}$, $\\alpha = {_tex_float(f['alpha'])}$, $\\beta = {f['beta']:g}$); "
            f"keeps {shape(out)}, no parameters."
        )
    elif t == "dropout":
        lines.append(
            f"{head}: while training, zeroes each of its {num(math.prod(out))} inputs with probability "
            f"{f['rate']:g} (and scales the rest by $1/{1 - f['rate']:g}$); does nothing at inference."
        )
    elif t == "activation":
        lines.append(f"{head}: applies `{f['activation']}` to {shape(out)}; no parameters.")
    else:
        lines.append(f"{head}: {t}, keeps {shape(out)}; no parameters.")
    return "\n".join(lines)


def _tex_float(value: float) -> str:
    """1e-4 -> '10^{-4}', 2e-05 -> '2 \\cdot 10^{-5}'."""
    mantissa, exponent = f"{value:e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else f"{mantissa} \\cdot {power}"


# --------------------------------------------------------------------------
# Diagrams, code, command line
# --------------------------------------------------------------------------


def diagram(model: str, page, config, files, caption: str = "") -> str:
    """Build ``model``, draw it into the built site and link it."""
    from mkdocs.structure.files import File

    uri = f"{DIAGRAM_DIR}/{model}.svg"
    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, content=STATE.svg(model)))
    STATE.documented.setdefault(page.file.src_uri, []).append(model)
    here = posixpath.dirname(page.file.src_uri)
    link = posixpath.relpath(uri, here or ".")
    built = STATE.anatomy(model)
    text = caption or (
        f"`{model}` as built by the package: {num(built.params)} parameters, "
        f"{si(built.macs)} MACs. Blue: convolutions; green: pooling; orange: fully connected; "
        f"purple: normalisation; red: merges. Drawn with `keras-classics plot {model}`; "
        f"click it to open it at full size."
    )
    return (
        f'<figure class="kc-diagram" markdown>\n<div class="kc-diagram-scroll" markdown>\n\n'
        f"[![Diagram of {model}]({link})]({link})\n\n</div>\n<figcaption markdown>\n\n{text}\n\n</figcaption>\n</figure>\n"
    )


def _generated(uri: str, content: str, config, files) -> None:
    from mkdocs.structure.files import File

    if files.get_file_from_path(uri) is None:
        files.append(File.generated(config, uri, content=content))


def _figure_html(page, uri: str, alt: str, caption: str, kind: str = "kc-diagram") -> str:
    here = posixpath.dirname(page.file.src_uri)
    link = posixpath.relpath(uri, here or ".")
    return (
        f'<figure class="{kind}" markdown>\n<div class="kc-diagram-scroll" markdown>\n\n'
        f"[![{alt}]({link})]({link})\n\n</div>\n<figcaption markdown>\n\n{caption}\n\n</figcaption>\n</figure>\n"
    )


def block_diagram(model: str, page, config, files, caption: str = "") -> str:
    """A residual network drawn block by block (`diagram.to_block_svg`)."""
    from keras_classics.diagram import to_block_svg

    uri = f"{DIAGRAM_DIR}/{model}-blocks.svg"
    built = STATE.anatomy(model)
    _generated(uri, to_block_svg(built, title=model), config, files)
    STATE.documented.setdefault(page.file.src_uri, []).append(model)
    text = caption or (
        f"`{model}` as built by the package, one box per residual block: {num(built.params)} parameters, "
        f"{si(built.macs)} MACs. Each shortcut is drawn beside the block it skips and enters the "
        f"addition (+) below it: dashed for identity shortcuts, solid red for 1×1 projections, dotted "
        f"for zero-padding ones. `keras-classics plot {model}` draws every layer."
    )
    return _figure_html(page, uri, f"Block diagram of {model}", text)


def figure(name: str, page, config, files, caption: str) -> str:
    """A teaching figure of `keras_classics.figures`, drawn at build time."""
    from keras_classics.figures import FIGURES

    if name not in FIGURES:
        raise ValueError(f"no teaching figure {name!r}; known: {sorted(FIGURES)}")
    uri = f"{FIGURE_DIR}/{name}.svg"
    _generated(uri, FIGURES[name](), config, files)
    return _figure_html(page, uri, f"Teaching figure: {name.replace('-', ' ')}", caption, "kc-diagram kc-figure")


def source(path: str, *names: str, docstring: bool = True, comments: bool = True) -> str:
    """Fenced code blocks with the named definitions from ``path``."""
    blocks = []
    for name in names:
        snippet = source_code.extract(path, name, docstring=docstring, comments=comments)
        numbering = f' linenums="{snippet.first_line}"' if docstring else ""
        title = f"{path}, lines {snippet.first_line}\u2013{snippet.last_line}"
        blocks.append(f'```python title="{title}"{numbering}\n{snippet.text}\n```')
    return "\n\n".join(blocks) + "\n"


def cli_help(*command: str, width: int = 88) -> str:
    """``keras-classics <command> --help`` as the parser prints it."""
    import argparse

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        from keras_classics.cli import make_parser

        parser = make_parser()
        for word in command:
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            parser = sub.choices[word]
        text = parser.format_help()
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    return f"```text\n{text.rstrip()}\n```\n"


def params_formula(model: str, layer: str) -> str:
    """How a conv or dense layer's parameter count is made, e.g.
    '(11·11·3 + 1)·96', read from its spec fields (checked against them)."""
    facts = model_facts(model)
    lf = facts.layer(layer)
    f = lf.layer.fields
    dot = "\u00b7"
    if lf.type == "conv2d":
        kh, kw = spec_facts.pair(f["kernel"])
        c = lf.input_shape[-1] // f["groups"]
        text = (
            f"({kh}{dot}{kw}{dot}{c} + 1){dot}{f['filters']}"
            if f["use_bias"]
            else f"{kh}{dot}{kw}{dot}{c}{dot}{f['filters']}"
        )
    elif lf.type == "dense":
        n = lf.input_shape[-1]
        text = f"{n}{dot}{f['units']}" + (f" + {f['units']}" if f["use_bias"] else "")
        if lf.layer.inputs and facts.layers.get(lf.layer.inputs[0]) is not None:
            source = facts.layer(lf.layer.inputs[0])
            if source.type == "flatten" and len(source.input_shape) == 3:
                h, w, ch = source.input_shape
                text = f"{h}{dot}{w}{dot}{ch}{dot}{f['units']}" + (f" + {f['units']}" if f["use_bias"] else "")
    else:
        raise ValueError(f"params_formula: {model}/{layer} is a {lf.type} layer; only conv2d and dense")
    _check_rule(facts, lf)
    return text


def package_module(name: str):
    """A module of the package, for its constants (``SCALED_TANH_AMPLITUDE``)."""
    import importlib

    if not (name == "keras_classics" or name.startswith("keras_classics.")):
        raise ValueError(f"module() only reads keras_classics modules, not {name!r}")
    return importlib.import_module(name)


def build_error(name: str, **kwargs) -> str:
    """The message with which the registered ``name`` refuses ``kwargs``;
    the build fails if it does not refuse them."""
    shape_arg = kwargs.get("input_shape")
    if isinstance(shape_arg, list):
        kwargs["input_shape"] = tuple(shape_arg)
    try:
        entry(name).build(**kwargs)
    except ValueError as error:
        return str(error)
    raise AssertionError(f"{name}({kwargs}) was expected to raise ValueError and did not")


# --------------------------------------------------------------------------
# Rendering a page
# --------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        # "{#" starts Markdown attribute lists ({#id}); keep it literal.
        comment_start_string="{#%",
        comment_end_string="%#}",
    )
    env.filters.update(FILTERS)
    env.filters["texf"] = _tex_float
    return env


_ENV = _environment()


# The macros whose Markdown holds words as well as numbers: on a Chinese
# page their output is rewritten by i18n_words (the numbers stay as made).
LOCALIZED_MACROS = (
    "networks_table",
    "variants_table",
    "spec_table",
    "deviations",
    "walk",
    "diagram",
    "block_diagram",
    "figure",
    "recipe",
    "results_table",
    "exercises",
)


def context(page, config, files) -> dict:
    names = _context(page, config, files)
    for name in LOCALIZED_MACROS:
        names[name] = i18n.localized(names[name])
    return names


def _context(page, config, files) -> dict:
    from keras_classics import arithmetic

    return {
        "m": model_facts,
        "arith": arithmetic,
        "anatomy": lambda name: STATE.anatomy(name),
        "entry": entry,
        "builder_call": builder_call,
        "networks_table": lambda: networks_table(page),
        "variants_table": lambda family: variants_table(family, page),
        "spec_table": spec_table,
        "deviations": deviations,
        "walk": walk,
        "diagram": lambda model, caption="": diagram(model, page, config, files, caption),
        "block_diagram": lambda model, caption="": block_diagram(model, page, config, files, caption),
        "figure": lambda name, caption: figure(name, page, config, files, caption),
        "source": source,
        "cli_help": cli_help,
        "table": table,
        "params_formula": params_formula,
        "module": package_module,
        "build_error": build_error,
        "recipe": recipe,
        "link": lambda target, text: _link(page, target, text),
        "family_pages": FAMILY_PAGES,
        "results_table": lambda family=None: results_table(family, page),
        "result_value": result_value,
        "years": years,
        "exercises": exercises,
        "mib": mib,
        "english_page": english_page,
        "lab_page": lambda src_uri: i18n.localize_lab(english_page(src_uri)),
    }


def english_page(src_uri: str) -> str:
    """A generated English page's body below its title, shown as it is on
    its Chinese twin (the program that writes it writes English)."""
    with open(os.path.join(_DOCS, src_uri), encoding="utf-8") as source:
        text = source.read()
    lines = text.splitlines()
    while lines and not lines[0].startswith("# "):
        lines.pop(0)
    return "\n".join(lines[1:]) + "\n"


_DOCS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Pages written by a program (benchmarks/bench.py), not templates.
GENERATED_PAGES = frozenset({"performance.md"})


def render(markdown: str, page, config, files) -> str:
    """``markdown`` with every ``{{ ... }}`` replaced."""
    i18n.set_language(i18n.page_language(page, config))
    if page.file.src_uri in GENERATED_PAGES or ("{{" not in markdown and "{%" not in markdown):
        return markdown
    template = _ENV.from_string(markdown)
    return template.render(**context(page, config, files))
