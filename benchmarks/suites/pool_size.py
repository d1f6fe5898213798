"""How many workers? Throughput of a thread pool as its size grows, for work that computes and waits."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from benchmarks.suites._model import Case, Expectation, Plan, Prepare, Round, Suite

WAIT = 0.005
"""Each task waits 5 ms (a database call, say)..."""
STEPS = 5_000
"""...and computes for a while in pure Python (about half a millisecond on a typical core)."""
CORES = os.cpu_count() or 1


def task(_: int) -> int:
    time.sleep(WAIT)
    total = 0
    for i in range(STEPS):
        total += i % 3
    return total


def _pool(size: int, tasks: int) -> Prepare:
    @contextmanager
    def prepare() -> Iterator[Round]:
        with ThreadPoolExecutor(max_workers=size) as pool:
            list(pool.map(lambda _: None, range(size)))  # start the workers before timing
            yield lambda: list(pool.map(task, range(tasks)))

    return prepare


def plan(quick: bool) -> Plan:
    tasks = 24 if quick else 160
    sizes = (1, 4, 16) if quick else (1, 2, 4, 8, 16, 32, 64)
    group = f"{tasks} tasks (wait {WAIT * 1000:.0f} ms + compute), thread pool of N workers"
    cases = tuple(
        Case(
            f"{size} worker{'s' if size > 1 else ''}",
            group,
            _pool(size, tasks),
            work=tasks,
            params={"workers": size},
        )
        for size in sizes
    )
    return Plan(cases, rounds=2 if quick else 3)


SUITE = Suite(
    name="pool-size",
    question="How many workers should my pool have?",
    hypothesis=(
        "Throughput grows almost linearly with workers while they mostly wait, then flattens once "
        "the computing parts saturate the cores (and, with threads, the one GIL). The knee sits "
        "near cores × (1 + wait time / compute time); past it, more workers only add memory and "
        "switching."
    ),
    lesson=(
        "Size a pool from the work, not by habit: for I/O-heavy tasks, many more workers than cores "
        "(the default ThreadPoolExecutor uses min(32, cores + 4)); for CPU-bound tasks, one process "
        "per core. Measure the curve, pick the smallest size near the plateau, and remember the "
        "service on the other end: 64 concurrent database calls may be 60 more than it can serve."
    ),
    baseline="1 worker",
    plan=plan,
    expectations=(
        Expectation("16 workers", "1 worker", "while a worker waits, others run"),
        Expectation("4 workers", "1 worker", "while a worker waits, others run"),
    ),
)
