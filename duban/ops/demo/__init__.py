"""The demo office: ``duban demo [--reset]`` loads it (see ``build.py`` and ``data.py``)."""

from .build import conflicts, counts, demo_exists, load, logins, logins_table, reset
from .data import PASSWORD

__all__ = [
    "PASSWORD",
    "conflicts",
    "counts",
    "demo_exists",
    "load",
    "logins",
    "logins_table",
    "reset",
]
