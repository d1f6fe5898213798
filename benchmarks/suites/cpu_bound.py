"""CPU-bound work: sequential vs threads vs processes vs asyncio — the GIL made visible."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager

from benchmarks.suites._memory import measure_in_child
from benchmarks.suites._model import Case, Expectation, Plan, Prepare, Round, Suite, simple

WORKERS = max(2, os.cpu_count() or 1)


def burn(n: int) -> int:
    """Pure-Python CPU work that never releases the GIL: a sum of squares, one step at a time."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _sequential(chunks: int, size: int) -> Round:
    return lambda: [burn(size) for _ in range(chunks)]


def _pool(
    kind: type[ThreadPoolExecutor] | type[ProcessPoolExecutor], chunks: int, size: int
) -> Prepare:
    @contextmanager
    def prepare() -> Iterator[Round]:
        # The pool is started (and its workers warmed) outside the timed region: we compare
        # how the work runs, not how long a pool takes to start.
        with kind(max_workers=WORKERS) as pool:
            list(pool.map(burn, [1] * WORKERS))
            yield lambda: list(pool.map(burn, [size] * chunks))

    return prepare


def _asyncio(chunks: int, size: int) -> Round:
    async def one() -> int:
        return burn(size)

    async def everything() -> list[int]:
        return await asyncio.gather(*(one() for _ in range(chunks)))

    return lambda: asyncio.run(everything())


def _memory(kind: str, n: int) -> Round:
    return lambda: measure_in_child(kind, n)["rss"]


def _virtual(n: int) -> Round:
    return lambda: measure_in_child("threads", n)["virtual"]


def plan(quick: bool) -> Plan:
    chunks = WORKERS * 2
    size = 20_000 if quick else 400_000
    waiting = 200 if quick else 1_000
    cpu_group = f"CPU work: {chunks} chunks of {size:,} steps"
    memory_group = f"memory per waiting unit ({waiting:,} waiting)"
    cases = (
        Case("sequential", cpu_group, simple(_sequential(chunks, size)), work=chunks),
        Case("threads", cpu_group, _pool(ThreadPoolExecutor, chunks, size), work=chunks),
        Case("processes", cpu_group, _pool(ProcessPoolExecutor, chunks, size), work=chunks),
        Case("asyncio", cpu_group, simple(_asyncio(chunks, size)), work=chunks),
        Case("asyncio", memory_group, simple(_memory("asyncio", waiting)), unit="bytes"),
        Case("threads", memory_group, simple(_memory("threads", waiting)), unit="bytes"),
        Case(
            "processes", memory_group, simple(_memory("processes", 2 if quick else 4)), unit="bytes"
        ),
        Case(
            "threads",
            "address space reserved per thread (virtual, mostly not memory)",
            simple(_virtual(waiting)),
            unit="bytes",
        ),
    )
    return Plan(cases, rounds=2 if quick else 5)


SUITE = Suite(
    name="cpu-bound",
    question="My work is pure Python computation: threads, processes or asyncio?",
    hypothesis=(
        "Threads and asyncio run CPU-bound Python no faster than a plain loop, because only the "
        "thread holding the GIL executes bytecode; processes each have their own interpreter and "
        "GIL, so they use every core. Memory runs the other way: an asyncio task costs about a "
        "kilobyte, a thread tens of kilobytes, a process megabytes."
    ),
    lesson=(
        "Use processes (ProcessPoolExecutor) for CPU-bound pure Python, up to one worker per core; "
        "send them big chunks, because each call pays for pickling and a round trip. Threads help "
        "only when the work releases the GIL (I/O, time.sleep, NumPy, hashlib on big buffers). "
        "asyncio never runs two things at once: a coroutine that computes blocks every other one. "
        "For waiting (I/O) at scale, asyncio tasks are the cheapest unit: compare the memory rows. "
        "A thread reserves 8 MiB of address space for its stack (ulimit -s) but only the pages it "
        "touches become resident, which is why its RSS is far below 8 MiB."
    ),
    baseline="sequential",
    plan=plan,
    expectations=(
        Expectation(
            "processes",
            "threads",
            "each process has its own GIL, so chunks run on all cores",
            "CPU",
        ),
        Expectation(
            "processes", "sequential", "the chunks run in parallel on separate cores", "CPU"
        ),
        Expectation(
            "asyncio",
            "threads",
            "a waiting task is a small heap object; a thread has a stack and a kernel task",
            "memory",
        ),
    ),
)
