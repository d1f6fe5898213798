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

To wait for an `asyncio.Lock` with a deadline, put `asyncio.timeout` around `acquire()` and
return whether you got it. Avoid `asyncio.wait_for(lock.acquire(), t)` on 3.11: its
implementation there has races (fixed in 3.12, which rebuilt `wait_for` on `asyncio.timeout`)
in which the inner `acquire()` succeeds but the caller sees an exception — a lock taken by
nobody who will ever release it. The lesson races a release against the deadline many times
and counts leaked locks.

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

from examples._lesson import (
    HELD,
    NOT_HERE,
    TIE,
    Spread,
    every,
    header,
    hypothesis,
    run_as_script,
    try_next,
)

TITLE = "Cancellation, timeouts and deadlock prevention"
CONCEPTS = ("Event", "task.cancel", "asyncio.timeout", "deadlock", "lock ordering")
DIFFICULTY = 3
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (1, 3)
HYPOTHESES = {"threads": ("3.1", "3.2", "3.3"), "asyncio": ("3.4", "3.5")}
REPEATS = 3
RACES = 60
RACE_DEADLINE = 0.01

console = Console(highlight=False)


# --- threads: a stop flag ----------------------------------------------------------------


def _poller(stop: threading.Event, ticks: list[float]) -> None:
    while not stop.wait(timeout=0.05):  # sleeps 50 ms, but wakes at once when stop is set
        ticks.append(time.perf_counter())


def stop_latency() -> tuple[int, float]:
    """Start a poller, let it tick, stop it: ticks done and seconds from set() to exit."""
    stop = threading.Event()
    ticks: list[float] = []
    worker = threading.Thread(target=_poller, args=(stop, ticks), name="poller")
    worker.start()
    time.sleep(0.12)  # let it work for a while (this is the demo, not synchronization)
    asked = time.perf_counter()
    stop.set()
    worker.join()
    return len(ticks), time.perf_counter() - asked


def demo_stop_flag() -> None:
    console.rule("[bold]threading.Event as a stop flag")
    runs = [stop_latency() for _ in range(REPEATS)]
    latency = Spread.of([seconds for _, seconds in runs])
    console.print(
        f"  the poller ticked {runs[0][0]} times per run; from stop.set() to exit: "
        f"[green]{latency.show(_ms)}[/]"
    )
    hypothesis(
        console,
        "3.1",
        "stop.wait(0.05) notices stop.set() well within one 50 ms interval",
        HELD if latency.high < 0.025 else TIE if latency.median < 0.025 else NOT_HERE,
        f"exit after {latency.show(_ms)}",
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
            with contextlib.suppress(threading.BrokenBarrierError):
                # Both threads hold their first lock before either asks for its second (when
                # they can: with one lock order, the second thread never gets here in time).
                both_hold_one.wait(timeout=0.1)
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
        console.print(
            "  [dim]Both gave up at once: both must retry (with jitter, or they livelock).[/]"
        )
    console.print("  [dim]Without acquire(timeout=...) both threads would wait forever.[/]")
    hypothesis(
        console,
        "3.2",
        "with opposite orders and both holding one lock, a thread must give up",
        HELD if any("would deadlock" in line for line in report) else NOT_HERE,
        f"{sum('would deadlock' in line for line in report)} of 2 gave up",
    )
    console.rule("[bold]the fix: one global lock order (always A before B)")
    fixed = _run_pair("AB", "AB", barrier=True)  # only the order changed
    for line in fixed:
        console.print(f"  [green]{line}[/]")
    hypothesis(
        console,
        "3.3",
        "with one global order, both threads finish",
        HELD if sum(line.endswith("done") for line in fixed) == 2 else NOT_HERE,
        f"{sum(line.endswith('done') for line in fixed)} of 2 done",
    )


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
    hypothesis(
        console,
        "3.4",
        "cancel() runs the task's finally block before the task ends",
        HELD if log[-1].startswith("finally") and task.cancelled() else NOT_HERE,
        f"last log line {log[-1]!r}, cancelled={task.cancelled()}",
    )

    console.rule("[bold]asyncio.timeout(0.1): a deadline around a block")
    log = []
    began = time.perf_counter()
    try:
        async with asyncio.timeout(0.1):
            await _download(log)
    except TimeoutError:
        took = time.perf_counter() - began
        console.print(f"  TimeoutError after [yellow]{took:.3f}s[/]; cleanup ran: {log[-1]!r}")

    console.rule("[bold]asyncio.Lock with a timeout: asyncio.timeout around acquire()")
    lock = asyncio.Lock()
    async with lock:
        if not await acquire_within(lock, 0.05):
            console.print("  second acquire gave up after 50 ms instead of hanging forever")
    console.print(f"  lock released on exit of `async with`: locked = {lock.locked()}")
    leaked = [await release_races_deadline(RACE_DEADLINE * (0.5 + i / RACES)) for i in range(RACES)]
    console.print(
        f"  {RACES} races, the holder releasing from 0.5× to 1.5× the waiter's deadline: "
        f"{sum(got for got, _ in leaked)} acquired in time, "
        f"{sum(held for _, held in leaked)} left the lock held by no one"
    )
    hypothesis(
        console,
        "3.5",
        "a timed-out acquire never leaves the lock held",
        every([not held for _, held in leaked]),
        f"{sum(held for _, held in leaked)} of {RACES} races leaked it",
    )


async def acquire_within(lock: asyncio.Lock, seconds: float) -> bool:
    """Acquire ``lock`` or give up after ``seconds``; never leaves it held on giving up.

    ``asyncio.Lock.acquire`` marks the lock taken only after its wait returns, so a
    cancellation thrown into that wait (which is what ``asyncio.timeout`` does) leaves it free.
    """
    try:
        async with asyncio.timeout(seconds):
            await lock.acquire()
    except TimeoutError:
        return False
    return True


async def release_races_deadline(release_after: float) -> tuple[bool, bool]:
    """A holder releases near the waiter's deadline: (waiter got it, lock left held)."""
    lock = asyncio.Lock()
    await lock.acquire()
    asyncio.get_running_loop().call_later(release_after, lock.release)
    got = await acquire_within(lock, RACE_DEADLINE)
    if got:
        lock.release()
    await asyncio.sleep(max(0.0, release_after - RACE_DEADLINE) + 0.001)  # the holder has released
    return got, lock.locked()


def run_asyncio() -> None:
    asyncio.run(_async_demo())


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    header(console, 3, "cancellation, timeouts and deadlock prevention")
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
    try_next(
        console,
        __file__,
        "in `_download`, replace `raise  # never swallow it` with `return` and run `asyncio`: "
        "what does task.cancelled() say now, and does the asyncio.timeout block still raise "
        "TimeoutError? Then, in `demo_deadlock`, drop `timeout=0.2` from `acquire` — and stop "
        "the hang with Ctrl-C twice.",
        [
            (1, "the bank that froze: two locks, two orders — fix the order, not the timeout"),
            (3, "workers that never stop: stop flags, sentinels and cancellation"),
        ],
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    run_as_script(main)
