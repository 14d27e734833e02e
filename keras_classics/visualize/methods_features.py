"""Feature visualisation by optimisation: the input that excites one channel.

Start from a nearly flat image and climb the gradient of one channel's
mean activation with respect to the image (Erhan et al. 2009; Olah,
Mordvintsev and Schubert, "Feature Visualization", Distill 2017). Plain
pixel-space ascent finds high-frequency patterns that excite the unit but
look like noise; two things from Olah et al. make the pictures readable:

- **Transformation robustness.** Each step looks at the image jittered by a
  few pixels, slightly scaled and rotated (`robustness_transform`, fresh
  random amounts each step), so only patterns that excite the unit wherever
  they fall survive.
- **A decorrelated parameterisation.** The optimiser changes the image's
  Fourier spectrum, each frequency scaled by ``1 / f`` (natural images have
  about that spectrum), in colour channels decorrelated with the square
  root of ImageNet's colour covariance, and a sigmoid keeps the pixels in
  their range. A gradient step then changes the image in the way natural
  images vary, not pixel by pixel (`spectrum_to_image`).

Gradients come from `keras_classics.visualize._gradients`, compiled once
per model, layer and parameterisation (TensorFlow or JAX): the channel and
each step's transform are arguments of the compiled function. The optimiser
(Adam, or plain gradient ascent) runs in NumPy with a seeded generator of
its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
from keras import ops

from keras_classics.visualize._gradients import compiled_gradients
from keras_classics.visualize._graph import VisualizeError, activation_model, get_layer

__all__ = [
    "COLOUR_CORRELATION",
    "fourier_scale",
    "spectrum_to_image",
    "image_to_spectrum",
    "robustness_transform",
    "FeatureVisualization",
    "feature_visualization",
]

# The square root of ImageNet's RGB covariance (its SVD factor), as Lucid
# (Olah et al.'s library) uses it to decorrelate colours. Each column is a
# principal colour direction times the square root of its variance.
COLOUR_CORRELATION = np.array(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]],
    dtype="float64",
)


def _colour_matrix(channels: int, decorrelate: bool) -> np.ndarray:
    """The matrix M with ``pixel colour = M @ decorrelated colour``: the
    colour correlation scaled so its largest column has norm 1 (RGB), the
    identity otherwise."""
    if decorrelate and channels == 3:
        return COLOUR_CORRELATION / np.max(np.linalg.norm(COLOUR_CORRELATION, axis=0))
    return np.eye(channels)


def fourier_scale(height: int, width: int, decay: float = 1.0) -> np.ndarray:
    """The weight of each frequency of an (height, width) spectrum in the
    parameterisation, shape (height, width), in `numpy.fft.fft2`'s layout.

    ``1 / max(f, 1 / max(height, width)) ** decay`` with ``f`` the frequency
    in cycles per pixel (``sqrt(fy**2 + fx**2)``), the constant term held at
    the lowest frequency's weight, then divided by its root mean square: a
    spectrum of unit-variance coefficients gives pixels of unit variance.
    """
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    raw = 1.0 / np.maximum(np.sqrt(fy * fy + fx * fx), 1.0 / max(height, width)) ** float(decay)
    return raw / np.sqrt(np.mean(raw * raw))


def _check_range(value_range) -> Optional[Tuple[float, float]]:
    if value_range is None:
        return None
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise VisualizeError(
            f"value_range must be two numbers (low, high), such as (0, 1), or None, got {value_range!r}"
        ) from None
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        raise VisualizeError(f"value_range must be two finite numbers with low < high, got {value_range!r}")
    return low, high


class _Parameterisation:
    """Parameters (a float32 array) to an image (1, h, w, c), in keras.ops."""

    def __init__(self, kind: str, height: int, width: int, channels: int, decorrelate: bool, value_range, decay):
        if kind not in ("fourier", "pixels"):
            raise VisualizeError(f"parameterization must be 'fourier' or 'pixels', got {kind!r}")
        self.kind = kind
        self.shape = (height, width, channels)
        self.value_range = _check_range(value_range)
        self.matrix = _colour_matrix(channels, decorrelate)
        self.scale = fourier_scale(height, width, decay)

    @property
    def parameter_shape(self) -> Tuple[int, ...]:
        height, width, channels = self.shape
        return (2, channels, height, width) if self.kind == "fourier" else (height, width, channels)

    def image(self, parameters):
        height, width, channels = self.shape
        if self.kind == "fourier":
            scale = ops.convert_to_tensor(self.scale.astype("float32"))
            real, imag = ops.ifft2((parameters[0] * scale, parameters[1] * scale))
            # ifft2 divides by h w; the orthonormal inverse by sqrt(h w).
            spatial = ops.transpose(real, (1, 2, 0)) * math.sqrt(height * width)
            image = ops.matmul(spatial, ops.convert_to_tensor(self.matrix.T.astype("float32")))
            if self.value_range is not None:
                low, high = self.value_range
                image = low + (high - low) * ops.sigmoid(image)
        else:
            image = parameters
        return ops.expand_dims(image, 0)

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        """A nearly flat image: the range's middle (or 0) plus faint noise."""
        if self.kind == "fourier":
            # Pixels (before the colour matrix and the sigmoid) of standard
            # deviation about 0.01: flat grey after the sigmoid.
            return rng.normal(0.0, 0.01 / math.sqrt(2.0), self.parameter_shape).astype("float32")
        middle, spread = (
            (0.0, 1.0) if self.value_range is None else (sum(self.value_range) / 2, np.ptp(self.value_range))
        )
        return (middle + 0.01 * spread * rng.normal(size=self.parameter_shape)).astype("float32")

    def project(self, parameters: np.ndarray, max_norm: Optional[float]) -> np.ndarray:
        """Back into the allowed set after a step: pixels clipped to the range;
        the whole image scaled back onto the ball of radius ``max_norm``."""
        if self.kind == "pixels" and self.value_range is not None:
            parameters = np.clip(parameters, *self.value_range)
        if max_norm is not None:
            norm = float(np.linalg.norm(ops.convert_to_numpy(self.image(parameters))))
            if norm > max_norm:
                # Linear parameterisations: scaling the parameters scales the image.
                parameters = parameters * np.float32(max_norm / norm)
        return parameters.astype("float32")


