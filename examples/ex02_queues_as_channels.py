"""# Queues as channels

"Do not communicate by sharing memory; share memory by communicating." A queue is a
pipe: a producer `put`s, a consumer `get`s, and no one else touches the item in between, so
you need no lock of your own. Pick the queue for what talks to it:

- `queue.Queue` is **thread-safe**: any thread may `put` and `get`.
- `asyncio.Queue` is **not thread-safe**: only tasks on its own event loop may touch it. From
  another thread, hand the item to the loop: `loop.call_soon_threadsafe(q.put_nowait, item)`
  (lesson 17 bridges threads and asyncio).
- `multiprocessing.Queue` crosses processes (it pickles every item).

## What you will see

- **bounded vs unbounded**, with the same single slow consumer (only `maxsize` changes).
  `queue.Queue(maxsize=2)` makes a fast producer *wait* when two items are already waiting.
  That wait is **backpressure**: the producer slows to the pace of the consumer instead of
  filling memory. An unbounded queue (`maxsize=0`) never pushes back: if the consumer stalls,
  the queue grows until the process runs out of memory. The bound does **not** make the work
  finish sooner — the consumer sets the pace either way; it caps the backlog.
- **one more consumer** (only the consumer count changes): now the work finishes sooner.
- **non-blocking calls.** `put_nowait` raises `queue.Full` and `get_nowait` raises
  `queue.Empty` instead of waiting — useful to shed load or to poll without blocking.
- **sentinel shutdown.** The producer puts one special value (`None` here) per consumer when
  it is done; each consumer exits when it receives one. No flag, no timeout, no lost item.
- **select.** Go has `select` to wait on several channels at once. In asyncio, start one
  `get()` task per queue and `asyncio.wait(..., return_when=FIRST_COMPLETED)`; use the one that
  finished and *cancel the others* (a cancelled `asyncio.Queue.get()` takes no item).

## When not to

A queue decouples a producer from a consumer; if the "consumer" needs the result right now,
a function call (or a future) is simpler. Do not use an unbounded queue between a fast
producer and a slow consumer: bound it and decide what happens when it is full (wait, drop,
or reply "busy").
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from examples._lesson import (
    HELD,
    NOT_HERE,
    Spread,
    every,
    header,
    hypothesis,
    lower,
    run_as_script,
    try_next,
)

TITLE = "Queues as channels"
CONCEPTS = ("queue.Queue", "asyncio.Queue", "backpressure", "sentinel", "select")
DIFFICULTY = 2
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (11, 3)
HYPOTHESES = {"threads": ("2.1", "2.2", "2.3"), "asyncio": ("2.4", "2.5")}
REPEATS = 3

ITEMS = 8
CONSUMER_DELAY = 0.03
SENTINEL = None

console = Console(highlight=False)


# --- threads -------------------------------------------------------------------------------


@dataclass
class Run:
    """What one producer/consumer run measured."""

    seconds: float
    max_depth: int
    producer_wait: float
    consumed: int


def _producer(q: queue.Queue[int | None], consumers: int, run: Run, narrate: bool) -> None:
    for item in range(ITEMS):
        began = time.perf_counter()
        q.put(item)  # blocks while the queue is full
        waited = time.perf_counter() - began
        run.producer_wait += waited
        run.max_depth = max(run.max_depth, q.qsize())
        if narrate:
            note = (
                f"[yellow]waited {waited * 1000:4.0f} ms (queue full)[/]" if waited > 0.005 else ""
            )
            console.print(f"  put {item}  depth now {q.qsize()}  {note}")
    for _ in range(consumers):
        q.put(SENTINEL)  # one per consumer: each stops at its own
    if narrate:
        console.print(f"  producer: done, sent {consumers} sentinel(s)")


def _consumer(q: queue.Queue[int | None], seen: list[int]) -> None:
    while (item := q.get()) is not SENTINEL:
        time.sleep(CONSUMER_DELAY)  # a slow consumer
        seen.append(item)  # list.append is thread-safe in CPython (GIL, or a per-list lock)


def channel_run(maxsize: int, consumers: int, narrate: bool = False) -> Run:
    """One producer, ``consumers`` slow consumers, a queue of ``maxsize`` (0: unbounded)."""
    q: queue.Queue[int | None] = queue.Queue(maxsize=maxsize)
    seen: list[int] = []
    run = Run(0.0, 0, 0.0, 0)
    threads = [threading.Thread(target=_producer, args=(q, consumers, run, narrate))]
    threads += [threading.Thread(target=_consumer, args=(q, seen)) for _ in range(consumers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - began
    run.consumed = len(seen)
    return run


def demo_bounded() -> None:
    rows = {
        "unbounded, 1 consumer": (0, 1),
        "maxsize=2, 1 consumer": (2, 1),
        "maxsize=2, 2 consumers": (2, 2),
    }
    console.rule("[bold]bounded vs unbounded: the same slow consumer")
    console.print("  The first run of 'maxsize=2, 1 consumer', narrated:")
    runs: dict[str, list[Run]] = {label: [] for label in rows}
    runs["maxsize=2, 1 consumer"].append(channel_run(2, 1, narrate=True))
    for _ in range(REPEATS):
        for label, (maxsize, consumers) in rows.items():
            if len(runs[label]) < REPEATS:
                runs[label].append(channel_run(maxsize, consumers))
    console.print(
        f"  {REPEATS} runs each, {ITEMS} items, consumer takes {CONSUMER_DELAY * 1000:.0f} ms per item:"
    )
    for label, measured in runs.items():
        console.print(
            f"  {label:24} time {_spread([r.seconds for r in measured], _ms)}  "
            f"max depth {max(r.max_depth for r in measured)}  "
            f"producer waited {_spread([r.producer_wait for r in measured], _ms)}",
            soft_wrap=True,
        )
    unbounded, bounded, two = (runs[label] for label in rows)
    hypothesis(
        console,
        "2.1",
        "the bound caps the backlog at maxsize",
        every([r.max_depth <= 2 for r in bounded]),
        f"max depth bounded {max(r.max_depth for r in bounded)}, unbounded {max(r.max_depth for r in unbounded)}",
    )
    hypothesis(
        console,
        "2.2",
        "the bound makes the work finish sooner",
        lower(Spread.of([r.seconds for r in bounded]), Spread.of([r.seconds for r in unbounded])),
        f"bounded {_spread([r.seconds for r in bounded], _ms)} vs unbounded {_spread([r.seconds for r in unbounded], _ms)}",
    )
    hypothesis(
        console,
        "2.3",
        "a second consumer makes the work finish sooner",
        lower(Spread.of([r.seconds for r in two]), Spread.of([r.seconds for r in bounded])),
        f"2 consumers {_spread([r.seconds for r in two], _ms)} vs 1 {_spread([r.seconds for r in bounded], _ms)}",
    )
    console.print(
        "[dim]Expect 2.2 'not here' or 'tie': the bound bounds memory, the consumer sets the pace. "
        "Every item was consumed in every run: "
        f"{all(r.consumed == ITEMS for m in runs.values() for r in m)}.[/]"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _spread(values: list[float], fmt: Callable[[float], str]) -> str:
    return Spread.of(values).show(fmt)


def demo_nowait() -> None:
    console.rule("[bold]put_nowait / get_nowait never block")
    q: queue.Queue[str] = queue.Queue(maxsize=2)
    for item in ("a", "b", "c"):
        try:
            q.put_nowait(item)
            console.print(f"  put_nowait({item!r}) ok, depth {q.qsize()}")
        except queue.Full:
            console.print(f"  put_nowait({item!r}) → [red]queue.Full[/]: shed it or retry later")
    while True:
        try:
            console.print(f"  get_nowait() → {q.get_nowait()!r}")
        except queue.Empty:
            console.print("  get_nowait() → [red]queue.Empty[/]: nothing to do right now")
            break


def run_threads() -> None:
    demo_bounded()
    demo_nowait()


# --- asyncio -------------------------------------------------------------------------------


async def _feed(q: asyncio.Queue[str], name: str, delays: tuple[float, ...]) -> None:
    for i, delay in enumerate(delays):
        await asyncio.sleep(delay)
        await q.put(f"{name}#{i}")


async def _select(queues: dict[str, asyncio.Queue[str]], wanted: int) -> list[str]:
    """Take ``wanted`` messages from whichever queue has one first."""
    received: list[str] = []
    while len(received) < wanted:
        getters = {asyncio.create_task(q.get()): name for name, q in queues.items()}
        done, pending = await asyncio.wait(getters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()  # a cancelled get() takes no item
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            received.append(task.result())
            console.print(f"  select: [cyan]{task.result():9}[/] from {getters[task]}")
    return received


async def _async_producer(q: asyncio.Queue[int | None]) -> list[float]:
    waits = []
    for item in range(4):
        began = time.perf_counter()
        await q.put(item)  # suspends this task (not the thread) while the queue is full
        waits.append(time.perf_counter() - began)
        console.print(
            f"  put {item}  depth {q.qsize()}/{q.maxsize}  waited {waits[-1] * 1000:3.0f} ms"
        )
    await q.put(SENTINEL)
    return waits


async def _async_consumer(q: asyncio.Queue[int | None]) -> list[int]:
    consumed = []
    while (item := await q.get()) is not SENTINEL:
        await asyncio.sleep(CONSUMER_DELAY)
        consumed.append(item)
    return consumed


async def _async_demo() -> None:
    console.rule("[bold]asyncio.Queue(maxsize=2): the same channel, for tasks")
    q: asyncio.Queue[int | None] = asyncio.Queue(maxsize=2)
    q.put_nowait(-1)
    q.put_nowait(-2)
    try:
        q.put_nowait(-3)
    except asyncio.QueueFull:
        console.print(f"  put_nowait on a full queue ({q.qsize()}/{q.maxsize}) → [red]QueueFull[/]")
    while not q.empty():
        q.get_nowait()
    async with asyncio.TaskGroup() as group:
        producer = group.create_task(_async_producer(q))
        consumer = group.create_task(_async_consumer(q))
    waits = producer.result()
    console.print(f"  consumer took {consumer.result()}, then the sentinel, and stopped")
    hypothesis(
        console,
        "2.4",
        "a full asyncio.Queue makes the producer task wait",
        HELD if max(waits) > CONSUMER_DELAY / 2 else NOT_HERE,
        f"longest put waited {max(waits) * 1000:.0f} ms",
    )

    console.rule("[bold]select: wait on two queues, FIRST_COMPLETED")
    queues: dict[str, asyncio.Queue[str]] = {"fast": asyncio.Queue(), "slow": asyncio.Queue()}
    async with asyncio.TaskGroup() as group:
        group.create_task(_feed(queues["fast"], "fast", (0.01, 0.02, 0.02, 0.02)))
        group.create_task(_feed(queues["slow"], "slow", (0.035, 0.04)))
        received = await _select(queues, wanted=6)
    left = sum(q.qsize() for q in queues.values())
    console.print(f"  {len(received)} messages received, {left} left in the queues")
    hypothesis(
        console,
        "2.5",
        "select with cancelled get() tasks loses no message",
        HELD if len(received) == 6 and left == 0 else NOT_HERE,
        f"sent 6, received {len(received)}, left {left}",
    )


def run_asyncio() -> None:
    asyncio.run(_async_demo())


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    header(console, 2, "queues as channels")
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
    try_next(
        console,
        __file__,
        "set ITEMS = 40 and run `threads`: the unbounded row's max depth grows with ITEMS, "
        "the bounded rows stay at 2, and 2.2 is still no win for the bound. Then set "
        "CONSUMER_DELAY = 0.001: which hypotheses change?",
        [
            (11, "an ingest service that buffered itself to death: bound it and account for drops"),
            (3, "threads and tasks that never stop: sentinels and cancellation done right"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
