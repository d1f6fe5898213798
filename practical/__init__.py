"""Practical modules: concurrency patterns against real brokers and databases.

One module per service (``practical/<service>.py``); see :mod:`practical._registry` for the
contract a module follows and :mod:`practical.services` for where the servers are.
"""

from __future__ import annotations

from practical._narrate import Facts, Narrator, unique_name
from practical._registry import PracticalModule, all_modules, get_module, run_practical

__all__ = [
    "Facts",
    "Narrator",
    "PracticalModule",
    "all_modules",
    "get_module",
    "run_practical",
    "unique_name",
]
