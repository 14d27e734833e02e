"""The site's Lab pages, written from finished results (nothing is trained).

`write_pages` reads ``<results>/<experiment>/summary.json`` (and the
figures beside it) and writes, in English and in Chinese, ``index.md``
plus one page per experiment: the claim, the setup, the command, how a
verdict is reached with each check's declared effect size, the verdict and
each check's interval and detectable effect, the figures, the table, the
reading a person wrote into ``discussion.md`` (``discussion.zh.md``)
beside the results, and the provenance. An experiment not run yet gets a
page that says so and gives the command; one whose summary predates the
current format says that, and shows none of its old numbers.

`measured_line` is the one line a network or concept page shows for an
experiment (numbers, interval, verdict), from the same summary.

Every word comes from `keras_classics.lab.words` and the declared words'
Chinese from `keras_classics.lab.translations`. The pages are plain
Markdown (the site renders every page as a Jinja template, so nothing
here writes braces).
"""

from __future__ import annotations

import json
import os
from typing import Dict, List, Optional

from keras_classics.lab import statistics as st
from keras_classics.lab.experiments import EXPERIMENTS
from keras_classics.lab.results import SUMMARY_FORMAT, check_number, compared_units, format_value, markdown_table
from keras_classics.lab.spec import Experiment
from keras_classics.lab.words import LANGUAGES, RULE, page_text, reason, words_for

# A person's reading of a finished result (why it did or did not
# reproduce), kept beside the numbers and shown on the page.
DISCUSSION = "discussion.md"

NETWORK_DESCRIPTIONS = {
    "alexnet_small": "alexnet_small: AlexNet's rows (conv 32 5x5, conv 64 5x5, conv 64 3x3, each with max pooling) "
    "and classifier, via `alexnet.features` and `alexnet.classifier`",
    "vgg_small": "vgg_small: a 3x3 stem and two VGG stages of 32 maps (`vgg.conv_block`, `vgg.vgg_stage`)",
    "inception_small": "inception_small: Table 1's inception rows scaled down four times "
    "(`googlenet.inception_block`, `googlenet.auxiliary_classifier`)",
    "plain_deep": "plain_deep: 30 `vgg.conv_block`s of 16 3x3 maps",
    "resnet_cifar": "resnet_cifar: `resnet.cifar_resnet` of Sec. 4.2, unchanged",
}


def page_name(name: str, language: str) -> str:
    return f"{name}.md" if language == "en" else f"{name}.{language}.md"


