"""# Condition and Barrier: waiting for a state, waiting for each other

A `Lock` says "one at a time". Two other primitives say "wait until":

## Condition: wait until a predicate over shared state is true

A `threading.Condition` is a lock plus a waiting room. A waiter takes the lock, checks the
state, and if it is not ready calls `cond.wait()`, which releases the lock and sleeps
*atomically*, then takes the lock again before returning. A changer takes the lock, changes
the state, and calls `cond.notify()` (wake one) or `cond.notify_all()`.

Two rules, both shown below:

- **Re-check in a loop**: `while not ready(): cond.wait()`, or simply
  `cond.wait_for(ready)`. A woken waiter is not told the state is ready — only that it
  changed. With `notify_all`, another waiter may have consumed it first, and `wait(timeout)`
  returns when the time is up whether or not anything changed. `if not ready(): cond.wait()`
  then acts on a state that is not there.
- **A condition has no memory.** A `notify()` with nobody waiting is lost. That is why you
  wait on a *predicate over state* (which remembers), never on the notification itself:
  `wait_for(ready)` checks first and returns at once if the thing already happened.
  (`threading.Event` is the primitive with memory: once set, every later `wait()` returns.)

## Barrier: wait until all N have arrived

`threading.Barrier(n)` makes n threads wait for each other: each calls `barrier.wait()`, and
nobody passes until all n have arrived — phase 1 is finished everywhere before phase 2 starts
anywhere. If one party fails or never comes, `wait(timeout=...)` (or `barrier.abort()`)
**breaks** the barrier and every waiter gets `BrokenBarrierError` instead of hanging. The
asyncio versions are `asyncio.Condition` and `asyncio.Barrier` (3.11+), used with `await`.

## When not to

For a simple hand-off of items, a `queue.Queue` already contains the condition logic (and
gets it right). For a one-shot "it happened" signal, use an `Event`. Reach for `Condition`
when the predicate is your own state ("at least 3 items and not paused").
"""

from __future__ import annotations

import threading
import time

from rich.console import Console

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "Condition and Barrier"
CONCEPTS = ("threading.Condition", "wait_for", "notify_all", "lost wake-up", "threading.Barrier")
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (1, 3)
HYPOTHESES = {"main": ("21.1", "21.2", "21.3", "21.4", "21.5")}

PARTIES = 4

console = Console(highlight=False)


