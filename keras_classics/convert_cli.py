"""``keras-classics convert``: a keras.applications or torchvision checkpoint
into a ``.weights.h5`` file for one of our builders (`keras_classics.convert`)."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    help_text = "convert a keras.applications .h5 or torchvision state dict into a .weights.h5 file"
    parser = subparsers.add_parser(
        "convert",
        help=help_text,
        description=(
            help_text + ". keras.applications: VGG16, VGG19 -> vgg16, vgg19; ResNet50/101/152 -> "
            "resnet50/101/152. torchvision (.pth with PyTorch, .safetensors or .npz without): "
            "alexnet -> alexnet_torchvision; vgg11..vgg19[_bn] -> the same names; resnet18/34 -> "
            "resnet18/34; resnet50/101/152 -> resnet50_v1_5 ... The input convention of the "
            "source is recorded in the file: apply it with "
            "keras_classics.convert.preprocess(images, FILE)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", metavar="CHECKPOINT", help="the .h5, .pth, .pt, .safetensors or .npz file")
    parser.add_argument(
        "--model",
        metavar="NAME",
        help="the registered model to convert into (default: recognised from the checkpoint)",
    )
    parser.add_argument("-o", "--output", required=True, metavar="FILE.weights.h5", help="where to write")
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    parser.set_defaults(handler=_convert)


def _convert(args) -> int:
    from keras_classics import convert

    converted = convert.convert(args.source, args.output, args.model, overwrite=args.overwrite)
    source = converted.source
    kwargs = converted.builder_kwargs
    shape = kwargs.get("input_shape")
    parts = [f"{converted.model.count_params():,} parameters"]
    if kwargs.get("include_top", True):
        parts.append(f"{kwargs.get('classes', 1000)} classes")
    else:
        parts.append("no classifier")
    if shape:
        parts.append(f"input {'x'.join(str(n) for n in shape)}")
    prep = converted.preprocessing
    print(f"{source['source']} {source['network']} -> {converted.model_name} ({', '.join(parts)}): {args.output}")
    for note in converted.notes:
        print(f"note: {note}")
    print(
        f"input convention: {prep.convention} ({prep.channel_order}, /{prep.scale:g}, "
        f"mean {list(prep.mean)}, std {list(prep.std)}); apply it with "
        f"keras_classics.convert.preprocess(images, {args.output!r})"
    )
    return 0
