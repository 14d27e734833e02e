"""benchmarks/gpu.py: its smoke mode on the CPU under JAX with TensorFlow
blocked, its table, and the peak lookup and batch rule it relies on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keras_classics.bench import gpu

ROOT = Path(__file__).resolve().parents[1]
PEAK = 0.5  # TFLOP/s, passed so that the share column is computed on a CPU
# Three of the five (a pair of the same network and one more of ours): each
# model costs the smoke run several seconds of compiling on two cores. The
# ResNets' forward pass and training under JAX are checked in
# test_backend_jax.py.
QUICK_MODELS = ("alexnet", "vgg16", "applications.VGG16")
# Runs the script as `python benchmarks/gpu.py ...` would, after making
# `import tensorflow` fail, as on a GPU machine without it.
BLOCKED_RUN = (
    "import runpy, sys; sys.path.insert(0, 'tests'); "
    "from _backend_parity import BlockTensorFlow; sys.meta_path.insert(0, BlockTensorFlow()); "
    "sys.argv = ['benchmarks/gpu.py', *sys.argv[1:]]; "
    "runpy.run_path('benchmarks/gpu.py', run_name='__main__')"
)


def run_script(*args, timeout=300):
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def table_rows(markdown: str):
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    return header, [dict(zip(header, row)) for row in rows]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("gpu") / "gpu.md"
    done = run_script("--quick", "--models", *QUICK_MODELS, "--peak-tflops", str(PEAK), "-o", str(output))
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, output.read_text(encoding="utf-8")


def test_quick_prints_one_row_per_model_with_every_column(quick_run):
    stdout, _ = quick_run
    header, rows = table_rows(stdout)
    assert header == [
        "model",
        "built by",
        "input",
        "batch",
        "steps",
        "GMACs/image",
        "images/s",
        "TFLOP/s (3 x 2 x MACs)",
        "share of peak",
    ]
    assert [r["model"] for r in rows] == list(QUICK_MODELS)
    assert [r["built by"] for r in rows] == ["keras_classics", "keras_classics", "keras.applications"]
    for row in rows:
        assert row["input"] == "67x67" and row["batch"] == "2" and row["steps"] == "2"
        assert float(row["images/s"]) > 0


def test_the_flops_and_share_follow_from_macs_and_images_per_second(quick_run):
    _, rows = table_rows(quick_run[0])
    for row in rows:
        # Training: forward + two backward products, 2 FLOPs per MAC.
        expected = 6 * float(row["GMACs/image"]) * 1e9 * float(row["images/s"]) / 1e12
        # The table rounds each figure to three significant digits.
        assert float(row["TFLOP/s (3 x 2 x MACs)"]) == pytest.approx(expected, rel=0.02)
        assert float(row["share of peak"].rstrip("%")) / 100 == pytest.approx(expected / PEAK, rel=0.05, abs=0.001)


def test_ours_and_keras_applications_count_the_same_macs(quick_run):
    # The same architecture, built twice.
    _, rows = table_rows(quick_run[0])
    macs = {r["model"]: r["GMACs/image"] for r in rows}
    assert macs["vgg16"] == macs["applications.VGG16"]


def test_quick_writes_what_it_prints_and_names_the_device(quick_run):
    stdout, written = quick_run
    assert written.strip() in stdout
    assert "Device: cpu" in written and f"Peak: {PEAK:g} TFLOP/s" in written and "JAX" in written


def test_a_bad_option_is_one_line_and_exit_code_2(capsys):
    assert gpu.main(["--steps", "0"]) == 2
    assert capsys.readouterr().err.strip() == "gpu benchmark: --steps must be at least 1, got 0"
    assert gpu.main(["--input-size", "32"]) == 2
    assert "AlexNet's smallest input" in capsys.readouterr().err


def test_it_refuses_a_keras_loaded_on_another_backend(capsys):
    # This process runs Keras on TensorFlow.
    assert gpu.main(["--quick"]) == 2
    assert "JAX backend" in capsys.readouterr().err


@pytest.mark.parametrize(
    "device, peak",
    [
        ("NVIDIA H100 80GB HBM3", 989.0),
        ("NVIDIA H100 PCIe", 756.0),
        ("NVIDIA H100 NVL", 835.0),
        ("NVIDIA H200", 989.0),
        ("NVIDIA A100-SXM4-80GB", 312.0),
        ("NVIDIA A100-PCIE-40GB", 312.0),
        ("NVIDIA L40S", 362.0),
        ("NVIDIA L4", 121.0),
        ("NVIDIA A10", 125.0),
        ("NVIDIA A10G", None),
        ("Tesla V100-SXM2-16GB", None),
        ("cpu", None),
    ],
)
def test_peak_lookup_by_device_name(device, peak):
    assert gpu.peak_tflops(device) == peak


def test_default_batch_fills_half_the_memory_with_four_times_the_activations():
    gib, mib = 2**30, 2**20
    # 10 MiB of activations per image, 40 GiB: 40 MiB per image in
    # training, 20 GiB usable: 512 images, the largest power of two.
    assert gpu.default_batch(10 * mib, 40 * gib) == 512
    assert gpu.default_batch(10 * mib, 40 * gib, largest=128) == 128
    assert gpu.default_batch(10 * gib, 40 * gib) == 1
    assert gpu.default_batch(10 * mib, None) == 32
