"""The papers' preprocessing and augmentation, as image functions for
tf.data (`Transforms`) or NumPy (`NumpyTransforms`, the pipeline without
TensorFlow): one scheme logic, two sets of pieces.

A `Scheme` names what one paper does; `SCHEMES` holds them. Every random
transform is stateless, seeded by (run seed, epoch, example index), so an
epoch's augmented batches depend on nothing else: not on the order the
parallel map finishes, not on how many workers share the data, not on
whether the run was killed and restarted.

Pixel values are floats in [0, 1] until the last step, `normalize`. Sizes are
written for the papers' 224x224 crop and scaled to the model's input
(a 32x32 input trains on crops of 32/224 times the papers' sides).

- ``alexnet`` (Krizhevsky et al. 2012, Sec. 2 and 4.1): shorter side to 256,
  central 256x256 square; training takes random 224 crops and horizontal
  flips and adds PCA colour noise (``alpha ~ N(0, 0.1)`` times the
  eigenvalues of the RGB pixel covariance, along its eigenvectors); the mean
  image of the training set is subtracted (pixels on the 0..255 scale, as in
  Caffe). Test: the central crop (the paper averages ten crops).
- ``vgg`` (Simonyan and Zisserman 2015, Sec. 2.1 and 3.1): scale jittering,
  the training image's shorter side S drawn from [256, 512] for every
  example, then a random 224 crop, flips and AlexNet's colour shift; the mean
  RGB value is subtracted (0..255 scale). Test: shorter side Q = 384
  (0.5 (256 + 512), Sec. 4.1) and the central crop (the paper evaluates
  densely).
- ``resnet`` (He et al. 2016, Sec. 3.4): shorter side from [256, 480], random
  224 crop, flips, colour noise; per-channel mean and standard deviation
  normalisation (the paper subtracts the per-pixel mean; per-channel
  standardisation is the common reimplementation). Test: shorter side 256,
  central crop (the paper averages ten crops or evaluates fully
  convolutionally).
- ``resnet_cifar`` (He et al. 2016, Sec. 4.2, the CIFAR-10 networks): the
  per-pixel mean is subtracted; training pads 4 pixels on each side and
  takes a random 32x32 crop or its mirror image; testing uses the image as
  it is.
- ``lenet`` (LeCun et al. 1998, Sec. II.A and III.C): resize to the input;
  background -0.1, ink 1.175, so the input has mean about 0 and variance
  about 1. Training adds the paper's random affine distortions
  (translation, scaling, squeezing, horizontal shearing: the "LeNet-5 with
  distortions" experiment of Sec. III.C), which matter more on about 1,350
  training digits than on MNIST's 60,000. Deviation: the paper centres
  MNIST's digits in a 20x20 box of the 32x32 field; the 8x8 digits fill
  the whole input instead: the box leaves 8x8 sources too few pixels (test
  accuracy 95.9% with the box against 97.4% without on the digits, Adam at
  2e-3, batch 32, 50 epochs with distortions).
- ``unit``: resize to the input, pixels in [0, 1], flips when augmenting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

__all__ = ["Scheme", "SCHEMES", "get_scheme", "Stats", "Transforms", "NumpyTransforms"]

# The crop side the papers' sizes refer to.
PAPER_CROP = 224


@dataclass(frozen=True)
class Scheme:
    """One paper's preprocessing.

    ``train_sides``: range of the training image's shorter side before the
    random crop, in the papers' pixels (None: resize straight to the input,
    no crop). ``test_side``: shorter side before the central test crop.
    ``square``: take the central square after resizing (AlexNet's 256x256).
    ``lighting``: standard deviation of the PCA colour noise (0: none).
    ``distort``: LeNet-5's random planar affine distortions (`DISTORTION`).
    ``pad``: zero padding (pixels of a 32x32 input) before a random crop
    back to the input (ResNet's CIFAR-10 augmentation).
    ``normalize``: "mean_image", "channel_mean", "channel_mean_std",
    "lenet" or "unit".
    """

    name: str
    normalize: str
    train_sides: Optional[Tuple[int, int]] = None
    test_side: Optional[int] = None
    square: bool = False
    flip: bool = False
    lighting: float = 0.0
    distort: bool = False
    pad: int = 0


def _imagenet_scheme(name: str, normalize: str, train_sides, test_side: int, square: bool = False) -> Scheme:
    # AlexNet, VGG and ResNet differ only in scales and normalisation: all
    # take random crops with flips and AlexNet's colour noise (0.1).
    return Scheme(name, normalize, train_sides=train_sides, test_side=test_side, square=square, flip=True, lighting=0.1)


SCHEMES = {
    "alexnet": _imagenet_scheme("alexnet", "mean_image", (256, 256), 256, square=True),
    "vgg": _imagenet_scheme("vgg", "channel_mean", (256, 512), 384),
    "resnet": _imagenet_scheme("resnet", "channel_mean_std", (256, 480), 256),
    "resnet_cifar": Scheme("resnet_cifar", "mean_image", flip=True, pad=4),
    "lenet": Scheme("lenet", "lenet", distort=True),
    "unit": Scheme("unit", "unit", flip=True),
}

# LeNet-5, Sec. III.C: "random combinations of the following planar affine
# transformations: horizontal and vertical translations, scaling, squeezing
# (simultaneous horizontal compression and vertical elongation, or the
# reverse), and horizontal shearing". The paper gives no ranges; these are
# ours: translations in pixels of a 32x32 input, the others as fractions.
DISTORTION = {"translate": 1.0, "scale": 0.05, "squeeze": 0.05, "shear": 0.1}

# LeNet-5, Sec. II.A: "the background level (white) corresponds to a value
# of -0.1 and the foreground (black) corresponds to 1.175".
LENET_BACKGROUND, LENET_INK = -0.1, 1.175


def get_scheme(name: str) -> Scheme:
    try:
        return SCHEMES[name]
    except KeyError:
        raise ValueError(f"unknown preprocessing {name!r}; choose one of {', '.join(SCHEMES)}") from None


@dataclass(frozen=True)
class Stats:
    """Training-set statistics some schemes need, pixels in [0, 1].

    ``mean_image``: (side, side, channels) at the cached resolution
    (AlexNet). ``channel_mean``/``channel_std``: per channel. ``eigval``/
    ``eigvec``: the principal components of the pixel covariance (PCA colour
    noise); ``eigvec[:, i]`` belongs to ``eigval[i]``.
    """

    mean_image: Optional[object] = None
    channel_mean: Optional[object] = None
    channel_std: Optional[object] = None
    eigval: Optional[object] = None
    eigvec: Optional[object] = None


def _side(paper_side: int, input_size: int) -> int:
    return max(input_size, int(round(paper_side * input_size / PAPER_CROP)))


class Transforms:
    """The image functions of a `Scheme` for one model input.

    ``load`` turns a decoded uint8 image into what is cached (resized once);
    ``train`` and ``test`` turn that into the model's input.
    """

    def __init__(
        self, scheme: Scheme, input_size: int, channels: int, augment: bool = True, stats: Optional[Stats] = None
    ):
        self.scheme = scheme
        self.input_size = int(input_size)
        self.channels = int(channels)
        self.augment = augment
        self.stats = stats or Stats()
        if scheme.train_sides is None:
            self.train_sides = None
            self.test_side = None
        else:
            low, high = scheme.train_sides
            self.train_sides = (_side(low, input_size), _side(high, input_size))
            self.test_side = _side(scheme.test_side, input_size)
            if not augment:
                self.train_sides = (self.test_side, self.test_side)

    def load_side(self, training: bool = True) -> Optional[int]:
        """Shorter side of the cached image (None: resized to the input)."""
        if self.train_sides is None:
            return None
        if not training:
            return self.test_side
        return max(self.train_sides[1], self.test_side)

    @property
    def needs(self) -> Tuple[str, ...]:
        """Which `Stats` fields this scheme uses."""
        needs = {
            "mean_image": ("mean_image",),
            "channel_mean": ("channel_mean",),
            "channel_mean_std": ("channel_mean", "channel_std"),
        }.get(self.scheme.normalize, ())
        if self.augment and self.scheme.lighting:
            needs += ("eigval", "eigvec")
        return needs

    # -- once per image, before the cache --------------------------------
    def load(self, image, training: bool = True):
        """uint8 (h, w, c) -> uint8 image at the cached size.

        Training images keep the largest side the augmentation draws from;
        test images are resized once to the test side.
        """
        import tensorflow as tf

        side = self.load_side(training)
        if side is None:
            size = (self.input_size, self.input_size)
            resized = tf.image.resize(image, size, antialias=True)
        else:
            resized = resize_shorter_side(image, side, antialias=True)
            if self.scheme.square:
                resized = center_crop(resized, side)
        return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)

    # -- every epoch -----------------------------------------------------
    # `train` and `test` are the schemes' logic, written once; the pieces
    # they call (`_unit`, `_random_crop`, ...) are TensorFlow ops here and
    # NumPy in `NumpyTransforms`.
    def train(self, image, seed):
        """Cached uint8 image and a seed -> model input.

        The seed is a stateless TensorFlow seed (shape [2]) here, the
        entropy of a NumPy ``SeedSequence`` in `NumpyTransforms`.
        """
        if not self.augment:
            # __init__ loads training images at the test side then.
            return self.test(image)
        seeds = self._split_seed(seed, 4)
        x = self._unit(image)
        if self.scheme.normalize == "mean_image":
            # AlexNet subtracts the mean image before cropping, as Caffe's
            # 256x256 mean file does.
            x = self._normalize(x)
        if self.train_sides is not None:
            low, high = self.train_sides
            if high > low:
                x = self._resize_shorter_side(x, self._random_side(low, high, seeds[0]))
            elif self.load_side(True) != low:
                x = self._resize_shorter_side(x, low)
            x = self._random_crop(x, seeds[1])
        if self.scheme.pad:
            pad = max(1, int(round(self.scheme.pad * self.input_size / 32)))
            x = self._random_crop(self._pad(x, pad), seeds[1])
        if self.scheme.distort:
            x = self._distort(x, seeds[1])
        if self.scheme.flip:
            x = self._random_flip(x, seeds[2])
        if self.scheme.lighting:
            x = self._lighting(x, seeds[3])
        if self.scheme.normalize != "mean_image":
            x = self._normalize(x)
        return x

    def test(self, image):
        """uint8 image from ``load(..., training=False)`` -> model input,
        no randomness: the central crop."""
        x = self._unit(image)
        if self.scheme.normalize == "mean_image":
            x = self._normalize(x)
        if self.test_side is not None:
            x = self._center_crop(x, self.input_size)
        if self.scheme.normalize != "mean_image":
            x = self._normalize(x)
        return x

    def _normalize(self, x):
        # Plain arithmetic on float32 arrays: the same for tensors and NumPy.
        kind = self.scheme.normalize
        if kind == "lenet":
            return LENET_BACKGROUND + (LENET_INK - LENET_BACKGROUND) * x
        if kind == "unit":
            return x
        if kind == "mean_image":
            return 255.0 * (x - _float32(self.stats.mean_image))
        if kind == "channel_mean":
            return 255.0 * (x - _float32(self.stats.channel_mean))
        if kind == "channel_mean_std":
            return (x - _float32(self.stats.channel_mean)) / _float32(self.stats.channel_std)
        raise ValueError(f"unknown normalisation {kind!r}")

    def _distortion(self, u):
        """LeNet's affine map from five uniform draws in [-1, 1]: the
        coefficients (a0, a1, a2, b1, b2) taking output pixel (x, y) to input
        pixel (a0 x + a1 y + a2, b1 y + b2), about the image centre."""
        limits = DISTORTION
        shift = limits["translate"] * self.input_size / 32.0
        scale = 1.0 + limits["scale"] * u[0]
        squeeze = 1.0 + limits["squeeze"] * u[1]
        shear = limits["shear"] * u[2]
        # Forward map on (x, y) about the centre: [[sx, shear*sy], [0, sy]];
        # its inverse: x_in = (x - shear*y)/sx, y_in = y/sy, about c.
        sx, sy = scale * squeeze, scale / squeeze
        c = (self.input_size - 1) / 2.0
        tx, ty = shift * u[3], shift * u[4]
        a0, a1 = 1.0 / sx, -shear / sx
        b1 = 1.0 / sy
        a2 = c - a0 * (c + tx) - a1 * (c + ty)
        b2 = c - b1 * (c + ty)
        return a0, a1, a2, b1, b2

    # -- TensorFlow pieces -------------------------------------------------
    @staticmethod
    def _split_seed(seed, parts: int):
        import tensorflow as tf

        return tf.random.experimental.stateless_split(seed, num=parts)

    @staticmethod
    def _unit(image):
        import tensorflow as tf

        return tf.cast(image, tf.float32) / 255.0

    @staticmethod
    def _random_side(low: int, high: int, seed):
        import tensorflow as tf

        return tf.random.stateless_uniform([], seed, low, high + 1, dtype=tf.int32)

    @staticmethod
    def _resize_shorter_side(x, side):
        return resize_shorter_side(x, side)

    def _random_crop(self, x, seed):
        import tensorflow as tf

        return tf.image.stateless_random_crop(x, [self.input_size, self.input_size, self.channels], seed)

    @staticmethod
    def _pad(x, pad: int):
        import tensorflow as tf

        return tf.pad(x, [[pad, pad], [pad, pad], [0, 0]])

    @staticmethod
    def _random_flip(x, seed):
        import tensorflow as tf

        return tf.image.stateless_random_flip_left_right(x, seed)

    @staticmethod
    def _center_crop(x, size: int):
        return center_crop(x, size)

    def _lighting(self, x, seed):
        """AlexNet Sec. 4.1: add sum_i alpha_i lambda_i p_i to every pixel."""
        import tensorflow as tf

        eigval = tf.constant(self.stats.eigval, tf.float32)
        eigvec = tf.constant(self.stats.eigvec, tf.float32)
        alpha = tf.random.stateless_normal([self.channels], seed, stddev=self.scheme.lighting)
        shift = tf.linalg.matvec(eigvec, alpha * eigval)
        return x + shift

    def _distort(self, x, seed):
        """A random affine map about the image centre, background 0."""
        import tensorflow as tf

        a0, a1, a2, b1, b2 = self._distortion(tf.random.stateless_uniform([5], seed, -1.0, 1.0))
        # ImageProjectiveTransform maps output pixels to input pixels.
        transform = tf.stack([a0, a1, a2, 0.0, b1, b2, 0.0, 0.0])[None]
        out = tf.raw_ops.ImageProjectiveTransformV3(
            images=x[None],
            transforms=transform,
            output_shape=tf.shape(x)[:2],
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="CONSTANT",
        )
        return tf.ensure_shape(out[0], x.shape)


class NumpyTransforms(Transforms):
    """`Transforms` on NumPy arrays, for the input pipeline without
    TensorFlow (`keras_classics.training.numpy_data`).

    The same scheme logic; resizing by Pillow (bilinear, antialiased like
    the TensorFlow path's ``load``), everything else in NumPy. The seed of
    `train` is any entropy a ``numpy.random.SeedSequence`` takes, such as
    (run seed, epoch, position): the draws depend on it alone. The random
    streams differ from TensorFlow's, so the two pipelines augment alike in
    distribution, not image for image.
    """

    def load(self, image, training: bool = True):
        side = self.load_side(training)
        if side is None:
            return _pil_resize(image, self.input_size, self.input_size)
        resized = _pil_resize_shorter_side(image, side)
        return _numpy_center_crop(resized, side) if self.scheme.square else resized

    @staticmethod
    def _split_seed(seed, parts: int):
        import numpy as np

        sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        return sequence.spawn(parts)

    @staticmethod
    def _unit(image):
        import numpy as np

        return np.asarray(image, np.float32) / 255.0

    @staticmethod
    def _random_side(low: int, high: int, seed):
        import numpy as np

        return int(np.random.default_rng(seed).integers(low, high + 1))

    @staticmethod
    def _resize_shorter_side(x, side):
        return _pil_resize_shorter_side(x, side)

    def _random_crop(self, x, seed):
        import numpy as np

        rng = np.random.default_rng(seed)
        top = int(rng.integers(0, x.shape[0] - self.input_size + 1))
        left = int(rng.integers(0, x.shape[1] - self.input_size + 1))
        return x[top : top + self.input_size, left : left + self.input_size]

    @staticmethod
    def _pad(x, pad: int):
        import numpy as np

        return np.pad(x, [(pad, pad), (pad, pad), (0, 0)])

    @staticmethod
    def _random_flip(x, seed):
        import numpy as np

        return x[:, ::-1] if np.random.default_rng(seed).random() < 0.5 else x

    @staticmethod
    def _center_crop(x, size: int):
        return _numpy_center_crop(x, size)

    def _lighting(self, x, seed):
        import numpy as np

        alpha = np.random.default_rng(seed).normal(0.0, self.scheme.lighting, self.channels)
        eigval, eigvec = _float32(self.stats.eigval), _float32(self.stats.eigvec)
        return x + eigvec @ (alpha.astype(np.float32) * eigval)

    def _distort(self, x, seed):
        import numpy as np

        u = np.random.default_rng(seed).uniform(-1.0, 1.0, 5)
        return affine_warp(x, *self._distortion(u))


def _float32(value):
    import numpy as np

    return np.asarray(value, np.float32)


def affine_warp(x, a0, a1, a2, b1, b2):
    """Bilinear resampling of (h, w, c) ``x`` at input pixel
    (a0 X + a1 Y + a2, b1 Y + b2) for each output pixel (X, Y), with 0
    outside the image (TensorFlow's ImageProjectiveTransform, CONSTANT)."""
    import numpy as np

    height, width = x.shape[:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    src_x = a0 * cols + a1 * rows + a2
    src_y = b1 * rows + b2
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    fx, fy = (src_x - x0)[..., None], (src_y - y0)[..., None]
    # Read through a one-pixel frame of zeros: every neighbour outside the
    # image lands on the frame and counts as 0.
    framed = np.pad(x, [(1, 1), (1, 1), (0, 0)])

    def at(yy, xx):
        return framed[np.clip(yy + 1, 0, height + 1), np.clip(xx + 1, 0, width + 1)]

    out = (
        at(y0, x0) * (1 - fx) * (1 - fy)
        + at(y0, x0 + 1) * fx * (1 - fy)
        + at(y0 + 1, x0) * (1 - fx) * fy
        + at(y0 + 1, x0 + 1) * fx * fy
    )
    return out.astype(x.dtype)


def _pil_resize(image, height: int, width: int):
    """Bilinear resize with Pillow, channel by channel. Pillow's filter
    widens when it shrinks, the antialiasing the TensorFlow path asks for;
    uint8 images stay uint8 (rounded), floats stay float32."""
    import numpy as np
    from PIL import Image

    image = np.asarray(image)
    if image.shape[:2] == (height, width):
        return image
    channels = []
    for c in range(image.shape[-1]):
        plane = Image.fromarray(np.ascontiguousarray(image[..., c], np.float32), mode="F")
        channels.append(np.asarray(plane.resize((width, height), Image.BILINEAR)))
    out = np.stack(channels, axis=-1)
    if image.dtype == np.uint8:
        return np.clip(np.round(out), 0, 255).astype(np.uint8)
    return out.astype(np.float32)


def _pil_resize_shorter_side(image, side: int):
    height, width = image.shape[:2]
    scale = side / min(height, width)
    return _pil_resize(image, max(side, int(round(height * scale))), max(side, int(round(width * scale))))


def _numpy_center_crop(image, size: int):
    top = (image.shape[0] - size) // 2
    left = (image.shape[1] - size) // 2
    return image[top : top + size, left : left + size]


def resize_shorter_side(image, side, antialias: bool = False):
    """Resize so the shorter side is ``side``, keeping the aspect ratio."""
    import tensorflow as tf

    shape = tf.shape(image)
    height, width = tf.cast(shape[0], tf.float32), tf.cast(shape[1], tf.float32)
    scale = tf.cast(side, tf.float32) / tf.minimum(height, width)
    new_size = tf.stack(
        [
            tf.maximum(tf.cast(side, tf.int32), tf.cast(tf.round(height * scale), tf.int32)),
            tf.maximum(tf.cast(side, tf.int32), tf.cast(tf.round(width * scale), tf.int32)),
        ]
    )
    return tf.image.resize(image, new_size, antialias=antialias)


def center_crop(image, size: int):
    """The central ``size`` x ``size`` window."""
    import tensorflow as tf

    shape = tf.shape(image)
    top = (shape[0] - size) // 2
    left = (shape[1] - size) // 2
    return tf.image.crop_to_bounding_box(image, top, left, size, size)
