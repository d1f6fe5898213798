"""# Bounded parallelism with anyio: task groups and capacity limiters

You have 12 downloads to make, but the API allows 3 concurrent requests (or your database
pool has 3 connections). Starting all 12 at once gets you 429s or pool timeouts; running them
one by one wastes the time you spend waiting on the network. You want **at most N at a time**.

[anyio](https://anyio.readthedocs.io) gives you two pieces that compose:

- a **task group** (`async with anyio.create_task_group() as tg:`) — *structured concurrency*:
  the `async with` block does not exit until every task started in it has finished. No task
  outlives the block, so none can leak;
- a **capacity limiter** (`anyio.CapacityLimiter(3)`) — a semaphore with an owner: each task
  does `async with limiter:` around the part that needs a slot.

```python
limiter = anyio.CapacityLimiter(3)
async with anyio.create_task_group() as tg:
    for url in urls:
        tg.start_soon(fetch, url, limiter)  # fetch: `async with limiter: ...`
```

All 12 tasks exist at once, but only 3 are past the limiter; the lesson measures the peak.

**When one task fails, the group cancels the others.** The exception leaves the `async with`
as an `ExceptionGroup` (catch it with `except* ValueError`), and every sibling receives a
cancellation at its next `await` — including tasks still queued on the limiter, which never
run. That is usually what you want: if one part of a request failed, nobody needs the rest.
If you *do* want "collect every result and every error", catch exceptions inside each task.

Cleanup on cancellation must not `await` freely: in anyio a cancelled scope cancels every
further `await` too. Shield the cleanup (`with anyio.CancelScope(shield=True):`) or keep it
synchronous, and always re-raise the cancellation exception.

Same ideas elsewhere: `asyncio.TaskGroup` + `asyncio.Semaphore` (Python 3.11+), and
`anyio.to_thread.run_sync(..., limiter=...)` bounds blocking work sent to threads.

## When not to

- CPU-bound work: a limiter bounds *waiting*, not computing; use processes for that.
- When the bound is on *rate* (requests per second) rather than *concurrency*: that is a
  rate limiter (lesson 14). Often you need both.
- Fire-and-forget work that must outlive the request: a task group will wait for it. Hand it
  to a queue and a long-lived worker instead.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel
from rich.console import Console

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "Bounded parallelism with anyio task groups and capacity limiters"
CONCEPTS = ("anyio", "task group", "capacity limiter", "structured concurrency", "cancellation")
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (11,)
HYPOTHESES = {"main": ("11.1", "11.2", "11.3")}

JOBS = 12
LIMIT = 3
SEED = 11
FAILING_JOB = 4


@dataclass
class Gauge:
    """Counts tasks inside the limited section and remembers the peak."""

    current: int = 0
    peak: int = 0
    started: list[int] = field(default_factory=list)

    def enter(self, job: int) -> int:
        self.current += 1
        self.peak = max(self.peak, self.current)
        self.started.append(job)
        return self.current

    def leave(self) -> int:
        self.current -= 1
        return self.current


def _durations(seed: int) -> list[float]:
    """Job durations between 20 and 80 ms, the same on every run."""
    rng = random.Random(seed)
    return [rng.uniform(0.02, 0.08) for _ in range(JOBS)]


class Narrator:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        elapsed = (time.monotonic() - self.started) * 1000
        self.console.print(f"  [dim]t={elapsed:6.1f} ms[/]  {text}")


def _bar(in_flight: int) -> str:
    return (
        "[cyan]" + "█" * in_flight + "[/]" + "░" * (LIMIT - in_flight if in_flight <= LIMIT else 0)
    )


async def _job(
    job: int, seconds: float, limiter: anyio.CapacityLimiter, gauge: Gauge, narrator: Narrator
) -> None:
    async with limiter:
        in_flight = gauge.enter(job)
        narrator.say(
            f"{_bar(in_flight)} job {job:2d} starts  ({in_flight} in flight, will take {seconds * 1000:.0f} ms)"
        )
        try:
            await anyio.sleep(seconds)
        finally:
            gauge.leave()


async def _bounded_run(narrator: Narrator) -> None:
    narrator.console.rule(f"[bold]1. {JOBS} jobs, CapacityLimiter({LIMIT})")
    narrator.started = time.monotonic()
    durations = _durations(SEED)
    limiter = anyio.CapacityLimiter(LIMIT)
    gauge = Gauge()
    t0 = time.perf_counter()
    async with anyio.create_task_group() as group:
        for job, seconds in enumerate(durations):
            group.start_soon(_job, job, seconds, limiter, gauge, narrator)
        await anyio.lowlevel.checkpoint()  # let the new tasks run up to their first blocking point
        stats = limiter.statistics()
        narrator.say(
            f"{JOBS} tasks exist: {stats.borrowed_tokens} hold a slot, "
            f"{stats.tasks_waiting} wait on the limiter"
        )
    elapsed = time.perf_counter() - t0
    serial, ideal = sum(durations), sum(durations) / LIMIT
    narrator.console.print(
        f"  Observed peak concurrency: [bold]{gauge.peak}[/] (limit {LIMIT}). Took {elapsed * 1000:.0f} ms; "
        f"[italic]model[/]: one at a time {serial * 1000:.0f} ms, perfect packing {ideal * 1000:.0f} ms."
    )
    hypothesis(
        narrator.console,
        "11.1",
        f"no more than {LIMIT} jobs are ever past the limiter",
        HELD if gauge.peak <= LIMIT else NOT_HERE,
        f"peak {gauge.peak}",
    )


async def _job_that_may_fail(
    job: int,
    seconds: float,
    limiter: anyio.CapacityLimiter,
    gauge: Gauge,
    narrator: Narrator,
    cancelled: list[int],
) -> None:
    async with limiter:
        gauge.enter(job)
        narrator.say(f"job {job:2d} starts")
        try:
            if job == FAILING_JOB:
                await anyio.sleep(0.03)
                narrator.say(f"[red]job {job:2d} raises ValueError[/]")
                raise ValueError(f"job {job}: upstream returned garbage")
            await anyio.sleep(seconds)
            narrator.say(f"[green]job {job:2d} finished[/]")
        except anyio.get_cancelled_exc_class():
            cancelled.append(job)  # synchronous bookkeeping only; then re-raise
            raise
        finally:
            gauge.leave()


async def _failing_run(narrator: Narrator) -> None:
    narrator.console.rule(f"[bold]2. Job {FAILING_JOB} fails: the group cancels its siblings")
    narrator.started = time.monotonic()
    durations = [0.1] * JOBS
    limiter = anyio.CapacityLimiter(LIMIT)
    gauge = Gauge()
    cancelled: list[int] = []
    t0 = time.perf_counter()
    try:
        async with anyio.create_task_group() as group:
            for job in range(JOBS):
                group.start_soon(
                    _job_that_may_fail, job, durations[job], limiter, gauge, narrator, cancelled
                )
                # stagger the starts so the failing job is running alongside others
                await anyio.sleep(0.005)
    except* ValueError as errors:
        for error in errors.exceptions:
            narrator.say(f"caught from the group: [red]{type(error).__name__}: {error}[/]")
    elapsed = time.perf_counter() - t0
    never_ran = sorted(set(range(JOBS)) - set(gauge.started))
    full = sum(durations) / LIMIT
    narrator.console.print(
        f"  Group exited after {elapsed * 1000:.0f} ms (model: a full run would take ≥ {full * 1000:.0f} ms).\n"
        f"  Ran: {sorted(gauge.started)} · cancelled mid-flight: {sorted(cancelled)} · "
        f"never got a slot: {never_ran}\n"
        f"  Tasks still in flight after the block: {gauge.current}."
    )
    hypothesis(
        narrator.console,
        "11.2",
        "after one job fails, no task is still in flight after the block",
        HELD if gauge.current == 0 else NOT_HERE,
        f"{gauge.current} in flight",
    )
    hypothesis(
        narrator.console,
        "11.3",
        "the failed group exits in under half a full run's time",
        HELD if elapsed < full / 2 else NOT_HERE,
        f"{elapsed * 1000:.0f} ms vs {full * 1000:.0f} ms",
    )
    console = narrator.console
    console.print()


async def _lesson(console: Console) -> None:
    narrator = Narrator(console)
    console.print(f"  [dim]Seed {SEED}: the job durations are the same on every run.[/]")
    await _bounded_run(narrator)
    await _failing_run(narrator)


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    console = Console(highlight=False)
    header(console, 11, "bounded parallelism with anyio")
    anyio.run(_lesson, console, backend="asyncio")
    try_next(
        console,
        __file__,
        "in `_job_that_may_fail`, catch the ValueError inside the job (log it, return) and "
        "rerun: the group now runs every job to the end — which hypotheses change? Then "
        "replace the limiter with `asyncio.Semaphore` plus `asyncio.TaskGroup` under "
        "`asyncio.run`.",
        [(11, "the ingest service that buffered itself to death: bound the work, shed the rest")],
    )


if __name__ == "__main__":
    run_as_script(main)