def two_consumers_one_item(recheck: bool) -> list[str]:
    """Two consumers wait; one item arrives with notify_all. What did each consumer see?

    The interleaving is forced: the producer adds the item only when both consumers are
    inside ``wait()``, so the outcome is the same in every run.
    """
    lock = threading.Lock()
    cond = threading.Condition(lock)  # consumers wait here for items
    progress = threading.Condition(lock)  # the producer waits here: same lock, other waiters
    items: list[str] = []
    waiting = 0
    seen: list[str] = []

    def consumer(name: str) -> None:
        nonlocal waiting
        with cond:
            waiting += 1
            progress.notify()
            if recheck:
                cond.wait_for(lambda: bool(items))  # re-checks after every wake-up
            elif not items:
                cond.wait()  # checks once, before sleeping: the bug
            try:
                seen.append(f"{name} took {items.pop()}")
            except IndexError:
                seen.append(f"{name} woke to an empty buffer: IndexError")
            progress.notify()

    threads = [threading.Thread(target=consumer, args=(f"consumer-{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    with cond:
        progress.wait_for(lambda: waiting == 2)  # both are asleep inside wait() now
        items.append("item-1")
        cond.notify_all()
    if recheck:  # the second consumer is still (correctly) waiting: give it an item
        with cond:
            progress.wait_for(lambda: len(seen) == 1)
            items.append("item-2")
            cond.notify_all()
    for thread in threads:
        thread.join()
    return seen


def demo_recheck() -> None:
    console.rule("[bold]1. `if` vs `wait_for`: two consumers, one item, notify_all")
    with_if = two_consumers_one_item(recheck=False)
    with_loop = two_consumers_one_item(recheck=True)
    console.print(f"  if not items: wait()    → {with_if}")
    console.print(f"  wait_for(lambda: items) → {with_loop}")
    hypothesis(
        console,
        "21.1",
        "with `if`, a woken consumer acts on an empty buffer",
        HELD if any("IndexError" in s for s in with_if) else NOT_HERE,
        "; ".join(with_if),
    )
    hypothesis(
        console,
        "21.2",
        "with wait_for, every consumer finds an item",
        HELD if all("took" in s for s in with_loop) else NOT_HERE,
        "; ".join(with_loop),
    )


def notify_before_wait() -> tuple[bool, bool]:
    """Notify first, wait after: (plain wait() woke up, wait_for(predicate) returned True)."""
    cond = threading.Condition()
    ready = False
    with cond:
        ready = True
        cond.notify()  # nobody is waiting yet: this wake-up goes nowhere
    with cond:
        woke = cond.wait(timeout=0.1)  # False: it timed out
    with cond:
        found = cond.wait_for(lambda: ready, timeout=0.1)  # checks the state first
    return woke, found


def demo_lost_wakeup() -> None:
    console.rule("[bold]2. a notify with nobody waiting is lost")
    woke, found = notify_before_wait()
    console.print(
        f"  wait() after the notify: woke={woke} (timed out after 100 ms); wait_for(ready): {found}"
    )
    hypothesis(
        console,
        "21.3",
        "a notify before the wait is lost, the predicate is not",
        HELD if not woke and found else NOT_HERE,
        f"wait()={woke}, wait_for()={found}",
    )


def barrier_phases() -> tuple[float, float]:
    """PARTIES threads do phase 1 (different lengths), meet, do phase 2: (last phase-1 end, first phase-2 start)."""
    barrier = threading.Barrier(PARTIES)
    ends: list[float] = []
    starts: list[float] = []
    lock = threading.Lock()

    def party(index: int) -> None:
        time.sleep(0.01 * (index + 1))  # phase 1: uneven work
        with lock:
            ends.append(time.perf_counter())
        barrier.wait()
        with lock:
            starts.append(time.perf_counter())  # phase 2 begins

    threads = [threading.Thread(target=party, args=(i,)) for i in range(PARTIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return max(ends), min(starts)


def broken_barrier() -> list[str]:
    """One of the parties never arrives; the others wait with a timeout."""
    barrier = threading.Barrier(PARTIES)
    outcomes: list[str] = []
    lock = threading.Lock()

    def party(index: int) -> None:
        try:
            barrier.wait(timeout=0.1)
            result = "passed"
        except threading.BrokenBarrierError:
            result = "BrokenBarrierError"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=party, args=(i,)) for i in range(PARTIES - 1)]  # one missing
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def demo_barrier() -> None:
    console.rule(f"[bold]3. Barrier({PARTIES}): phase 2 starts only after every phase 1 ended")
    last_end, first_start = barrier_phases()
    console.print(
        f"  last phase-1 end → first phase-2 start: {(first_start - last_end) * 1e6:+.0f} µs"
    )
    hypothesis(
        console,
        "21.4",
        "no party starts phase 2 before every party finished phase 1",
        HELD if first_start >= last_end else NOT_HERE,
        f"gap {(first_start - last_end) * 1e6:+.0f} µs",
    )
    outcomes = broken_barrier()
    console.print(f"  one party missing, the others wait(timeout=0.1): {outcomes}")
    hypothesis(
        console,
        "21.5",
        "a missing party breaks the barrier for everyone instead of hanging them",
        HELD if outcomes and all(o == "BrokenBarrierError" for o in outcomes) else NOT_HERE,
        str(outcomes),
    )


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    header(console, 21, "Condition and Barrier")
    demo_recheck()
    demo_lost_wakeup()
    demo_barrier()
    try_next(
        console,
        __file__,
        "in `two_consumers_one_item`, replace `cond.notify_all()` by `cond.notify()` in the "
        "`if` version: does 21.1 still hold, and what happens to the consumer nobody woke? "
        "(Give `cond.wait()` a timeout first, or it waits forever.) Then rewrite `barrier_phases` "
        "with `asyncio.Barrier` and tasks.",
        [
            (1, "the bank that froze: threads waiting for each other forever"),
            (3, "workers that never stop: waiting with a way out"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