def spectrum_to_image(
    spectrum: np.ndarray, decorrelate: bool = True, value_range=None, decay: float = 1.0
) -> np.ndarray:
    """The image (h, w, c) of a spectrum (2, c, h, w) of the Fourier
    parameterisation: real and imaginary parts, `numpy.fft.fft2`'s layout.

    ``pixels = M @ Re(IDFT(fourier_scale * spectrum))`` per position, the
    inverse DFT orthonormal (``sqrt(h w) * numpy.fft.ifft2``), ``M`` the
    colour matrix (RGB with ``decorrelate``; else the identity); with
    ``value_range`` (low, high), then ``low + (high - low) * sigmoid(.)``.
    """
    spectrum = np.asarray(spectrum, dtype="float32")
    if spectrum.ndim != 4 or spectrum.shape[0] != 2:
        raise VisualizeError(
            f"a spectrum is an array (2, channels, height, width) of real and imaginary parts, got shape {spectrum.shape}"
        )
    _, channels, height, width = spectrum.shape
    parameterisation = _Parameterisation("fourier", height, width, channels, decorrelate, value_range, decay)
    return ops.convert_to_numpy(parameterisation.image(ops.convert_to_tensor(spectrum)))[0]


def image_to_spectrum(image: np.ndarray, decorrelate: bool = True, value_range=None, decay: float = 1.0) -> np.ndarray:
    """The spectrum (2, c, h, w) whose `spectrum_to_image` (same options) is
    ``image`` (h, w, c): the inverse of each step. With ``value_range`` the
    image must lie strictly inside it (the sigmoid never reaches its ends)."""
    image = np.asarray(image, dtype="float64")
    if image.ndim != 3:
        raise VisualizeError(f"expected an image (height, width, channels), got an array of shape {image.shape}")
    height, width, channels = image.shape
    value_range = _check_range(value_range)
    if value_range is not None:
        low, high = value_range
        unit = (image - low) / (high - low)
        if unit.min() <= 0 or unit.max() >= 1:
            raise VisualizeError(
                f"the image's values ({image.min():g} to {image.max():g}) must lie strictly inside value_range "
                f"{value_range}: the sigmoid reaches neither end"
            )
        image = np.log(unit) - np.log1p(-unit)
    matrix = _colour_matrix(channels, decorrelate)
    spatial = image @ np.linalg.inv(matrix.T)
    spectrum = np.fft.fft2(spatial, axes=(0, 1), norm="ortho") / fourier_scale(height, width, decay)[..., None]
    spectrum = np.transpose(spectrum, (2, 0, 1))
    return np.stack([spectrum.real, spectrum.imag]).astype("float32")


