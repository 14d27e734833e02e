"""Reading checkpoints as plain NumPy arrays, and seeded stand-in checkpoints.

This module needs NumPy alone (h5py, torch and safetensors only when a file
of theirs is read), so it also runs where Keras is not installed: the script
that records the torchvision golden fixtures imports it next to PyTorch.

* `read_state_dict`: a PyTorch state dict from ``.pth``/``.pt`` (needs
  torch), ``.safetensors`` (needs the ``safetensors`` package, not torch)
  or ``.npz``, as ``{key: numpy array}``.
* `read_keras_h5`: the weights of a Keras legacy ``.h5`` file (the format
  of keras.applications' downloads), as ``{"layer/weight": numpy array}``;
  `keras3_layer_shapes`: what a Keras 3 ``.weights.h5`` file shows of its
  layers (classes, positions and shapes: it records no names).
* `read_npz`: the arrays of an ``.npz`` file, never unpickled; an empty,
  cut-off or damaged file raises CheckpointError saying so.
* `synthetic_state_dict` and `synthetic_images`: arrays drawn from NumPy's
  PCG64 bit stream, one stream per tensor, so that a test can rebuild a
  checkpoint from its seed without storing it.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "CheckpointError",
    "TORCH_SUFFIXES",
    "read_state_dict",
    "read_keras_h5",
    "keras3_layer_shapes",
    "read_npz",
    "synthetic_state_dict",
    "synthetic_images",
    "shapes_fingerprint",
]

TORCH_SUFFIXES = (".pth", ".pt", ".bin")
STATE_DICT_SUFFIXES = TORCH_SUFFIXES + (".safetensors", ".npz")

# torchvision counts batch-norm updates in a tensor that no forward pass reads.
BOOKKEEPING_SUFFIX = "num_batches_tracked"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read; the message says why and what to do."""


# --------------------------------------------------------------------------
# State dicts
# --------------------------------------------------------------------------


def read_state_dict(path) -> Dict[str, np.ndarray]:
    """The tensors of a PyTorch state dict file as NumPy arrays, in file order.

    ``.pth``, ``.pt`` and ``.bin`` are read with ``torch.load(...,
    weights_only=True)`` and need PyTorch; ``.safetensors`` needs the
    ``safetensors`` package (``pip install keras-classics[convert]``), not
    PyTorch; ``.npz`` needs NumPy alone. A checkpoint that wraps its state
    dict (``{"state_dict": ...}`` or ``{"model": ...}``) is unwrapped, and a
    ``module.`` prefix left by ``nn.DataParallel`` is dropped.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path!r} does not exist")
    lower = path.lower()
    if lower.endswith(TORCH_SUFFIXES):
        state = _read_torch(path)
    elif lower.endswith(".safetensors"):
        state = _read_safetensors(path)
    elif lower.endswith(".npz"):
        state = read_npz(path)
    else:
        raise CheckpointError(
            f"cannot tell the format of {path!r}: a PyTorch state dict ends in {', '.join(STATE_DICT_SUFFIXES)}"
        )
    return _strip_data_parallel_prefix(state)


def _read_torch(path: str) -> Dict[str, np.ndarray]:
    try:
        import torch
    except ImportError:
        raise CheckpointError(
            f"reading {os.path.basename(path)!r} needs PyTorch (pip install torch). Without it, "
            "save the state dict as .safetensors or .npz where PyTorch is installed, e.g. "
            "numpy.savez('model.npz', **{k: v.numpy() for k, v in "
            "torch.load('model.pth', weights_only=True).items()})"
        ) from None
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for a bad file
        raise CheckpointError(f"PyTorch cannot read {path!r}: {_torch_reason(error)}") from error
    if isinstance(loaded, Mapping):
        for wrapper in ("state_dict", "model"):
            if isinstance(loaded.get(wrapper), Mapping):
                loaded = loaded[wrapper]
                break
    if not isinstance(loaded, Mapping):
        raise CheckpointError(
            f"{path!r} holds a {type(loaded).__name__}, not a state dict; save model.state_dict() rather than the model"
        )
    state = {}
    for key, value in loaded.items():
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(f"{path!r}: entry {key!r} is a {type(value).__name__}, not a tensor")
        state[key] = value.detach().cpu().numpy()
    return state


def _torch_reason(error: Exception) -> str:
    """torch's reason, without its advice to turn weights_only off
    (which would run whatever code the file holds)."""
    import pickle

    text = str(error)
    if isinstance(error, pickle.UnpicklingError) or "weights_only" in text:
        unsupported = [line.strip() for line in text.splitlines() if "Unsupported global" in line]
        found = f" ({unsupported[0]})" if unsupported else ""
        return (
            f"it holds Python objects besides tensors{found}, which are not loaded because "
            "unpickling them could run code; save the state dict alone (torch.save(model.state_dict(), path))"
        )
    return text.splitlines()[0] if text else type(error).__name__


def _read_safetensors(path: str) -> Dict[str, np.ndarray]:
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise CheckpointError(
            "reading .safetensors needs the safetensors package: "
            "pip install 'keras-classics[convert]' (or pip install safetensors)"
        ) from None
    try:
        return dict(load_file(path))
    except Exception as error:  # safetensors raises its own error types
        raise CheckpointError(f"cannot read {path!r} as safetensors: {error}") from error


# A zip archive (what numpy.savez writes) starts with a local file header,
# or, empty, with the end-of-directory record.
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def read_npz(path, what: str = "checkpoint") -> Dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file (`numpy.savez`), read without pickle.

    A file that is not a zip archive, is cut off or damaged (a failed CRC),
    or holds Python objects rather than arrays raises CheckpointError saying
    so, with ``what`` the file is for; numpy's own advice for pickled data
    (to allow pickle, which runs the file's code) is not passed on.
    """
    import zipfile
    import zlib

    path = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError as error:
        raise CheckpointError(f"{what} {path!r} cannot be read: {error.strerror or error}") from None
    if not head:
        raise CheckpointError(
            f"{what} {path!r} is empty (0 bytes): it was probably cut off while being written or copied"
        )
    if head not in _ZIP_MAGICS:
        raise CheckpointError(
            f"{what} {path!r} is not an .npz file (it does not begin as the zip archive numpy.savez writes)"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise CheckpointError(
                f"{what} {path!r} holds Python objects rather than plain arrays; they are not loaded, "
                "because unpickling them could run code (save numeric arrays with numpy.savez)"
            ) from None
        raise CheckpointError(f"{what} {path!r} is damaged: {error}") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, KeyError) as error:
        reason = str(error) or type(error).__name__
        raise CheckpointError(f"{what} {path!r} is cut off or damaged ({reason}): copy or write it again") from None


