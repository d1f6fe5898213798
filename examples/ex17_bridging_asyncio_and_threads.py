"""# Bridging asyncio and threads

An event loop runs one callback at a time. Any call that blocks — `time.sleep`, a
synchronous HTTP client, a big `json.loads`, a database driver without async support —
stops *every* task on that loop until it returns. Real programs mix both worlds, so you need
four bridges, two in each direction.

## From the loop to a thread

- `await asyncio.to_thread(fn, *args)` (3.9+) runs `fn` in the loop's default thread pool and
  suspends only the awaiting task. It also copies the current `contextvars` context into the
  thread (lesson 22).
- `await loop.run_in_executor(pool, fn, *args)` does the same with a pool you choose — a
  small `ThreadPoolExecutor` to bound a blocking driver, or a `ProcessPoolExecutor` for CPU
  work (the GIL does not let threads speed that up, lesson 8). It does *not* copy contextvars.

## From a thread to the loop

asyncio objects (tasks, futures, `asyncio.Queue`, `asyncio.Event`) are **not thread-safe**:
only code running in the loop's thread may touch them. Capture the loop in the loop's thread
(`loop = asyncio.get_running_loop()`) and hand it to the thread, then:

- `asyncio.run_coroutine_threadsafe(coro, loop)` schedules a coroutine on the loop and
  returns a `concurrent.futures.Future` the thread can wait on with `.result(timeout)`;
- `loop.call_soon_threadsafe(callback, *args)` schedules a plain callback — for example
  `queue.put_nowait` to feed an `asyncio.Queue` from a thread — and wakes the loop.

## Spotting a blocked loop

Run with debug mode — `asyncio.run(main(), debug=True)` or `PYTHONASYNCIODEBUG=1` — and the
loop logs every callback or task step that took longer than `loop.slow_callback_duration`
(100 ms by default) on the `asyncio` logger: "Executing <Task …> took 0.2 seconds". The lesson
measures how late a 10 ms heartbeat task wakes while another task blocks, then captures the
debug-mode warning itself.

## When not to

- Do not push CPU-bound pure-Python work to `to_thread` expecting a speedup on a GIL build: it
  keeps the loop responsive, but the work still runs one thread at a time.
- Do not call `run_coroutine_threadsafe(...).result()` from the loop's own thread: it waits
  for the loop that it is blocking — a deadlock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rich.console import Console

from examples._lesson import (
    HELD,
    NOT_HERE,
    Spread,
    header,
    hypothesis,
    lower,
    run_as_script,
    try_next,
)

TITLE = "Bridging asyncio and threads"
CONCEPTS = (
    "asyncio.to_thread",
    "run_in_executor",
    "run_coroutine_threadsafe",
    "call_soon_threadsafe",
    "debug mode",
)
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (3, 8)
HYPOTHESES = {"main": ("17.1", "17.2", "17.3", "17.4")}

BLOCK = 0.12
"""How long the blocking call takes."""
BEAT = 0.01
REPEATS = 3
ITEMS = 50

console = Console(highlight=False)


def blocking_io(seconds: float) -> float:
    """A synchronous call (a legacy driver, `requests.get`): it blocks whatever thread runs it."""
    time.sleep(seconds)
    return seconds


async def heartbeat_lag(work: Callable[[], Awaitable[object]]) -> float:
    """Run ``work`` next to a 10 ms heartbeat; return the heartbeat's worst lateness in seconds."""
    worst = 0.0
    stop = asyncio.Event()

    async def beat() -> None:
        nonlocal worst
        while not stop.is_set():
            planned = time.perf_counter() + BEAT
            await asyncio.sleep(BEAT)
            worst = max(worst, time.perf_counter() - planned)

    async with asyncio.TaskGroup() as group:
        group.create_task(beat())
        await asyncio.sleep(BEAT * 2)  # the heartbeat is running
        await work()
        stop.set()
    return worst


async def _blocked() -> None:
    blocking_io(BLOCK)  # on the loop's thread: nothing else runs meanwhile


async def _offloaded() -> None:
    await asyncio.to_thread(blocking_io, BLOCK)


async def demo_to_thread() -> None:
    console.rule("[bold]1. a blocking call on the loop vs asyncio.to_thread")
    direct = Spread.of([await heartbeat_lag(_blocked) for _ in range(REPEATS)])
    threaded = Spread.of([await heartbeat_lag(_offloaded) for _ in range(REPEATS)])
    console.print(
        f"  a {BLOCK * 1000:.0f} ms blocking call; worst lateness of a {BEAT * 1000:.0f} ms heartbeat:"
    )
    console.print(f"  called on the loop      {direct.show(_ms)}")
    console.print(f"  asyncio.to_thread(...)  {threaded.show(_ms)}")
    hypothesis(
        console,
        "17.1",
        "to_thread keeps the loop responsive: the heartbeat is always less late",
        lower(threaded, direct),
        f"{threaded.show(_ms)} vs {direct.show(_ms)}",
    )


