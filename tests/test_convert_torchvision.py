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


@pytest.fixture(autouse=True)
def _free_memory():
    yield
    keras.backend.clear_session()
    gc.collect()


@pytest.mark.parametrize("network", list(_fixture_params()))
def test_logits_match_torchvision(network):
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

