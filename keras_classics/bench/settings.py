"""What a benchmark run measures: the networks, the sizes, the rounds.

No TensorFlow here: the worker processes and the parent share these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

__all__ = ["Settings", "quick_settings", "BenchError", "KERAS_APPLICATIONS", "SHARED"]

# keras.applications networks that keras_classics also builds, under our
# registered names. keras's ResNet50/101/152 put the stride on the first 1x1
# of a bottleneck, as our "resnet50" (not "resnet50_v1_5") does.
KERAS_APPLICATIONS = {
    "vgg16": "VGG16",
    "vgg19": "VGG19",
    "resnet50": "ResNet50",
    "resnet101": "ResNet101",
    "resnet152": "ResNet152",
}

# The same training settings for every model, ours and theirs.
LEARNING_RATE = 0.01
MOMENTUM = 0.9
LOSS = "sparse_categorical_crossentropy"

SHARED = tuple(KERAS_APPLICATIONS)  # vgg16, vgg19, resnet50, resnet101, resnet152
ALEXNET_PAIR = ("alexnet", "alexnet_two_tower")  # the same widths, one tower or two
GROUPED_LAYERS = ("conv2", "conv4", "conv5")
# Training costs about three forward passes: the forward pass, the gradient
# with respect to the inputs and the one with respect to the weights.
TRAIN_PASSES = 3

# The project's speed goals: as fast as keras.applications, VGG-16 near the peak.
TARGET_RATIO = 1.0
TARGET_VGG16_PEAK = 0.80


class BenchError(RuntimeError):
    """A worker failed; the message carries its traceback and log."""


@dataclass
class Settings:
    batch: int = 16
    repeats: int = 3
    min_round_seconds: float = 1.0
    shared: Sequence[str] = SHARED
    shared_input: Optional[int] = None  # None: each network's registered size (224)
    shared_classes: Optional[int] = None  # None: 1000
    alexnet: bool = True
    alexnet_modes: Sequence[str] = ("infer", "train")
    profile: Sequence[str] = ("vgg16", "resnet50")  # shared networks whose training step is profiled
    sweep: Optional[Sequence[str]] = None  # None: every registered model
    sweep_train: bool = False
    sweep_min_round_seconds: float = 0.5  # the sweep's many small networks: shorter rounds
    grouped_layers: Sequence[str] = GROUPED_LAYERS
    grouped_batch: int = 16
    grouped_repeats: int = 5
    grouped_warmup: int = 2
    matmul_n: int = 2048
    matmul_repeats: int = 10
    matmul_warmup: int = 3
    probe_repeats: int = 4  # a shorter matmul before each part of the run
    isolate: bool = True
    quick: bool = False


def quick_settings(settings: Settings) -> Settings:
    """Every part of the run on tiny work, all models in two processes."""
    settings.batch = 2
    settings.repeats = 2
    settings.min_round_seconds = 0.1
    settings.sweep_min_round_seconds = 0.1
    settings.shared = ("vgg16",)
    settings.profile = ("vgg16",)
    settings.shared_input = 32
    settings.shared_classes = 10
    settings.alexnet_modes = ("infer",)  # tracing AlexNet's training step is most of its cost
    settings.sweep = ("lenet5_modern", "resnet20")
    settings.grouped_layers = ("conv4",)
    settings.grouped_batch = 1
    settings.grouped_repeats = 1
    settings.grouped_warmup = 1
    settings.matmul_n = 256
    settings.matmul_repeats = 3
    settings.matmul_warmup = 1
    settings.probe_repeats = 2
    settings.isolate = False
    settings.quick = True
    return settings
