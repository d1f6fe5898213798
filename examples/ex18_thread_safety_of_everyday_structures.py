"""# Thread safety of everyday structures

"Is `dict` thread-safe?" has two answers, and bugs live in the gap between them.

**Each single operation** on a built-in `dict`, `list`, `set` or `collections.deque` is
atomic in CPython: `d[k] = v`, `d.setdefault(k, v)`, `lst.append(x)`, `dq.popleft()` never
corrupt the structure, whichever threads call them. On a GIL build that is because each is
one C call made while holding the GIL; on a free-threaded build (3.13t, 3.14t) each object has
its own lock that those operations take. `collections.deque` documents it: appends and pops
from either end are thread-safe.

**A sequence of operations** is not. Every one of these is a race, on every build:

- **check-then-act**: `if key not in cache: cache[key] = load(key)` — two threads both see
  "missing" and both load. With I/O in `load`, it happens nearly every time.
- **len-then-pop**: `if dq: dq.popleft()` — another consumer can take the last item in
  between: `IndexError`. Pop and catch `IndexError` instead (or use `queue.Queue`).
- **iterating while another thread mutates**: `for k in d:` raises
  `RuntimeError: dictionary changed size during iteration` if a key is added meanwhile (a
  list just silently skips or repeats items). Iterate over a snapshot taken under the lock
  that guards the writers.
- **print from several threads**: `print(a, b)` makes several `write` calls (each argument,
  separators, the newline); another thread's output can land between them. `logging` formats
  the whole record first and emits it under the handler's lock: one record, one line.

The lesson shows each one, and its fix. Where a race depends on timing, the lesson forces the
bad interleaving with `threading.Event`s so it happens in every run — in production it
happens *sometimes*, which is worse.

## When not to

Do not wrap every dict access in a lock "to be safe": single operations are already atomic,
and a lock around them only adds contention. Lock the *sequences* that must not interleave,
or restructure so that one thread owns the data and others send it messages (lesson 2).
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from collections import deque

from rich.console import Console

from examples._lesson import (
    HELD,
    NOT_HERE,
    Spread,
    every,
    header,
    hypothesis,
    run_as_script,
    try_next,
)

TITLE = "Thread safety of everyday structures"
CONCEPTS = ("check-then-act", "dict", "deque", "iteration while mutating", "logging vs print")
DIFFICULTY = 2
VARIANTS = ()
NEXT_CHALLENGES = (2,)
HYPOTHESES = {"main": ("18.1", "18.2", "18.3", "18.4", "18.5", "18.6", "18.7")}

THREADS = 8
RUNS = 5
LOAD_SECONDS = 0.002
DEQUE_ITEMS = 20_000
LINES = 300

console = Console(highlight=False)


# --- 1. check-then-act on a dict -------------------------------------------------------------


def _cache_fill(locked: bool) -> int:
    """THREADS threads ask a cache for one key at once; return how many times it was loaded."""
    cache: dict[str, str] = {}
    loads: list[str] = []
    lock = threading.Lock()
    gate = threading.Barrier(THREADS)

    def load(key: str) -> str:
        loads.append(key)  # list.append: a single atomic operation
        time.sleep(LOAD_SECONDS)  # a database round trip
        return key.upper()

    def get(key: str) -> str:
        if locked:
            with lock:  # the check and the act happen as one step
                if key not in cache:
                    cache[key] = load(key)
                return cache[key]
        if key not in cache:  # check ...
            cache[key] = load(key)  # ... then act: other threads checked meanwhile
        return cache[key]

    def worker() -> None:
        gate.wait()
        get("profile:42")

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(loads)


def demo_check_then_act() -> None:
    console.rule("[bold]1. check-then-act: `if key not in cache: cache\\[key] = load(key)`")
    racy = Spread.of([_cache_fill(locked=False) for _ in range(RUNS)])
    safe = Spread.of([_cache_fill(locked=True) for _ in range(RUNS)])
    console.print(
        f"  {THREADS} threads want the same key; loads per run: unlocked {racy.show()}, "
        f"locked {safe.show()}"
    )
    hypothesis(
        console,
        "18.1",
        "unlocked check-then-act loads the value more than once, in every run",
        every([n > 1 for n in racy.samples]),
        f"loads {racy.show()}",
    )
    hypothesis(
        console,
        "18.2",
        "the same check and act under one lock load it exactly once",
        every([n == 1 for n in safe.samples]),
        f"loads {safe.show()}",
    )
    console.print(
        "  [dim]`cache.setdefault(k, v)` is atomic too, but you must compute v first: it "
        "stops duplicate entries, not duplicate loads.[/]"
    )


# --- 2. deque: single operations are atomic ---------------------------------------------------


def deque_handoff() -> tuple[int, int]:
    """4 producers append, 4 consumers popleft (catching IndexError); (consumed, distinct)."""
    dq: deque[int] = deque()
    taken: list[int] = []
    done = threading.Event()

    def produce(start: int) -> None:
        for item in range(start, DEQUE_ITEMS, 4):
            dq.append(item)

    def consume() -> None:
        while True:
            try:
                taken.append(dq.popleft())  # pop and handle "empty", never check len first
            except IndexError:
                if done.is_set() and not dq:
                    return
                time.sleep(0)

    producers = [threading.Thread(target=produce, args=(i,)) for i in range(4)]
    consumers = [threading.Thread(target=consume) for _ in range(4)]
    for thread in producers + consumers:
        thread.start()
    for thread in producers:
        thread.join()
    done.set()
    for thread in consumers:
        thread.join()
    return len(taken), len(set(taken))


def demo_deque() -> None:
    console.rule("[bold]2. deque.append / deque.popleft from 8 threads")
    consumed, distinct = deque_handoff()
    console.print(
        f"  {DEQUE_ITEMS} appended by 4 producers; 4 consumers took {consumed}, {distinct} distinct"
    )
    hypothesis(
        console,
        "18.3",
        "append/popleft from several threads lose and duplicate nothing",
        HELD if consumed == distinct == DEQUE_ITEMS else NOT_HERE,
        f"{consumed} taken, {distinct} distinct",
    )


# --- 3. iterating while another thread mutates -------------------------------------------------


def iterate_while_inserting(snapshot: bool) -> str:
    """Iterate a dict while another thread inserts; the interleaving is forced with Events."""
    data = {f"k{i}": i for i in range(100)}
    lock = threading.Lock()
    halfway, inserted = threading.Event(), threading.Event()

    def writer() -> None:
        halfway.wait()
        with lock:
            data["late"] = -1
        inserted.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        if snapshot:
            with lock:  # the lock the writers take: the snapshot is consistent
                items = list(data.items())
        else:
            items = data.items()  # type: ignore[assignment]  # a live view
        total = 0
        for i, (_, value) in enumerate(items):
            if i == 50:
                halfway.set()
                inserted.wait()  # forced: the writer inserts while we are halfway
            total += value
        return f"summed {total}"
    except RuntimeError as error:
        halfway.set()
        return f"RuntimeError: {error}"
    finally:
        halfway.set()
        thread.join()


def demo_iteration() -> None:
    console.rule("[bold]3. iterating a dict while another thread inserts")
    live = iterate_while_inserting(snapshot=False)
    copy = iterate_while_inserting(snapshot=True)
    console.print(f"  live view: [red]{live}[/]")
    console.print(f"  snapshot taken under the writers' lock: [green]{copy}[/]")
    hypothesis(
        console,
        "18.4",
        "iterating a live dict while a thread inserts raises RuntimeError",
        HELD if live.startswith("RuntimeError") else NOT_HERE,
        live,
    )
    hypothesis(
        console,
        "18.5",
        "iterating a snapshot is unaffected by the insert",
        HELD if copy.startswith("summed") else NOT_HERE,
        copy,
    )


# --- 4. print vs logging -----------------------------------------------------------------------


class PythonStream(io.StringIO):
    """A stream whose ``write`` is Python code, as in most wrappers (colour, capture, tee)."""

    def write(self, text: str) -> int:
        return super().write(text)


def _mangled(text: str) -> int:
    return sum(
        1
        for line in text.splitlines()
        if not line.startswith("thread-")
        or line.count("thread-") != 1
        or not line.endswith(" done")
    )


def interleaved_lines(use_logging: bool) -> int:
    """4 threads write LINES lines each into one stream; return how many lines came out mangled."""
    stream = PythonStream()
    logger = logging.getLogger(f"lesson18.{id(stream)}")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    gate = threading.Barrier(4)

    def worker(name: str) -> None:
        gate.wait()
        for n in range(LINES):
            if use_logging:
                logger.warning("%s line %d done", name, n)
            else:
                print(name, "line", n, "done", file=stream)  # several write() calls

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # ask for a switch as often as possible
    try:
        threads = [threading.Thread(target=worker, args=(f"thread-{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
        logger.removeHandler(handler)
    return _mangled(stream.getvalue())


def demo_print_vs_logging() -> None:
    console.rule("[bold]4. print vs logging from 4 threads into one stream")
    printed = Spread.of([interleaved_lines(use_logging=False) for _ in range(RUNS)])
    logged = Spread.of([interleaved_lines(use_logging=True) for _ in range(RUNS)])
    console.print(
        f"  mangled lines of {4 * LINES} per run: print {printed.show()}, logging {logged.show()}"
    )
    hypothesis(
        console,
        "18.6",
        "print from several threads mangles lines, in every run",
        every([n > 0 for n in printed.samples]),
        f"mangled {printed.show()}",
    )
    hypothesis(
        console,
        "18.7",
        "logging never mangles a line",
        every([n == 0 for n in logged.samples]),
        f"mangled {logged.show()}",
    )
    console.print(
        "  [dim]With a C-level stream the GIL build hides it better: into io.StringIO "
        "print has no switch point between its pieces; into a real file it can split "
        "when a write releases the GIL to flush. On a free-threaded build nothing "
        "holds the pieces together.[/]"
    )


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    header(console, 18, "thread safety of everyday structures")
    demo_check_then_act()
    demo_deque()
    demo_iteration()
    demo_print_vs_logging()
    try_next(
        console,
        __file__,
        "in `_cache_fill`, replace the locked branch with a per-key `threading.Event` so that "
        "later callers wait for the first load instead of queueing on one lock (single-flight), "
        "and check 18.2 still holds. Then in `deque_handoff`, check `if dq:` before `popleft()` "
        "instead of catching IndexError and run it a few times.",
        [(2, "the concert sold twice: check-then-act on the last ticket")],
    )


if __name__ == "__main__":
    run_as_script(main)