def _strip_data_parallel_prefix(state: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    prefix = "module."
    if state and all(key.startswith(prefix) for key in state):
        return {key[len(prefix) :]: value for key, value in state.items()}
    return state


# --------------------------------------------------------------------------
# Keras legacy HDF5
# --------------------------------------------------------------------------


def read_keras_h5(path) -> Dict[str, np.ndarray]:
    """The weights of a Keras legacy ``.h5`` file, keyed ``"layer/weight"``.

    Reads both layouts Keras writes: weights at the file's root (Keras 2's
    ``save_weights``, which is how keras.applications' downloads are
    stored) and under ``model_weights`` (a whole model saved with
    ``model.save("x.h5")``). A weight's key is its layer's name and its own
    short name without the ``:0`` suffix, e.g. ``"block1_conv1/kernel"``.
    """
    import h5py

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path!r} does not exist")
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise CheckpointError(f"{path!r} is not an HDF5 file: {error}") from error
    with handle:
        group = handle["model_weights"] if "model_weights" in handle else handle
        layer_names = _h5_string_list(group, "layer_names")
        if layer_names is None:
            if "layers" in handle:
                raise CheckpointError(
                    f"{path!r} is a Keras 3 weights file (.weights.h5), not a legacy .h5 one: "
                    "read it with keras3_layer_shapes and Keras itself"
                )
            raise CheckpointError(
                f"{path!r} has no 'layer_names' attribute: it is not a Keras legacy .h5 weights "
                "file such as keras.applications' vgg16_weights_tf_dim_ordering_tf_kernels.h5"
            )
        weights: Dict[str, np.ndarray] = {}
        for layer in layer_names:
            layer_group = group[layer]
            for weight_name in _h5_string_list(layer_group, "weight_names") or []:
                short = weight_name.split("/")[-1].split(":")[0]
                weights[f"{layer}/{short}"] = np.asarray(layer_group[weight_name])
    return weights


def keras3_layer_shapes(path) -> Optional[Dict[str, List[Tuple[int, ...]]]]:
    """The layers of a Keras 3 ``.weights.h5`` file and their variables' shapes.

    Keras 3 names a model's layers in the file by their class and position
    (``layers/conv2d``, ``layers/conv2d_1``, ... for the first, second
    Conv2D of ``model.layers``), not by the layers' own names, and numbers
    each layer's variables in the order it made them (``vars/0``,
    ``vars/1``). Returns ``{"conv2d_1": [(3, 3, 64, 64), (64,)], ...}``,
    each class's layers in their order in the model (the order between
    classes is not recorded), or None if ``path`` is not laid out that way.
    Reads the shapes only, no values.
    """
    import h5py

    path = os.fspath(path)
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise CheckpointError(f"{path!r} is not an HDF5 file: {error}") from error
    with handle:
        layers = handle.get("layers")
        if not isinstance(layers, h5py.Group) or "layer_names" in handle.attrs:
            return None
        shapes = {}
        for name in sorted(layers, key=_keras3_position):
            variables = layers[name].get("vars")
            count = len(variables) if isinstance(variables, h5py.Group) else 0
            shapes[name] = [tuple(int(n) for n in variables[str(i)].shape) for i in range(count)]
    return shapes


