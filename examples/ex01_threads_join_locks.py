"""# Threads, join and locks

A **thread** is a second line of execution inside the same process: it shares every object
with the thread that started it. That sharing is what makes threads cheap and useful, and
it is also what makes them dangerous.

## What you will see

1. **start and join** — three "downloads" run at once. `thread.start()` returns immediately;
   `thread.join()` waits for *that* thread to finish. The total time is close to the slowest
   download, not the sum: while one thread sleeps (waits for I/O), the others run.
2. **a lost update** — several threads do `value = counter.value; ...; counter.value = value + 1`.
   Two threads read the same old value, both write `old + 1`, and one increment vanishes.
   The lesson runs the same counter several ways, changing one thing per row, and counts
   what was lost in each of several runs.
3. **the fix: a lock** — `with lock:` lets one thread at a time through the read-modify-write.
   The count is exact, every time. The price is that those threads now take turns.
4. **the asyncio version** — tasks interleave only at `await`. A read-modify-write with no
   `await` inside is safe; put an `await` between the read and the write and the same lost
   update appears, and `asyncio.Lock` fixes it the same way.

## Why plain `counter += 1` rarely loses on a GIL build (3.10+)

`counter.value += 1` is a read, an add and a write: three steps, not one atomic operation.
On the standard (GIL) build a waiting thread *asks* for the GIL every switch interval
(`sys.getswitchinterval()`, 5 ms), but since Python 3.10 the running thread only hands it over
at certain points: a call, a function entry, a loop back-edge (and when it blocks on I/O or a
lock). `+=` on an int attribute has none of those between its read and its write, so in
practice it loses nothing — the lesson shows 0 lost even with a 1 µs switch interval.

That safety is an **accident of the implementation**, not a promise:

- put any call between the read and the write — a log line, a metric, a validation, a
  property, a `__eq__` — and the switch can land in the window;
- put I/O there (a database round trip) and the GIL is released: every thread reads the
  same value, then they all overwrite each other;
- on a **free-threaded** build (3.13t, officially supported from 3.14) threads run truly in
  parallel and plain `+=` loses updates too;
- a future CPython can move the switch points.

So protect the read-modify-write with a lock whatever your tests show.

## Rules worth keeping

- Always `join()` the threads you start (or hand them to an executor that does). A thread
  you forget is a leak, and a non-daemon thread keeps the process alive at exit.
- Protect *every* read and write of shared mutable state with the same lock, and keep the
  critical section short: never hold a lock across slow I/O when you can avoid it.
- Prefer `with lock:` over `acquire()`/`release()`: it releases even when an exception is raised.

## When not to

Threads do not make CPU-bound Python code faster on a GIL build (lesson 8 measures this).
If tasks share nothing, you need no lock — passing messages through a queue (lesson 2) is
often simpler than sharing state at all.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from dataclasses import dataclass, replace

from rich.console import Console

from examples._lesson import (
    Spread,
    every,
    gil_enabled,
    header,
    hypothesis,
    lower,
    run_as_script,
    try_next,
)

TITLE = "Threads, join and locks"
CONCEPTS = ("threading.Thread", "join", "race condition", "lost update", "Lock", "asyncio.Lock")
DIFFICULTY = 1
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (2,)
HYPOTHESES = {"threads": ("1.1", "1.2", "1.3", "1.4", "1.5"), "asyncio": ("1.6", "1.7")}

DOWNLOADS = {"alpha": 0.30, "beta": 0.10, "gamma": 0.20}
WORKERS = 4
RUNS = 5
PLAIN_INCREMENTS = 20_000
IO_INCREMENTS = 50
IO_SECONDS = 0.0001
DEFAULT_SWITCH = 0.005
TINY_SWITCH = 1e-6
ASYNC_INCREMENTS = 50

console = Console(highlight=False)
_clock = {"t0": time.perf_counter()}


def _stamp() -> str:
    """Seconds since the demo started (not since the module was imported)."""
    return f"[dim]{time.perf_counter() - _clock['t0']:6.3f}s[/]"


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
    began = _clock["t0"] = time.perf_counter()
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


@dataclass(frozen=True)
class Config:
    """One way of running the unprotected read-modify-write. Rows differ in one field."""

    label: str
    window: str
    """What runs between the read and the write: "nothing", "call" (a Python function) or "io"."""
    switch_interval: float
    increments: int


PLAIN = Config("plain `+=`", "nothing", DEFAULT_SWITCH, PLAIN_INCREMENTS)
CONFIGS = (
    PLAIN,
    replace(PLAIN, label="plain `+=`, switch interval 1 µs", switch_interval=TINY_SWITCH),
    replace(PLAIN, label="read, audit(), write; 1 µs", window="call", switch_interval=TINY_SWITCH),
    replace(PLAIN, label="read, audit(), write", window="call"),
)
LOSING = Config("read, I/O, write", "io", DEFAULT_SWITCH, IO_INCREMENTS)
"""The seeded configuration: it loses updates in every run on every build."""


class Counter:
    """A shared counter; ``value`` is read and written by several threads."""

    def __init__(self) -> None:
        self.value = 0


def audit(value: int) -> int:
    """A trivial Python function: entering it is a point where the GIL may be handed over."""
    return value


def _increments(counter: Counter, config: Config, lock: threading.Lock | None) -> None:
    for _ in range(config.increments):
        if lock is not None:
            with lock:
                _one(counter, config.window)
        else:
            _one(counter, config.window)


def _one(counter: Counter, window: str) -> None:
    if window == "nothing":
        counter.value += 1  # read, add, write: three steps, no call in between
        return
    current = counter.value  # read
    if window == "call":
        audit(current)  # a log line, a metric, a validation: any Python call
    else:
        time.sleep(IO_SECONDS)  # a database or network round trip: the GIL is released
    counter.value = current + 1  # write


def lost_updates(config: Config, lock: threading.Lock | None = None) -> int:
    """Run WORKERS threads through ``config`` once; return how many increments were lost."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(config.switch_interval)
    try:
        counter = Counter()
        gate = threading.Barrier(WORKERS)  # start together, so the threads really overlap

        def work() -> None:
            gate.wait()
            _increments(counter, config, lock)

        threads = [threading.Thread(target=work, name=f"adder-{i}") for i in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    return WORKERS * config.increments - counter.value


def _lost_row(config: Config, lock: threading.Lock | None = None) -> Spread:
    return Spread.of([lost_updates(config, lock) for _ in range(RUNS)])


def demo_lost_update_and_lock() -> None:
    console.rule("[bold]2. a lost update: four threads, one unprotected counter")
    console.print(
        f"  Each row runs {WORKERS} threads {RUNS} times; rows differ from the one above in one thing.\n"
        f"  Lost increments per run, median (min–max):"
    )
    spreads: dict[str, Spread] = {}
    for config in (*CONFIGS, LOSING):
        spread = _lost_row(config)
        spreads[config.label] = spread
        expected = WORKERS * config.increments
        colour = "red" if spread.high else "green"
        console.print(
            f"  {config.label:34} interval {_interval(config.switch_interval):>5}  "
            f"of {expected:>6,}: [{colour}]{spread.show(lambda v: f'{v:,.0f}')}[/]",
            soft_wrap=True,
        )
    plain, tiny, called = (spreads[c.label] for c in CONFIGS[:3])
    io = spreads[LOSING.label]
    if gil_enabled():
        console.print(
            "  [dim]On a GIL build since 3.10 a thread gives up the GIL only when asked (every "
            "switch interval) AND only at a call, a function entry or a loop back-edge. "
            "`counter.value += 1` has none of those between its read and its write, so it "
            "loses nothing here: an implementation accident, not a guarantee.[/]"
        )
    else:
        console.print(
            "  [dim]No GIL here: threads run truly in parallel, so even plain `+=` can lose "
            "updates. On a GIL build (3.10+) it would lose none.[/]"
        )
    hypothesis(
        console,
        "1.1",
        "plain `+=` loses updates on this build",
        every([v > 0 for v in plain.samples]),
        f"lost {plain.show()}",
    )
    hypothesis(
        console,
        "1.2",
        "a 1 µs switch interval alone makes plain `+=` lose",
        lower(plain, tiny),
        f"lost {tiny.show()} vs {plain.show()}",
    )
    hypothesis(
        console,
        "1.3",
        "a Python call between read and write (1 µs interval) loses updates",
        every([v > 0 for v in called.samples]),
        f"lost {called.show()}",
    )
    hypothesis(
        console,
        "1.4",
        "I/O between read and write loses updates in every run",
        every([v > 0 for v in io.samples]),
        f"lost {io.show()}",
    )
    console.print(
        "  Two threads read the same value, both wrote value + 1: one write vanished. With "
        "I/O in the window, every thread reads, waits, and overwrites the others' work."
    )
    console.rule("[bold]3. the fix: a threading.Lock around the read-modify-write")
    with_lock = _lost_row(LOSING, threading.Lock())
    hypothesis(
        console,
        "1.5",
        "with a lock, no update is lost",
        every([v == 0 for v in with_lock.samples]),
        f"lost {with_lock.show()}",
    )
    console.print(
        "  The count is exact, every time; the price is that the threads now take turns "
        "through the I/O as well: keep the locked section short."
    )


def _interval(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.0f} ms"


def run_threads() -> None:
    demo_start_and_join()
    demo_lost_update_and_lock()


# --- asyncio -------------------------------------------------------------------------------


async def _async_increments(state: dict[str, int], lock: asyncio.Lock | None) -> None:
    for _ in range(ASYNC_INCREMENTS):
        if lock is None:
            current = state["value"]
            await asyncio.sleep(0)  # a suspension point between read and write
            state["value"] = current + 1
        else:
            async with lock:
                current = state["value"]
                await asyncio.sleep(0)
                state["value"] = current + 1


async def _async_lost(lock: asyncio.Lock | None) -> int:
    state = {"value": 0}
    async with asyncio.TaskGroup() as group:  # awaits every task, like join()
        for _ in range(WORKERS):
            group.create_task(_async_increments(state, lock))
    return WORKERS * ASYNC_INCREMENTS - state["value"]


def run_asyncio() -> None:
    console.rule("[bold]4. asyncio: tasks switch only at await")
    console.print("One thread, one event loop, four tasks. An await between read and write:")
    unlocked = Spread.of([asyncio.run(_async_lost(None)) for _ in range(RUNS)])
    locked = Spread.of([asyncio.run(_async_lost(asyncio.Lock())) for _ in range(RUNS)])
    expected = WORKERS * ASYNC_INCREMENTS
    console.print(f"  {'no lock':>13}: of {expected} lost {unlocked.show()}")
    console.print(f"  {'asyncio.Lock':>13}: of {expected} lost {locked.show()}")
    hypothesis(
        console,
        "1.6",
        "an await between read and write loses updates in every run",
        every([v > 0 for v in unlocked.samples]),
        f"lost {unlocked.show()}",
    )
    hypothesis(
        console,
        "1.7",
        "asyncio.Lock around it loses none",
        every([v == 0 for v in locked.samples]),
        f"lost {locked.show()}",
    )
    console.print(
        "Without the await inside, no other task could run in between and no lock is needed.\n"
        "[dim]Unlike the GIL, this is a guarantee of the asyncio model, on every build.[/]"
    )


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    header(console, 1, "threads, join and locks")
    console.print(
        "You will watch threads overlap their waits, lose updates to a race, and a lock fix it.\n"
        "[dim]Every time and count below is measured live on this machine; run it again and "
        "the numbers change. The lesson text: `learn show example 1`.[/]"
    )
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
    try_next(
        console,
        __file__,
        "in `_one`, replace `audit(current)` with `str(current)` (a call into C, not Python) "
        "and run `threads`: does row 3 still lose? Then set IO_SECONDS = 0 and see whether "
        "hypothesis 1.4 still holds in every run.",
        [(2, "a lost update in a real program: find it and fix it so the grader sees no race")],
    )


if __name__ == "__main__":
    run_as_script(main)
