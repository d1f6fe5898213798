"""# Free-threaded Python: what changes without the GIL

CPython now comes in two builds. The standard one has the **GIL**: one thread at a time runs
Python bytecode. The **free-threaded** build (PEP 703; `python3.13t`, `python3.14t`) has no
GIL: threads run Python code on several cores at once. It was experimental in 3.13 and is
officially supported — but not the default — from 3.14 (PEP 779). It costs some
single-threaded speed (noticeably in 3.13, much less in 3.14).

## Which one am I running?

- `sysconfig.get_config_var("Py_GIL_DISABLED")` is 1 on a free-threaded *build*;
- `sys._is_gil_enabled()` (3.13+) says whether the GIL is on *right now*: a free-threaded
  build turns it back on when it imports a C extension that has not declared itself safe
  without it (it warns), and `PYTHON_GIL=0` / `-X gil=0` keeps it off.

This lesson runs on either build and prints, next to each measurement, what the other build
would show.

## What becomes a real race

The GIL made some racy code *happen* to work (lesson 1): `counter.value += 1` with no call
between its read and its write lost nothing. Without the GIL, threads really interleave at
any instruction, and that code loses updates. Anything that relied on "the GIL makes it
atomic" is now a bug: unprotected read-modify-write, check-then-act, lazy initialisation,
iterating shared containers while another thread changes them.

## What stays safe: per-object locking

Built-in containers protect themselves. On the free-threaded build each `list`, `dict`,
`set` object has its own lightweight lock, taken by every single operation (`append`,
`d[k] = v`, `pop`), so one operation is still atomic — as on the GIL build (lesson 18).
*Sequences* of operations were never atomic and still are not. `queue.Queue`,
`threading.Lock` and friends work the same on both builds.

## What gets faster

Pure-Python CPU work in threads: on a GIL build two threads take as long as one doing both
jobs; on a free-threaded build with two idle cores they take about half.

## When not to

Do not switch to the free-threaded build to fix a slow I/O-bound program (threads or asyncio
already overlap waits), nor before checking that every C extension you use supports it.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading
import time

from rich.console import Console

from examples._lesson import (
    Spread,
    at_least,
    every,
    free_threaded_build,
    gil_enabled,
    header,
    hypothesis,
    run_as_script,
    try_next,
)

TITLE = "Free-threaded Python: what changes without the GIL"
CONCEPTS = ("free-threading", "PEP 703", "sys._is_gil_enabled", "per-object locking", "data races")
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (2, 8)
HYPOTHESES = {"main": ("20.1", "20.2", "20.3")}

REPEATS = 3
TARGET_SECONDS = 0.05
THREADS = 4
INCREMENTS = 100_000
APPENDS = 50_000

console = Console(highlight=False)


def crunch(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _timed_threads(n: int, threads: int) -> float:
    workers = [threading.Thread(target=crunch, args=(n,)) for _ in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - began


def demo_scaling() -> None:
    console.rule("[bold]1. two CPU-bound jobs: one thread doing both vs two threads")
    probe = 50_000
    began = time.perf_counter()
    crunch(probe)
    n = max(10_000, int(probe * TARGET_SECONDS / max(time.perf_counter() - began, 1e-6)))
    speedups = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        crunch(n)
        crunch(n)
        one = time.perf_counter() - began
        speedups.append(one / _timed_threads(n, 2))
    spread = Spread.of(speedups)
    console.print(
        f"  speedup of 2 threads over 1 ({os.cpu_count()} cores): {spread.show(lambda v: f'{v:.2f}×')}"
    )
    other = (
        "a free-threaded build with 2 idle cores would show about 2× here"
        if gil_enabled()
        else "a GIL build would show about 1× here"
    )
    console.print(f"  [dim]{other}[/]")
    hypothesis(
        console,
        "20.1",
        "two threads run pure-Python CPU work ≥1.5× faster than one",
        at_least(spread, 1.5),
        f"{spread.show(lambda v: f'{v:.2f}×')}, GIL {'on' if gil_enabled() else 'off'}",
    )


class Counter:
    def __init__(self) -> None:
        self.value = 0


def plain_increments() -> int:
    """THREADS threads do `counter.value += 1`; return the updates lost."""
    counter = Counter()
    gate = threading.Barrier(THREADS)

    def work() -> None:
        gate.wait()
        for _ in range(INCREMENTS):
            counter.value += 1

    workers = [threading.Thread(target=work) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return THREADS * INCREMENTS - counter.value


def demo_plain_race() -> None:
    console.rule("[bold]2. `counter.value += 1` from 4 threads, no lock")
    lost = Spread.of([plain_increments() for _ in range(REPEATS)])
    console.print(f"  lost of {THREADS * INCREMENTS:,} per run: {lost.show(lambda v: f'{v:,.0f}')}")
    other = (
        "without the GIL the same code loses updates: threads interleave between the read and the write"
        if gil_enabled()
        else "with the GIL it would lose none (no switch point inside `+=`, lesson 1)"
    )
    console.print(f"  [dim]{other}[/]")
    hypothesis(
        console,
        "20.2",
        "plain += on a shared attribute loses updates in every run",
        every([v > 0 for v in lost.samples]),
        f"lost {lost.show()}, GIL {'on' if gil_enabled() else 'off'}",
    )


def appends_kept() -> int:
    shared: list[int] = []
    gate = threading.Barrier(THREADS)

    def work() -> None:
        gate.wait()
        for i in range(APPENDS):
            shared.append(i)  # one operation: the list's own lock (or the GIL) makes it atomic

    workers = [threading.Thread(target=work) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(shared)


def demo_per_object_locking() -> None:
    console.rule("[bold]3. list.append from 4 threads: per-object locking")
    kept = Spread.of([appends_kept() for _ in range(REPEATS)])
    console.print(
        f"  items kept of {THREADS * APPENDS:,} per run: {kept.show(lambda v: f'{v:,.0f}')} "
        "— the same on both builds"
    )
    hypothesis(
        console,
        "20.3",
        "single list operations stay atomic: no append is lost",
        every([v == THREADS * APPENDS for v in kept.samples]),
        f"kept {kept.show()}",
    )


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    header(console, 20, "free-threaded Python")
    probe = "sys._is_gil_enabled() = " + (
        str(sys._is_gil_enabled()) if hasattr(sys, "_is_gil_enabled") else "n/a (before 3.13)"
    )
    console.print(
        f"  Py_GIL_DISABLED = {sysconfig.get_config_var('Py_GIL_DISABLED')!r} → "
        f"{'free-threaded' if free_threaded_build() else 'standard (GIL)'} build; {probe}; "
        f"PYTHON_GIL={os.environ.get('PYTHON_GIL', 'unset')}",
        soft_wrap=True,
    )
    demo_scaling()
    demo_plain_race()
    demo_per_object_locking()
    try_next(
        console,
        __file__,
        "put a `threading.Lock` around `counter.value += 1` in `plain_increments` and compare "
        "the run time with the unlocked version. If you have a free-threaded Python (3.13t or "
        "3.14t) with this project's dependencies, run your copy with it and watch 20.1 and "
        "20.2 change while 20.3 does not.",
        [
            (2, "the concert sold twice: a race the GIL will not save you from"),
            (8, "more threads, same speed: what the GIL does and does not serialise"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
