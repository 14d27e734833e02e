"""``keras-classics visualize``: one method of `keras_classics.visualize`
on one model, written as a PNG figure.

SOURCE is a registered name (built with untrained random weights drawn
from ``--seed``), a ``.keras`` file, or a run folder of ``keras-classics
train`` (its ``best.keras``, and the preprocessing recorded in its
``config.json`` and ``stats.npz`` for the input images). The input image is ``--input`` or,
by default, the first test digit of scikit-learn's digits; ``top-patches``
scans ``--data`` (a folder of class sub-folders, default the digits).
"""

from __future__ import annotations

import os
from typing import Optional, Tuple

import numpy as np

from keras_classics import images
from keras_classics.cli import CommandError
from keras_classics.training import run_folder

METHODS = (
    "filters",
    "feature-maps",
    "top-patches",
    "deconvnet",
    "guided-backprop",
    "occlusion",
    "saliency",
    "grad-cam",
)
# SmoothGrad, Integrated Gradients, Guided Grad-CAM, feature visualisation
# and the sanity check: options and drawing in `_add_method_options` and
# `_draw_method` at the end of this file.
NEW_METHODS = ("smoothgrad", "integrated-gradients", "guided-grad-cam", "feature-visualization", "sanity-check")
METHODS = METHODS + NEW_METHODS
# How many data-set images top-patches scans at most.
TOP_PATCH_IMAGES = 2000
# The seed of a registered name's random weights, unless --seed says otherwise.
DEFAULT_SEED = 0
# The input side of a model without a fixed one (a (None, None, c) input)
# when no --input image gives one: the digits, scaled up.
FLEXIBLE_SIDE = 32


def register(subparsers) -> None:
    help_text = "show what a network learned: filters, feature maps, deconvnet, occlusion, Grad-CAM ... as a PNG"
    description = (
        help_text + ". SOURCE is a registered name (untrained random weights from --seed), a .keras file, or a run "
        "folder of `keras-classics train` (its best.keras, and the preprocessing the run recorded, "
        "applied to the input image). Without --input the command looks at a test digit of "
        "scikit-learn's digits; top-patches scans --data (default: the digits' test images)."
    )
    parser = subparsers.add_parser("visualize", help=help_text, description=description)
    parser.add_argument("source", metavar="SOURCE", help="registered model name, .keras file or run folder")
    parser.add_argument("--method", required=True, choices=METHODS, help="what to show")
    parser.add_argument("--layer", help="layer name (default: the method's usual choice)")
    parser.add_argument(
        "--channel", type=int, default=None, help="channel of --layer (default: its strongest for the image)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="IMAGE", help="image file to look at (default: a test digit)")
    source.add_argument(
        "--data",
        metavar="NAME|DIR",
        help="top-patches: a named data set (shapes, digits, mnist, fashion_mnist, cifar10, cifar100; its test "
        "images) or a folder of class sub-folders (default: the digits)",
    )
    parser.add_argument(
        "--class",
        dest="class_index",
        type=int,
        default=None,
        metavar="K",
        help="class index (default: the predicted one)",
    )
    parser.add_argument(
        "--stride", type=int, default=None, help="occlusion: pixels between square positions (default: input side / 16)"
    )
    parser.add_argument(
        "--size", type=int, default=None, help="occlusion: the square's side (default: a quarter of the input)"
    )
    parser.add_argument(
        "--fill",
        default="mean",
        help="occlusion: the square's value in the model's input scale, or 'mean' (the image's mean; default)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"a registered name's random weights come from this seed (default {DEFAULT_SEED}), so the same "
        "command shows the same network",
    )
    parser.add_argument(
        "--side",
        type=int,
        default=None,
        help="input side for a model that accepts any size (default: the --input image's shorter side, else "
        f"{FLEXIBLE_SIDE})",
    )
    parser.add_argument("-o", "--output", required=True, metavar="FILE.png", help="where to write the figure")
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=images.DEFAULT_MAX_PIXELS,
        metavar="N",
        help=f"refuse --input images of more pixels than this, before decoding (default {images.DEFAULT_MAX_PIXELS:,})",
    )
    _add_method_options(parser)
    parser.set_defaults(handler=_visualize)


