"""The site's Lab pages, written from finished results (nothing is trained).

`write_pages` reads ``<results>/<experiment>/summary.json`` (and the
figures beside it) and writes ``index.md`` plus one page per experiment:
the claim, the setup, the command, the figures, the table, the verdict and
the provenance (machine, versions, date, time taken), and the reading of
the result that a person wrote into ``discussion.md`` beside it, if any.
An experiment not
run yet gets a page that says so and gives the command.

The pages are plain Markdown (the site renders every page as a Jinja
template, so nothing here writes braces).
"""

from __future__ import annotations

import json
import os
from typing import Dict, List, Optional

from keras_classics.lab.experiments import EXPERIMENTS
from keras_classics.lab.results import SPREAD_FACTOR, VERDICT_RULE, format_value, markdown_table
from keras_classics.lab.spec import Experiment

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


def _load(results: str, name: str) -> Optional[dict]:
    path = os.path.join(results, name, "summary.json")
    if not os.path.isfile(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def _clock(seconds: Optional[float]) -> str:
    if seconds is None:
        return "n/a"
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s"


def _options(options: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in options.items()) or "defaults"


def _relative(from_dir: str, path: str) -> str:
    return os.path.relpath(path, from_dir).replace(os.sep, "/")


def _why(check: dict) -> str:
    """The check's numbers in the units of its quantity."""
    if check.get("difference") is None:
        return check.get("why", "")
    shown = "log10" if check.get("log10") else check["quantity"]
    difference = format_value(shown, check["difference"])
    spread = format_value(shown, SPREAD_FACTOR * check["spread"])
    scale = " (log10)" if check.get("log10") else ""
    note = f"; {check['why']}" if check["why"].startswith("one seed") else ""
    return f"difference of means{scale} {difference} against twice the spread {spread}{note}"


def experiment_page(experiment: Experiment, summary: Optional[dict], results: str, out: str) -> str:
    lines = [f"# {experiment.title}", ""]
    lines += [f'!!! quote "The claim ({experiment.source})"', f"    {experiment.claim}", ""]
    # The pages live in docs/lab/, the pages they back one level up.
    links = ", ".join(f"[{page}](../{page})" for page in experiment.pages)
    lines += [f"Course point: **{experiment.course_point}**. Pages that rely on it: {links}.", ""]
    lines += ["## Setup", "", "| arm | network and options | training |", "| --- | --- | --- |"]
    for arm in experiment.arms:
        training = []
        if arm.augment:
            training.append("random translations")
        if arm.aux_loss_weight:
            training.append(f"auxiliary loss weight {arm.aux_loss_weight:g}")
        lines.append(
            f"| {arm.label} (`{arm.name}`) | {arm.network} ({_options(arm.options)}) | {', '.join(training) or 'as the others'} |"
        )
    networks = sorted({arm.network for arm in experiment.arms})
    lines += [""] + [f"* {NETWORK_DESCRIPTIONS[n]}." for n in networks]
    steps = f"{experiment.steps_per_epoch} steps" if experiment.steps_per_epoch else "one pass over the training set"
    lines += [
        f"* Training: {experiment.epochs} epochs of {steps}, batch {experiment.batch_size}, SGD with momentum "
        f"{experiment.momentum:g}, learning rate {experiment.learning_rate:g}"
        + (f" (the first {experiment.warmup_epochs} epoch(s) at a tenth of it)" if experiment.warmup_epochs else "")
        + f"; seeds {', '.join(map(str, experiment.seeds))}; inputs {experiment.input_size}x{experiment.input_size}.",
        f"* {experiment.notes}",
        "",
        "## Command",
        "",
        "```",
        f"keras-classics lab run {experiment.name}",
        "```",
        "",
        "`--quick` runs one seed for two epochs of three steps; `--data cifar10` or `--data FOLDER` uses other data.",
        "",
        "## Results",
        "",
    ]
    if summary is None:
        lines += [
            '!!! warning "Not run yet"',
            f"    No results for this experiment are kept with the site yet. The command above produces them "
            f"in `lab-runs/{experiment.name}/`.",
            "",
        ]
        return "\n".join(lines) + "\n"
    verdict = summary["verdict"]
    kind = {"reproduced": "success", "reversed": "failure"}.get(verdict, "info")
    lines += [f'!!! {kind} "Verdict on the main claim: {verdict}"']
    for check in summary["checks"]:
        lines.append(f"    - {check['statement']}: **{check['verdict']}** ({_why(check)}).")
    lines.append("")
    folder = os.path.join(results, experiment.name)
    for figure in summary.get("figures", []):
        path = os.path.join(folder, figure)
        if os.path.isfile(path):
            lines += [f"![{figure[:-4]}]({_relative(out, path)})", ""]
    lines += [
        markdown_table(summary),
        "Each cell is the mean over seeds ± the standard deviation (the range over seeds in parentheses).",
        "",
        f"Verdict rule: {VERDICT_RULE}",
        "",
    ]
    discussion = os.path.join(folder, DISCUSSION)
    if os.path.isfile(discussion):
        with open(discussion) as handle:
            lines += ["## Discussion", "", handle.read().strip(), ""]
    provenance = summary.get("provenance", {})
    sessions = provenance.get("sessions") or []
    machine = provenance.get("machine") or {}
    versions = provenance.get("versions") or {}
    loads = [s.get("load_average_start") for s in sessions if s.get("load_average_start")]
    lines += [
        "## Provenance",
        "",
        f"* Command: `{sessions[-1]['command'] if sessions else 'n/a'}`",
        f"* Run: {sessions[0]['started'] if sessions else 'n/a'} to {sessions[-1].get('finished', 'n/a') if sessions else 'n/a'}, "
        f"{_clock(provenance.get('wall_seconds'))} in {len(sessions)} session(s).",
        f"* Machine: {machine.get('cpu', 'n/a')}, {machine.get('cpu_count', 'n/a')} cores, {machine.get('platform', 'n/a')}.",
        f"* Load average (1 min) when it started: {', '.join(str(l[0]) for l in loads) or 'n/a'}: the 2 cores were shared "
        "with other jobs, so the times are inflated.",
        "* Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        f"* Data: {provenance.get('data', 'n/a')}.",
        f"* Files: [summary.json]({_relative(out, os.path.join(folder, 'summary.json'))}), "
        f"[run.json]({_relative(out, os.path.join(folder, 'run.json'))}), metrics per arm and seed in "
        f"`{os.path.join(folder, 'metrics')}/`.",
        "",
    ]
    return "\n".join(lines)


def index_page(summaries: dict, results: str, out: str) -> str:
    lines = [
        "# The lab",
        "",
        "Small, honest re-runs of the experiments behind the course's claims, on a laptop CPU: each "
        "experiment is declared as data in `keras_classics.lab.experiments` and run by one runner, "
        "with at least three seeds per arm. The verdict is computed from the numbers by a stated rule; "
        "a claim that does not show at this scale is reported as such, and the settings were never "
        "adjusted to make a result agree with a paper.",
        "",
        "```",
        "keras-classics lab list",
        "keras-classics lab run relu_vs_tanh      # one experiment",
        "keras-classics lab run --all             # every experiment, resumable after Ctrl-C",
        "```",
        "",
        "| experiment | paper | verdicts (the main claim first) | time |",
        "| --- | --- | --- | --- |",
    ]
    total = 0.0
    for name, experiment in EXPERIMENTS.items():
        summary = summaries.get(name)
        if summary is None:
            verdict, seconds = "not run yet", None
        else:
            verdict = "<br>".join(f"{c['statement']}: **{c['verdict']}**" for c in summary["checks"])
            seconds = (summary.get("provenance") or {}).get("wall_seconds")
            total += seconds or 0
        lines.append(f"| [{experiment.title}]({name}.md) | {experiment.source} | {verdict} | {_clock(seconds)} |")
    lines += [
        "",
        f"Total time of the experiments run: {_clock(total)}, on a 2-core machine shared with other jobs "
        "(each page gives the load).",
        "",
        f"Verdict rule: {VERDICT_RULE}",
        "",
    ]
    return "\n".join(lines)


def render_pages(results: str, out: str) -> Dict[str, str]:
    """The pages' Markdown, by file name, for pages that will live in ``out``."""
    summaries = {name: _load(results, name) for name in EXPERIMENTS}
    pages = {"index.md": index_page({k: v for k, v in summaries.items() if v}, results, out)}
    for name, experiment in EXPERIMENTS.items():
        pages[f"{name}.md"] = experiment_page(experiment, summaries[name], results, out)
    return pages


def write_pages(results: str, out: str) -> List[str]:
    """Write ``out/index.md`` and ``out/<experiment>.md``; returns the paths."""
    os.makedirs(out, exist_ok=True)
    written = []
    for filename, text in render_pages(results, out).items():
        path = os.path.join(out, filename)
        with open(path, "w") as handle:
            handle.write(text)
        written.append(path)
    return written