def keras3_class_name(name: str) -> str:
    """``"conv2d_12"`` -> ``"conv2d"``: the layer class a Keras 3 file's name stands for."""
    stem, _, counter = name.rpartition("_")
    return stem if stem and counter.isdigit() else name


def _keras3_position(name: str) -> Tuple[str, int]:
    stem, _, counter = name.rpartition("_")
    if stem and counter.isdigit():
        return stem, int(counter)
    return name, 0


def _h5_string_list(group, name: str):
    """An attribute of strings, including Keras's chunked ``name0``, ``name1``."""
    if name in group.attrs:
        values = list(group.attrs[name])
    elif f"{name}0" in group.attrs:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(group.attrs[f"{name}{chunk}"])
            chunk += 1
    else:
        return None
    return [value.decode("utf8") if isinstance(value, bytes) else str(value) for value in values]


# --------------------------------------------------------------------------
# Seeded stand-ins
# --------------------------------------------------------------------------

# Read in chunks so that VGG's 103-million-entry fc1 does not need a second
# gigabyte; the stream is the same whatever the chunk size.
_CHUNK = 1 << 22


def _uniform(seed: int, label: str, size: int) -> np.ndarray:
    """``size`` float32 values in [-1, 1) from PCG64's raw bit stream.

    Only the bit generator is used (its stream is fixed across NumPy
    versions, unlike the distribution methods of ``Generator``): the top 24
    bits of each 64-bit word, which float32 holds exactly. Each ``label``
    gets its own stream, so the order of the tensors does not matter.
    """
    bits = np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(label.encode("utf8"))]))
    out = np.empty(size, dtype=np.float32)
    for start in range(0, size, _CHUNK):
        stop = min(size, start + _CHUNK)
        raw = bits.random_raw(stop - start)
        np.right_shift(raw, np.uint64(40), out=raw)
        out[start:stop] = raw  # below 2**24: exact in float32
    out *= np.float32(2.0**-23)
    out -= np.float32(1.0)
    return out


def synthetic_tensor(seed: int, key: str, shape: Sequence[int], gain: float = 1.0) -> np.ndarray:
    """The stand-in value of one state-dict entry, chosen from its key's suffix.

    Convolution and linear weights (2 or more dimensions) are ``gain`` times
    He-uniform, ``U(-a, a)`` with ``a = gain * sqrt(6/fan_in)``: at gain 1 a
    plain stack keeps its activations' scale, and a gain below 1 keeps a
    residual network's sums from doubling at every block (batch norm with
    made-up statistics does not renormalise them); biases and batch norm's beta ``U(-0.2, 0.2)``; batch
    norm's weight (1-D ``weight``) ``1 + U(-0.25, 0.25)``, running mean
    ``U(-0.2, 0.2)``, running variance ``U(0.25, 1.25)``; the
    ``num_batches_tracked`` counters 0.
    """
    shape = tuple(int(n) for n in shape)
    suffix = key.rsplit(".", 1)[-1]
    if suffix == BOOKKEEPING_SUFFIX:
        return np.zeros(shape, dtype=np.int64)
    values = _uniform(seed, key, int(np.prod(shape, dtype=np.int64)))
    if suffix == "weight" and len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        values *= np.float32(gain * np.sqrt(6.0 / fan_in))
    elif suffix == "weight":
        values = np.float32(1.0) + np.float32(0.25) * values
    elif suffix == "running_var":
        values = np.float32(0.75) + np.float32(0.5) * values
    else:  # bias, running_mean
        values *= np.float32(0.2)
    return values.reshape(shape)


def synthetic_state_dict(shapes: Mapping[str, Sequence[int]], seed: int, gain: float = 1.0) -> Dict[str, np.ndarray]:
    """A state dict with the given keys and shapes, filled by `synthetic_tensor`."""
    return {key: synthetic_tensor(seed, key, shape, gain) for key, shape in shapes.items()}


def synthetic_images(shape_nhwc: Sequence[int], seed: int) -> np.ndarray:
    """A float32 batch ``(N, H, W, C)`` of values in [-2, 2), from ``seed``
    (the stream labelled ``"images"``); torch takes it transposed to NCHW."""
    shape = tuple(int(n) for n in shape_nhwc)
    return (np.float32(2.0) * _uniform(seed, "images", int(np.prod(shape)))).reshape(shape)


def shapes_fingerprint(shapes: Mapping[str, Sequence[int]]) -> str:
    """SHA-256 of the sorted ``key:shape`` lines, ``num_batches_tracked`` left
    out: two layouts with the same fingerprint have the same tensors."""
    lines = sorted(
        f"{key}:{'x'.join(str(int(n)) for n in shape)}"
        for key, shape in shapes.items()
        if not key.endswith(BOOKKEEPING_SUFFIX)
    )
    return hashlib.sha256("\n".join(lines).encode("utf8")).hexdigest()


def shape_of(array) -> Tuple[int, ...]:
    return tuple(int(n) for n in np.shape(array))