# -- the model and its preprocessing ---------------------------------------------
def load_source(source: str, seed: int = DEFAULT_SEED):
    """(model, run folder or None, description) for SOURCE; a registered
    name is built with random weights drawn from ``seed``."""
    from keras_classics import registry
    from keras_classics.saving import load_model

    if os.path.isdir(source):
        for name in ("best.keras", "last.keras"):
            path = os.path.join(source, name)
            if os.path.exists(path):
                return _checked_graph(load_model(path), path), source, f"{path}"
        raise CommandError(
            f"{source!r} is a folder without best.keras or last.keras; give a run folder of `keras-classics train`"
        )
    if source.endswith(".keras"):
        if not os.path.exists(source):
            raise CommandError(f"model file {source!r} does not exist")
        return _checked_graph(load_model(source), source), None, source
    try:
        entry = registry.get_entry(source)
    except registry.UnknownModelError as error:
        raise CommandError(f"{error} (or give a .keras file or a run folder)") from None
    return seeded_build(entry, seed), None, f"{source}, untrained (random weights, seed {seed})"


def seeded_build(entry, seed: int):
    """``entry.build()`` with its initial weights drawn from ``seed``.

    Keras draws each initialiser's seed from Python's ``random`` when the
    layer is made; that generator is seeded for the build and put back as
    it was afterwards, so the caller's random state is left alone.
    """
    import random

    state = random.getstate()
    try:
        random.seed(seed)
        return entry.build()
    finally:
        random.setstate(state)


def _checked_graph(model, path: str):
    """The model, if the methods can read its graph: a functional or
    Sequential model built on an input."""
    from keras_classics.visualize import VisualizeError
    from keras_classics.visualize._graph import check_graph

    try:
        check_graph(model)
    except VisualizeError as error:
        raise CommandError(f"{path}: {error}") from None
    return model


def run_transforms(model, run_dir: Optional[str], side: Optional[int] = None):
    """The run's test-time preprocessing, or plain [0, 1] pixels. ``side``:
    the input side where the model accepts any (its input is (None, None, c))."""
    from keras_classics.training.augment import Stats, Transforms, get_scheme

    height, channels = model.inputs[0].shape[1], int(model.inputs[0].shape[-1])
    size = int(height) if height is not None else int(side or FLEXIBLE_SIDE)
    scheme, stats = "unit", Stats()
    if run_dir is not None:
        scheme = _run_preprocessing(run_dir)
        stats = run_folder.read_stats(run_dir)
    return Transforms(get_scheme(scheme), size, channels, augment=False, stats=stats)


def class_names(model, run_dir: Optional[str], digits: bool) -> Optional[list]:
    """The names of the model's classes where the source says them: a run
    folder's record of its data set, or the digits 0 to 9."""
    import json

    classes = int(model.outputs[0].shape[-1]) if len(model.outputs[0].shape) == 2 else None
    names = None
    if run_dir is not None:
        try:
            with open(os.path.join(run_dir, "results.json"), encoding="utf-8") as handle:
                names = (json.load(handle).get("data") or {}).get("class_names")
        except (OSError, ValueError, AttributeError):
            names = None
    elif digits:
        names = [str(i) for i in range(10)]
    if isinstance(names, list) and len(names) == classes:
        return [str(n) for n in names]
    return None


def _run_preprocessing(run_dir: str) -> str:
    """The preprocessing scheme a run trained with: results.json records it;
    an unfinished run has only config.json (the setting, else its recipe's)."""
    return run_folder.read_preprocessing(run_dir)


def prepare_images(transforms, uint8_images) -> Tuple[np.ndarray, np.ndarray]:
    """uint8 images -> (model inputs, the same images resized for display):
    `keras_classics.preprocessing.apply_transforms`."""
    from keras_classics.preprocessing import apply_transforms

    return apply_transforms(transforms, list(uint8_images), display=True)


