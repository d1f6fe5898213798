"""# Semaphores: bounded parallelism

A lock lets **one** holder in; a semaphore lets **N** in. It is a counter: `acquire()` takes
a permit (waiting while none is left), `release()` gives it back. Use it to protect a
resource that tolerates some concurrency but not unlimited: a database that allows 10
connections, an API that allows 3 requests in flight, a disk that thrashes beyond 4 readers.

## What you will see

- Eight threads use a "resource" at once with no limit: the peak concurrency observed is 8.
  With `threading.Semaphore(3)` the peak is 3, and the wall time grows in steps of the job
  time (8 jobs in 3 waves). The limit protects the resource; it costs you latency.
- `threading.BoundedSemaphore` raises `ValueError` when you release more than you acquired.
  A plain `Semaphore` silently grows its counter — a release in a wrong `finally` and your
  "limit of 3" becomes 4, forever. Prefer the bounded one.
- `asyncio.Semaphore` does the same for tasks: start 12 fetches, let 3 run.

## Always `with`

`with sem:` / `async with sem:` releases the permit even when the work raises. A leaked permit
is a slow-motion deadlock: each error costs one permit until none are left and everything waits.

## When not to

To limit *rate* (requests per second) rather than *concurrency* (requests at once), use a
token bucket. If the work is already fed by a pool of N workers, the pool *is* the limit.
A semaphore gives no fairness guarantee and no ordering.
"""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import AbstractContextManager, nullcontext

from rich.console import Console

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "Semaphores: bounded parallelism"
CONCEPTS = ("Semaphore", "BoundedSemaphore", "asyncio.Semaphore", "bounded parallelism")
DIFFICULTY = 2
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (6, 8)
HYPOTHESES = {"threads": ("7.1", "7.2", "7.3"), "asyncio": ("7.4",)}

LIMIT = 3
THREADS = 8
JOB_SECONDS = 0.04

console = Console(highlight=False)


class Occupancy:
    """Counts how many holders are inside the resource now, and the peak."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.began = time.perf_counter()

    def enter(self) -> int:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            return self.now

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


# --- threads -------------------------------------------------------------------------------


def _use_resource(guard: AbstractContextManager[object], occupancy: Occupancy, name: str) -> None:
    with guard:
        inside = occupancy.enter()
        at = (time.perf_counter() - occupancy.began) * 1000
        console.print(
            f"  [dim]{at:4.0f} ms[/] {name} in  [cyan]{'█' * inside:<8}[/] {inside} inside"
        )
        time.sleep(JOB_SECONDS)
        occupancy.leave()


def _crowd(guard: AbstractContextManager[object]) -> tuple[int, float]:
    occupancy = Occupancy()
    threads = [
        threading.Thread(target=_use_resource, args=(guard, occupancy, f"t{i}"))
        for i in range(THREADS)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return occupancy.peak, time.perf_counter() - began


def demo_limit() -> None:
    console.rule(f"[bold]{THREADS} threads, no limit")
    free_peak, free_wall = _crowd(nullcontext())
    console.print(f"  peak concurrency [red]{free_peak}[/], wall {free_wall * 1000:.0f} ms")
    console.rule(f"[bold]{THREADS} threads, threading.BoundedSemaphore({LIMIT})")
    peak, wall = _crowd(threading.BoundedSemaphore(LIMIT))
    waves = -(-THREADS // LIMIT)
    console.print(
        f"  peak concurrency [green]{peak}[/], wall {wall * 1000:.0f} ms "
        f"(model: {waves} waves × {JOB_SECONDS * 1000:.0f} ms = {waves * JOB_SECONDS * 1000:.0f} ms)"
    )
    hypothesis(
        console,
        "7.1",
        f"with BoundedSemaphore({LIMIT}) never more than {LIMIT} are inside",
        HELD if peak <= LIMIT else NOT_HERE,
        f"peak {peak}; without a limit {free_peak}",
    )
    hypothesis(
        console,
        "7.2",
        "the limit costs latency: the limited crowd takes longer",
        HELD if wall > free_wall else NOT_HERE,
        f"{wall * 1000:.0f} ms vs {free_wall * 1000:.0f} ms",
    )


def demo_bounded() -> None:
    console.rule("[bold]one release too many")
    plain = threading.Semaphore(LIMIT)
    plain.release()  # a bug: released without acquiring
    permits = sum(1 for _ in range(LIMIT + 2) if plain.acquire(blocking=False))
    console.print(f"  Semaphore({LIMIT}) after a stray release now admits [red]{permits}[/]")
    hypothesis(
        console,
        "7.3",
        "a stray release makes a plain Semaphore admit one extra holder",
        HELD if permits == LIMIT + 1 else NOT_HERE,
        f"admitted {permits} with a limit of {LIMIT}",
    )
    bounded = threading.BoundedSemaphore(LIMIT)
    try:
        bounded.release()
    except ValueError as error:
        console.print(f"  BoundedSemaphore({LIMIT}).release() → [green]ValueError: {error}[/]")


def run_threads() -> None:
    demo_limit()
    demo_bounded()


# --- asyncio -------------------------------------------------------------------------------


async def _fetch(sem: asyncio.Semaphore, occupancy: Occupancy, name: str) -> None:
    async with sem:
        inside = occupancy.enter()
        at = (time.perf_counter() - occupancy.began) * 1000
        console.print(
            f"  [dim]{at:4.0f} ms[/] {name} starts  [cyan]{'█' * inside:<3}[/] {inside} running"
        )
        await asyncio.sleep(JOB_SECONDS)
        occupancy.leave()


async def _async_demo() -> None:
    console.rule(f"[bold]asyncio.Semaphore({LIMIT}): 12 fetches")
    sem = asyncio.Semaphore(LIMIT)
    occupancy = Occupancy()
    began = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for i in range(12):
            group.create_task(_fetch(sem, occupancy, f"fetch-{i:02d}"))
        await asyncio.sleep(0)  # let the first ones start
        console.print(f"  right after start: {occupancy.now} running, {12 - occupancy.now} waiting")
    wall = time.perf_counter() - began
    console.print(
        f"  peak concurrency [green]{occupancy.peak}[/], 12 fetches in {wall * 1000:.0f} ms "
        f"(model: 4 waves × {JOB_SECONDS * 1000:.0f} ms)"
    )
    hypothesis(
        console,
        "7.4",
        f"asyncio.Semaphore({LIMIT}) never lets more than {LIMIT} run",
        HELD if occupancy.peak <= LIMIT else NOT_HERE,
        f"peak {occupancy.peak}",
    )


def run_asyncio() -> None:
    asyncio.run(_async_demo())


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    header(console, 7, "semaphores: bounded parallelism")
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
    try_next(
        console,
        __file__,
        "in `_use_resource`, replace `with guard:` by `guard.__enter__()` and make thread t3 "
        "raise before `guard.__exit__(None, None, None)`: run `threads` and count how many "
        "permits are left for the next crowd — a leaked permit is a slow deadlock.",
        [
            (6, "too many open files: resources that leak on the error path"),
            (8, "more threads, same speed: when the limit, not the work, sets the pace"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
