"""# Pipelines

A pipeline splits work into **stages** (parse → enrich → save) connected by **bounded
queues**. Each stage runs concurrently with the others: while item 7 is being saved, item 8
is enriched and item 9 parsed — an assembly line.

## The two numbers that matter

- **Latency** of one item is the *sum* of the stage times: a pipeline does not make a single
  item faster.
- **Throughput** is set by the *slowest* stage (the bottleneck): with stages of 10, 30 and
  10 ms, one item leaves every 30 ms, however fast the others are. Sequential processing
  would take 50 ms per item.

To go faster, give the bottleneck stage more workers (here: 3 enrichers → one item every
~10 ms). Speeding up a stage that is not the bottleneck changes nothing — measure first.

## Why bounded queues

Watch the queue depths in the table: the queue *in front of* the bottleneck fills up to its
limit and stays there, and the fast stage upstream is made to wait. That is backpressure: the
pipeline holds at most a few items in flight instead of buffering the whole input in memory.
With an unbounded queue a fast first stage would read everything before the slow stage had
finished a handful.

## Shutdown

A sentinel flows down the pipeline behind the last item. A stage with several workers puts
the sentinel back for its siblings, and the stage is closed (sentinel passed on) only when all
its workers have exited, so no item is left behind.

## When not to

If stages are cheap compared with the queue hand-off (microseconds), the pipeline's overhead
dominates; batch items or just use a loop. More workers in a stage can reorder items.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

TITLE = "Pipelines"
CONCEPTS = ("pipeline", "bounded queue", "backpressure", "throughput", "bottleneck")
DIFFICULTY = 3
VARIANTS = ("threads", "asyncio")

ITEMS = 16
QUEUE_SIZE = 3
SENTINEL = None

console = Console(highlight=False)


@dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    workers: int = 1


@dataclass
class Run:
    """What one pipeline run measured."""

    wall: float = 0.0
    first_out: float = 0.0
    delivered: int = 0
    max_depth: tuple[int, ...] = ()


BALANCED = (Stage("parse", 0.010), Stage("enrich", 0.030), Stage("save", 0.010))
WIDENED = (Stage("parse", 0.010), Stage("enrich", 0.030, workers=3), Stage("save", 0.010))


# --- threads -------------------------------------------------------------------------------


def _thread_worker(
    stage: Stage, inq: queue.Queue[int | None], outq: queue.Queue[int | None]
) -> None:
    while (item := inq.get()) is not SENTINEL:
        time.sleep(stage.seconds)  # the stage's work (an I/O wait here)
        outq.put(item)  # blocks while the next stage is behind: backpressure
    inq.put(SENTINEL)  # let sibling workers of this stage see it too


def _sample_depths(
    queues: list[queue.Queue[int | None]], stop: threading.Event, peak: list[int]
) -> None:
    while not stop.wait(0.002):
        for i, q in enumerate(queues):
            peak[i] = max(peak[i], q.qsize())


def run_threaded(stages: tuple[Stage, ...]) -> Run:
    """Feed ``ITEMS`` items through ``stages`` and measure the run."""
    queues: list[queue.Queue[int | None]] = [
        queue.Queue(QUEUE_SIZE) for _ in range(len(stages) + 1)
    ]
    peak = [0] * len(queues)
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_depths, args=(queues, stop, peak))
    groups = [
        [
            threading.Thread(target=_thread_worker, args=(s, queues[i], queues[i + 1]))
            for _ in range(s.workers)
        ]
        for i, s in enumerate(stages)
    ]
    run = Run()
    began = time.perf_counter()
    sampler.start()
    for thread in (t for group in groups for t in group):
        thread.start()
    feeder = threading.Thread(target=_feed, args=(queues[0],))
    feeder.start()
    while run.delivered < ITEMS:
        queues[-1].get()
        run.delivered += 1
        if run.delivered == 1:
            run.first_out = time.perf_counter() - began
    run.wall = time.perf_counter() - began
    feeder.join()
    _close_stages(groups, queues)
    stop.set()
    sampler.join()
    run.max_depth = tuple(peak[:-1])
    return run


def _feed(first: queue.Queue[int | None]) -> None:
    for item in range(ITEMS):
        first.put(item)
    first.put(SENTINEL)


def _close_stages(
    groups: list[list[threading.Thread]], queues: list[queue.Queue[int | None]]
) -> None:
    """Join each stage's workers in order, then pass the sentinel to the next stage."""
    for i, group in enumerate(groups):
        for thread in group:
            thread.join()
        queues[i + 1].put(SENTINEL)


