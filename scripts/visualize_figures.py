"""Make the figures of the site's "What the networks learn" page.

Trains LeNet-5 (modern form: ReLU and max pooling, which the deconvnet can
invert) on scikit-learn's digits with its recipe, once: a finished run in
``--run-dir`` is reused. Then draws every method's figure from that run
with `keras_classics.visualize` and writes them, with ``provenance.json``
(the command, versions, date and the run's test accuracy), under
``docs/figures/visualize/``. The site's build only reads these files; it
never trains.

Usage::

    python scripts/visualize_figures.py                 # train (about a minute) and draw
    python scripts/visualize_figures.py --run-dir runs/docs-lenet5_modern
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from importlib import metadata

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
sys.path.insert(0, ROOT)

OUT = os.path.join(ROOT, "docs", "figures", "visualize")
MODEL = "lenet5_modern"
# Which test digit the single-image figures look at, and the units shown.
DIGIT_CLASS = 3
TOP_PATCH_LAYER, TOP_PATCH_CHANNELS = "c3", (0, 5)
PROJECTION_LAYER = "c3"
OCCLUDER_FILL = -0.1
OTHER_CLASS = 8
SMOOTH_SAMPLES, SMOOTH_NOISE = 50, 0.15
IG_STEPS = 64
# Feature visualisation of the channel the command line picks by default:
# the one with the largest mean activation on the digit shown.
FEATURE_LAYER = "c3"
# ZFNet's Fig. 2 (top nine patches beside their deconvnet projections) for
# these units, and Fig. 4 (one feature over training) from the weights kept
# at these epochs, for the c3 channel the projection figure shows.
ZF_UNITS = {"c1": (0, 3), "c3": (0, 5)}
KEPT_EPOCHS = (1, 2, 5, 10)
LANGUAGES = ("en", "zh")
# The titles the script gives its figures (the figure functions draw
# their own labels in the language they are asked for).
TITLES = {
    "en": {
        "filters": "LeNet-5 C1: the six 5x5 filters (grey = 0)",
        "projections": ["deconvnet", "guided backprop"],
        "occlusion": "occlusion: drop in P(class {digit}) (p = {p:.3f}), 8px background square every 2px",
        "saliency": "saliency of class {digit}",
        "grad-cam": "Grad-CAM of class {digit} at c3",
        "smoothgrad": "SmoothGrad of class {digit} ({samples} copies, noise {noise:g} of the range)",
        "mean gradient": "mean d score / d pixel",
        "integrated": (
            "integrated gradients of class {digit} from baseline {baseline:g}, {steps} steps\n"
            "sum {total:.4g}, score change {change:.4g}"
        ),
        "guided grad-cam": "guided Grad-CAM of class {digit} at c3",
        "feature": "the input that excites {layer}[{channel}] (Fourier parameterisation, {steps} steps)",
        "sanity": "saliency of class {digit}, trained and random weights",
        "zf2": "LeNet-5 on the digits",
        "zf4": "LeNet-5 on the digits",
    },
    "zh": {
        "filters": "LeNet-5 C1：六个 5x5 卷积核（灰色 = 0）",
        "projections": ["反卷积网络", "引导反向传播"],
        "occlusion": "遮挡：类别 {digit} 概率的下降（p = {p:.3f}），8 像素背景方块，步长 2 像素",
        "saliency": "类别 {digit} 的显著图",
        "grad-cam": "类别 {digit} 在 c3 上的 Grad-CAM",
        "smoothgrad": "类别 {digit} 的平滑梯度（{samples} 个副本，噪声为取值范围的 {noise:g} 倍）",
        "mean gradient": "平均 d 分数 / d 像素",
        "integrated": (
            "类别 {digit} 的积分梯度，基线 {baseline:g}，{steps} 步\n归因之和 {total:.4g}，分数变化 {change:.4g}"
        ),
        "guided grad-cam": "类别 {digit} 在 c3 上的引导 Grad-CAM",
        "feature": "最能激发 {layer}[{channel}] 的输入（傅里叶参数化，{steps} 步）",
        "sanity": "类别 {digit} 的显著图：训练后的权重与随机权重",
        "zf2": "数字数据集上的 LeNet-5",
        "zf4": "数字数据集上的 LeNet-5",
    },
}


def kept_folder(run_dir: str) -> str:
    return os.path.join(run_dir, "kept-weights")


def train_once(run_dir: str, **overrides) -> dict:
    """The run's record; trained first (seeded, the recipe's default seed)
    if missing, keeping the weights of `KEPT_EPOCHS`."""
    if os.path.exists(os.path.join(run_dir, "results.json")):
        with open(os.path.join(run_dir, "results.json")) as handle:
            return json.load(handle)
    from keras_classics.training import train
    from keras_classics.visualize import KeepWeights

    keep = KeepWeights(KEPT_EPOCHS, folder=kept_folder(run_dir))
    return train(model=MODEL, run_dir=run_dir, verbose=2, callbacks=[keep], **overrides).record


def evolution_run(run_dir: str) -> tuple:
    """(folder of kept weights, None) from the page's run; where that run was
    trained without them, a second run of `KEPT_EPOCHS`'s last epoch, same
    seed, beside it: (its folder, its record)."""
    if os.path.isdir(kept_folder(run_dir)):
        return kept_folder(run_dir), None
    second = run_dir.rstrip(os.sep) + "-kept-weights"
    record = train_once(second, epochs=max(KEPT_EPOCHS))
    return kept_folder(second), {"run": os.path.basename(second), "test_accuracy": record["test"]["accuracy"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", default=os.path.join(ROOT, "runs", f"docs-{MODEL}"))
    args = parser.parse_args(argv)
    record = train_once(args.run_dir)

    from keras_classics import visualize as vis
    from keras_classics.visualize import figures, methods_figures, zfnet_figures
    from keras_classics.visualize_cli import data_images, load_source, prepare_images, run_transforms

    os.makedirs(OUT, exist_ok=True)
    model, run_dir, _ = load_source(args.run_dir)
    transforms = run_transforms(model, run_dir)
    raw = data_images(None, 1, limit=10_000)  # the digits' 269 test images
    inputs, shown = prepare_images(transforms, raw)
    predictions = np.argmax(model.predict(inputs, verbose=0), axis=1)

    from keras_classics.training.data import load_digits

    labels = load_digits().test.labels
    index = int(np.flatnonzero((labels == DIGIT_CLASS) & (predictions == DIGIT_CLASS))[0])
    image, picture = inputs[index], shown[index]

    # Every method's result, computed once and drawn in each language.
    results = {
        "tiles": vis.filter_tiles(model),
        "norms": vis.filter_norms(model, "c3"),
        "c1": vis.feature_maps(model, image, "c1"),
        "c3": vis.feature_maps(model, image, "c3"),
        "patches": {
            channel: vis.top_patches(model, inputs, TOP_PATCH_LAYER, channel, k=9, display=shown)
            for channel in TOP_PATCH_CHANNELS
        },
    }
    maps = results["c3"] if PROJECTION_LAYER == "c3" else vis.feature_maps(model, image, PROJECTION_LAYER)
    channel = int(np.argmax(maps.reshape(-1, maps.shape[-1]).max(axis=0)))
    projections = [
        vis.deconvnet(model, image, PROJECTION_LAYER, channel),
        vis.guided_backprop(model, image, PROJECTION_LAYER, channel),
    ]
    # The digits' background is LeNet's -0.1 (Sec. II.A): a square of it
    # erases ink. A grey one (the image mean) would add ink to the background.
    occlusion = vis.occlusion_sensitivity(model, image, DIGIT_CLASS, size=8, stride=2, fill=OCCLUDER_FILL)
    gradient = vis.saliency(model, image, DIGIT_CLASS)
    geometry = vis.map_geometry(model, "c3")
    cams = {c: vis.grad_cam(model, image, "c3", c) for c in (DIGIT_CLASS, OTHER_CLASS)}
    smooth = vis.smoothgrad(model, image, DIGIT_CLASS, samples=SMOOTH_SAMPLES, noise=SMOOTH_NOISE)
    integrated = vis.integrated_gradients(model, image, OCCLUDER_FILL, steps=IG_STEPS, class_index=DIGIT_CLASS)
    guided_cam = vis.guided_grad_cam(model, image, "c3", DIGIT_CLASS)
    value_range = (float(image.min()), float(image.max()))
    feature_channel = int(np.argmax(results["c3"].reshape(-1, results["c3"].shape[-1]).mean(axis=0)))
    feature = vis.feature_visualization(model, FEATURE_LAYER, feature_channel, value_range=value_range)
    sanity = vis.sanity_check(model, image, vis.saliency, class_index=DIGIT_CLASS)
    zf_units = vis.patches_and_projections(model, inputs, {k: list(v) for k, v in ZF_UNITS.items()}, display=shown)
    folder, second_run = evolution_run(args.run_dir)
    evolution = vis.feature_evolution(model, folder, inputs, PROJECTION_LAYER, channel, display=shown)
    written = []

    def save(figure, name, language):
        name = name if language == "en" else name.replace(".png", f".{language}.png")
        written.append(name)
        figures.save(figure, os.path.join(OUT, name))

    for language in LANGUAGES:
        words = TITLES[language]
        save(figures.filters_figure(results["tiles"], words["filters"], language=language), "filters.png", language)
        save(figures.norms_figure(results["norms"], "c3", language=language), "filter-norms-c3.png", language)
        for layer in ("c1", "c3"):
            figure = figures.feature_maps_figure(results[layer], layer, picture, language=language)
            save(figure, f"feature-maps-{layer}.png", language)
        for unit, patches in results["patches"].items():
            figure = figures.top_patches_figure(
                patches, TOP_PATCH_LAYER, unit, image_shape=inputs.shape[1:3], language=language
            )
            save(figure, f"top-patches-c3-{unit}.png", language)
        figure = figures.projection_figure(picture, projections, words["projections"], language=language)
        save(figure, "deconvnet.png", language)
        title = words["occlusion"].format(digit=DIGIT_CLASS, p=occlusion.baseline)
        save(figures.occlusion_figure(picture, occlusion, title, language=language), "occlusion.png", language)
        title = words["saliency"].format(digit=DIGIT_CLASS)
        save(figures.saliency_figure(picture, gradient, title, language=language), "saliency.png", language)
        for name, digit in (("grad-cam.png", DIGIT_CLASS), ("grad-cam-other-class.png", OTHER_CLASS)):
            title = words["grad-cam"].format(digit=digit)
            figure = figures.heatmap_figure(
                picture, cams[digit], title, "Grad-CAM", geometry, floor=0.0, language=language
            )
            save(figure, name, language)
        title = words["smoothgrad"].format(digit=DIGIT_CLASS, samples=SMOOTH_SAMPLES, noise=SMOOTH_NOISE)
        figure = methods_figures.attribution_figure(picture, smooth, title, words["mean gradient"], language=language)
        save(figure, "smoothgrad.png", language)
        title = words["integrated"].format(
            digit=DIGIT_CLASS,
            baseline=OCCLUDER_FILL,
            steps=integrated.steps,
            total=float(integrated.attributions.sum()),
            change=float(integrated.score - integrated.baseline_score),
        )
        figure = methods_figures.attribution_figure(picture, integrated.attributions, title, language=language)
        save(figure, "integrated-gradients.png", language)
        title = words["guided grad-cam"].format(digit=DIGIT_CLASS)
        figure = methods_figures.guided_grad_cam_figure(picture, guided_cam, title, language=language)
        save(figure, "guided-grad-cam.png", language)
        title = words["feature"].format(layer=FEATURE_LAYER, channel=feature_channel, steps=len(feature.objective))
        figure = methods_figures.feature_visualization_figure(feature, title, value_range, language=language)
        save(figure, f"feature-visualization-{FEATURE_LAYER}.png", language)
        title = words["sanity"].format(digit=DIGIT_CLASS)
        figure = methods_figures.sanity_check_figure(picture, sanity, title, language=language)
        save(figure, "sanity-check.png", language)
        figure = zfnet_figures.patches_and_projections_figure(
            zf_units, title=words["zf2"], image_shape=inputs.shape[1:3], language=language
        )
        save(figure, "zfnet-fig2-patches-projections.png", language)
        figure = zfnet_figures.evolution_figure(
            evolution, title=words["zf4"], image_shape=inputs.shape[1:3], language=language
        )
        save(figure, f"zfnet-fig4-evolution-{PROJECTION_LAYER}.png", language)

    provenance = {
        "command": "python scripts/visualize_figures.py",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "model": MODEL,
        "training": {
            "data": "scikit-learn digits, 1,797 8x8 images resized to 32x32",
            "recipe": record.get("hyperparameters"),
            "test_accuracy": record["test"]["accuracy"],
            "best_epoch": record.get("best_epoch"),
        },
        "image": {"split": "test", "index": index, "class": DIGIT_CLASS, "predicted": int(predictions[index])},
        "projection": {
            "layer": PROJECTION_LAYER,
            "channel": channel,
            "row": projections[0].row,
            "col": projections[0].col,
        },
        "smoothgrad": {"samples": SMOOTH_SAMPLES, "noise": SMOOTH_NOISE},
        "integrated_gradients": {
            "baseline": OCCLUDER_FILL,
            "steps": integrated.steps,
            "sum": float(integrated.attributions.sum()),
            "score_change": float(integrated.score - integrated.baseline_score),
            "relative_gap": float(integrated.relative_gap),
        },
        "feature_visualization": {
            "layer": FEATURE_LAYER,
            "channel": feature_channel,
            "value_range": list(value_range),
            "steps": len(feature.objective),
            "first_objective": float(feature.objective[0]),
            "final_activation": float(feature.activation),
        },
        "sanity_check": {"map": "saliency", "spearman": float(sanity.correlation)},
        "zfnet_fig2": {
            "units": {k: list(v) for k, v in ZF_UNITS.items()},
            "patches": 9,
            "images": "the digits' test set",
        },
        "zfnet_fig4": {
            "layer": PROJECTION_LAYER,
            "channel": channel,
            "epochs": [step.epoch for step in evolution],
            "strongest_activation": [step.patch.value for step in evolution],
            "weights": "kept by KeepWeights during the page's run"
            if second_run is None
            else "kept by KeepWeights during a second, seeded run (the page's run had none)",
            "second_run": second_run,
        },
        "languages": list(LANGUAGES),
        "versions": {p: metadata.version(p) for p in ("keras", "tensorflow", "numpy", "matplotlib")},
        "python": platform.python_version(),
        "figures": written,
    }
    with open(os.path.join(OUT, "provenance.json"), "w") as handle:
        json.dump(provenance, handle, indent=2)
        handle.write("\n")
    print(json.dumps({k: provenance[k] for k in ("date", "image", "projection")}))
    print(f"test accuracy {record['test']['accuracy']:.4f}; wrote {len(written)} figures to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
