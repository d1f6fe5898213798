"""# Threads vs processes vs asyncio, and the GIL

Three tools, two kinds of work. Picking the wrong pair is the most common concurrency
performance mistake in Python, so this lesson runs both kinds several ways on *your*
machine, repeats each measurement, and prints the spread and what held.

## The GIL

On the standard build, CPython's **global interpreter lock** lets one thread at a time execute
Python bytecode per process. A thread releases it while it *waits* — for a socket, a file,
`time.sleep`, a lock — and many C extensions (hashlib, zlib, NumPy) release it while they
crunch. A waiting thread *requests* a switch after `sys.getswitchinterval()` (5 ms); the
running thread honours the request only at certain points — calls, function entries, loop
back-edges — which is why `x += 1` between two calls rarely races while a read, a call and a
write does (lesson 1).

**Free-threaded builds** (`python3.13t`, PEP 703) run without the GIL: experimental in 3.13,
officially supported — but not the default — from 3.14 (PEP 779). `sys._is_gil_enabled()`
(3.13+) tells you whether the GIL is on right now. On such a build the threads column of the
CPU table *does* speed up, and races that the GIL hid become real.

**Sub-interpreters** (3.14: `concurrent.interpreters`, PEP 734, and
`concurrent.futures.InterpreterPoolExecutor`) are a third way to use several cores: several
interpreters, each with its own GIL, in one process — cheaper to start than processes,
sharing nothing by default. Not available on 3.11-3.13, so not measured here.

## Processes and start methods

A `ProcessPoolExecutor` starts worker processes one of three ways:

| start method | how a worker starts | default on |
|---|---|---|
| `fork` | a copy of the parent, instantly | Linux up to 3.13 |
| `spawn` | a fresh interpreter that re-imports your main module | macOS (3.8+), Windows |
| `forkserver` | forked from a clean server process started once | Linux from 3.14 |

So the *same* program can be 2× faster with processes on a Linux laptop and slower than
sequential on a Mac: start-up is part of the price, and this lesson shows it per method.
Two rules follow:

- **Guard the entry point**: with `spawn`/`forkserver` the child imports your main module;
  without `if __name__ == "__main__":` it would start workers of its own (Python stops it with
  an error).
- **Never fork a process that has threads** (forking copies locks held by other threads, which
  then stay locked forever in the child). Python 3.12+ warns with a `DeprecationWarning` when
  you do; prefer `spawn`/`forkserver` in programs that use threads.

## What the tables show

- **I/O-bound** work (waiting): threads and asyncio both overlap the waits, so N waits take
  about as long as one. Processes overlap only as many waits as they have workers.
- **CPU-bound** pure-Python work: on a GIL build threads give *no* speedup (often a little
  slower), and asyncio runs it strictly one after another — blocking the event loop meanwhile.
  Processes run bytecode on several cores; the ideal speedup is the number of cores, minus
  start-up (which depends on the start method) and pickling arguments and results.

## Rules of thumb

| work | reach for |
|---|---|
| many network/disk waits, async libraries available | asyncio |
| waits in blocking libraries | threads (or `asyncio.to_thread`) |
| pure-Python number crunching | `ProcessPoolExecutor` sized to the cores, started once and reused |
| C extension that releases the GIL | threads are enough |

## When not to

Do not parallelise a 5 ms job: process start-up and pickling cost more. Do not share big
objects with processes by argument — each call pickles them; use shared memory or send less
(lesson 23 measures both).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from typing import Any

from rich.console import Console

from examples._lesson import (
    Spread,
    at_least,
    gil_enabled,
    header,
    hypothesis,
    run_as_script,
    try_next,
)

TITLE = "Threads vs processes vs asyncio, and the GIL"
CONCEPTS = (
    "GIL",
    "CPU-bound",
    "I/O-bound",
    "ProcessPoolExecutor",
    "start methods",
    "free-threading",
)
DIFFICULTY = 3
VARIANTS = ("cpu", "io")
NEXT_CHALLENGES = (8,)
HYPOTHESES = {
    "cpu": ("8.1", "8.2", "8.3"),
    "io": ("8.4", "8.5", "8.6"),
}

TASKS = 4
IO_TASKS = 8
IO_SECONDS = 0.02
WARM_UP = 0.05
TARGET_TASK_SECONDS = 0.04
REPEATS = 3
SPEEDUP = 1.3
"""A way "speeds up" the work when sequential time / its time reaches this in every run."""

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


def _timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def _asyncio_run(job: Callable[[Any], object], args: list[Any], io: bool) -> None:
    async def run() -> None:
        if io:
            await asyncio.gather(*(asyncio.sleep(a) for a in args))
        else:
            for a in args:  # no await inside CPU work: the tasks cannot overlap
                job(a)

    asyncio.run(run())


def _start_pool(method: str, workers: int) -> tuple[ProcessPoolExecutor, float]:
    """A pool whose workers all exist, and the seconds that took."""
    began = time.perf_counter()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
    list(pool.map(wait_io, [WARM_UP] * workers))  # every worker busy at once: all are started
    return pool, time.perf_counter() - began - WARM_UP


def _rounds(
    sequential: Callable[[], object], ways: dict[str, Callable[[], object]]
) -> dict[str, list[float]]:
    """REPEATS rounds of [sequential, each way], back to back; seconds per way per round."""
    times: dict[str, list[float]] = {"sequential": [], **{name: [] for name in ways}}
    for _ in range(REPEATS):
        times["sequential"].append(_timed(sequential))
        for name, way in ways.items():
            times[name].append(_timed(way))
    return times


def _speedup(times: dict[str, list[float]], name: str, extra: float = 0.0) -> Spread:
    """Sequential time / this way's time (plus ``extra`` seconds), round by round."""
    return Spread.of(
        [seq / (took + extra) for seq, took in zip(times["sequential"], times[name], strict=True)]
    )


