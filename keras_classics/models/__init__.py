"""The networks. Importing this package registers every variant.

Modules are listed oldest network first, which is the registry's order.
"""

from keras_classics.models import lenet, alexnet, zfnet, vgg, googlenet, resnet

__all__ = []
for _module in (lenet, alexnet, zfnet, vgg, googlenet, resnet):
    for _name in _module.__all__:  # noqa: B007
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
del _module
