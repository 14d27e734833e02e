"""The networks. Importing this package registers every variant.

One module per family: its architecture table written in the shared rows of
`_rows`, its public builders (each hands its arguments to `_common.assemble`,
which applies the keras.applications contract), and one `registry.Family`
line per registered name. Custom layers live in `keras_classics.layers`.

Modules are listed oldest network first, which is the registry's order.
The builders are reached as ``keras_classics.<builder>`` (see
`public_builders`); they are not re-exported here, where names such as
``alexnet`` already belong to the modules.
"""

import importlib
from typing import Callable, Dict

# One module per family, oldest network first: the registry's order.
FAMILIES = ("lenet", "alexnet", "zfnet", "vgg", "googlenet", "resnet")
NETWORK_MODULES = tuple(importlib.import_module(f"{__name__}.{family}") for family in FAMILIES)


def public_builders() -> Dict[str, Callable]:
    """Every public name of the network modules (their ``__all__``)."""
    return {name: getattr(module, name) for module in NETWORK_MODULES for name in module.__all__}


def load_model(path, **kwargs):
    """The package's documented loader, `keras_classics.load_model`.

    Kept here for older imports; it checks the file and registers every
    class a run saves (the papers' optimizers included) before loading.
    """
    from keras_classics.saving import load_model as load

    return load(path, **kwargs)
