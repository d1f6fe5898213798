"""What `learn bench …` does: find the suite or script, run it, keep the result, show it."""

from __future__ import annotations

import time

from rich.console import Console

from benchmarks import render, store
from benchmarks._runner import run_suite
from benchmarks.scripts import all_scripts, find_script, run_script
from benchmarks.suites import Suite, all_suites, find_suite
from usererror import UserError

__all__ = ["compare_runs", "list_benchmarks", "run_benchmark", "show_history"]


def list_benchmarks(console: Console) -> None:
    render.render_list(console, all_suites(), all_scripts())


def run_benchmark(console: Console, name: str, quick: bool = False) -> int:
    """Run a suite (kept in the store), ``all`` suites, or another area's script; return an exit code."""
    if name == "all":
        began = time.perf_counter()
        for suite in all_suites():
            _run_suite(console, suite, quick)
        console.print(
            f"[bold]All {len(all_suites())} suites ran in {time.perf_counter() - began:.0f} s.[/]"
        )
        return 0
    chosen = find_suite(name)
    if chosen is not None:
        _run_suite(console, chosen, quick)
        return 0
    script = find_script(name)
    if script is not None:
        return run_script(script, quick)
    names = ", ".join(s.name for s in all_suites())
    raise UserError(
        f"there is no benchmark '{name}': choose one of {names}, all (see `learn bench list`)"
    )


def _run_suite(console: Console, suite: Suite, quick: bool) -> None:
    with render.progress_bar(console, suite.name) as progress:
        run = run_suite(suite, quick=quick, progress=progress)
    render.render_run(console, suite, run)
    path = store.save_run(run)
    console.print(
        f"[dim]Kept as run {path.name.split('_')[0]} ({path}); see `learn bench history`.[/]"
    )


def show_history(console: Console, suite: str | None = None, case: str | None = None) -> None:
    if suite is not None and find_suite(suite) is None:
        raise UserError(f"there is no suite '{suite}': see `learn bench list`")
    render.render_history(console, store.history(suite, case))


def compare_runs(
    console: Console, before: int | None, after: int | None, suite: str | None
) -> None:
    if (before is None) != (after is None):
        raise UserError(
            "give two run ids (e.g. `learn bench compare 3 5`) or none for the two latest runs"
        )
    old, new = store.compare(before, after, suite)
    render.render_compare(console, old, new)