def _pool_map(
    pool: ProcessPoolExecutor, job: Callable[[Any], object], args: list[Any]
) -> list[object]:
    return list(pool.map(job, args))


def _methods() -> tuple[str, ...]:
    """This interpreter's default start method, then the one macOS and Windows use."""
    default = multiprocessing.get_start_method()
    return (default,) if default == "spawn" else (default, "spawn")


def _ratio(value: float) -> str:
    return f"{value:.2f}×"


def _line(label: str, spread: Spread, note: str = "") -> None:
    colour = "green" if spread.low >= SPEEDUP else "red" if spread.high < 0.9 else "yellow"
    console.print(f"  {label:26} [{colour}]{spread.show(_ratio)}[/] {note}", soft_wrap=True)


def _in_threads(job: Callable[..., object], args: list) -> Callable[[], object]:
    def run() -> object:
        pool: Executor
        with ThreadPoolExecutor(max_workers=len(args)) as pool:
            return list(pool.map(job, args))

    return run


def run_cpu(workers: int) -> None:
    probe = 50_000
    n = max(10_000, int(probe * TARGET_TASK_SECONDS / max(_timed(lambda: crunch(probe)), 1e-6)))
    console.rule(
        f"[bold]CPU-bound: {TASKS} × crunch({n:,}) (~{TARGET_TASK_SECONDS * 1000:.0f} ms each)"
    )
    args = [n] * TASKS
    pools = {method: _start_pool(method, workers) for method in _methods()}
    try:
        ways: dict[str, Callable[[], object]] = {
            "threads": _in_threads(crunch, args),
            "asyncio": lambda: _asyncio_run(crunch, args, io=False),
        }
        for method, (pool, _) in pools.items():
            ways[method] = partial(_pool_map, pool, crunch, args)
        times = _rounds(lambda: [crunch(a) for a in args], ways)
    finally:
        for pool, _ in pools.values():
            pool.shutdown()
    console.print(f"  speedup vs sequential, median (min–max) over {REPEATS} back-to-back rounds:")
    threads = _speedup(times, "threads")
    _line(
        "threads",
        threads,
        "(GIL build: one thread runs bytecode at a time)" if gil_enabled() else "",
    )
    _line("asyncio", _speedup(times, "asyncio"))
    cold: dict[str, Spread] = {}
    for method, (_, startup) in pools.items():
        cold[method] = _speedup(times, method, startup)
        mark = (
            ", this interpreter's default" if method == multiprocessing.get_start_method() else ""
        )
        _line(
            f"processes, {method}",
            cold[method],
            f"first batch: incl. start-up {startup * 1000:.0f} ms{mark}",
        )
        _line("  same pool, reused", _speedup(times, method), "start-up already paid")
    hypothesis(
        console,
        "8.1",
        f"threads speed up pure-Python CPU work (≥{SPEEDUP}×)",
        at_least(threads, SPEEDUP),
        f"threads {threads.show(_ratio)} on a {'GIL' if gil_enabled() else 'free-threaded'} build",
    )
    default = multiprocessing.get_start_method()
    hypothesis(
        console,
        "8.2",
        f"a first batch on a new pool ({default}, the default) is ≥{SPEEDUP}× faster",
        at_least(cold[default], SPEEDUP),
        f"{default} {cold[default].show(_ratio)}",
    )
    hypothesis(
        console,
        "8.3",
        f"a first batch on a new pool (spawn) is ≥{SPEEDUP}× faster",
        at_least(cold["spawn"], SPEEDUP),
        f"spawn {cold['spawn'].show(_ratio)}",
    )
    console.print(
        "  [dim]Only the start method changed between the process rows. For jobs this small, how "
        "workers start decides whether processes win at all; a pool started once and reused "
        "pays it once. forkserver (Linux's default from 3.14) also starts fresh interpreters, "
        "so expect start-up closer to spawn's than to fork's. With 2 busy cores shared with other "
        "programs, even the reused pool can lose: run it again and read the spread.[/]"
    )


