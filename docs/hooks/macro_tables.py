"""Tables generated from the spec files, the registry, the training
recipes and the papers' results; exercises with computed answers."""

from __future__ import annotations

import logging
import posixpath
from typing import Iterable, List, Optional, Sequence

import i18n_words as i18n
import results
from macro_format import TIMES, num, shape, si
from macro_state import FAMILY_PAGES, FAMILY_TITLES, STATE, builder_call, entry, facts_or_warn, registered
from spec_facts import LayerFacts, ModelFacts, model_facts

log = logging.getLogger("mkdocs.hooks.keras_classics")


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
        + (f"source: {facts.source_zh}。" if i18n.language() == "zh" else f"source: {facts.source}.")
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
                    _reason(d),
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
                _reason(c),
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


def _reason(item: dict) -> str:
    """A deviation's or choice's reason in the page's language: ``why``, or
    on a Chinese page ``why_zh`` (the schema requires both). Its asterisks
    are the text's own (6*6*256, *_bn), not Markdown's emphasis."""
    return _oneline(item["why_zh"] if i18n.language() == "zh" else item["why"]).replace("*", "\\*")


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
        rows.append([link, f"`{name}`", "" if facts is None else _year(name), *_size_cells(item, facts)])
    return _sized_table(["network", "model", "year (ILSVRC / paper)"], [":---", ":---", "---:"], rows)


def variants_table(family: str, page=None) -> str:
    """The registered models of ``family``: how to build each, and its size."""
    names = [n for n in registered() if entry(n).family == family]
    if not names:
        raise ValueError(f"no registered model in family {family!r}")
    rows = []
    for name in names:
        item = entry(name)
        facts = facts_or_warn(name)
        rows.append([f"`{name}`", f"`{builder_call(name)}`", i18n.summary(item.summary), *_size_cells(item, facts)])
    if page is not None:
        STATE.documented.setdefault(page.file.src_uri, []).extend(names)
    return _sized_table(["model", "builder", "what it is"], [":---", ":---", ":---"], rows)


def _size_cells(item, facts) -> List[str]:
    """A model's input, depth, parameters and MACs; only the registry's
    input shape where its spec facts are missing."""
    if facts is None:
        return [shape(item.input_shape), "", "", ""]
    return [shape(facts.input_shape), str(facts.depth), num(facts.params), si(facts.macs)]


def _sized_table(header: List[str], align: List[str], rows) -> str:
    """A table of models whose last four columns are `_size_cells`."""
    return _table(header + ["input", "depth", "parameters", "MACs"], align + ["---:"] * 4, rows) + "\n"


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
    chinese = i18n.language() == "zh"
    rows = [
        ["source", r.source_zh if chinese else r.source],
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
    rows = [[i18n.word(label), value] for label, value in rows]
    out = _table(["setting", "value"], [":---", ":---"], rows)
    if chinese:
        return out + f"\n\n**训练配方附带的说明：**{r.notes_zh}\n"
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
        entry_text = row.entry_zh if i18n.language() == "zh" else row.entry
        cells = [entry_text, row.kind, _error(row.top1_val), _error(row.top5_val), _error(row.top5_test), row.source]
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
    if i18n.language() == "zh":
        return f"ILSVRC {challenge}，{published} 年发表"
    return f"ILSVRC {challenge}, published {published}"


def exercises(*items, page=None) -> str:
    """Course-style exercises, each a (question, answer) pair, the answer
    computed by the package when the page is built and folded away. On a
    network's page they end with a link to the explorer, that network's
    layers loaded."""
    out = ["## Exercises {: #exercises }", ""]
    for number, (question, answer) in enumerate(exercise_items(*items), 1):
        out.append(f"**{number}.** {question}")
        out.append("")
        out.append('??? success "Answer"')
        out.append("")
        for line in answer.splitlines():
            out.append(f"    {line}" if line else "")
        out.append("")
    out += _explorer_invitation(page)
    return "\n".join(out) + "\n"


def exercise_items(*items) -> List[tuple]:
    """A page's exercises as (question, answer) text: the question on one
    line, the answer's lines stripped. `exercises` lays them out on the
    site, ``keras-classics exercises`` as a handout (the same items)."""
    if not 3 <= len(items) <= 5:
        raise ValueError(f"a page sets 3 to 5 exercises, got {len(items)}")
    out = []
    for question, answer in items:
        lines = [line.strip() for line in str(answer).strip().splitlines()]
        out.append((" ".join(str(question).split()), "\n".join(lines)))
    return out


def _explorer_invitation(page) -> List[str]:
    import re

    from macro_explorer import FAMILY_PRESETS, explorer_link

    if page is None:
        return []
    source = re.sub(r"\.zh\.md$", ".md", page.file.src_uri)
    family = next((f for f, p in FAMILY_PAGES.items() if p == source), None)
    if family is None:
        return []
    href = explorer_link(page, FAMILY_PRESETS[family])
    title = FAMILY_TITLES[family]
    if i18n.language() == "zh":
        text = (
            f'**动手试试**：<a class="kc-explorer-link" href="{href}">在尺寸计算器中打开 {title} 的各层</a>，'
            "改一个卷积核、步长或填充，看输出尺寸、感受野和计算量怎样随之变化。"
        )
    else:
        text = (
            f'**Try it**: <a class="kc-explorer-link" href="{href}">open {title}\'s layers in the explorer</a>, '
            "change a kernel, a stride or a padding, and watch the output sizes, the receptive field and the cost move."
        )
    return [text, ""]
