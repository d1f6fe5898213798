"""# Threads, join and locks

A **thread** is a second line of execution inside the same process: it shares every object
with the thread that started it. That sharing is what makes threads cheap and useful, and
it is also what makes them dangerous.

## What you will see

1. **start and join** — three "downloads" run at once. `thread.start()` returns immediately;
   `thread.join()` waits for *that* thread to finish. The total time is close to the slowest
   download, not the sum: while one thread sleeps (waits for I/O), the others run.
2. **a lost update** — several threads do `value = counter; ...; counter = value + 1`.
   Two threads read the same old value, both write `old + 1`, and one increment vanishes.
   `counter += 1` is the same read-modify-write in three bytecode steps; the GIL does not
   make it atomic, it only makes the window small (so the bug hides in tests and shows in
   production). The lesson widens the window a little so you can watch it happen.
3. **the fix: a lock** — `with lock:` lets one thread at a time through the read-modify-write.
   The count is exact, every time. The price is that those threads now take turns.
4. **the asyncio version** — tasks interleave only at `await`. A read-modify-write with no
   `await` inside is safe; put an `await` between the read and the write and the same lost
   update appears, and `asyncio.Lock` fixes it the same way.

## Rules worth keeping

- Always `join()` the threads you start (or hand them to an executor that does). A thread
  you forget is a leak, and a non-daemon thread keeps the process alive at exit.
- Protect *every* read and write of shared mutable state with the same lock, and keep the
  critical section short: never hold a lock across slow I/O.
- Prefer `with lock:` over `acquire()`/`release()`: it releases even when an exception is raised.

## When not to

Threads do not make CPU-bound Python code faster on a GIL build (lesson 8 measures this).
If tasks share nothing, you need no lock — passing messages through a queue (lesson 2) is
often simpler than sharing state at all.
"""

from __future__ import annotations

import asyncio
import threading
import time

from rich.console import Console

TITLE = "Threads, join and locks"
CONCEPTS = ("threading.Thread", "join", "race condition", "Lock", "asyncio.Lock")
DIFFICULTY = 1
VARIANTS = ("threads", "asyncio")

DOWNLOADS = {"alpha": 0.30, "beta": 0.10, "gamma": 0.20}
WORKERS = 4
INCREMENTS = 500

console = Console(highlight=False)
_t0 = time.perf_counter()


def _stamp() -> str:
    return f"[dim]{time.perf_counter() - _t0:6.3f}s[/]"


# --- threads -------------------------------------------------------------------------------


def _download(name: str, seconds: float) -> None:
    console.print(f"{_stamp()}   [cyan]{name}[/] started on {threading.current_thread().name}")
    time.sleep(seconds)  # stands for waiting on the network: the GIL is released
    console.print(f"{_stamp()}   [cyan]{name}[/] finished after {seconds:.2f}s")


def demo_start_and_join() -> None:
    console.rule("[bold]1. start() runs a thread, join() waits for it")
    threads = [
        threading.Thread(target=_download, args=(name, s), name=f"worker-{name}")
        for name, s in DOWNLOADS.items()
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    console.print(f"{_stamp()} main: all {len(threads)} started; start() did not wait")
    for thread in threads:
        thread.join()
        console.print(f"{_stamp()} main: join({thread.name}) returned")
    elapsed = time.perf_counter() - began
    total = sum(DOWNLOADS.values())
    console.print(
        f"[green]wall time {elapsed:.2f}s[/] for {total:.2f}s of downloads: they overlapped.\n"
        "join() in start order is fine: joining a thread that already finished returns at once."
    )


class UnsafeCounter:
    """A counter whose increment is a read-modify-write with a visible gap."""

    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> None:
        current = self.value
        time.sleep(0)  # yield, as any real work (a log line, a dict lookup) might
        self.value = current + 1


class LockedCounter(UnsafeCounter):
    """The same increment, but only one thread at a time may run it."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            super().increment()


def _hammer(counter: UnsafeCounter) -> float:
    def work() -> None:
        for _ in range(INCREMENTS):
            counter.increment()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def demo_lost_update_and_lock() -> None:
    expected = WORKERS * INCREMENTS
    console.rule("[bold]2. a lost update: four threads, one unprotected counter")
    unsafe = UnsafeCounter()
    took = _hammer(unsafe)
    lost = expected - unsafe.value
    console.print(
        f"expected [bold]{expected}[/], got [bold red]{unsafe.value}[/] "
        f"→ [red]{lost} increments lost[/] ({took * 1000:.0f} ms)"
    )
    console.print("Two threads read the same value, both wrote value + 1: one write vanished.")
    console.rule("[bold]3. the fix: a threading.Lock around the read-modify-write")
    safe = LockedCounter()
    took = _hammer(safe)
    console.print(
        f"expected [bold]{expected}[/], got [bold green]{safe.value}[/] "
        f"→ nothing lost ({took * 1000:.0f} ms: the threads now take turns)"
    )


def run_threads() -> None:
    demo_start_and_join()
    demo_lost_update_and_lock()


# --- asyncio -------------------------------------------------------------------------------


async def _async_increments(state: dict[str, int], lock: asyncio.Lock | None) -> None:
    for _ in range(INCREMENTS // 10):
        if lock is None:
            current = state["value"]
            await asyncio.sleep(0)  # a suspension point between read and write
            state["value"] = current + 1
        else:
            async with lock:
                current = state["value"]
                await asyncio.sleep(0)
                state["value"] = current + 1


async def _async_demo() -> None:
    expected = WORKERS * (INCREMENTS // 10)
    for label, lock in (("no lock", None), ("asyncio.Lock", asyncio.Lock())):
        state = {"value": 0}
        async with asyncio.TaskGroup() as group:  # awaits every task, like join()
            for _ in range(WORKERS):
                group.create_task(_async_increments(state, lock))
        colour = "green" if state["value"] == expected else "red"
        console.print(
            f"{label:>13}: expected {expected}, got [bold {colour}]{state['value']}[/] "
            f"({expected - state['value']} lost)"
        )


def run_asyncio() -> None:
    console.rule("[bold]4. asyncio: tasks switch only at await")
    console.print("One thread, one event loop, four tasks. An await between read and write:")
    asyncio.run(_async_demo())
    console.print(
        "Without the await inside, no other task could run in between and no lock is needed."
    )


def _next_steps() -> None:
    console.rule("[bold]what to try next")
    console.print(
        "  learn show example 1             this lesson's text and source\n"
        "  learn run example 1 --asyncio    only the asyncio part\n"
        "  learn run example 2              queues: share by communicating\n"
        "  learn challenge 1                fix a broken program, then `learn check 1`\n"
        "[dim]Try it yourself: delete `time.sleep(0)` in UnsafeCounter.increment and run it a few "
        "times — the bug gets rarer, not impossible.[/]"
    )


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    console.print(
        "[bold cyan]Welcome to lesson 1 — threads, join and locks.[/]\n"
        "You will watch threads overlap their waits, lose updates to a race, and a lock fix it.\n"
        "[dim]Every time and count below is measured live on this machine; run it again and "
        "the numbers change. The lesson text: `learn show example 1`.[/]"
    )
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
    _next_steps()
