"""``keras-classics convert`` on checkpoints that are wrong in their values
or their bytes: each refused in one line, exit status 2, nothing written,
and no message of ours suggests a loading call that could run code.

- Weights that are not floating point (int64, bool, complex64) used to
  convert silently into a wrong network; NaN and infinite weights without a
  word. They are refused, naming a few tensors and counting the rest.
- An ``.npz`` that is empty, cut off or bit-flipped used to end in a
  traceback (``EOFError``, ``zipfile.BadZipFile``); one of random bytes in
  numpy's advice to load it "unsafely using allow_pickle=".
- A ``.pth`` without PyTorch: the suggested call loads with
  ``weights_only=True``.

Every command runs in its own process (`_real_cli`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _real_cli import ROOT, env, one_line_error, run, unsafe_advice


@pytest.fixture(scope="module")
def resnet18_state():
    """torchvision's resnet18 layout (10 classes) with seeded float32 values."""
    import keras

    import keras_classics
    from keras_classics import checkpoints, convert

    model = keras_classics.build("resnet18", input_shape=(32, 32, 3), classes=10)
    state = checkpoints.synthetic_state_dict(convert.expected_source_shapes("resnet18", model), seed=0)
    del model
    keras.backend.clear_session()
    return state


def _convert(tmp_path, state, name="checkpoint.npz"):
    source = tmp_path / name
    np.savez(source, **state)
    output = tmp_path / "out.weights.h5"
    done = run(["convert", str(source), "-o", str(output)])
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    return one_line_error(done, "convert")


@pytest.mark.parametrize("dtype", ["int64", "bool", "complex64"])
def test_weights_that_are_not_floating_point_are_refused(dtype, resnet18_state, tmp_path):
    state = {key: value.astype(dtype) if dtype != "bool" else value > 0 for key, value in resnet18_state.items()}
    message = _convert(tmp_path, state)
    count = len(state)
    assert f"not floating point in {count} tensors: conv1.weight ({dtype}), bn1.weight ({dtype})" in message
    assert f"and {count - 5} more" in message
    assert "nothing was written" in message


def test_nan_and_infinite_weights_are_refused_naming_the_tensors(resnet18_state, tmp_path):
    state = {key: value.copy() for key, value in resnet18_state.items()}
    state["conv1.weight"][0, 0, 0, :2] = np.nan
    state["layer2.0.bn1.running_var"][5] = np.inf
    state["fc.bias"][:] = -np.inf
    message = _convert(tmp_path, state)
    sizes = {key: state[key].size for key in ("conv1.weight", "layer2.0.bn1.running_var", "fc.bias")}
    assert "NaN, infinite or beyond float32's range in 3 tensors: " in message
    assert f"conv1.weight (2 of {sizes['conv1.weight']:,})" in message
    assert f"layer2.0.bn1.running_var (1 of {sizes['layer2.0.bn1.running_var']:,})" in message
    assert f"fc.bias (10 of {sizes['fc.bias']:,})" in message


def test_a_classifier_that_is_nan_throughout_is_left_out_with_a_note(tmp_path):
    """torchvision's features-only VGG16 weights: convolutions, and a NaN
    classifier. Converted without the classifier, and the command says so."""
    import keras_classics
    from keras_classics import checkpoints, convert

    model = keras_classics.build("vgg11", input_shape=(32, 32, 3), classes=10)
    state = checkpoints.synthetic_state_dict(convert.expected_source_shapes("vgg11", model), seed=1)
    classifier = [key for key in state if key.startswith("classifier.")]
    for key in classifier:
        state[key] = np.full_like(state[key], np.nan)
    source = tmp_path / "vgg11_features.npz"
    np.savez(source, **state)
    output = tmp_path / "vgg11_features.weights.h5"
    done = run(["convert", str(source), "-o", str(output)])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "no classifier" in done.stdout
    assert "note: its classifier (" in done.stdout and "include_top=False" in done.stdout
    info = convert.conversion_info(output)
    assert info["builder_kwargs"] == {"include_top": False}
    features = keras_classics.build("vgg11", include_top=False, weights=str(output))
    np.testing.assert_array_equal(
        features.get_layer("block1_conv1").get_weights()[1], state["features.0.bias"].astype(np.float32)
    )


def _npz_bytes() -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    np.savez(buffer, weight=np.linspace(-1, 1, 4096, dtype=np.float32))
    return buffer.getvalue()


def _flip_a_data_byte(data: bytes) -> bytes:
    # Inside the stored array, well past the member's local header (30 bytes
    # plus its name) and the .npy header (128 bytes).
    flipped = bytearray(data)
    flipped[1000] ^= 0xFF
    return bytes(flipped)


BROKEN = {
    "empty": (lambda data: b"", r"is empty \(0 bytes\)"),
    "cut in half": (lambda data: data[: len(data) // 2], r"is cut off or damaged \(File is not a zip file\)"),
    "one byte flipped": (_flip_a_data_byte, r"is cut off or damaged \(Bad CRC-32 for file 'weight.npy'\)"),
    "random bytes": (lambda data: np.random.default_rng(0).bytes(5000), r"is not an \.npz file"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_npz_is_one_line_without_unsafe_advice(case, tmp_path):
    damage, expected = BROKEN[case]
    source = tmp_path / "broken.npz"
    source.write_bytes(damage(_npz_bytes()))
    done = run(["convert", str(source), "-o", str(tmp_path / "out.weights.h5")])
    message = one_line_error(done, "convert")
    assert re.search(expected, message), message
    assert "allow_pickle" not in message and "pickle.load" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.npz"]


def test_a_pth_without_pytorch_suggests_the_safe_call(tmp_path):
    source = tmp_path / "resnet18-f37072fd.pth"
    source.write_bytes(b"never read")
    # The command's own main() in a process where PyTorch cannot be imported.
    script = (
        "import sys; sys.modules['torch'] = None; from keras_classics.cli import main; "
        f"sys.exit(main(['convert', {str(source)!r}, '-o', {str(tmp_path / 'x.weights.h5')!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env())
    message = one_line_error(done, "convert")
    assert "needs PyTorch" in message
    assert "torch.load('model.pth', weights_only=True)" in message


def test_no_text_of_the_package_or_its_site_suggests_an_unsafe_load():
    """Every message, docstring and page: no allow_pickle=True, no
    weights_only=False or safe_mode=False, no torch.load without
    weights_only=True."""
    root = Path(ROOT)
    files = [*root.joinpath("keras_classics").rglob("*.py"), *root.joinpath("docs").rglob("*.md"), root / "README.md"]
    strict = re.compile(r"allow_pickle\s*=\s*True")
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        found = strict.findall(text) + [hit for hit in unsafe_advice(text) if not hit.startswith("allow_pickle")]
        problems += [f"{path.relative_to(root)}: {hit}" for hit in found]
    assert len(files) > 50
    assert problems == []


def test_the_unsafe_advice_check_catches_what_it_should():
    assert unsafe_advice("you can load it unsafely using the `allow_pickle=` keyword argument")
    assert unsafe_advice("numpy.savez('m.npz', **torch.load('model.pth'))")
    assert unsafe_advice("pass `safe_mode=False` to the loading function")
    assert unsafe_advice("torch.load(path, weights_only=False)")
    assert unsafe_advice("torch.load('model.pth', weights_only=True).items()") == []