# --- asyncio -------------------------------------------------------------------------------


async def _task_worker(
    stage: Stage, inq: asyncio.Queue[int | None], outq: asyncio.Queue[int | None]
) -> None:
    while (item := await inq.get()) is not SENTINEL:
        await asyncio.sleep(stage.seconds)
        await outq.put(item)
    await inq.put(SENTINEL)


async def _run_async(stages: tuple[Stage, ...]) -> Run:
    queues: list[asyncio.Queue[int | None]] = [
        asyncio.Queue(QUEUE_SIZE) for _ in range(len(stages) + 1)
    ]
    peak = [0] * len(queues)
    run = Run()
    began = time.perf_counter()
    groups = [
        [asyncio.create_task(_task_worker(s, queues[i], queues[i + 1])) for _ in range(s.workers)]
        for i, s in enumerate(stages)
    ]

    async def feed() -> None:
        for item in range(ITEMS):
            await queues[0].put(item)
            peak[:] = [max(p, q.qsize()) for p, q in zip(peak, queues, strict=True)]
        await queues[0].put(SENTINEL)

    feeder = asyncio.create_task(feed())
    while run.delivered < ITEMS:
        await queues[-1].get()
        peak[:] = [max(p, q.qsize()) for p, q in zip(peak, queues, strict=True)]
        run.delivered += 1
        if run.delivered == 1:
            run.first_out = time.perf_counter() - began
    run.wall = time.perf_counter() - began
    await feeder
    for i, group in enumerate(groups):
        await asyncio.gather(*group)
        await queues[i + 1].put(SENTINEL)
    run.max_depth = tuple(peak[:-1])
    return run


def run_asyncio_pipeline(stages: tuple[Stage, ...]) -> Run:
    return asyncio.run(_run_async(stages))


# --- narration -----------------------------------------------------------------------------


def _describe(stages: tuple[Stage, ...]) -> str:
    return " → ".join(
        f"{s.name} {s.seconds * 1000:.0f}ms" + (f" ×{s.workers}" if s.workers > 1 else "")
        for s in stages
    )


def _compare(label: str, runner: Callable[[tuple[Stage, ...]], Run]) -> None:
    console.rule(f"[bold]{label}: {ITEMS} items, queues of {QUEUE_SIZE}")
    sequential = ITEMS * sum(s.seconds for s in BALANCED)
    console.print(f"  stages: {_describe(BALANCED)}")
    table = Table("enrich workers", "wall", "items/s", "1st item out", "peak queue depth")
    for stages in (BALANCED, WIDENED):
        run = runner(stages)
        depths = "  ".join(f"{s.name}:{d}" for s, d in zip(stages, run.max_depth, strict=True))
        table.add_row(
            str(stages[1].workers),
            f"{run.wall:.2f}s",
            f"{run.delivered / run.wall:.0f}",
            f"{run.first_out * 1000:.0f} ms",
            depths,
        )
        console.print(f"  ran {_describe(stages)}: {run.delivered} items in {run.wall:.2f}s")
    console.print(table)
    console.print(
        f"One at a time would take {sequential:.2f}s ({1 / sum(s.seconds for s in BALANCED):.0f} items/s). "
        "The first item still needs ~50 ms (latency = sum of stages); then one leaves per "
        "bottleneck period. The queue in front of 'enrich' sits full until it gets more workers."
    )


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    console.print("[bold cyan]Lesson 5 — pipelines.[/]")
    if variant in (None, "threads"):
        _compare("threads", run_threaded)
    if variant in (None, "asyncio"):
        _compare("asyncio", run_asyncio_pipeline)
