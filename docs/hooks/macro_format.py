"""Number formats of the site: the Jinja filters every page uses."""

from __future__ import annotations

import logging
from typing import Sequence

from spec_facts import human

log = logging.getLogger("mkdocs.hooks.keras_classics")


TIMES = "\u00d7"


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


def num(value) -> str:
    """34944 -> '34,944'."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def si(value) -> str:
    """1135256096 -> '1.14G' (three significant digits)."""
    return human(value)


def pct(value: float, digits: int = 1) -> str:
    """0.7427 -> '74.3%'."""
    return f"{100 * value:.{digits}f}%"


def shape(value: Sequence[int]) -> str:
    """(55, 55, 96) -> '55×55×96'."""
    return TIMES.join(str(v) for v in value)


def tex(value) -> str:
    """A number for TeX: 34944 -> '34{,}944'."""
    if isinstance(value, float):
        if value.is_integer():
            value = int(value)
        else:
            return f"{value:g}"
    return f"{value:,}".replace(",", "{,}")


def mib(n_bytes) -> str:
    """Memory in MiB, or in KiB below 1 MiB (LeNet's activations)."""
    if n_bytes < 2**20:
        return f"{n_bytes / 2**10:.1f} KiB"
    return f"{n_bytes / 2**20:.1f} MiB"


def fixed(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


FILTERS = {"mib": mib, "num": num, "si": si, "pct": pct, "shape": shape, "tex": tex, "fixed": fixed}
