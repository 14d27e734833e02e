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


def train_once(run_dir: str) -> dict:
    if os.path.exists(os.path.join(run_dir, "results.json")):
        with open(os.path.join(run_dir, "results.json")) as handle:
            return json.load(handle)
    from keras_classics.training import train

    return train(model=MODEL, run_dir=run_dir, verbose=2).record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", default=os.path.join(ROOT, "runs", f"docs-{MODEL}"))
    args = parser.parse_args(argv)
    record = train_once(args.run_dir)

    from keras_classics import visualize as vis
    from keras_classics.visualize import figures
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
    written = []

    def save(figure, name):
        written.append(name)
        figures.save(figure, os.path.join(OUT, name))

    save(figures.filters_figure(vis.filter_tiles(model), "LeNet-5 C1: the six 5x5 filters (grey = 0)"), "filters.png")
    save(figures.norms_figure(vis.filter_norms(model, "c3"), "c3"), "filter-norms-c3.png")
    save(figures.feature_maps_figure(vis.feature_maps(model, image, "c1"), "c1", picture), "feature-maps-c1.png")
    save(figures.feature_maps_figure(vis.feature_maps(model, image, "c3"), "c3", picture), "feature-maps-c3.png")
    for channel in TOP_PATCH_CHANNELS:
        patches = vis.top_patches(model, inputs, TOP_PATCH_LAYER, channel, k=9, display=shown)
        save(figures.top_patches_figure(patches, TOP_PATCH_LAYER, channel), f"top-patches-c3-{channel}.png")
    maps = vis.feature_maps(model, image, PROJECTION_LAYER)
    channel = int(np.argmax(maps.reshape(-1, maps.shape[-1]).max(axis=0)))
    projections = [
        vis.deconvnet(model, image, PROJECTION_LAYER, channel),
        vis.guided_backprop(model, image, PROJECTION_LAYER, channel),
    ]
    save(figures.projection_figure(picture, projections, ["deconvnet", "guided backprop"]), "deconvnet.png")
    # The digits' background is LeNet's -0.1 (Sec. II.A): a square of it
    # erases ink. A grey one (the image mean) would add ink to the background.
    occlusion = vis.occlusion_sensitivity(model, image, DIGIT_CLASS, size=8, stride=2, fill=OCCLUDER_FILL)
    save(
        figures.occlusion_figure(
            picture,
            occlusion,
            f"occlusion: drop in P(class {DIGIT_CLASS}) (p = {occlusion.baseline:.3f}), 8px background square every 2px",
        ),
        "occlusion.png",
    )
    save(
        figures.saliency_figure(picture, vis.saliency(model, image, DIGIT_CLASS), f"saliency of class {DIGIT_CLASS}"),
        "saliency.png",
    )
    cam = vis.grad_cam(model, image, "c3", DIGIT_CLASS)
    geometry = vis.map_geometry(model, "c3")
    save(
        figures.heatmap_figure(picture, cam, f"Grad-CAM of class {DIGIT_CLASS} at c3", "Grad-CAM", geometry, floor=0.0),
        "grad-cam.png",
    )
    other = 8
    cam_other = vis.grad_cam(model, image, "c3", other)
    save(
        figures.heatmap_figure(picture, cam_other, f"Grad-CAM of class {other} at c3", "Grad-CAM", geometry, floor=0.0),
        "grad-cam-other-class.png",
    )

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
