"""The same package on Keras's JAX backend, checked against TensorFlow.

One JAX subprocess (``KERAS_BACKEND=jax``, with ``import tensorflow`` made
to fail) runs `tests/_backend_parity.py` over every registered model, every
custom layer, anatomy, the visualisation methods, a LeNet-5 saved by this
(TensorFlow) process and a few training steps; meanwhile this process runs
the same code on TensorFlow. Both fill every variable from the same NumPy
values, so the outputs must agree.

Tolerance: the largest difference of an output over the largest magnitude
of that output must stay below `RELATIVE_TOLERANCE` (1e-4). The two
backends run the same float32 arithmetic through different kernels (oneDNN
under TensorFlow, XLA's under JAX), whose sums are associated differently:
each layer adds a rounding difference of order float32's epsilon (6e-8)
times the square root of its fan-in, and a hundred layers compound it. The
worst measured on this machine was 2e-5 (plain110); most models stay near
1e-6. Exact operations (padding, slicing, argmax, reshapes) must agree
exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import _backend_parity as parity
import numpy as np
import pytest

import keras_classics

RELATIVE_TOLERANCE = 1e-4
MODELS = keras_classics.list_models()
LAYERS = list(parity.layer_cases())


def relative_difference(reference, other) -> float:
    reference = np.asarray(reference, dtype="float64")
    scale = np.max(np.abs(reference))
    return float(np.max(np.abs(reference - np.asarray(other, dtype="float64"))) / (scale if scale else 1.0))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(TensorFlow results, JAX results), each a dict of arrays."""
    folder = tmp_path_factory.mktemp("backends")
    saved = folder / "lenet5.keras"
    saved_prediction = parity.save_lenet5(str(saved))
    started = time.perf_counter()
    # XLA compiles each operation the first time it meets its shapes, and
    # LLVM's optimisations take most of that time on this CPU; without them
    # the JAX run takes a quarter less time, with differences as small.
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_backend_optimization_level=0".strip()
    env = {**os.environ, "KERAS_BACKEND": "jax", "XLA_FLAGS": flags}
    script = Path(parity.__file__)
    command = [sys.executable, str(script), str(folder / "jax.npz"), "--saved", str(saved), "--fit"]
    # The JAX run and the TensorFlow run below share the machine's cores.
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        parity.record(str(folder / "tf.npz"))
        log, _ = process.communicate(timeout=900)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, f"the JAX run failed:\n{log[-4000:]}"
    tf_run = dict(np.load(folder / "tf.npz"))
    jax_run = dict(np.load(folder / "jax.npz"))
    tf_run["saved/lenet5"] = saved_prediction
    print(f"\nbackend parity: {time.perf_counter() - started:.1f} s for both runs")
    return tf_run, jax_run


def test_the_jax_run_ran_on_jax_without_tensorflow(runs):
    tf_run, jax_run = runs
    assert str(tf_run["backend"]) == "tensorflow"
    assert str(jax_run["backend"]) == "jax"
    assert not bool(jax_run["tensorflow_imported"])


def test_a_blocked_tensorflow_import_fails_in_the_blocker():
    finder = parity.BlockTensorFlow()
    with pytest.raises(ImportError, match="tensorflow is blocked"):
        finder.find_spec("tensorflow")
    assert finder.find_spec("keras") is None


@pytest.mark.parametrize("name", MODELS)
def test_every_registered_model_gives_the_same_outputs(runs, name):
    tf_run, jax_run = runs
    # The same variables in the same order, or the weights would differ.
    assert str(jax_run[f"layout/{name}"]) == str(tf_run[f"layout/{name}"])
    outputs = sorted(k for k in tf_run if k.startswith(f"model/{name}/"))
    assert outputs and outputs == sorted(k for k in jax_run if k.startswith(f"model/{name}/"))
    for key in outputs:
        assert jax_run[key].shape == tf_run[key].shape == (2, parity.CLASSES)
        assert np.isfinite(jax_run[key]).all()
        difference = relative_difference(tf_run[key], jax_run[key])
        print(f"{key}: max |jax - tf| / max |tf| = {difference:.2e}")
        assert difference <= RELATIVE_TOLERANCE, f"{key}: relative difference {difference:.2e}"


def test_googlenet_aux_returns_its_three_outputs_on_jax(runs):
    _, jax_run = runs
    assert sorted(k for k in jax_run if k.startswith("model/googlenet_aux/")) == [
        f"model/googlenet_aux/{i}" for i in range(3)
    ]


@pytest.mark.parametrize("name", MODELS)
def test_anatomy_gives_the_same_table(runs, name):
    tf_run, jax_run = runs
    tf_table, jax_table = (json.loads(str(run[f"anatomy/{name}"])) for run in runs)
    assert jax_table == tf_table
    assert tf_table["layers"], name


@pytest.mark.parametrize("name", LAYERS)
def test_every_custom_layer_gives_the_same_outputs(runs, name):
    tf_run, jax_run = runs
    key = f"layer/{name}"
    assert jax_run[key].shape == tf_run[key].shape
    difference = relative_difference(tf_run[key], jax_run[key])
    print(f"{key}: {difference:.2e}")
    assert difference <= RELATIVE_TOLERANCE


@pytest.mark.parametrize(
    "method", ["filter_tiles", "filter_norms", "feature_maps", "top_patches", "top_values", "occlusion"]
)
def test_forward_visualisations_agree(runs, method):
    tf_run, jax_run = runs
    key = f"vis/{method}"
    if method == "top_patches":
        # Which images, which units, which boxes: integers, equal exactly.
        np.testing.assert_array_equal(jax_run[key], tf_run[key])
    else:
        assert relative_difference(tf_run[key], jax_run[key]) <= RELATIVE_TOLERANCE


@pytest.mark.parametrize("method", ["saliency", "deconvnet", "guided_backprop", "grad_cam"])
def test_gradient_visualisations_agree(runs, method):
    tf_run, jax_run = runs
    key = f"vis/{method}"
    assert np.abs(tf_run[key]).max() > 0, "a zero map would agree trivially"
    assert relative_difference(tf_run[key], jax_run[key]) <= RELATIVE_TOLERANCE


def test_a_lenet5_saved_under_tensorflow_loads_under_jax(runs):
    tf_run, jax_run = runs
    assert relative_difference(tf_run["saved/lenet5"], jax_run["saved/lenet5"]) <= RELATIVE_TOLERANCE


@pytest.mark.parametrize("name", ["lenet5", "resnet20"])
def test_fit_under_jax_trains(runs, name):
    _, jax_run = runs
    loss = jax_run[f"fit/{name}/loss"]
    changed, variables = jax_run[f"fit/{name}/changed"]
    print(f"{name} losses under JAX: {np.round(loss, 4).tolist()}")
    assert len(loss) == 6 and np.isfinite(loss).all()
    # Six Adam steps on one batch of 16: its loss must fall.
    assert loss[-1] < loss[0]
    assert changed == variables > 0