def _affine(height: int, width: int, shift=(0.0, 0.0), scale: float = 1.0, angle: float = 0.0) -> np.ndarray:
    """The 8-number transform of `keras.ops.image.affine_transform` (output
    pixel to input pixel) that scales by ``scale`` and rotates by ``angle``
    degrees about the image's centre, then shifts by ``shift`` (rows, cols)."""
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    # Rows grow downwards: a counter-clockwise turn as displayed reads the
    # input at the output point turned clockwise, hence -angle.
    theta = math.radians(-angle)
    cos, sin = math.cos(theta) / scale, math.sin(theta) / scale
    dy, dx = shift
    # Output (x, y) -> input: undo the shift, then the rotation and scaling about the centre.
    a0, a1 = cos, sin
    b0, b1 = -sin, cos
    ox, oy = -dx - cx, -dy - cy
    a2 = a0 * ox + a1 * oy + cx
    b2 = b0 * ox + b1 * oy + cy
    return np.array([a0, a1, a2, b0, b1, b2, 0.0, 0.0], dtype="float32")


def robustness_transform(image, shift=(0.0, 0.0), scale: float = 1.0, angle: float = 0.0):
    """``image`` (1, h, w, c) scaled by ``scale`` and rotated by ``angle``
    degrees (counter-clockwise as displayed) about its centre, then moved by
    ``shift`` = (rows down, columns right) pixels; bilinear, the border
    reflected. Works on tensors, so gradients flow through it."""
    height, width = int(image.shape[1]), int(image.shape[2])
    return _apply_affine(image, ops.convert_to_tensor(_affine(height, width, shift, scale, angle)[None]))


def _apply_affine(image, transform):
    """``image`` (1, h, w, c) resampled by a (1, 8) transform tensor."""
    return ops.image.affine_transform(
        image, transform, interpolation="bilinear", fill_mode="reflect", data_format="channels_last"
    )


@dataclass(frozen=True)
class FeatureVisualization:
    """The result of `feature_visualization`.

    ``image``: (h, w, c), in the model's input scale; ``objective``: the
    objective at the start of each step (on that step's transformed image,
    so it wavers when the transforms are on); ``activation``: the objective
    of the final image, untransformed.
    """

    image: np.ndarray
    layer: str
    channel: int
    objective: List[float]
    activation: float
    parameterization: str


def _objective(output, mask):
    """A channel's mean over positions (spatial maps) or a unit's value; the
    channel is the one-hot ``mask``."""
    if len(output.shape) == 4:
        return ops.sum(ops.mean(output[0], axis=(0, 1)) * mask)
    if len(output.shape) == 2:
        return ops.sum(output[0] * mask)
    raise VisualizeError(
        f"the layer's output has shape {tuple(output.shape)}: a feature visualisation needs a map "
        "(batch, height, width, channels) or units (batch, units)"
    )


