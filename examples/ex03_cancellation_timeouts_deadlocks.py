"""# Cancellation, timeouts and deadlock prevention

Starting concurrent work is easy; **stopping** it — on time, cleanly, without leaving a
thread, a task or a held lock behind — is where most production bugs live.

## Threads cannot be killed: ask them to stop

Python has no `thread.kill()`. A thread stops when its function returns, so give it a
`threading.Event` as a stop flag and have it check the flag between units of work. Use
`stop.wait(interval)` instead of `time.sleep(interval)`: it sleeps, but wakes *immediately*
when the flag is set, so shutdown takes microseconds instead of a whole interval.

## asyncio tasks can be cancelled

`task.cancel()` raises `CancelledError` inside the task at its current `await`. Clean up in
`finally` (or `async with`), and **re-raise** `CancelledError` if you catch it: swallowing it
makes the task look finished when it was told to stop, and breaks `TaskGroup` and timeouts.
`async with asyncio.timeout(seconds):` cancels the block when the deadline passes and turns
the cancellation into `TimeoutError` for you.

## Deadlock: two locks, two orders

Thread 1 holds lock A and waits for B; thread 2 holds B and waits for A. Neither can ever
proceed. All four Coffman conditions hold (mutual exclusion, hold-and-wait, no preemption,
circular wait); break any one and the deadlock is impossible. Two practical ways:

- **Lock ordering** — every thread takes locks in one global order (here: by name). A cycle
  cannot form. This is the fix to reach for first.
- **Timeouts** — `lock.acquire(timeout=...)` turns "wait forever" into "give up, release
  what you hold, back off, retry". It detects the problem instead of preventing it, and
  under contention it can livelock, so add jittered backoff.

## When not to

Do not reach for a timeout to paper over a wrong lock order: fix the order. Do not use
`daemon=True` threads as a way to "stop" work: they are killed abruptly at exit, mid-write.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from rich.console import Console

TITLE = "Cancellation, timeouts and deadlock prevention"
CONCEPTS = ("Event", "task.cancel", "asyncio.timeout", "deadlock", "lock ordering")
DIFFICULTY = 3
VARIANTS = ("threads", "asyncio")

console = Console(highlight=False)


# --- threads: a stop flag ----------------------------------------------------------------


def _poller(stop: threading.Event, ticks: list[float]) -> None:
    while not stop.wait(timeout=0.05):  # sleeps 50 ms, but wakes at once when stop is set
        ticks.append(time.perf_counter())


def demo_stop_flag() -> None:
    console.rule("[bold]threading.Event as a stop flag")
    stop = threading.Event()
    ticks: list[float] = []
    worker = threading.Thread(target=_poller, args=(stop, ticks), name="poller")
    worker.start()
    time.sleep(0.22)  # let it work for a while (this is the demo, not synchronization)
    asked = time.perf_counter()
    stop.set()
    worker.join(timeout=2)
    latency = (time.perf_counter() - asked) * 1000
    console.print(
        f"  poller did {len(ticks)} ticks; after stop.set() it exited in "
        f"[green]{latency:.1f} ms[/] (alive: {worker.is_alive()})"
    )
    console.print("  [dim]with time.sleep(0.05) it could take up to 50 ms to notice.[/]")


# --- threads: deadlock ---------------------------------------------------------------------


def _transfer(
    first: tuple[str, threading.Lock],
    second: tuple[str, threading.Lock],
    both_hold_one: threading.Barrier | None,
    report: list[str],
) -> None:
    me = threading.current_thread().name
    with first[1]:
        if both_hold_one is not None:
            both_hold_one.wait()  # make the bad interleaving certain, for the demo
        if second[1].acquire(timeout=0.2):
            second[1].release()
            report.append(f"{me}: took {first[0]} then {second[0]}: done")
        else:
            report.append(
                f"{me}: holds {first[0]}, waited 200 ms for {second[0]}: "
                "[red]would deadlock[/], backing off"
            )


def _run_pair(order_1: str, order_2: str, barrier: bool) -> list[str]:
    locks = {"A": threading.Lock(), "B": threading.Lock()}
    report: list[str] = []
    sync = threading.Barrier(2) if barrier else None
    threads = [
        threading.Thread(
            target=_transfer,
            args=((order[0], locks[order[0]]), (order[1], locks[order[1]]), sync, report),
            name=f"thread-{i}",
        )
        for i, order in enumerate((order_1, order_2), start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return report


def demo_deadlock() -> None:
    console.rule("[bold]deadlock: thread-1 takes A→B, thread-2 takes B→A")
    report = _run_pair("AB", "BA", barrier=True)
    for line in report:
        console.print(f"  {line}")
    if any(line.endswith("done") for line in report):
        console.print("  [dim]The one that gave up released its lock, so the other got through.[/]")
    else:
        console.print("  [dim]Both gave up at once: both must retry (with jitter, or they livelock).[/]")
    console.print("  [dim]Without acquire(timeout=...) both threads would wait forever.[/]")
    console.rule("[bold]the fix: one global lock order (always A before B)")
    for line in _run_pair("AB", "AB", barrier=False):
        console.print(f"  [green]{line}[/]")


def run_threads() -> None:
    demo_stop_flag()
    demo_deadlock()


# --- asyncio -------------------------------------------------------------------------------


async def _download(log: list[str]) -> None:
    log.append("connection opened")
    try:
        await asyncio.sleep(10)  # far longer than anyone will wait
    except asyncio.CancelledError:
        log.append("CancelledError raised at the await")
        raise  # never swallow it
    finally:
        log.append("finally: connection closed")


async def _async_demo() -> None:
    console.rule("[bold]task.cancel(): CancelledError at the await, cleanup in finally")
    log: list[str] = []
    task = asyncio.create_task(_download(log))
    await asyncio.sleep(0.05)
    began = time.perf_counter()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task  # wait until it has really finished cleaning up
    took = (time.perf_counter() - began) * 1000
    for line in log:
        console.print(f"  {line}")
    console.print(f"  task.cancelled() = {task.cancelled()}, stopped in {took:.1f} ms")

    console.rule("[bold]asyncio.timeout(0.1): a deadline around a block")
    log = []
    began = time.perf_counter()
    try:
        async with asyncio.timeout(0.1):
            await _download(log)
    except TimeoutError:
        took = time.perf_counter() - began
        console.print(f"  TimeoutError after [yellow]{took:.3f}s[/]; cleanup ran: {log[-1]!r}")

    console.rule("[bold]asyncio.Lock with a timeout: wait_for(lock.acquire(), ...)")
    lock = asyncio.Lock()
    async with lock:
        try:
            await asyncio.wait_for(lock.acquire(), timeout=0.05)
        except TimeoutError:
            console.print("  second acquire gave up after 50 ms instead of hanging forever")
    console.print(f"  lock released on exit of `async with`: locked = {lock.locked()}")


def run_asyncio() -> None:
    asyncio.run(_async_demo())


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    console.print("[bold cyan]Lesson 3 — cancellation, timeouts and deadlock prevention.[/]")
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
