"""The benchmark suites: one module per question a learner asks (see ``_model.Suite``)."""

from __future__ import annotations

import importlib

from benchmarks.suites._model import Case, Expectation, Plan, Suite

__all__ = ["SUITE_MODULES", "Case", "Expectation", "Plan", "Suite", "all_suites", "find_suite"]

SUITE_MODULES = ("cpu_bound", "io_fanout", "queues", "locks", "pool_size", "batching", "solutions")
"""In the order a learner meets the questions."""


def all_suites() -> tuple[Suite, ...]:
    """Every built-in suite (importing a suite module only imports the standard library)."""
    return tuple(
        importlib.import_module(f"benchmarks.suites.{name}").SUITE for name in SUITE_MODULES
    )


def find_suite(name: str) -> Suite | None:
    """The suite called ``name`` (e.g. ``cpu-bound``), or None."""
    for suite in all_suites():
        if suite.name == name:
            return suite
    return None
