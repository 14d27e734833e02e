"""The papers' preprocessing and augmentation, as tf.data image functions.

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

__all__ = ["Scheme", "SCHEMES", "get_scheme", "Stats", "Transforms"]

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


SCHEMES = {
    "alexnet": Scheme(
        "alexnet",
        "mean_image",
        train_sides=(256, 256),
        test_side=256,
        square=True,
        flip=True,
        lighting=0.1,
    ),
    "vgg": Scheme(
        "vgg",
        "channel_mean",
        train_sides=(256, 512),
        test_side=384,
        flip=True,
        lighting=0.1,
    ),
    "resnet": Scheme(
        "resnet",
        "channel_mean_std",
        train_sides=(256, 480),
        test_side=256,
        flip=True,
        lighting=0.1,
    ),
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
    def train(self, image, seed):
        """Cached uint8 image and a stateless seed (shape [2]) -> model input."""
        import tensorflow as tf

        if not self.augment:
            # __init__ loads training images at the test side then.
            return self.test(image)
        seeds = tf.random.experimental.stateless_split(seed, num=4)
        x = tf.cast(image, tf.float32) / 255.0
        if self.scheme.normalize == "mean_image":
            # AlexNet subtracts the mean image before cropping, as Caffe's
            # 256x256 mean file does.
            x = self._normalize(x)
        if self.train_sides is not None:
            low, high = self.train_sides
            if high > low:
                side = tf.random.stateless_uniform([], seeds[0], low, high + 1, dtype=tf.int32)
                x = resize_shorter_side(x, side)
            elif self.load_side(True) != low:
                x = resize_shorter_side(x, low)
            x = tf.image.stateless_random_crop(x, [self.input_size, self.input_size, self.channels], seeds[1])
        if self.scheme.pad:
            pad = max(1, int(round(self.scheme.pad * self.input_size / 32)))
            x = tf.pad(x, [[pad, pad], [pad, pad], [0, 0]])
            x = tf.image.stateless_random_crop(x, [self.input_size, self.input_size, self.channels], seeds[1])
        if self.scheme.distort:
            x = self._distort(x, seeds[1])
        if self.scheme.flip:
            x = tf.image.stateless_random_flip_left_right(x, seeds[2])
        if self.scheme.lighting:
            x = self._lighting(x, seeds[3])
        if self.scheme.normalize != "mean_image":
            x = self._normalize(x)
        return x

    def test(self, image):
        """uint8 image from ``load(..., training=False)`` -> model input,
        no randomness: the central crop."""
        import tensorflow as tf

        x = tf.cast(image, tf.float32) / 255.0
        if self.scheme.normalize == "mean_image":
            x = self._normalize(x)
        if self.test_side is not None:
            x = center_crop(x, self.input_size)
        if self.scheme.normalize != "mean_image":
            x = self._normalize(x)
        return x

    # -- pieces ------------------------------------------------------------
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

        u = tf.random.stateless_uniform([5], seed, -1.0, 1.0)
        limits = DISTORTION
        shift = limits["translate"] * self.input_size / 32.0
        scale = 1.0 + limits["scale"] * u[0]
        squeeze = 1.0 + limits["squeeze"] * u[1]
        shear = limits["shear"] * u[2]
        # Forward map on (x, y) about the centre: [[sx, shear*sy], [0, sy]].
        sx, sy = scale * squeeze, scale / squeeze
        # ImageProjectiveTransform maps output pixels to input pixels, so it
        # takes the inverse: x_in = (x - shear*y)/sx, y_in = y/sy, about c.
        c = (self.input_size - 1) / 2.0
        tx, ty = shift * u[3], shift * u[4]
        a0, a1 = 1.0 / sx, -shear / sx
        b1 = 1.0 / sy
        a2 = c - a0 * (c + tx) - a1 * (c + ty)
        b2 = c - b1 * (c + ty)
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

    def _normalize(self, x):
        import tensorflow as tf

        kind = self.scheme.normalize
        if kind == "lenet":
            return LENET_BACKGROUND + (LENET_INK - LENET_BACKGROUND) * x
        if kind == "unit":
            return x
        if kind == "mean_image":
            return 255.0 * (x - tf.constant(self.stats.mean_image, tf.float32))
        if kind == "channel_mean":
            return 255.0 * (x - tf.constant(self.stats.channel_mean, tf.float32))
        if kind == "channel_mean_std":
            mean = tf.constant(self.stats.channel_mean, tf.float32)
            std = tf.constant(self.stats.channel_std, tf.float32)
            return (x - mean) / std
        raise ValueError(f"unknown normalisation {kind!r}")


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
