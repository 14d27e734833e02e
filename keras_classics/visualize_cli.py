"""``keras-classics visualize``: one method of `keras_classics.visualize`
on one model, written as a PNG figure.

SOURCE is a registered name (built with fresh, untrained weights), a
``.keras`` file, or a run folder of ``keras-classics train`` (its
``best.keras``, and the preprocessing recorded in its ``config.json`` and
``stats.npz`` for the input images). The input image is ``--input`` or,
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
# How many data-set images top-patches scans at most.
TOP_PATCH_IMAGES = 2000


def register(subparsers) -> None:
    help_text = "show what a network learned: filters, feature maps, deconvnet, occlusion, Grad-CAM ... as a PNG"
    description = (
        help_text + ". SOURCE is a registered name (fresh, untrained weights), a .keras file, or a run "
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
    parser.add_argument("-o", "--output", required=True, metavar="FILE.png", help="where to write the figure")
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=images.DEFAULT_MAX_PIXELS,
        metavar="N",
        help=f"refuse --input images of more pixels than this, before decoding (default {images.DEFAULT_MAX_PIXELS:,})",
    )
    parser.set_defaults(handler=_visualize)


# -- the model and its preprocessing ---------------------------------------------
def load_source(source: str):
    """(model, run folder or None, description) for SOURCE."""
    from keras_classics import registry
    from keras_classics.saving import load_model

    if os.path.isdir(source):
        for name in ("best.keras", "last.keras"):
            path = os.path.join(source, name)
            if os.path.exists(path):
                return load_model(path), source, f"{path}"
        raise CommandError(
            f"{source!r} is a folder without best.keras or last.keras; give a run folder of `keras-classics train`"
        )
    if source.endswith(".keras"):
        if not os.path.exists(source):
            raise CommandError(f"model file {source!r} does not exist")
        return load_model(source), None, source
    try:
        entry = registry.get_entry(source)
    except registry.UnknownModelError as error:
        raise CommandError(f"{error} (or give a .keras file or a run folder)") from None
    return entry.build(), None, f"{source} (untrained weights)"


def run_transforms(model, run_dir: Optional[str]):
    """The run's test-time preprocessing, or plain [0, 1] pixels."""
    from keras_classics.training.augment import Stats, Transforms, get_scheme

    size, channels = int(model.inputs[0].shape[1]), int(model.inputs[0].shape[-1])
    scheme, stats = "unit", Stats()
    if run_dir is not None:
        scheme = _run_preprocessing(run_dir)
        stats = run_folder.read_stats(run_dir)
    return Transforms(get_scheme(scheme), size, channels, augment=False, stats=stats)


def _run_preprocessing(run_dir: str) -> str:
    """The preprocessing scheme a run trained with: results.json records it;
    an unfinished run has only config.json (the setting, else its recipe's)."""
    return run_folder.read_preprocessing(run_dir)


def prepare_images(transforms, uint8_images) -> Tuple[np.ndarray, np.ndarray]:
    """uint8 images -> (model inputs, the same images resized for display)."""
    loaded = [transforms.load(image, training=False) for image in uint8_images]
    inputs = np.stack([np.asarray(transforms.test(image)) for image in loaded]).astype("float32")
    shown = np.stack([np.asarray(image) for image in loaded])
    if shown.shape[1:3] != inputs.shape[1:3]:  # a central crop after resizing
        import tensorflow as tf

        shown = np.stack([np.asarray(tf.image.resize_with_crop_or_pad(s, *inputs.shape[1:3])) for s in shown])
    return inputs, shown


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
def _visualize(args) -> int:
    from keras_classics import visualize as vis
    from keras_classics.visualize import figures

    if not args.output.lower().endswith(".png"):
        raise CommandError(f"the figure is a PNG: give -o a name ending in .png, not {args.output!r}")
    if args.data and args.method != "top-patches":
        raise CommandError(f"--data is for --method top-patches; {args.method} looks at one image: give --input IMAGE")
    fill = _fill(args.fill)  # checked before the slow part
    model, run_dir, described = load_source(args.source)
    channels = int(model.inputs[0].shape[-1])
    transforms = run_transforms(model, run_dir)
    if args.input:
        raw = [images.read_image(args.input, channels, max_pixels=args.max_pixels)]
    else:
        raw = data_images(
            None if args.method != "top-patches" else args.data,
            channels,
            TOP_PATCH_IMAGES if args.method == "top-patches" else 1,
        )
    inputs, shown = prepare_images(transforms, raw)
    image = inputs[0]
    method = args.method
    layer = args.layer
    figure = None
    try:
        if method == "filters":
            first = vis.first_conv_layer(model)
            if layer is None or layer == first:
                figure = figures.filters_figure(
                    vis.filter_tiles(model, layer),
                    f"{model.name}: {first} filters (grey = 0; each scaled to its largest |weight|)",
                )
            else:
                figure = figures.norms_figure(vis.filter_norms(model, layer), layer)
        elif method == "feature-maps":
            layer = layer or vis.first_conv_layer(model)
            figure = figures.feature_maps_figure(vis.feature_maps(model, image, layer), layer, shown[0])
        elif method == "top-patches":
            layer = layer or vis.default_cam_layer(model)
            channel = 0 if args.channel is None else args.channel
            patches = vis.top_patches(model, inputs, layer, channel, display=shown)
            figure = figures.top_patches_figure(patches, layer, channel)
        elif method in ("deconvnet", "guided-backprop"):
            layer = layer or vis.conv_layer_names(model)[-1]
            channel = args.channel
            if channel is None:
                maps = vis.feature_maps(model, image, layer)
                channel = int(np.argmax(maps.reshape(-1, maps.shape[-1]).max(axis=0)))
            project = vis.deconvnet if method == "deconvnet" else vis.guided_backprop
            figure = figures.projection_figure(shown[0], [project(model, image, layer, channel)], [method])
        elif method == "occlusion":
            side = image.shape[0]
            stride = args.stride or max(1, side // 16)
            result = vis.occlusion_sensitivity(model, image, args.class_index, size=args.size, stride=stride, fill=fill)
            figure = figures.occlusion_figure(
                shown[0],
                result,
                f"{model.name}: occlusion, class {result.class_index} (p = {result.baseline:.3f}), "
                f"{result.size}px square every {result.stride}px",
            )
        elif method == "saliency":
            class_index = vis.predicted_class(model, image) if args.class_index is None else args.class_index
            gradient = vis.saliency(model, image, class_index)
            figure = figures.saliency_figure(shown[0], gradient, f"{model.name}: saliency of class {class_index}")
        elif method == "grad-cam":
            class_index = vis.predicted_class(model, image) if args.class_index is None else args.class_index
            layer = layer or vis.default_cam_layer(model)
            cam = vis.grad_cam(model, image, layer, class_index)
            figure = figures.heatmap_figure(
                shown[0],
                cam,
                f"{model.name}: Grad-CAM of class {class_index} at {layer}",
                "Grad-CAM",
                vis.map_geometry(model, layer),
                floor=0.0,
            )
    except vis.VisualizeError as error:
        raise CommandError(str(error)) from None
    figures.save(figure, args.output)
    print(f"wrote {args.output}: {method} of {described}")
    return 0