def feature_visualization(
    model,
    layer: str,
    channel: int,
    steps: int = 256,
    learning_rate: float = 0.05,
    parameterization: str = "fourier",
    decorrelate: bool = True,
    transforms: bool = True,
    jitter: int = 8,
    scale: Sequence[float] = (0.9, 1.1),
    rotate: float = 10.0,
    value_range=(0.0, 1.0),
    max_norm: Optional[float] = None,
    optimizer: str = "adam",
    size: Optional[Tuple[int, int]] = None,
    seed: int = 0,
) -> FeatureVisualization:
    """The input that maximises one channel of ``layer`` (its mean over
    positions) or one unit of a flat layer, found by gradient ascent.

    Args:
        layer: the layer of the unit to excite.
        channel: its channel (a map's mean over positions) or unit.
        steps: steps of the ascent.
        learning_rate: Adam's step, or the gradient's multiplier for
            ``optimizer="sgd"``.
        parameterization: "fourier" (Olah et al.'s decorrelated spectrum,
            see `spectrum_to_image`) or "pixels" (the image itself).
        decorrelate: the Fourier parameterisation's colour decorrelation
            (RGB inputs only).
        transforms: transformation robustness: each step a random shift of
            up to ``jitter`` pixels, a scale in ``scale`` (low, high) and a
            rotation in +-``rotate`` degrees (`robustness_transform`).
        jitter: the largest shift, in pixels.
        scale: (low, high) of the random scale factor.
        rotate: the largest rotation, in degrees.
        value_range: (low, high) of the model's input values (the range
            preprocessing gives real images): the Fourier image goes through
            a sigmoid into it; pixels are clipped to it. None: unbounded.
        max_norm: keep the image's L2 norm at most this (needs
            ``value_range=None``): after each step the image is scaled back.
            For a linear unit ``w . x`` with plain pixels and
            ``optimizer="sgd"`` the result is ``max_norm * w / |w|``.
        optimizer: "adam" (as Olah et al.) or "sgd" (plain gradient ascent).
        size: (height, width) for models whose input has no fixed size.
        seed: the starting noise and the transforms' draws (a generator of
            their own: the global random state is left alone).
    """
    target = get_layer(model, layer, what="layer")
    channels_out = int(target.output.shape[-1])
    if not 0 <= int(channel) < channels_out:
        raise VisualizeError(
            f"channel {channel} is out of range for layer {layer!r}: it has {channels_out} channels (0 to {channels_out - 1})"
        )
    channel = int(channel)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise VisualizeError(f"steps must be a whole number of at least 1, got {steps!r}")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise VisualizeError(f"learning_rate must be a positive number (0.05 is usual), got {learning_rate!r}")
    if optimizer not in ("adam", "sgd"):
        raise VisualizeError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    if max_norm is not None:
        if value_range is not None:
            raise VisualizeError("max_norm bounds an unbounded image: give value_range=None with it")
        if not (np.isfinite(max_norm) and max_norm > 0):
            raise VisualizeError(f"max_norm must be a positive number, got {max_norm!r}")
    if isinstance(jitter, bool) or not isinstance(jitter, (int, np.integer)) or jitter < 0:
        raise VisualizeError(f"jitter must be a whole number of pixels of at least 0, got {jitter!r}")
    if not (np.isfinite(rotate) and rotate >= 0):
        raise VisualizeError(f"rotate must be a number of degrees of at least 0, got {rotate!r}")
    low_scale, high_scale = (float(s) for s in scale)
    if not 0 < low_scale <= high_scale:
        raise VisualizeError(f"scale must be (low, high) with 0 < low <= high, got {scale!r}")
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 3:
        raise VisualizeError(f"feature visualisation needs an image input (height, width, channels), got {shape}")
    height, width, channels = shape
    if size is not None:
        wanted = tuple(int(s) for s in size)
        if (height is not None and height != wanted[0]) or (width is not None and width != wanted[1]):
            raise VisualizeError(
                f"size {wanted} differs from the model's fixed input {shape[:2]}: leave size out for this model"
            )
        height, width = wanted
    if height is None or width is None or channels is None:
        raise VisualizeError(
            f"the model's input {shape} has no fixed size: give size=(height, width) for the image to optimise"
        )
    parameterisation = _Parameterisation(
        parameterization, int(height), int(width), int(channels), decorrelate, value_range, 1.0
    )
    if len(target.output.shape) not in (2, 4):
        _objective(target.output, None)  # the error that says which shapes work
    sub_model = activation_model(model, layer)

    def forward(x, transform, mask):
        image = _apply_affine(parameterisation.image(x), transform)
        objective = _objective(sub_model(image, training=False), mask)
        return objective, [], []

    key = (
        "feature_visualization",
        layer,
        parameterization,
        parameterisation.shape,
        decorrelate,
        parameterisation.value_range,
    )
    step_function = compiled_gradients(model, key, forward)
    mask = np.zeros(channels_out, dtype="float32")
    mask[channel] = 1.0
    identity = _affine(int(height), int(width))[None]
    rng = np.random.default_rng(seed)
    parameters = parameterisation.project(parameterisation.initial(rng), max_norm)
    first_moment = np.zeros_like(parameters)
    second_moment = np.zeros_like(parameters)
    history: List[float] = []
    for step in range(1, steps + 1):
        transform = identity
        if transforms:
            shift = tuple(float(v) for v in rng.integers(-jitter, jitter + 1, 2))
            factor = float(rng.uniform(low_scale, high_scale))
            angle = float(rng.uniform(-rotate, rotate))
            transform = _affine(int(height), int(width), shift, factor, angle)[None]
        value, gradient, _, _, _ = step_function(parameters, transform, mask)
        history.append(float(value))
        if optimizer == "adam":
            beta1, beta2 = 0.9, 0.999
            first_moment = beta1 * first_moment + (1 - beta1) * gradient
            second_moment = beta2 * second_moment + (1 - beta2) * gradient * gradient
            update = (first_moment / (1 - beta1**step)) / (np.sqrt(second_moment / (1 - beta2**step)) + 1e-8)
        else:
            update = gradient
        parameters = parameterisation.project(parameters + np.float32(learning_rate) * update, max_norm)
    image = parameterisation.image(ops.convert_to_tensor(parameters))
    final = float(ops.convert_to_numpy(_objective(sub_model(image, training=False), mask)))
    return FeatureVisualization(
        image=ops.convert_to_numpy(image)[0],
        layer=layer,
        channel=channel,
        objective=history,
        activation=final,
        parameterization=parameterization,
    )
