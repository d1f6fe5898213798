"""The same suites through pytest-benchmark's own fixture, for people who live in pytest.

Run: ``uv run pytest benchmarks/test_suites_pytest.py --benchmark-json=out.json`` (add
``-k cpu-bound`` for one suite, ``BENCH_QUICK=1`` for small sizes). ``learn bench run`` uses
its own loop (see ``benchmarks/_runner.py`` for why) but writes the same JSON layout.
Cases whose unit is bytes record their measurement in ``extra_info["bytes"]``; their timing
is only how long the measurement took.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from benchmarks.suites import Case, all_suites

QUICK = os.environ.get("BENCH_QUICK") == "1"
CASES = [
    pytest.param(
        suite.name, case, plan.rounds, plan.warmup, id=f"{suite.name}::{case.group}::{case.name}"
    )
    for suite in all_suites()
    for plan in [suite.plan(QUICK)]
    for case in plan.cases
]


@pytest.mark.parametrize(("suite", "case", "rounds", "warmup"), CASES)
def test_case(benchmark: Any, suite: str, case: Case, rounds: int, warmup: int) -> None:
    benchmark.group = f"{suite}: {case.group}"
    benchmark.extra_info.update(unit=case.unit, work=case.work, **case.params)
    with case.prepare() as one_round:
        value = benchmark.pedantic(one_round, rounds=rounds, warmup_rounds=warmup, iterations=1)
    if case.unit == "bytes":
        benchmark.extra_info["bytes"] = float(value)
