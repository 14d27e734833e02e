"""torchvision state dicts converted into our builders, against torchvision's own logits.

The golden fixtures in tests/fixtures/torchvision/ were written by
scripts/make_torchvision_fixtures.py with PyTorch and torchvision (versions
inside each file): torchvision's model filled with seeded weights
(`keras_classics.checkpoints.synthetic_state_dict`), run in eval mode on a
seeded batch. Here the same weights are drawn again with NumPy alone,
converted, and our model's logits must match torchvision's within 1e-4 of
their scale. A fingerprint of torchvision's tensor names and shapes checks
the converter's idea of torchvision's layout independently of the logits.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_classics
from keras_classics import checkpoints, cli, convert

FIXTURES = Path(__file__).parent / "fixtures" / "torchvision"
NETWORK_FIXTURES = sorted(p for p in FIXTURES.glob("*.json") if p.name != "preprocessing.json")
# The largest graphs, built again for each test: kept out of the default run.
SLOW = {"vgg19_bn", "resnet152"}
TOLERANCE = 1e-4  # of the logits' scale (their largest magnitude)


def _load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _fixture_params():
    for path in NETWORK_FIXTURES:
        marks = [pytest.mark.slow] if path.stem in SLOW else []
        yield pytest.param(path.stem, id=path.stem, marks=marks)


def _model_for(fixture: dict):
    side = fixture["input"]["shape_nhwc"][1]
    return keras_classics.build(
        fixture["keras_classics_model"],
        input_shape=(side, side, 3),
        classes=len(fixture["logits"][0]),
        classifier_activation=None,
    )


def _state_dict(fixture: dict, shapes) -> dict:
    weights = fixture["weights"]
    state = checkpoints.synthetic_state_dict(shapes, weights["seed"], weights["gain"])
    # torchvision's state dicts carry the batch-norm counters too.
    for key in list(state):
        if key.endswith(".running_var"):
            state[key[: -len("running_var")] + "num_batches_tracked"] = np.zeros((), np.int64)
    return state


def _images(fixture: dict) -> np.ndarray:
    return checkpoints.synthetic_images(fixture["input"]["shape_nhwc"], fixture["input"]["seed"])


def _max_abs_diff(model, fixture) -> tuple:
    logits = keras.ops.convert_to_numpy(model(_images(fixture), training=False))
    expected = np.asarray(fixture["logits"], dtype=np.float64)
    return float(np.abs(logits - expected).max()), float(np.abs(expected).max())


@pytest.fixture
def free_memory():
    """Drop the large models a test built (not needed by the small tests)."""
    yield
    keras.backend.clear_session()
    gc.collect()


@pytest.mark.parametrize("network", list(_fixture_params()))
def test_logits_match_torchvision(network, free_memory):
    fixture = _load(network)
    ours = fixture["keras_classics_model"]
    model = _model_for(fixture)
    shapes = convert.expected_source_shapes(ours, model)
    assert checkpoints.shapes_fingerprint(shapes) == fixture["weights"]["fingerprint"], (
        f"the converter's layout of torchvision's {network} differs from torchvision's own"
    )

    converted = convert.from_torchvision(_state_dict(fixture, shapes), ours, model=model)

    diff, scale = _max_abs_diff(converted.model, fixture)
    print(f"{network}: max abs diff {diff:.3g}, logits' scale {scale:.3g}")
    assert diff <= TOLERANCE * scale
    assert converted.preprocessing.convention == "torchvision"


# --------------------------------------------------------------------------
# Files, the command line, and a fresh process
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def resnet18_state():
    """torchvision's resnet18 (10 classes) as the fixture's seeded state dict."""
    fixture = _load("resnet18")
    model = _model_for(fixture)
    state = _state_dict(fixture, convert.expected_source_shapes("resnet18", model))
    del model
    keras.backend.clear_session()
    return fixture, state


def test_safetensors_converts_in_a_subprocess_and_loads_through_load_converted(resnet18_state, tmp_path, free_memory):
    from safetensors.numpy import save_file

    fixture, state = resnet18_state
    source = tmp_path / "resnet18-f37072fd.safetensors"
    save_file(state, str(source))
    output = tmp_path / "resnet18.weights.h5"
    # The command runs in its own process; this process only loads the file.
    done = subprocess.run(
        [sys.executable, "-m", "keras_classics.cli", "convert", str(source), "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "torchvision resnet18 -> resnet18" in done.stdout
    assert "preprocess(images" in done.stdout

    info = convert.conversion_info(output)
    assert info["model"] == "resnet18"
    assert info["builder_kwargs"] == {"classes": 10}
    assert info["source"]["file"] == source.name
    assert info["preprocessing"]["channel_order"] == "RGB"
    # The documented call reads the convention from the file itself.
    grey = np.full((300, 400, 3), 51, np.uint8)
    prepared = convert.preprocess(grey, output)
    assert prepared.shape == (1, 224, 224, 3)
    np.testing.assert_allclose(
        prepared[0, 100, 100], (0.2 - np.array([0.485, 0.456, 0.406])) / [0.229, 0.224, 0.225], rtol=1e-5
    )

    side = fixture["input"]["shape_nhwc"][1]
    model = convert.load_converted(output, input_shape=(side, side, 3), classifier_activation=None)
    diff, scale = _max_abs_diff(model, fixture)
    assert diff <= TOLERANCE * scale
    # The builder's own weights= argument takes the same file.
    direct = keras_classics.resnet18(
        weights=str(output), input_shape=(side, side, 3), classes=10, classifier_activation=None
    )
    assert _max_abs_diff(direct, fixture)[0] <= TOLERANCE * scale


def test_npz_converts_without_torch(resnet18_state, tmp_path, free_memory):
    fixture, state = resnet18_state
    source = tmp_path / "resnet18.npz"
    np.savez(source, **state)
    side = fixture["input"]["shape_nhwc"][1]
    model = keras_classics.build("resnet18", input_shape=(side, side, 3), classes=10, classifier_activation=None)
    converted = convert.from_torchvision(source, model=model)  # network recognised from the names
    assert converted.model_name == "resnet18"
    assert converted.source["sha256"] and converted.source["file"] == "resnet18.npz"
    diff, scale = _max_abs_diff(model, fixture)
    assert diff <= TOLERANCE * scale


def test_pth_without_torch_says_what_to_do(tmp_path, monkeypatch):
    source = tmp_path / "resnet18-f37072fd.pth"
    source.write_bytes(b"not read")
    monkeypatch.setitem(sys.modules, "torch", None)  # as if PyTorch were not installed
    with pytest.raises(checkpoints.CheckpointError, match=r"needs PyTorch.*\.safetensors or \.npz"):
        checkpoints.read_state_dict(source)


def _run_cli(argv, capsys):
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_missing_and_extra_tensors_are_listed_and_nothing_is_written(resnet18_state, tmp_path, capsys):
    _, state = resnet18_state
    broken = dict(state)
    del broken["layer1.0.conv1.weight"]
    del broken["fc.bias"]
    broken["layer5.0.conv1.weight"] = np.zeros((3, 3, 1, 1), np.float32)
    source = tmp_path / "broken.npz"
    np.savez(source, **broken)
    output = tmp_path / "out.weights.h5"

    status, out, err = _run_cli(["convert", str(source), "--model", "resnet18", "-o", str(output)], capsys)
    assert status == 2 and out == ""
    assert err.startswith("keras-classics convert: error: ")
    assert "does not fit resnet18" in err and "nothing was written" in err
    assert "missing: layer1.0.conv1.weight" in err
    assert "missing: fc.bias" in err
    assert "unexpected: layer5.0.conv1.weight" in err
    assert "3 difference(s)" in err
    assert list(tmp_path.iterdir()) == [source]


def test_misshapen_tensor_is_listed_with_both_shapes(resnet18_state):
    fixture, state = resnet18_state
    broken = dict(state, **{"conv1.weight": np.zeros((64, 3, 5, 5), np.float32)})
    with pytest.raises(convert.CheckpointMismatch) as raised:
        convert.from_torchvision(broken, "resnet18")
    assert raised.value.differences == [
        "shape: conv1.weight is (64, 3, 5, 5); resnet18's conv1_conv needs (64, 3, 7, 7)"
    ]


def test_another_network_is_named(resnet18_state):
    _, state = resnet18_state
    with pytest.raises(
        convert.CheckpointMismatch, match=r"It is torchvision's resnet18: convert it with --model resnet18"
    ):
        convert.from_torchvision(state, "resnet34")


@pytest.mark.parametrize("network", [p.stem for p in NETWORK_FIXTURES])
def test_every_network_is_recognised_by_its_tensor_names(network):
    # The names alone decide, before anything is built: a wrong --model is
    # refused with the right one. (The names themselves are checked against
    # torchvision's by the fingerprint above.)
    ours = _load(network)["keras_classics_model"]
    names = convert.expected_source_keys(ours)
    other = "vgg11" if ours != "vgg11" else "vgg13"
    with pytest.raises(
        convert.CheckpointMismatch, match=rf"It is torchvision's {network}: convert it with --model {ours}\."
    ):
        convert.from_torchvision(dict.fromkeys(names, np.zeros(1)), other)


def test_googlenet_is_refused_with_the_reason():
    # The first tensors of torchvision's googlenet state dict.
    state = {
        "conv1.conv.weight": np.zeros((64, 3, 7, 7), np.float32),
        "conv1.bn.weight": np.ones(64, np.float32),
        "inception3a.branch3.1.conv.weight": np.zeros((32, 16, 3, 3), np.float32),
    }
    for model_name in (None, "googlenet", "vgg16"):
        with pytest.raises(checkpoints.CheckpointError, match=r"batch normalisation.*3x3.*5x5"):
            convert.from_torchvision(state, model_name)


@pytest.mark.parametrize("depth", [50, 101, 152])
def test_v1_5_checkpoint_into_the_paper_resnet_is_refused(depth):
    names = convert.expected_source_keys(f"resnet{depth}_v1_5")
    with pytest.raises(checkpoints.CheckpointError, match=rf"ResNet v1.5.*resnet{depth}_v1_5"):
        convert.from_torchvision(dict.fromkeys(names, np.zeros(1)), f"resnet{depth}")


def test_existing_output_is_refused_before_reading(tmp_path, capsys):
    output = tmp_path / "kept.weights.h5"
    output.write_bytes(b"earlier work")
    status, _, err = _run_cli(["convert", str(tmp_path / "absent.pth"), "-o", str(output)], capsys)
    assert status == 2 and "exists" in err and "--overwrite" in err
    assert output.read_bytes() == b"earlier work"
    status, _, err = _run_cli(["convert", str(tmp_path / "absent.pth"), "-o", str(tmp_path / "x.h5")], capsys)
    assert status == 2 and ".weights.h5" in err


# --------------------------------------------------------------------------
# Input convention
# --------------------------------------------------------------------------


def test_recorded_convention_is_torchvisions_own():
    """The mean, std, resize and crop of every IMAGENET1K_V1 weights that
    convert, as torchvision's transforms() reported them."""
    recorded = json.loads((FIXTURES / "preprocessing.json").read_text())["weights"]
    ours = convert.TORCHVISION_IMAGENET
    v1 = {name: t for name, t in recorded.items() if name.endswith(".IMAGENET1K_V1")}
    assert len(v1) == 14
    for name, transform in v1.items():
        assert transform["mean"] == list(ours.mean), name
        assert transform["std"] == list(ours.std), name
        assert transform["resize_size"] == [ours.resize_size], name
        assert transform["crop_size"] == [224], name
        assert transform["interpolation"] == "bilinear", name