async def demo_executor() -> None:
    console.rule("[bold]2. run_in_executor with a pool you size")
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="driver") as pool:
        began = time.perf_counter()
        await asyncio.gather(*(loop.run_in_executor(pool, blocking_io, 0.05) for _ in range(6)))
        took = time.perf_counter() - began
    console.print(
        f"  6 blocking calls of 50 ms through a pool of 2: {took * 1000:.0f} ms "
        "(model: 3 rounds × 50 ms = 150 ms) — the pool is the bound on the driver."
    )
    hypothesis(
        console,
        "17.2",
        "a pool of 2 runs 6 × 50 ms calls in about 3 rounds, not 1 or 6",
        HELD if 0.14 <= took < 0.3 else NOT_HERE,
        f"{took * 1000:.0f} ms",
    )


def _producer_thread(
    loop: asyncio.AbstractEventLoop,
    inbox: asyncio.Queue[int | None],
    ask: Callable[[], Coroutine[Any, Any, int]],
    answers: list[int],
) -> None:
    """A plain thread: feeds the loop's queue and asks the loop a question."""
    for item in range(ITEMS):
        loop.call_soon_threadsafe(inbox.put_nowait, item)  # never inbox.put_nowait(item) here
    future = asyncio.run_coroutine_threadsafe(ask(), loop)  # a concurrent.futures.Future
    answers.append(future.result(timeout=5))
    loop.call_soon_threadsafe(inbox.put_nowait, None)


async def demo_from_a_thread() -> None:
    console.rule(
        "[bold]3. a thread talks to the loop: call_soon_threadsafe, run_coroutine_threadsafe"
    )
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[int | None] = asyncio.Queue()
    received: list[int] = []
    answers: list[int] = []

    async def ask() -> int:
        await asyncio.sleep(0.01)
        return len(received)  # runs on the loop: safe to read loop-owned state

    thread = threading.Thread(
        target=_producer_thread, args=(loop, inbox, ask, answers), name="producer"
    )
    thread.start()
    while (item := await inbox.get()) is not None:
        received.append(item)
    await asyncio.to_thread(thread.join)  # join without blocking the loop
    console.print(
        f"  the thread handed over {ITEMS} items; the loop received {len(received)}; "
        f"the coroutine it ran on the loop answered {answers}"
    )
    hypothesis(
        console,
        "17.3",
        "items handed over with call_soon_threadsafe all arrive, in order",
        HELD if received == list(range(ITEMS)) else NOT_HERE,
        f"{len(received)} of {ITEMS}, in order: {received == sorted(received)}",
    )


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def demo_debug_mode() -> None:
    console.rule("[bold]4. debug mode names the task that blocked the loop")
    captured = _Captured()
    log = logging.getLogger("asyncio")
    log.addHandler(captured)
    previous, log.propagate = log.propagate, False  # keep the warning out of the learner's terminal
    try:
        asyncio.run(_blocked(), debug=True)  # slow_callback_duration defaults to 100 ms
    finally:
        log.removeHandler(captured)
        log.propagate = previous
    slow = [m for m in captured.messages if "took" in m]
    for message in slow[:1]:
        console.print(f"  asyncio logger: [yellow]{message}[/]", soft_wrap=True)
    hypothesis(
        console,
        "17.4",
        "debug mode logs the blocking step as a slow callback",
        HELD if slow else NOT_HERE,
        f"{len(slow)} slow-callback warning(s)",
    )


async def _lesson() -> None:
    await demo_to_thread()
    await demo_executor()
    await demo_from_a_thread()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    header(console, 17, "bridging asyncio and threads")
    asyncio.run(_lesson())
    demo_debug_mode()
    try_next(
        console,
        __file__,
        "in `_producer_thread`, replace `loop.call_soon_threadsafe(inbox.put_nowait, item)` with "
        "`inbox.put_nowait(item)` and run it several times: the items land, but the loop is not "
        "woken — watch how late they arrive (and it is not thread-safe: it can corrupt the queue). Then make "
        "`_offloaded` call `blocking_io` directly and read 17.1.",
        [
            (3, "the CI service that hoarded threads: every thread you start, you stop and join"),
            (8, "more threads, same speed: what really serialises the work"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
