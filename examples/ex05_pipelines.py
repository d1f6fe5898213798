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

## When a stage fails

A worker that raises and simply dies strands everyone else: the stage before it blocks on a
full queue, the collector waits for items that never come — the program hangs with no error.
Make failure a first-class event:

- **threads**: the failing worker records the error and sets a shared `abort` event; every
  blocking `put`/`get` waits with a short timeout and gives up when `abort` is set; the main
  thread joins everyone in `finally` and reports the error.
- **asyncio**: put every stage, the feeder and the collecting loop in one `TaskGroup`. When a
  task raises, the group cancels the others and re-raises (as an `ExceptionGroup`, caught with
  `except*`). No bare `create_task`, so no task is left behind.

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

from examples._lesson import (
    HELD,
    NOT_HERE,
    Spread,
    at_least,
    header,
    hypothesis,
    lower,
    run_as_script,
    try_next,
)

TITLE = "Pipelines"
CONCEPTS = ("pipeline", "bounded queue", "backpressure", "throughput", "bottleneck")
DIFFICULTY = 3
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (11, 16)
HYPOTHESES = {"threads": ("5.1", "5.2", "5.3"), "asyncio": ("5.1", "5.2", "5.3")}

ITEMS = 10
QUEUE_SIZE = 3
SENTINEL = None
REPEATS = 3
POLL = 0.02
"""How often a blocked thread checks whether the pipeline was aborted."""

console = Console(highlight=False)


@dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    workers: int = 1
    fails_on: int | None = None
    """An item this stage raises on (to show what a failure does to the pipeline)."""


@dataclass
class Run:
    """What one pipeline run measured."""

    wall: float = 0.0
    first_out: float = 0.0
    delivered: int = 0
    max_depth: tuple[int, ...] = ()
    error: str | None = None


BALANCED = (Stage("parse", 0.010), Stage("enrich", 0.030), Stage("save", 0.010))
WIDENED = (Stage("parse", 0.010), Stage("enrich", 0.030, workers=3), Stage("save", 0.010))
FAILING = (
    Stage("parse", 0.010),
    Stage("enrich", 0.030, workers=3, fails_on=4),
    Stage("save", 0.010),
)


# --- threads -------------------------------------------------------------------------------


class Aborted(Exception):
    """Another part of the pipeline failed: stop waiting and exit."""


def _put(q: queue.Queue[int | None], item: int | None, abort: threading.Event) -> None:
    """``q.put`` that gives up when the pipeline is aborted (a full queue would block forever)."""
    while not abort.is_set():
        try:
            q.put(item, timeout=POLL)
            return
        except queue.Full:
            continue
    raise Aborted


def _get(q: queue.Queue[int | None], abort: threading.Event) -> int | None:
    """``q.get`` that gives up when the pipeline is aborted."""
    while not abort.is_set():
        try:
            return q.get(timeout=POLL)
        except queue.Empty:
            continue
    raise Aborted


def _work(stage: Stage, item: int) -> None:
    if item == stage.fails_on:
        raise ValueError(f"{stage.name} cannot handle item {item}")


def _thread_worker(
    stage: Stage,
    inq: queue.Queue[int | None],
    outq: queue.Queue[int | None],
    abort: threading.Event,
    errors: list[BaseException],
) -> None:
    try:
        while (item := _get(inq, abort)) is not SENTINEL:
            time.sleep(stage.seconds)  # the stage's work (an I/O wait here)
            _work(stage, item)
            _put(outq, item, abort)  # blocks while the next stage is behind: backpressure
        _put(inq, SENTINEL, abort)  # let sibling workers of this stage see it too
    except Aborted:
        pass
    except Exception as error:  # a failing stage must stop the others, not strand them
        errors.append(error)
        abort.set()


def run_threaded(stages: tuple[Stage, ...]) -> Run:
    """Feed ``ITEMS`` items through ``stages`` and measure the run."""
    queues: list[queue.Queue[int | None]] = [
        queue.Queue(QUEUE_SIZE) for _ in range(len(stages) + 1)
    ]
    abort = threading.Event()
    errors: list[BaseException] = []
    peak = [0] * len(queues)
    sampler = threading.Thread(target=_sample_depths, args=(queues, abort, peak))
    groups = [
        [
            threading.Thread(
                target=_thread_worker, args=(s, queues[i], queues[i + 1], abort, errors)
            )
            for _ in range(s.workers)
        ]
        for i, s in enumerate(stages)
    ]
    feeder = threading.Thread(target=_feed, args=(queues[0], abort))
    everyone = [sampler, feeder, *(t for group in groups for t in group)]
    run = Run()
    began = time.perf_counter()
    for thread in everyone:
        thread.start()
    try:
        while run.delivered < ITEMS:
            _get(queues[-1], abort)
            run.delivered += 1
            if run.delivered == 1:
                run.first_out = time.perf_counter() - began
        run.wall = time.perf_counter() - began
        _close_stages(groups, queues, abort)
    except Aborted:
        run.wall = time.perf_counter() - began
        run.error = repr(errors[0]) if errors else "aborted"
    finally:
        abort.set()  # also stops the depth sampler
        for thread in everyone:
            thread.join()
    run.max_depth = tuple(peak[:-1])
    return run


def _sample_depths(
    queues: list[queue.Queue[int | None]], stop: threading.Event, peak: list[int]
) -> None:
    while not stop.wait(0.002):
        for i, q in enumerate(queues):
            peak[i] = max(peak[i], q.qsize())


def _feed(first: queue.Queue[int | None], abort: threading.Event) -> None:
    try:
        for item in range(ITEMS):
            _put(first, item, abort)
        _put(first, SENTINEL, abort)
    except Aborted:
        pass


