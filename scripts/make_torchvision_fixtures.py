"""Record torchvision's logits for seeded weights: the golden fixtures of
tests/test_convert_torchvision.py.

Run it where PyTorch and torchvision are installed (Keras is not needed), for
example in a scratch virtual environment outside the repository:

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch torchvision numpy
    /tmp/torchenv/bin/python scripts/make_torchvision_fixtures.py

For each network it builds torchvision's model, fills its state dict with
`keras_classics.checkpoints.synthetic_state_dict` (NumPy's PCG64 stream, one
per tensor, batch-norm statistics included), runs it in eval mode in float64
on `keras_classics.checkpoints.synthetic_images`, and writes
tests/fixtures/torchvision/<network>.json: the seeds, the input recipe, a
fingerprint of the state dict's names and shapes, and the logits. No weights
are stored: the test draws the same ones again with NumPy alone.

It also writes preprocessing.json, torchvision's own input transform of each
network's ImageNet weights, which the tests compare with the convention the
converter records.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torchvision

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from keras_classics import checkpoints  # noqa: E402  (NumPy only: no Keras import)

OUT = ROOT / "tests" / "fixtures" / "torchvision"

# Few classes keep each fixture a few KB; the classifier converts the same
# way at any width (the keras.applications tests use 1000 classes).
NUM_CLASSES = 10
BATCH = 2

# torchvision network -> (our registered model, input side, weight gain).
# AlexNet and VGG flatten a fixed grid (6x6, 7x7) after an adaptive average
# pool that is an identity only at 224, where our models match; the ResNets
# pool globally, so a small input does: 72 gives odd maps (9x9 at conv4)
# after stride 2. Gain 0.5 keeps the ResNets' logits between 1 and 10 (at 0.7
# ResNet-152's reach 2e5: sums grow at every block); see synthetic_tensor.
NETWORKS = {
    "alexnet": ("alexnet_torchvision", 224, 1.0),
    "vgg11": ("vgg11", 224, 1.0),
    "vgg13": ("vgg13", 224, 1.0),
    "vgg16": ("vgg16", 224, 1.0),
    "vgg19": ("vgg19", 224, 1.0),
    "vgg11_bn": ("vgg11_bn", 224, 1.0),
    "vgg13_bn": ("vgg13_bn", 224, 1.0),
    "vgg16_bn": ("vgg16_bn", 224, 1.0),
    "vgg19_bn": ("vgg19_bn", 224, 1.0),
    "resnet18": ("resnet18", 72, 0.5),
    "resnet34": ("resnet34", 72, 0.5),
    "resnet50": ("resnet50_v1_5", 72, 0.5),
    "resnet101": ("resnet101_v1_5", 72, 0.5),
    "resnet152": ("resnet152_v1_5", 72, 0.5),
}

WEIGHT_ENUMS = {
    "alexnet": "AlexNet_Weights",
    "vgg11": "VGG11_Weights",
    "vgg13": "VGG13_Weights",
    "vgg16": "VGG16_Weights",
    "vgg19": "VGG19_Weights",
    "vgg11_bn": "VGG11_BN_Weights",
    "vgg13_bn": "VGG13_BN_Weights",
    "vgg16_bn": "VGG16_BN_Weights",
    "vgg19_bn": "VGG19_BN_Weights",
    "resnet18": "ResNet18_Weights",
    "resnet34": "ResNet34_Weights",
    "resnet50": "ResNet50_Weights",
    "resnet101": "ResNet101_Weights",
    "resnet152": "ResNet152_Weights",
}


def versions() -> dict:
    return {"torch": torch.__version__, "torchvision": torchvision.__version__, "numpy": np.__version__}


def record(network: str, ours: str, side: int, gain: float, weights_seed: int, input_seed: int) -> dict:
    model = getattr(torchvision.models, network)(weights=None, num_classes=NUM_CLASSES)
    shapes = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    state = checkpoints.synthetic_state_dict(shapes, weights_seed, gain)
    model.load_state_dict({key: torch.from_numpy(value) for key, value in state.items()})
    model.eval()

    images = checkpoints.synthetic_images((BATCH, side, side, 3), input_seed)
    nchw = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        logits = model.double()(nchw.double()).numpy()
        single = model.float()(nchw).numpy()
    return {
        "made_by": "scripts/make_torchvision_fixtures.py",
        "versions": versions(),
        "date": datetime.date.today().isoformat(),
        "torchvision_network": network,
        "torchvision_call": f"torchvision.models.{network}(weights=None, num_classes={NUM_CLASSES})",
        "keras_classics_model": ours,
        "weights": {
            "recipe": "keras_classics.checkpoints.synthetic_state_dict(shapes, seed, gain) over "
            "the state dict's keys and shapes",
            "seed": weights_seed,
            "gain": gain,
            "tensors": len(shapes),
            "fingerprint": checkpoints.shapes_fingerprint(shapes),
        },
        "input": {
            "recipe": "keras_classics.checkpoints.synthetic_images(shape_nhwc, seed), "
            "given to torch as NCHW (permute(0, 3, 1, 2))",
            "seed": input_seed,
            "shape_nhwc": [BATCH, side, side, 3],
        },
        "eval": "model.eval(), forward pass in float64",
        "torch_float32_max_abs_diff": float(np.abs(single - logits).max()),
        "logits": [[float(f"{v:.9g}") for v in row] for row in logits.tolist()],
    }


def preprocessing() -> dict:
    """torchvision's own evaluation transform for each network's weights."""
    out = {"made_by": "scripts/make_torchvision_fixtures.py", "versions": versions(), "weights": {}}
    for network, enum_name in WEIGHT_ENUMS.items():
        for weights in getattr(torchvision.models, enum_name):
            transform = weights.transforms()
            out["weights"][f"{network}.{weights.name}"] = {
                "file": weights.url.rsplit("/", 1)[-1],
                "resize_size": list(transform.resize_size),
                "crop_size": list(transform.crop_size),
                "mean": list(transform.mean),
                "std": list(transform.std),
                "interpolation": transform.interpolation.value,
            }
    return out


def check_pth_reader(directory: Path) -> None:
    """`checkpoints.read_state_dict` reads a .pth as torch.save wrote it."""
    model = torchvision.models.resnet18(weights=None)
    path = directory / "resnet18.pth"
    torch.save(model.state_dict(), path)
    read = checkpoints.read_state_dict(path)
    assert list(read) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert np.array_equal(read[key], value.numpy()), key
    wrapped = directory / "wrapped.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, wrapped)
    assert list(checkpoints.read_state_dict(wrapped)) == list(model.state_dict())
    print("read_state_dict: .pth plain and wrapped read back exactly")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("networks", nargs="*", default=list(NETWORKS), help="default: all")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, torch.get_num_threads()))

    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        check_pth_reader(Path(scratch))
    (args.out / "preprocessing.json").write_text(json.dumps(preprocessing(), indent=1) + "\n")
    for index, network in enumerate(NETWORKS):
        if network not in args.networks:
            continue
        ours, side, gain = NETWORKS[network]
        fixture = record(network, ours, side, gain, weights_seed=1000 + index, input_seed=2000 + index)
        path = args.out / f"{network}.json"
        path.write_text(json.dumps(fixture, indent=1) + "\n")
        scale = max(abs(v) for row in fixture["logits"] for v in row)
        print(
            f"{network}: {path.stat().st_size} bytes, max |logit| {scale:.3g}, "
            f"torch float32 vs float64 {fixture['torch_float32_max_abs_diff']:.2g}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