def run_io(workers: int) -> None:
    console.rule(f"[bold]I/O-bound: {IO_TASKS} × wait {IO_SECONDS * 1000:.0f} ms")
    args = [IO_SECONDS] * IO_TASKS
    method = multiprocessing.get_start_method()
    pool, _ = _start_pool(method, workers)
    try:
        times = _rounds(
            lambda: [wait_io(a) for a in args],
            {
                "threads": _in_threads(wait_io, args),
                "asyncio": lambda: _asyncio_run(wait_io, args, io=True),
                "processes": lambda: list(pool.map(wait_io, args)),
            },
        )
    finally:
        pool.shutdown()
    console.print(f"  speedup vs sequential, median (min–max) over {REPEATS} back-to-back rounds:")
    threads, aio, procs = (_speedup(times, name) for name in ("threads", "asyncio", "processes"))
    _line("threads", threads)
    _line("asyncio", aio)
    _line(f"processes ({workers} workers)", procs, f"{method}, start-up excluded")
    floor = IO_TASKS / 2
    hypothesis(
        console,
        "8.4",
        f"threads overlap the waits (≥{floor:.0f}×)",
        at_least(threads, floor),
        f"threads {threads.show(_ratio)}",
    )
    hypothesis(
        console,
        "8.5",
        f"asyncio overlaps the waits (≥{floor:.0f}×)",
        at_least(aio, floor),
        f"asyncio {aio.show(_ratio)}",
    )
    hypothesis(
        console,
        "8.6",
        f"processes overlap more waits than their {workers} workers",
        at_least(procs, workers * 1.15),
        f"processes {procs.show(_ratio)}",
    )
    if max(threads.high, aio.high) > IO_TASKS * 1.1 or procs.high > workers * 1.1:
        console.print(
            f"  [dim]A ratio above {IO_TASKS}× (or above {workers}× for processes) is physically "
            "impossible for these waits: in that round the sequential run was slowed by other "
            "programs on this machine. Trust the medians, or rerun when it is quieter.[/]"
        )


def main(variant: str | None = None) -> None:
    """Measure CPU-bound and/or I/O-bound work several ways and judge the hypotheses."""
    header(console, 8, "threads vs processes vs asyncio, and the GIL", processes=True)
    workers = max(2, min(TASKS, os.cpu_count() or 1))
    console.print(
        f"  cores: {os.cpu_count()}, process workers: {workers}, start methods here: "
        f"{', '.join(multiprocessing.get_all_start_methods())}"
    )
    if variant in (None, "cpu"):
        run_cpu(workers)
    if variant in (None, "io"):
        run_io(workers)
    try_next(
        console,
        __file__,
        "set TARGET_TASK_SECONDS = 0.4 and run `cpu`: does spawn now pay for itself (8.3)? "
        "Then run your copy with a free-threaded Python (`uv run --python 3.13t python <copy> cpu`) "
        "if you have one, and watch 8.1.",
        [(8, "more threads, same speed: find what serialises the work and measure the fix")],
    )


if __name__ == "__main__":  # required: spawn and forkserver workers re-import this module
    run_as_script(main)