def _read_image(path: str, channels: int) -> np.ndarray:
    import tensorflow as tf

    if not os.path.exists(path):
        raise CommandError(f"input image {path!r} does not exist")
    try:
        # Decode with the file's own channels, then convert: decode_image
        # cannot turn some formats (GIF, BMP) into grey itself.
        image = tf.io.decode_image(tf.io.read_file(path), expand_animations=False)
    except (tf.errors.InvalidArgumentError, ValueError) as error:
        raise CommandError(f"cannot read image {path!r}: not a JPEG, PNG, GIF or BMP file") from error
    if image.shape[-1] == 4:
        image = image[..., :3]
    if image.shape[-1] == 3 and channels == 1:
        image = tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))), tf.uint8)
    elif image.shape[-1] == 1 and channels == 3:
        image = tf.image.grayscale_to_rgb(image)
    return np.asarray(image)


def data_images(data: Optional[str], channels: int, limit: int):
    """uint8 images of a data set: a named one's test split (the digits,
    shapes, mnist, ...), or a folder's."""
    from keras_classics.training import data as data_lib

    source = data_lib.load_source(data, 0.10, 0.15, 1337)
    if source.in_memory:
        # A named data set: the test split, the images no training run has seen.
        items = list(source.test.items)
    else:
        items = list(source.train.items) + list(source.val.items) + list(source.test.items)
    if len(items) > limit and source.in_memory:
        items = items[:limit]
    elif len(items) > limit:
        # A seeded sample across every class (the folders are listed class by class).
        keep = np.sort(np.random.default_rng(0).choice(len(items), limit, replace=False))
        items = [items[i] for i in keep]
    if source.in_memory:
        images = [np.asarray(image) for image in items]
        if channels == 3:
            images = [np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image for image in images]
        elif any(image.shape[-1] == 3 for image in images):
            # Colour images (shapes, CIFAR) for a greyscale network, converted
            # as the training pipeline converts them.
            import tensorflow as tf

            grey = tf.round(tf.image.rgb_to_grayscale(tf.cast(np.stack(images), tf.float32)))
            images = list(np.asarray(tf.cast(grey, tf.uint8)))
        return images
    return [_read_image(path, channels) for path in items]


def _fill(text: str):
    if text == "mean":
        return text
    try:
        return float(text)
    except ValueError:
        raise CommandError(f"--fill must be a number or 'mean', got {text!r}") from None


# -- the command ---------------------------------------------------------------
def _check_arguments(args) -> None:
    """Everything that can be refused before the model is loaded."""
    from keras_classics.display.files import check_destination

    if not args.output.lower().endswith(".png"):
        raise CommandError(f"the figure is a PNG: give -o a name ending in .png, not {args.output!r}")
    try:
        check_destination(args.output)
    except OSError as error:
        raise CommandError(str(error)) from None
    if args.data and args.method != "top-patches":
        raise CommandError(f"--data is for --method top-patches; {args.method} looks at one image: give --input IMAGE")
    if args.stride is not None and args.stride < 1:
        raise CommandError(f"--stride must be at least 1 pixel, got {args.stride}")
    if args.size is not None and args.size < 1:
        raise CommandError(f"--size must be at least 1 pixel, got {args.size}")
    if args.side is not None and args.side < 1:
        raise CommandError(f"--side must be at least 1 pixel, got {args.side}")


def _class_label(index: int, names: Optional[list]) -> str:
    return f"class {index} ({names[index]})" if names else f"class {index}"


