"""``keras-classics visualize`` on model files and run folders it cannot
use: one line, exit status 2, where a traceback used to be.

- A ``.keras`` model with a custom class that is not registered used to end
  in ``TypeError: Could not locate class 'MyLayer'`` and a page of config;
  the message names the class and says how Keras finds it.
- A ``.keras`` model with a Lambda layer: Keras's advice to pass
  ``safe_mode=False`` (which runs the file's code) is not passed on.
- A run folder whose ``results.json`` lacks ``hyperparameters`` used to end
  in ``KeyError``; one whose ``config.json`` or ``stats.npz`` is damaged in
  ``JSONDecodeError`` or ``BadZipFile``.

Every command runs in its own process (`_real_cli`); the model files are
made in another, so that the custom class is registered only there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from _real_cli import env, one_line_error, run

MAKE_MODELS = textwrap.dedent(
    """
    import sys

    import keras

    import keras_classics


    @keras.saving.register_keras_serializable(package="mine")
    class MyLayer(keras.layers.Layer):
        def call(self, x):
            return 2 * x


    folder = sys.argv[1]
    inputs = keras.Input((32, 32, 1))
    hidden = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    doubled = MyLayer(name="doubled")(hidden)
    pooled = keras.layers.GlobalAveragePooling2D()(doubled)
    keras.Model(inputs, keras.layers.Dense(3)(pooled)).save(f"{folder}/custom.keras")

    lambda_out = keras.layers.Lambda(lambda x: x * 2)(inputs)
    flat = keras.layers.Flatten()(keras.layers.Conv2D(2, 3)(lambda_out))
    keras.Model(inputs, keras.layers.Dense(3)(flat)).save(f"{folder}/lambda.keras")

    keras_classics.build("lenet5").save(f"{folder}/best.keras")
    """
)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    script = folder / "make_models.py"
    script.write_text(MAKE_MODELS)
    done = subprocess.run(
        [sys.executable, str(script), str(folder)], capture_output=True, text=True, timeout=300, env=env()
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


def _visualize(source, tmp_path):
    output = tmp_path / "figure.png"
    done = run(["visualize", str(source), "--method", "saliency", "-o", str(output)])
    message = one_line_error(done, "visualize")
    assert not output.exists()
    return message


def test_an_unregistered_custom_class_is_named(models, tmp_path):
    message = _visualize(models / "custom.keras", tmp_path)
    assert "uses the custom class 'MyLayer' (registered as 'mine>MyLayer' where it was saved)" in message
    assert "not registered in this process" in message
    assert "@keras.saving.register_keras_serializable()" in message
    assert "Full object config" not in message


def test_weights_from_a_file_with_an_unregistered_class_name_the_class(models):
    # build(weights=...) reads a .keras too; a class unknown here is not a
    # mismatch of architectures, and saying "do not fit" would mislead.
    import keras_classics

    with pytest.raises(ValueError) as error:
        keras_classics.build("lenet5", weights=str(models / "custom.keras"))
    message = str(error.value)
    assert message.startswith("lenet5: the weights in ")
    assert "uses the custom class 'MyLayer'" in message and "not registered in this process" in message
    assert "do not fit" not in message


def test_a_lambda_layer_is_refused_without_unsafe_advice(models, tmp_path):
    message = _visualize(models / "lambda.keras", tmp_path)
    assert "holds Python code (a Lambda layer's function), which is not loaded" in message


def _run_folder(models, tmp_path, **files):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "best.keras").write_bytes((models / "best.keras").read_bytes())
    (folder / "config.json").write_text(json.dumps({"model": "lenet5", "epochs": 2}))
    for name, content in files.items():
        path = folder / name.replace("_", ".")
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return folder


def test_results_without_hyperparameters_names_the_file(models, tmp_path):
    results = {"model": "lenet5", "test": {"accuracy": 0.97, "loss": 0.1}}
    folder = _run_folder(models, tmp_path, results_json=json.dumps(results))
    message = _visualize(folder, tmp_path)
    assert f"{str(folder / 'results.json')!r} has no hyperparameters.preprocess" in message


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("results_json", '{"model": "lenet5", "hyper', "is not valid JSON (Unterminated string"),
        ("stats_npz", b"PK\x03\x04 cut off", "run statistics"),
    ],
)
def test_a_damaged_run_file_is_named(models, tmp_path, name, content, expected):
    folder = _run_folder(models, tmp_path, **{name: content})
    message = _visualize(folder, tmp_path)
    assert repr(str(folder / name.replace("_", "."))) in message
    assert expected in message


def test_an_unfinished_run_without_a_model_name_is_named(models, tmp_path):
    folder = _run_folder(models, tmp_path)
    (folder / "config.json").write_text(json.dumps({"epochs": 2}))
    message = _visualize(folder, tmp_path)
    assert f"{str(folder / 'config.json')!r} names no model" in message
