"""ZFNet's own figures: top patches beside their deconvnet projections
(Fig. 2) and a feature's evolution over training (Fig. 4).

- `KeepWeights`: a Keras callback that saves the model's weights at the
  chosen epochs (``epoch-001.weights.h5``, ...), each written to a
  temporary file first and moved into place, so a crash never leaves a
  half-written file under an epoch's name.
- `feature_evolution`: for one layer and channel, at each kept epoch, the
  strongest activation over a set of images and its deconvnet projection.
- `patches_and_projections`: for several units, the top patches
  (`keras_classics.visualize.top_patches`) and each patch's deconvnet
  projection (`keras_classics.visualize.deconvnet`).

`evolution_figure` and `patches_and_projections_figure` draw them, in
English or Chinese (``language="zh"``).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import keras
import numpy as np

from keras_classics.visualize._graph import VisualizeError
from keras_classics.visualize.activations import TopPatch, _crop, top_patches
from keras_classics.visualize.deconvnet import Projection, deconvnet

__all__ = [
    "KeepWeights",
    "kept_epochs",
    "weights_path",
    "EvolutionStep",
    "feature_evolution",
    "UnitProjections",
    "patches_and_projections",
    "projection_crop",
]

_NAME = re.compile(r"^epoch-(\d+)\.weights\.h5$")


def weights_path(folder: str, epoch: int) -> str:
    """Where `KeepWeights` keeps epoch ``epoch``'s weights (epochs count from 1)."""
    return os.path.join(os.fspath(folder), f"epoch-{int(epoch):03d}.weights.h5")


def kept_epochs(folder: str) -> List[int]:
    """The epochs whose weights ``folder`` holds, in order."""
    if not os.path.isdir(folder):
        raise VisualizeError(f"no kept weights: {folder!r} is not a folder (train with KeepWeights(folder=...))")
    return sorted(int(m.group(1)) for m in map(_NAME.match, os.listdir(folder)) if m)


def _epochs(epochs) -> Tuple[int, ...]:
    try:
        chosen = tuple(sorted({int(e) for e in epochs}))
    except (TypeError, ValueError):
        raise ValueError(f"epochs must be whole numbers from 1 up, such as (1, 2, 5, 10); got {epochs!r}") from None
    if not chosen or chosen[0] < 1 or any(float(e) != int(e) for e in epochs):
        raise ValueError(f"epochs must be whole numbers from 1 up, such as (1, 2, 5, 10); got {epochs!r}")
    return chosen


class KeepWeights(keras.callbacks.Callback):
    """Save the model's weights at the end of the chosen epochs.

    Args:
        epochs: which epochs, counted from 1 as ``fit`` prints them
            (epoch 1 is the weights after one pass over the data).
        folder: where; each epoch's weights go to `weights_path` (folder,
            epoch). The folder is made if missing.

    Each file is written under a temporary name in the same folder and
    then renamed, so the name of an epoch only ever holds a whole file.
    """

    def __init__(self, epochs: Sequence[int] = (1, 2, 5, 10), folder: str = "kept-weights"):
        super().__init__()
        self.epochs = _epochs(epochs)
        self.folder = os.fspath(folder)
        self.saved: List[int] = []

    def on_epoch_end(self, epoch, logs=None):
        number = int(epoch) + 1
        if number not in self.epochs:
            return
        os.makedirs(self.folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=".weights.h5", dir=self.folder)
        os.close(handle)
        try:
            self.model.save_weights(temporary, overwrite=True)
            os.replace(temporary, weights_path(self.folder, number))
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        self.saved.append(number)


@dataclass(frozen=True)
class EvolutionStep:
    """One row of ZFNet's Fig. 4: at ``epoch``, the strongest activation of
    the channel over the images (``patch``, a `TopPatch`) and its deconvnet
    projection (``projection``, a `Projection`)."""

    epoch: int
    patch: TopPatch
    projection: Projection


def _strongest(model, images, layer, channel, display) -> Tuple[TopPatch, Projection]:
    (patch,) = top_patches(model, images, layer, channel, k=1, display=display)
    projection = deconvnet(model, images[patch.image_index], layer, channel, (patch.row, patch.col))
    return patch, projection


def feature_evolution(
    model,
    folder: str,
    images,
    layer: str,
    channel: int,
    epochs: Optional[Sequence[int]] = None,
    display: Optional[np.ndarray] = None,
) -> List[EvolutionStep]:
    """How one feature changes over training (ZFNet, Fig. 4).

    For each kept epoch, loads that epoch's weights into ``model`` (the
    same network, built as in training), finds the strongest activation of
    ``channel`` of ``layer`` over ``images`` and projects it to pixels
    with the deconvnet. ``model``'s own weights are put back afterwards.

    Args:
        model: the functional model the weights were kept from.
        folder: the `KeepWeights` folder.
        images: model inputs (n, h, w, c), preprocessed as in training.
        layer, channel: the feature.
        epochs: which kept epochs; None: all of them.
        display: the images as they should be shown (for the patches).
    """
    kept = kept_epochs(folder)
    chosen = kept if epochs is None else list(_epochs(epochs))
    missing = [e for e in chosen if e not in kept]
    if missing or not chosen:
        raise VisualizeError(
            f"no kept weights for epoch(s) {missing or chosen} in {folder!r}; it holds epochs {kept or 'none'}"
        )
    images = np.asarray(images, dtype="float32")
    original = [np.array(w) for w in model.get_weights()]
    steps = []
    try:
        for epoch in chosen:
            model.load_weights(weights_path(folder, epoch))
            patch, projection = _strongest(model, images, layer, channel, display)
            steps.append(EvolutionStep(epoch, patch, projection))
    finally:
        model.set_weights(original)
    return steps


@dataclass(frozen=True)
class UnitProjections:
    """A unit's top patches (`TopPatch`, strongest first) and, for each,
    the deconvnet projection of the activation that chose it."""

    layer: str
    channel: int
    patches: List[TopPatch]
    projections: List[Projection]


def patches_and_projections(
    model, images, units: Dict[str, Sequence[int]], k: int = 9, display: Optional[np.ndarray] = None
) -> List[UnitProjections]:
    """ZFNet's Fig. 2 for ``units`` ({layer: channels}): each channel's ``k``
    top patches over ``images`` and their deconvnet projections."""
    if not units:
        raise VisualizeError("units must name at least one layer and its channels, such as {'c1': [0, 1]}")
    images = np.asarray(images, dtype="float32")
    result = []
    for layer, channels in units.items():
        for channel in channels:
            patches = top_patches(model, images, layer, channel, k=k, display=display)
            projections = [deconvnet(model, images[p.image_index], layer, p.channel, (p.row, p.col)) for p in patches]
            result.append(UnitProjections(layer, patches[0].channel, patches, projections))
    return result


def projection_crop(projection: Projection) -> np.ndarray:
    """A projection's pixels inside its unit's receptive field (zero where the
    field leaves the image), the part ZFNet's figures show."""
    return _crop(np.asarray(projection.pixels), projection.box)