def test_other_weights_are_told_by_their_file_names():
    """The V2 ResNets and vgg16's features-only weights: torchvision's own
    transform of each equals ours with that file's changes."""
    recorded = json.loads((FIXTURES / "preprocessing.json").read_text())["weights"]
    others = {t["file"]: t for name, t in recorded.items() if not name.endswith(".IMAGENET1K_V1")}
    assert set(others) == set(convert.TORCHVISION_CONVENTION_BY_FILE)
    for file, transform in others.items():
        ours = convert.dataclasses.replace(convert.TORCHVISION_IMAGENET, **convert.TORCHVISION_CONVENTION_BY_FILE[file])
        assert transform["resize_size"] == [ours.resize_size], file
        np.testing.assert_allclose(transform["mean"], ours.mean, rtol=1e-12, err_msg=file)
        np.testing.assert_allclose(transform["std"], ours.std, rtol=1e-12, err_msg=file)


def test_preprocess_standardises_rgb():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (2, 224, 224, 3)).astype(np.uint8)
    out = convert.preprocess(images, convert.dataclasses.replace(convert.TORCHVISION_IMAGENET, input_size=(224, 224)))
    # torchvision: ToTensor (/255) then Normalize(mean, std), channels in RGB order.
    mean = np.array([0.485, 0.456, 0.406])
    std = np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(out, (images / 255.0 - mean) / std, rtol=1e-5, atol=1e-5)


def test_preprocess_resizes_the_shorter_side_and_crops_the_centre():
    # A 427x640 photo's shape, each column holding its own index: the shorter
    # side goes to 256 (width int(256 * 640 / 427) = 383) and the central 224
    # columns are kept, 80 .. 303 of 383, i.e. about 134 .. 506 of 640.
    columns = np.tile(np.arange(640, dtype=np.float32) / 639 * 255, (427, 1))
    image = np.repeat(columns[:, :, None], 3, axis=2)
    convention = convert.dataclasses.replace(
        convert.TORCHVISION_IMAGENET, input_size=(224, 224), mean=(0, 0, 0), std=(1, 1, 1), scale=1.0
    )
    out = convert.preprocess(image, convention)
    assert out.shape == (1, 224, 224, 3)
    seen = out[0, 112, :, 0] / 255 * 639  # back to source columns
    assert abs(seen[0] - 640 * 80 / 383) < 2 and abs(seen[-1] - 640 * 303 / 383) < 2


def test_preprocess_warns_about_images_scaled_to_one():
    with pytest.warns(UserWarning, match=r"0-255"):
        convert.preprocess(np.full((8, 8, 3), 0.5), convert.TORCHVISION_IMAGENET)
