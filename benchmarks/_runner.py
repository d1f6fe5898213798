"""Run a suite and produce pytest-benchmark JSON.

Why our own loop instead of ``pytest.main([... "--benchmark-json"])``: pytest-benchmark
calibrates how many rounds to run while it runs, so a progress bar could only advance once
per case and the total time of a suite would be unpredictable (the issue asks for a full run
of every suite in ≤ 5 minutes on 2 cores). Here every case gets a fixed, declared number of
rounds, the bar advances every round, and the statistics are computed by pytest-benchmark's
own ``Stats`` class and written in its JSON layout, so ``pytest-benchmark compare`` and our
DuckDB queries read the files alike.
"""

from __future__ import annotations

import gc
import time
import traceback
from datetime import UTC, datetime
from typing import Any, Protocol

from benchmarks._machine import commit_info, machine_info
from benchmarks.suites._model import Case, Plan, Suite


class Progress(Protocol):
    """Told how much work there is, then about each finished round."""

    def start(self, total_rounds: int) -> None: ...

    def advance(self, description: str) -> None: ...


class _Silent:
    def start(self, total_rounds: int) -> None:
        pass

    def advance(self, description: str) -> None:
        pass


def run_suite(
    suite: Suite, quick: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Run every case of ``suite`` and return the run as a pytest-benchmark JSON document."""
    progress = progress or _Silent()
    machine = machine_info(quick)  # before the run: the load it sees is other programs'
    plan = suite.plan(quick)
    progress.start(len(plan.cases) * (plan.warmup + plan.rounds))
    benchmarks: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    started = time.perf_counter()
    for case in plan.cases:
        try:
            samples = _measure(case, plan, progress)
        except Exception as error:  # a case that cannot run here is reported, not fatal
            last = traceback.format_exception_only(error)[-1].strip()
            errors.append({"group": case.group, "name": case.name, "error": last})
            continue
        benchmarks.append(_benchmark_json(suite, case, plan, samples, quick))
    return {
        "machine_info": machine,
        "commit_info": commit_info(),
        "benchmarks": benchmarks,
        "datetime": datetime.now(UTC).isoformat(),
        "version": _pytest_benchmark_version(),
        "suite": suite.name,
        "quick": quick,
        "note": plan.note,
        "errors": errors,
        "duration": time.perf_counter() - started,
    }


def _measure(case: Case, plan: Plan, progress: Progress) -> list[float]:
    samples: list[float] = []
    gc.collect()
    with case.prepare() as one_round:
        for index in range(plan.warmup + plan.rounds):
            began = time.perf_counter()
            value = one_round()
            elapsed = time.perf_counter() - began
            if index >= plan.warmup:
                samples.append(elapsed if case.unit == "seconds" else float(value))
            progress.advance(f"{case.group}: {case.name}")
    return samples


def _benchmark_json(
    suite: Suite, case: Case, plan: Plan, samples: list[float], quick: bool
) -> dict[str, Any]:
    from pytest_benchmark.stats import Stats

    stats = Stats()
    for sample in samples:
        stats.update(sample)
    return {
        "group": case.group,
        "name": case.name,
        "fullname": f"{suite.name}::{case.group}::{case.name}",
        "params": case.params or None,
        "param": None,
        "extra_info": {"unit": case.unit, "work": case.work, "quick": quick},
        "options": {"rounds": plan.rounds, "warmup": plan.warmup, "timer": "perf_counter"},
        "stats": {**stats.as_dict(), "data": samples, "iterations": 1},
    }


def _pytest_benchmark_version() -> str:
    from importlib.metadata import version

    return version("pytest-benchmark")
