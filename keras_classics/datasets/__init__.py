"""Data sets in the ``keras.datasets`` convention.

* `shapes`: a procedural image set bundled with the package (nothing is
  downloaded): ten classes of drawn objects on textured, cluttered
  backgrounds, generated on first use and cached.
* `named`: the names ``--data`` accepts (``shapes``, ``digits``, ``mnist``,
  ``fashion_mnist``, ``cifar10``, ``cifar100``) and their loading.
"""

from keras_classics.datasets import shapes

__all__ = ["shapes"]