def _close_stages(
    groups: list[list[threading.Thread]],
    queues: list[queue.Queue[int | None]],
    abort: threading.Event,
) -> None:
    """Join each stage's workers in order, then pass the sentinel to the next stage."""
    for i, group in enumerate(groups):
        for thread in group:
            thread.join()
        _put(queues[i + 1], SENTINEL, abort)


# --- asyncio -------------------------------------------------------------------------------


async def _task_worker(
    stage: Stage, inq: asyncio.Queue[int | None], outq: asyncio.Queue[int | None]
) -> None:
    while (item := await inq.get()) is not SENTINEL:
        await asyncio.sleep(stage.seconds)
        _work(stage, item)
        await outq.put(item)
    await inq.put(SENTINEL)


async def _run_async(stages: tuple[Stage, ...]) -> Run:
    queues: list[asyncio.Queue[int | None]] = [
        asyncio.Queue(QUEUE_SIZE) for _ in range(len(stages) + 1)
    ]
    peak = [0] * len(queues)
    run = Run()
    began = time.perf_counter()

    def sample() -> None:
        peak[:] = [max(p, q.qsize()) for p, q in zip(peak, queues, strict=True)]

    async def feed() -> None:
        for item in range(ITEMS):
            await queues[0].put(item)
            sample()
        await queues[0].put(SENTINEL)

    async def stage_group(i: int, stage: Stage) -> None:
        async with asyncio.TaskGroup() as workers:
            for _ in range(stage.workers):
                workers.create_task(_task_worker(stage, queues[i], queues[i + 1]))
        await queues[i + 1].put(SENTINEL)  # every worker of this stage is done

    try:
        # One TaskGroup owns every task: if any stage raises, the group cancels the rest
        # (and this collecting loop) and re-raises — nothing is left waiting on a queue.
        async with asyncio.TaskGroup() as group:
            group.create_task(feed())
            for i, stage in enumerate(stages):
                group.create_task(stage_group(i, stage))
            while run.delivered < ITEMS:
                await queues[-1].get()
                sample()
                run.delivered += 1
                if run.delivered == 1:
                    run.first_out = time.perf_counter() - began
    except* Exception as group_error:
        run.error = repr(_first_leaf(group_error))
    run.wall = time.perf_counter() - began
    run.max_depth = tuple(peak[:-1])
    return run


def _first_leaf(error: BaseException) -> BaseException:
    """The first real exception inside (possibly nested) exception groups."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


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
    console.print(f"  stages: {_describe(BALANCED)}; only the enrich workers change between rows")
    table = Table("enrich workers", "wall", "items/s", "1st item out", "peak queue depth")
    runs: dict[int, list[Run]] = {}
    for stages in (BALANCED, WIDENED):
        measured = runs[stages[1].workers] = [runner(stages) for _ in range(REPEATS)]
        depths = "  ".join(
            f"{s.name}:{max(r.max_depth[i] for r in measured)}" for i, s in enumerate(stages)
        )
        table.add_row(
            str(stages[1].workers),
            Spread.of([r.wall for r in measured]).show(_s),
            Spread.of([r.delivered / r.wall for r in measured]).show(lambda v: f"{v:.0f}"),
            Spread.of([r.first_out for r in measured]).show(_ms),
            depths,
        )
    console.print(table)
    one, three = runs[1], runs[3]
    throughput = Spread.of([b.wall / a.wall for a, b in zip(three, one, strict=True)])
    hypothesis(
        console,
        "5.1",
        "three enrich workers raise throughput ≥2×",
        at_least(throughput, 2.0),
        f"ratio {throughput.show(lambda v: f'{v:.2f}×')}",
    )
    hypothesis(
        console,
        "5.2",
        "three enrich workers get the first item out sooner",
        lower(Spread.of([r.first_out for r in three]), Spread.of([r.first_out for r in one])),
        f"{Spread.of([r.first_out for r in three]).show(_ms)} vs {Spread.of([r.first_out for r in one]).show(_ms)}",
    )
    console.print(
        f"One at a time would take {sequential:.2f}s ({1 / sum(s.seconds for s in BALANCED):.0f} items/s). "
        "The first item still needs ~50 ms (latency = sum of stages); then one leaves per "
        "bottleneck period. The queue in front of 'enrich' sits full until it gets more workers."
    )
    failed = runner(FAILING)
    console.print(
        f"  enrich raises on item {FAILING[1].fails_on}: the run stopped after {failed.wall * 1000:.0f} ms "
        f"with {failed.delivered} of {ITEMS} delivered; error: {failed.error}"
    )
    hypothesis(
        console,
        "5.3",
        "a stage that raises stops the whole pipeline (no hang, error reported)",
        HELD if failed.error and failed.wall < 2.0 else NOT_HERE,
        f"stopped in {failed.wall * 1000:.0f} ms, error {'reported' if failed.error else 'lost'}",
    )


def _s(seconds: float) -> str:
    return f"{seconds:.2f}s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    header(console, 5, "pipelines")
    if variant in (None, "threads"):
        _compare("threads", run_threaded)
    if variant in (None, "asyncio"):
        _compare("asyncio", run_asyncio_pipeline)
    try_next(
        console,
        __file__,
        "in `_thread_worker`, delete the `except Exception` branch and run `threads`: the "
        "failing run now waits forever on a full queue (Ctrl-C twice). Undo it, then give "
        "'save' 3 workers instead of 'enrich' and see whether 5.1 still holds.",
        [
            (11, "the ingest service that buffered itself to death: bounded stages, honest drops"),
            (16, "stream processing: a pipeline with windows, watermarks and late data"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
