"""# Threads vs processes vs asyncio, and the GIL

Three tools, two kinds of work. Picking the wrong pair is the most common concurrency
performance mistake in Python, so this lesson runs both kinds four ways on *your*
machine and prints the table.

## The GIL

CPython's **global interpreter lock** lets only one thread execute Python bytecode at a time
per process (on the standard build). A thread releases it while it *waits* — for a socket,
a file, `time.sleep`, a lock — and many C extensions (hashlib, zlib, NumPy) release it while
they crunch. The interpreter also forces a switch every few milliseconds
(`sys.getswitchinterval()`), which is why races still happen between threads.
Python 3.13+ offers an experimental *free-threaded* build without the GIL
(`sys._is_gil_enabled()` tells you which one you run).

## What the table shows

- **I/O-bound** work (waiting): threads and asyncio both overlap the waits, so N waits take
  about as long as one. asyncio does it in one thread with cheap tasks (thousands are fine);
  threads cost more each but work with any blocking library. Processes help too, but only
  up to the number of worker processes, and each costs a whole interpreter.
- **CPU-bound** pure-Python work: threads give *no* speedup on a GIL build (often a little
  slower: they fight over the lock), and asyncio runs it strictly one after another — and
  blocks the event loop while it does. Only **processes** run Python bytecode on several
  cores at once; the ideal speedup is the number of cores, minus the cost of starting
  workers and pickling arguments and results across.

## Rules of thumb

| work | reach for |
|---|---|
| many network/disk waits, async libraries available | asyncio |
| waits in blocking libraries | threads (or `asyncio.to_thread`) |
| pure-Python number crunching | `ProcessPoolExecutor` (sized to the cores) |
| C extension that releases the GIL | threads are enough |

## When not to

Do not parallelise a 5 ms job: process start-up and pickling cost more. Do not share big
objects with processes by argument — each call pickles them; use shared memory or send less.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from rich.console import Console
from rich.table import Table

TITLE = "Threads vs processes vs asyncio, and the GIL"
CONCEPTS = ("GIL", "CPU-bound", "I/O-bound", "ProcessPoolExecutor", "speedup")
DIFFICULTY = 3
VARIANTS = ("cpu", "io")

TASKS = 4
IO_TASKS = 8
IO_SECONDS = 0.05
TARGET_TASK_SECONDS = 0.08

console = Console(highlight=False)


def crunch(n: int) -> int:
    """Pure-Python CPU work: holds the GIL the whole time."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def wait_io(seconds: float) -> float:
    """Stands for a network or disk wait: releases the GIL."""
    time.sleep(seconds)
    return seconds


async def _async_run(job: Callable[[float], object], args: list[float], io: bool) -> None:
    if io:
        await asyncio.gather(*(asyncio.sleep(a) for a in args))
    else:
        for a in args:  # no await inside CPU work: the tasks cannot overlap
            job(a)


def _timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def _measure(job: Callable[..., object], args: list, io: bool, workers: int) -> dict[str, float]:
    """Wall time of the same jobs run four ways."""
    times = {"sequential": _timed(lambda: [job(a) for a in args])}
    console.print(f"  sequential  {times['sequential']:.3f}s")
    with ThreadPoolExecutor(max_workers=len(args)) as threads:
        times["threads"] = _timed(lambda: list(threads.map(job, args)))
    console.print(f"  threads     {times['threads']:.3f}s")
    with ProcessPoolExecutor(max_workers=workers) as processes:
        times["processes"] = _timed(lambda: list(processes.map(job, args)))
    console.print(f"  processes   {times['processes']:.3f}s  (incl. starting {workers} workers)")
    times["asyncio"] = _timed(lambda: asyncio.run(_async_run(job, args, io)))
    console.print(f"  asyncio     {times['asyncio']:.3f}s")
    return times


def _calibrate() -> int:
    """An ``n`` for which ``crunch(n)`` takes about TARGET_TASK_SECONDS here."""
    probe = 50_000
    took = _timed(lambda: crunch(probe))
    return max(10_000, int(probe * TARGET_TASK_SECONDS / max(took, 1e-6)))


def _interpreter_facts(workers: int) -> None:
    gil = getattr(sys, "_is_gil_enabled", None)
    gil_text = (
        f"sys._is_gil_enabled() = {gil()}"
        if gil
        else f"sys._is_gil_enabled() not available: Python {sys.version.split()[0]} always has a GIL"
    )
    console.print(f"  {gil_text}")
    console.print(
        f"  cores: {os.cpu_count()}, process workers: {workers}, "
        f"switch interval: {sys.getswitchinterval() * 1000:.0f} ms"
    )


def _table(results: dict[str, dict[str, float]]) -> None:
    table = Table(title="wall time (speedup vs sequential)", title_justify="left")
    table.add_column("workload")
    ways = ("sequential", "threads", "processes", "asyncio")
    for way in ways:
        table.add_column(way, justify="right")
    for workload, times in results.items():
        base = times["sequential"]
        cells = []
        for way in ways:
            ratio = base / times[way]
            style = "green" if ratio >= 1.5 else "red" if ratio < 0.9 else ""
            cells.append(
                f"{times[way]:.2f}s [{style}]({ratio:.1f}×)[/]"
                if style
                else f"{times[way]:.2f}s ({ratio:.1f}×)"
            )
        table.add_row(workload, *cells)
    console.print(table)


def main(variant: str | None = None) -> None:
    """Measure CPU-bound and/or I/O-bound work four ways and explain the table."""
    console.print("[bold cyan]Lesson 8 — threads vs processes vs asyncio, and the GIL.[/]")
    workers = max(2, min(TASKS, os.cpu_count() or 1))
    _interpreter_facts(workers)
    results: dict[str, dict[str, float]] = {}
    if variant in (None, "cpu"):
        n = _calibrate()
        console.rule(
            f"[bold]CPU-bound: {TASKS} × crunch({n:,}) (~{TARGET_TASK_SECONDS * 1000:.0f} ms each)"
        )
        results[f"CPU {TASKS} tasks"] = _measure(crunch, [n] * TASKS, io=False, workers=workers)
    if variant in (None, "io"):
        console.rule(f"[bold]I/O-bound: {IO_TASKS} × wait {IO_SECONDS * 1000:.0f} ms")
        results[f"I/O {IO_TASKS} waits"] = _measure(
            wait_io, [IO_SECONDS] * IO_TASKS, io=True, workers=workers
        )
    _table(results)
    console.print(
        "[bold]Read it like this:[/] CPU-bound Python gets faster only with processes (up to the "
        "number of cores; start-up eats into small jobs). I/O waits overlap with threads and "
        "asyncio; processes overlap only as many waits as they have workers."
    )