def _visualize(args) -> int:
    from keras_classics import visualize as vis
    from keras_classics.visualize import figures

    _check_arguments(args)
    fill = _fill(args.fill)  # checked before the slow part
    model, run_dir, described = load_source(args.source, args.seed)
    channels = int(model.inputs[0].shape[-1])
    side = args.side
    if args.input:
        raw = [images.read_image(args.input, channels, max_pixels=args.max_pixels)]
        side = side or min(raw[0].shape[:2])
    else:
        raw = data_images(
            None if args.method != "top-patches" else args.data,
            channels,
            TOP_PATCH_IMAGES if args.method == "top-patches" else 1,
        )
    transforms = run_transforms(model, run_dir, side)
    inputs, shown = prepare_images(transforms, raw)
    names = class_names(model, run_dir, digits=not args.input and not args.data)
    image = inputs[0]
    method = args.method
    layer = args.layer
    who = described if run_dir is None and not described.endswith(".keras") else f"{model.name} ({described})"
    figure = None
    try:
        if method == "filters":
            first = vis.first_conv_layer(model)
            if layer is None or layer == first:
                layer = first
                figure = figures.filters_figure(
                    vis.filter_tiles(model, layer),
                    f"{who}: {first} filters (grey = 0; each scaled to its largest |weight|)",
                )
            else:
                figure = figures.norms_figure(vis.filter_norms(model, layer), layer, title=who)
        elif method == "feature-maps":
            layer = layer or vis.first_conv_layer(model)
            figure = figures.feature_maps_figure(vis.feature_maps(model, image, layer), layer, shown[0], title=who)
        elif method == "top-patches":
            patches = vis.top_patches(model, inputs, layer, args.channel, display=shown)
            layer, channel = patches[0].layer, patches[0].channel
            figure = figures.top_patches_figure(patches, layer, channel, title=who, image_shape=inputs.shape[1:3])
        elif method in ("deconvnet", "guided-backprop"):
            project = vis.deconvnet if method == "deconvnet" else vis.guided_backprop
            projection = project(model, image, layer, args.channel)
            layer = projection.layer
            figure = figures.projection_figure(shown[0], [projection], [method], title=who)
        elif method == "occlusion":
            stride = args.stride or max(1, image.shape[0] // 16)
            result = vis.occlusion_sensitivity(model, image, args.class_index, size=args.size, stride=stride, fill=fill)
            quantity = "p" if vis.ends_in_softmax(model) else "score"
            figure = figures.occlusion_figure(
                shown[0],
                result,
                f"{who}: occlusion, {_class_label(result.class_index, names)} ({quantity} = {result.baseline:.3f}), "
                f"{result.size}px square every {result.stride}px",
                probability=vis.ends_in_softmax(model),
            )
        elif method == "saliency":
            class_index = vis.predicted_class(model, image) if args.class_index is None else args.class_index
            gradient = vis.saliency(model, image, class_index)
            figure = figures.saliency_figure(
                shown[0], gradient, f"{who}: saliency of {_class_label(class_index, names)}"
            )
        elif method == "grad-cam":
            class_index = vis.predicted_class(model, image) if args.class_index is None else args.class_index
            layer = layer or vis.default_layer(model)
            cam = vis.grad_cam(model, image, layer, class_index)
            figure = figures.heatmap_figure(
                shown[0],
                cam,
                f"{who}: Grad-CAM of {_class_label(class_index, names)} at {layer}",
                "Grad-CAM",
                vis.map_geometry(model, layer, image.shape[:2]),
                floor=0.0,
                empty=f"Grad-CAM is zero everywhere: no positive evidence for {_class_label(class_index, names)} "
                f"at {layer}",
            )
        elif method in NEW_METHODS:
            return _draw_method(args, model, image, shown[0], described, who, names)
    except vis.VisualizeError as error:
        raise CommandError(str(error)) from None
    figures.save(figure, args.output)
    at = f" at layer {layer}" if layer and method not in ("occlusion", "saliency") else ""
    print(f"wrote {args.output}: {method} of {described}{at}")
    return 0


# -- SmoothGrad, Integrated Gradients, Guided Grad-CAM, feature visualisation, sanity check
def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        import argparse

        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def _fraction(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of at least 0, got {text!r}") from None
    if not np.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of at least 0, got {text!r}")
    return value


def _add_method_options(parser) -> None:
    parser.add_argument("--samples", type=_count, default=50, help="smoothgrad: noisy copies averaged (default 50)")
    parser.add_argument(
        "--noise",
        type=_fraction,
        default=0.15,
        help="smoothgrad: the noise's standard deviation as a fraction of the image's range (default 0.15)",
    )
    parser.add_argument(
        "--steps",
        type=_count,
        default=None,
        help="integrated-gradients: points of the integral (default 64); "
        "feature-visualization: optimisation steps (default 256)",
    )
    parser.add_argument(
        "--baseline",
        type=float,
        default=0.0,
        help="integrated-gradients: the baseline image's value, in the model's input scale (default 0)",
    )
    parser.add_argument(
        "--parameterization",
        choices=("fourier", "pixels"),
        default="fourier",
        help="feature-visualization: optimise the decorrelated Fourier spectrum (default) or the pixels",
    )
    parser.add_argument(
        "--map",
        dest="sanity_map",
        choices=("saliency", "smoothgrad", "integrated-gradients", "grad-cam", "guided-grad-cam"),
        default="saliency",
        help="sanity-check: the map drawn on trained and on randomised weights (default saliency)",
    )


def _draw_method(args, model, image, shown, described, who=None, names=None) -> int:
    """One of NEW_METHODS on ``image``, written to ``args.output``; ``who``
    names the model in titles, ``names`` the classes where known."""
    from keras_classics import visualize as vis
    from keras_classics.visualize import methods_figures

    method = args.method
    name = who or model.name
    layer = None
    if method == "feature-visualization":
        layer = args.layer or vis.default_layer(model)
        channel = args.channel
        if channel is None:
            maps = vis.feature_maps(model, image, layer)
            channel = int(np.argmax(maps.reshape(-1, maps.shape[-1]).mean(axis=0)))
        # The range real inputs take after preprocessing, from the example image.
        value_range = (float(image.min()), float(image.max()))
        if value_range[1] <= value_range[0]:
            value_range = (0.0, 1.0)
        result = vis.feature_visualization(
            model,
            layer,
            channel,
            steps=args.steps or 256,
            parameterization=args.parameterization,
            value_range=value_range,
        )
        figure = methods_figures.feature_visualization_figure(
            result,
            f"{name}: the input that excites {layer}[{channel}] ({args.parameterization}, {len(result.objective)} steps)",
            value_range,
        )
    else:
        class_index = vis.predicted_class(model, image) if args.class_index is None else args.class_index
        label = _class_label(class_index, names)
        if method == "smoothgrad":
            values = vis.smoothgrad(model, image, class_index, samples=args.samples, noise=args.noise)
            figure = methods_figures.attribution_figure(
                shown,
                values,
                f"{name}: SmoothGrad of {label} ({args.samples} copies, noise {args.noise:g} of the range)",
                "mean d score / d pixel",
            )
        elif method == "integrated-gradients":
            result = vis.integrated_gradients(
                model, image, args.baseline, steps=args.steps or 64, class_index=class_index
            )
            figure = methods_figures.attribution_figure(
                shown,
                result.attributions,
                f"{name}: integrated gradients of {label} from baseline {args.baseline:g}, "
                f"{result.steps} steps\nsum {result.attributions.sum():.4g}, score change "
                f"{result.score - result.baseline_score:.4g}",
                "attribution",
            )
        elif method == "guided-grad-cam":
            result = vis.guided_grad_cam(model, image, args.layer, class_index)
            layer = result.layer
            figure = methods_figures.guided_grad_cam_figure(
                shown, result, f"{name}: guided Grad-CAM of {label} at {result.layer}"
            )
        else:  # sanity-check
            maps = {
                "saliency": vis.saliency,
                "smoothgrad": vis.smoothgrad,
                "integrated-gradients": vis.integrated_gradients,
                "grad-cam": vis.grad_cam,
                "guided-grad-cam": vis.guided_grad_cam,
            }
            check = vis.sanity_check(model, image, maps[args.sanity_map], class_index=class_index)
            figure = methods_figures.sanity_check_figure(
                shown, check, f"{name}: {args.sanity_map} of {label}, trained and random weights"
            )
    figure.savefig(args.output, dpi=110, bbox_inches="tight")
    at = f" at layer {layer}" if layer else ""
    print(f"wrote {args.output}: {method} of {described}{at}")
    return 0
