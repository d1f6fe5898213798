"""# Queues as channels

"Do not communicate by sharing memory; share memory by communicating." A queue is a
thread-safe (or task-safe) pipe: a producer `put`s, a consumer `get`s, and no one else
touches the item in between, so you need no lock of your own.

## What you will see

- **bounded vs unbounded.** `queue.Queue(maxsize=3)` makes a fast producer *wait* when three
  items are already waiting. That wait is **backpressure**: the producer slows to the pace of
  the consumer instead of filling memory. An unbounded queue (`maxsize=0`) never pushes back:
  if the consumer stalls, the queue grows until the process runs out of memory.
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

from rich.console import Console

TITLE = "Queues as channels"
CONCEPTS = ("queue.Queue", "asyncio.Queue", "backpressure", "sentinel", "select")
DIFFICULTY = 2
VARIANTS = ("threads", "asyncio")

ITEMS = 8
CONSUMER_DELAY = 0.03
SENTINEL = None

console = Console(highlight=False)


# --- threads -------------------------------------------------------------------------------


def _producer(q: queue.Queue[int | None], consumers: int) -> None:
    for item in range(ITEMS):
        began = time.perf_counter()
        q.put(item)  # blocks while the queue is full
        waited = (time.perf_counter() - began) * 1000
        note = f"[yellow]waited {waited:4.0f} ms (queue full)[/]" if waited > 5 else ""
        console.print(f"  put {item}  depth now {q.qsize()}  {note}")
    for _ in range(consumers):
        q.put(SENTINEL)
    console.print(f"  producer: done, sent {consumers} sentinel(s)")


def _consumer(q: queue.Queue[int | None], name: str, seen: list[int]) -> None:
    while (item := q.get()) is not SENTINEL:
        time.sleep(CONSUMER_DELAY)  # a slow consumer
        seen.append(item)
    console.print(f"  {name}: got the sentinel, exiting")


def demo_bounded(maxsize: int, consumers: int) -> None:
    kind = f"bounded (maxsize={maxsize})" if maxsize else "unbounded"
    console.rule(f"[bold]{kind} queue, {consumers} slow consumer{'s' if consumers > 1 else ''}")
    q: queue.Queue[int | None] = queue.Queue(maxsize=maxsize)
    seen: list[int] = []
    threads = [threading.Thread(target=_producer, args=(q, consumers))]
    threads += [
        threading.Thread(target=_consumer, args=(q, f"consumer-{i}", seen))
        for i in range(consumers)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    console.print(
        f"[green]{len(seen)} of {ITEMS} items consumed[/], "
        f"{time.perf_counter() - began:.2f}s, queue empty: {q.empty()}"
    )
    if maxsize:
        console.print("[dim]The producer was made to wait for the consumers: backpressure.[/]")
    else:
        console.print("[dim]Nothing slowed the producer: the backlog piled up in memory.[/]")


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
    demo_bounded(maxsize=0, consumers=1)
    demo_bounded(maxsize=2, consumers=2)
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


async def _async_producer(q: asyncio.Queue[int | None]) -> None:
    for item in range(4):
        began = time.perf_counter()
        await q.put(item)  # suspends this task (not the thread) while the queue is full
        waited = (time.perf_counter() - began) * 1000
        console.print(f"  put {item}  depth {q.qsize()}/{q.maxsize}  waited {waited:3.0f} ms")
    await q.put(SENTINEL)


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
    producer = asyncio.create_task(_async_producer(q))
    consumed = await _async_consumer(q)
    await producer
    console.print(f"  consumer took {consumed}, then the sentinel, and stopped")

    console.rule("[bold]select: wait on two queues, FIRST_COMPLETED")
    queues: dict[str, asyncio.Queue[str]] = {"fast": asyncio.Queue(), "slow": asyncio.Queue()}
    feeders = [
        asyncio.create_task(_feed(queues["fast"], "fast", (0.01, 0.02, 0.02, 0.02))),
        asyncio.create_task(_feed(queues["slow"], "slow", (0.035, 0.04))),
    ]
    received = await _select(queues, wanted=6)
    await asyncio.gather(*feeders)
    console.print(f"[green]{len(received)} messages, in arrival order, none lost[/]")


def run_asyncio() -> None:
    asyncio.run(_async_demo())


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    console.print("[bold cyan]Lesson 2 — queues as channels.[/]")
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
