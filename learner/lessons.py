"""Run a lesson or a practical module for the learner: a lesson's copy goes to their workspace,
and the run is recorded (:mod:`learner.record`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from learner import record

if TYPE_CHECKING:
    from practical import Facts

__all__ = ["run_lesson", "run_practical_module"]


def run_lesson(number: int, variant: str | None = None) -> None:
    """Run lesson ``number``; "try next" copies it into ``<workspace>/lessons/`` (once)."""
    from examples import run_example
    from learner.workspace import workspace_dir

    run_example(number, variant, copies_to=lambda: workspace_dir() / "lessons")
    record.example_run(number)


def run_practical_module(
    name: str, pattern: str | None = None, verbose: bool = False
) -> dict[str, Facts]:
    """Run practical module ``name`` (every pattern, or just ``pattern``) against its real service;
    ``verbose`` lets the drivers' own loggers print."""
    from practical import run_practical

    results = run_practical(name, pattern, verbose=verbose)
    record.practical_run(name, pattern)
    return results
