"""The papers' SGD: momentum with weight decay inside the gradient.

AlexNet (Sec. 5) writes its update as
``v <- 0.9 v - 0.0005 eps w - eps dL/dw;  w <- w + v``: the decay term goes
through the momentum, like an L2 penalty ``decay/2 * |w|^2`` on the loss.
VGG, ZFNet, GoogLeNet and ResNet trained in Caffe or Torch, which do the same.
Keras's own ``weight_decay`` argument is decoupled (``w -= lr * decay * w``
outside the momentum, Loshchilov and Hutter's AdamW rule), which with
momentum 0.9 is about ten times weaker at the same number. `PaperSGD` adds
``l2 * w`` to each gradient before Keras's SGD update instead.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["PaperSGD", "make_optimizer"]


@keras.saving.register_keras_serializable(package="keras_classics")
class PaperSGD(keras.optimizers.SGD):
    """`keras.optimizers.SGD` with coupled L2 weight decay.

    Args:
        l2: decay coefficient added as ``l2 * w`` to the gradient of every
            trained variable (AlexNet's 0.0005).
        **kwargs: `keras.optimizers.SGD`'s arguments.
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, l2=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, momentum=momentum, **kwargs)
        self.l2 = float(l2)

    def update_step(self, gradient, variable, learning_rate):
        if self.l2:
            gradient = ops.add(
                ops.cast(gradient, variable.dtype),
                ops.multiply(ops.cast(self.l2, variable.dtype), variable),
            )
        super().update_step(gradient, variable, learning_rate)

    def get_config(self):
        return {**super().get_config(), "l2": self.l2}


def make_optimizer(hp) -> keras.optimizers.Optimizer:
    """The optimizer of resolved `Hyperparameters` ``hp``."""
    rate = hp.learning_rate
    if hp.optimizer == "sgd":
        return PaperSGD(learning_rate=rate, momentum=hp.momentum, l2=hp.weight_decay)
    # The adaptive optimizers would rescale an L2 gradient term per weight,
    # so they take Keras's decoupled decay (Loshchilov and Hutter).
    decay = hp.weight_decay or None
    if hp.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=rate, weight_decay=decay)
    if hp.optimizer == "adamw":
        return keras.optimizers.AdamW(learning_rate=rate, weight_decay=hp.weight_decay)
    if hp.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=rate, momentum=hp.momentum, weight_decay=decay)
    raise ValueError(f"unknown optimizer {hp.optimizer!r}")