def load_summary(results: str, name: str) -> Optional[dict]:
    path = os.path.join(results, name, "summary.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def current(summary: Optional[dict]) -> bool:
    """Whether a summary has this version's layout (older ones are not shown)."""
    return summary is not None and summary.get("format") == SUMMARY_FORMAT


class _Page:
    """The declared words of one experiment in one language."""

    def __init__(self, experiment: Experiment, language: str):
        from keras_classics.lab.translations import DECLARED, NETWORKS

        self.experiment = experiment
        self.language = language
        self.words = words_for(language)
        self.zh = DECLARED[experiment.name] if language == "zh" else None
        self.networks = NETWORKS if language == "zh" else NETWORK_DESCRIPTIONS

    def t(self, key: str, **values) -> str:
        return page_text(self.language, key, **values)

    def declared(self, key: str) -> str:
        return getattr(self.experiment, key) if self.zh is None else self.zh[key]

    def effect_source(self, english: str) -> str:
        return english if self.zh is None else self.zh["effect_sources"][english]


def _clock(language: str, seconds: Optional[float]) -> str:
    if seconds is None:
        return "n/a"
    seconds = int(round(seconds))
    return page_text(language, "clock", minutes=seconds // 60, seconds=seconds % 60)


def _options(page: _Page, options: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in options.items()) or page.t("defaults")


def _relative(from_dir: str, path: str) -> str:
    return os.path.relpath(path, from_dir).replace(os.sep, "/")


def _effect(page: _Page, check) -> str:
    """The paper's effect in the units the check compares."""
    if check.paper_effect is None:
        return page.t("no_size")
    measure = page.experiment.measure(check.quantity)
    units = "log10" if measure.log_scale else check.quantity
    shown = check_number(
        {"quantity": check.quantity, "log10": measure.log_scale, "effect": check.paper_effect}, "effect", False
    )
    return shown + _units_word(page, units)


def _units_word(page: _Page, units: str) -> str:
    from keras_classics.lab.spec import FRACTIONS

    if units == "log10":
        return page.t("units_log10")
    return page.t("units_points") if units in FRACTIONS else ""


def _number(page: _Page, check: dict, key: str, difference: bool = True) -> str:
    return check_number(check, key, difference)


def check_sentence(page: _Page, check: dict) -> str:
    """One behavioural check's result as a sentence."""
    words = page.words
    statement = words.statement(page.experiment.name, check["statement"])
    verdict = words.verdict(check["verdict"])
    if check.get("low") is None:
        return page.t(
            "check_result_none", statement=statement, verdict=verdict, why=reason(page.language, check["why"])
        )
    units = _units_word(page, compared_units(check))
    paired = check.get("mcnemar")
    images = (
        page.t("images_sentence", b=paired["only_arm_right"], c=paired["only_other_right"], p=f"{paired['p']:.2g}")
        if paired
        else ""
    )
    paper = "n/a" if check.get("paper_effect") is None else _number(page, check, "paper_effect", False) + units
    return page.t(
        "check_result",
        statement=statement,
        verdict=verdict,
        difference=_number(page, check, "difference") + units,
        low=_number(page, check, "low"),
        high=_number(page, check, "high") + units,
        detectable=_number(page, check, "detectable", False) + units,
        paper=paper,
        images=images,
    )


def computed_sentence(page: _Page, check: dict) -> str:
    statement = page.words.statement(page.experiment.name, check["statement"])
    holds = page.t("holds_yes" if check.get("holds") else "holds_no")
    return page.t(
        "computed_line",
        statement=statement,
        arm_value=format_value(check["quantity"], check.get("arm_value")),
        other_value=format_value(check["quantity"], check.get("other_value")),
        holds=holds,
    )


def _setup(page: _Page) -> List[str]:
    experiment = page.experiment
    lines = [f"## {page.t('setup')}", "", page.t("setup_header"), "| --- | --- | --- |"]
    for arm in experiment.arms:
        training = []
        if arm.augment:
            training.append(page.t("random_translations"))
        if arm.aux_loss_weight:
            training.append(page.t("aux_weight", weight=arm.aux_loss_weight))
        label = page.words.arm_label(experiment.name, arm.name, arm.label)
        lines.append(
            f"| {label} (`{arm.name}`) | {arm.network} ({_options(page, arm.options)}) | "
            f"{', '.join(training) or page.t('as_the_others')} |"
        )
    networks = sorted({arm.network for arm in experiment.arms})
    lines += [""] + [f"* {page.networks[n]}." if page.language == "en" else f"* {page.networks[n]}。" for n in networks]
    steps = page.t("steps", steps=experiment.steps_per_epoch) if experiment.steps_per_epoch else page.t("one_pass")
    if experiment.early_stopping:
        budget = page.t(
            "budget_early", epochs=experiment.epochs, steps=steps, patience=experiment.early_stopping.patience
        )
    else:
        budget = page.t("budget_fixed", epochs=experiment.epochs, steps=steps)
    warmup = page.t("warmup", epochs=experiment.warmup_epochs) if experiment.warmup_epochs else ""
    lines += [
        f"* {budget}",
        f"* {page.t('optimiser', momentum=experiment.momentum, batch=experiment.batch_size, warmup=warmup)}",
    ]
    if experiment.learning_rates:
        grid = ", ".join(f"{r:g}" for r in experiment.learning_rates)
        by = page.t(f"select_{experiment.select_by}")
        seeds = ", ".join(map(str, experiment.selection_seeds))
        lines.append(f"* {page.t('rate_grid', grid=grid, by=by, seeds=seeds)}")
    else:
        lines.append(f"* {page.t('rate_fixed', rate=experiment.learning_rate)}")
    if experiment.error_threshold is not None:
        lines.append(f"* {page.t('threshold', value=f'{100 * experiment.error_threshold:g}%')}")
        if experiment.stop_at_threshold:
            lines.append(f"* {page.t('stop_at_threshold')}")
    if experiment.train_error_images:
        lines.append(f"* {page.t('train_sample', n=f'{experiment.train_error_images:,}')}")
    size = f"{experiment.train_size:,}" if experiment.train_size else page.t("all_images")
    lines.append(
        f"* {page.t('data', size=size, input=experiment.input_size, seeds=', '.join(map(str, experiment.seeds)))}"
    )
    lines += [f"* {page.declared('notes')}", ""]
    return lines


def _rule(page: _Page) -> List[str]:
    lines = [f"## {page.t('rule')}", "", RULE[page.language], "", page.t("checks_declared"), ""]
    for check in page.experiment.checks:
        if page.experiment.measure(check.quantity).deterministic:
            continue
        statement = page.words.statement(page.experiment.name, check.statement)
        quantity = page.words.quantity_name(check.quantity, page.experiment.measure(check.quantity).log_scale)
        lines.append(
            "* "
            + page.t(
                "check_line",
                statement=statement,
                quantity=quantity,
                effect=_effect(page, check),
                source=page.effect_source(check.effect_source),
            )
        )
    return lines + [""]


def _figures(page: _Page, summary: dict, folder: str, out: str) -> List[str]:
    from keras_classics.lab.figures import figure_file

    lines, english_only = [], False
    for figure in summary.get("figures", []):
        quantity = figure[: -len(".png")]
        translated = os.path.join(folder, figure_file(quantity, page.language))
        path = translated if os.path.isfile(translated) else os.path.join(folder, figure)
        english_only |= path != translated
        if os.path.isfile(path):
            lines += [f"![{quantity}]({_relative(out, path)})", ""]
    if english_only and page.t("english_figure"):
        lines += [page.t("english_figure"), ""]
    return lines


def _selection(page: _Page, summary: dict) -> List[str]:
    selection = summary.get("selection") or {}
    if not selection:
        return []
    by_quantity = next(iter(selection.values()))["by"]
    by = page.t(f"select_{by_quantity}")
    lines = [f"### {page.t('selection_title')}", "", page.t("selection_header", by=by), "| --- | --- | --- | --- |"]
    for name, choice in selection.items():
        label = page.words.arm_label(page.experiment.name, name, summary["arms"][name]["label"])
        for entry in choice["grid"]:
            score = entry["score"]
            if score is not None and by_quantity == "val_error":
                shown = f"{100 * score:.1f}%"
            else:
                shown = "n/a" if score is None else f"{score:g}"
            chosen = "**✓**" if entry["learning_rate"] == choice["chosen"] else ""
            lines.append(f"| {label} | {entry['learning_rate']:g} | {shown} | {chosen} |")
    return lines + [""]


def _data(page: _Page, provenance: dict) -> str:
    from keras_classics.lab.words import data_description

    facts = provenance.get("data_facts")
    return data_description(facts, page.language) if facts else provenance.get("data", "n/a")


def _provenance(page: _Page, summary: dict, folder: str, out: str) -> List[str]:
    provenance = summary.get("provenance", {})
    sessions = provenance.get("sessions") or []
    machine = provenance.get("machine") or {}
    versions = provenance.get("versions") or {}
    loads = [s.get("load_average_start") for s in sessions if s.get("load_average_start")]
    summary_link = f"[summary.json]({_relative(out, os.path.join(folder, 'summary.json'))})"
    run_link = f"[run.json]({_relative(out, os.path.join(folder, 'run.json'))})"
    t = page.t
    return [
        f"## {t('provenance')}",
        "",
        "* " + t("prov_command", command=sessions[-1]["command"] if sessions else "n/a"),
        "* "
        + t(
            "prov_run",
            start=sessions[0]["started"] if sessions else "n/a",
            end=sessions[-1].get("finished", "n/a") if sessions else "n/a",
            clock=_clock(page.language, provenance.get("wall_seconds")),
            sessions=len(sessions),
        ),
        "* "
        + t(
            "prov_machine",
            cpu=machine.get("cpu", "n/a"),
            cores=machine.get("cpu_count", "n/a"),
            platform=machine.get("platform", "n/a"),
        ),
        "* " + t("prov_load", loads=", ".join(str(load[0]) for load in loads) or "n/a"),
        "* " + t("prov_versions", versions=", ".join(f"{k} {v}" for k, v in versions.items())),
        "* " + t("prov_data", data=_data(page, provenance)),
        "* " + t("prov_files", summary=summary_link, run=run_link, metrics=os.path.join(folder, "metrics")),
        "",
    ]


def experiment_page(
    experiment: Experiment, summary: Optional[dict], results: str, out: str, language: str = "en"
) -> str:
    page = _Page(experiment, language)
    t = page.t
    title = page.words.title(experiment.name, experiment.title)
    lines = [f"# {title}", ""]
    lines += [f'!!! quote "{t("claim", source=page.declared("source"))}"', f"    {page.declared('claim')}", ""]
    # The pages live in docs/lab/, the pages they back one level up.
    links = (", " if language == "en" else "、").join(f"[{p}](../{p})" for p in experiment.pages)
    lines += [t("course_point", point=page.declared("course_point"), links=links), ""]
    lines += _setup(page)
    lines += [f"## {t('command')}", "", "```", f"keras-classics lab run {experiment.name}", "```", "", t("quick"), ""]
    lines += _rule(page)
    lines += [f"## {t('results')}", ""]
    folder = os.path.join(results, experiment.name)
    if summary is None:
        lines += [f'!!! warning "{t("not_run_title")}"', f"    {t('not_run', name=experiment.name)}", ""]
        return "\n".join(lines)
    if not current(summary):
        lines += [
            f'!!! warning "{t("old_format_title")}"',
            f"    {t('old_format', folder=folder.replace(os.sep, '/') + '/', format=SUMMARY_FORMAT)}",
            "",
        ]
        return "\n".join(lines)
    headline = summary["checks"][summary["headline"]]
    kind = {st.REPRODUCED: "success", st.REVERSED: "failure"}.get(headline["verdict"], "info")
    lines.append(f'!!! {kind} "{t("verdict_title", verdict=page.words.verdict(headline["verdict"]))}"')
    behavioural = [c for c in summary["checks"] if c["verdict"] != st.COMPUTED]
    ordered = [headline] + [c for c in behavioural if c is not headline]
    lines += [f"    - {check_sentence(page, c)}" for c in ordered]
    lines += [f"    - {computed_sentence(page, c)}" for c in summary["checks"] if c["verdict"] == st.COMPUTED]
    lines.append("")
    lines += _figures(page, summary, folder, out)
    lines += [markdown_table(summary, language), t("table_note"), ""]
    lines += _selection(page, summary)
    discussion = os.path.join(folder, DISCUSSION if language == "en" else f"discussion.{language}.md")
    if os.path.isfile(discussion):
        with open(discussion, encoding="utf-8") as handle:
            lines += [f"## {t('discussion')}", "", handle.read().strip(), ""]
    lines += _provenance(page, summary, folder, out)
    return "\n".join(lines)


def index_page(summaries: Dict[str, Optional[dict]], language: str = "en") -> str:
    t = lambda key, **values: page_text(language, key, **values)  # noqa: E731
    words = words_for(language)
    lines = [
        f"# {t('index_title')}",
        "",
        t("index_intro"),
        "",
        "```",
        "keras-classics lab list",
        "keras-classics lab run relu_vs_tanh      # one experiment",
        "keras-classics lab run --all             # every experiment, resumable after Ctrl-C",
        "```",
        "",
        t("index_header"),
        "| --- | --- | --- | --- |",
    ]
    total = 0.0
    for name, experiment in EXPERIMENTS.items():
        page = _Page(experiment, language)
        summary = summaries.get(name)
        seconds = None
        if summary is None:
            verdicts = t("not_run_cell")
        elif not current(summary):
            verdicts = t("index_old")
        else:
            headline = summary["checks"][summary["headline"]]
            ordered = [headline] + [c for c in summary["checks"] if c is not headline]
            verdicts = "<br>".join(
                f"{words.statement(name, c['statement'])}: **{words.verdict(c['verdict'])}**" for c in ordered
            )
            seconds = (summary.get("provenance") or {}).get("wall_seconds")
            total += seconds or 0
        title = words.title(name, experiment.title)
        lines.append(f"| [{title}]({name}.md) | {page.declared('source')} | {verdicts} | {_clock(language, seconds)} |")
    lines.append("")
    if total:
        lines += [t("index_total", clock=_clock(language, total)), ""]
    lines += [f"## {t('rule')}", "", RULE[language], ""]
    return "\n".join(lines)


def measured_line(name: str, summary: Optional[dict], language: str = "en", link: Optional[str] = None) -> str:
    """The lab's measurement of experiment ``name`` as one paragraph for a
    network or concept page: the main claim's numbers, interval, detectable
    effect and verdict, linked to the experiment's page (``link``)."""
    experiment = EXPERIMENTS[name]
    page = _Page(experiment, language)
    title = page.words.title(name, experiment.title)
    link = link or f"../lab/{name}.md"
    if not current(summary):
        return page.t("measured_none", title=title, link=link)
    headline = summary["checks"][summary["headline"]]
    separator = ": " if language == "en" else "："
    return page.t("measured", title=title, link=link) + separator + check_sentence(page, headline)


def render_pages(results: str, out: str) -> Dict[str, str]:
    """The pages' Markdown, by file name, for pages that will live in ``out``."""
    summaries = {name: load_summary(results, name) for name in EXPERIMENTS}
    pages = {}
    for language in LANGUAGES:
        pages[page_name("index", language)] = index_page(summaries, language)
        for name, experiment in EXPERIMENTS.items():
            pages[page_name(name, language)] = experiment_page(experiment, summaries[name], results, out, language)
    return pages


def write_pages(results: str, out: str) -> List[str]:
    """Write ``out/index.md``, ``out/<experiment>.md`` and their Chinese
    twins (``.zh.md``); returns the paths."""
    os.makedirs(out, exist_ok=True)
    written = []
    for filename, text in render_pages(results, out).items():
        path = os.path.join(out, filename)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(path)
    return written
