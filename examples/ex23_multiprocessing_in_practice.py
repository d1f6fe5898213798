"""# multiprocessing in practice: start methods, pickling, shared memory

Processes are how pure-Python code uses several cores on a GIL build (lesson 8). Three
practical facts decide whether they help or hurt.

## 1. The start method decides what a worker knows

- **fork** (Linux default up to 3.13): the child is a copy of the parent *now* — every module,
  every global, including what the parent changed at run time. Fast to start; unsafe if the
  parent has threads (a lock held by another thread stays locked forever in the child;
  3.12+ warns).
- **spawn** (macOS, Windows): a fresh interpreter that imports your main module and receives
  the function and its arguments by pickle. It sees your module's globals as they are *after
  import* — not the parent's run-time changes. Slower to start. Needs the
  `if __name__ == "__main__":` guard.
- **forkserver** (Linux default from 3.14): workers are forked from a clean server process
  started early, so they also see only what import time sets up.

So configure workers explicitly (an `initializer=` for the pool, or arguments), never by
mutating globals in the parent and hoping the child sees them.

## 2. Everything you send is pickled

Arguments and results travel through a pipe as pickles: an 8 MB array sent to each call is
serialised, copied through the kernel and deserialised every time. Send less (indexes,
file names, keys), or put the big data where every process can see it.

## 3. Shared memory

`multiprocessing.shared_memory.SharedMemory(create=True, size=n)` allocates a named block
that any process can attach to by name, without copying. The rules: the creator `close()`s
and `unlink()`s it exactly once when everyone is done (after `unlink` the name is gone);
every other user only `close()`s. You share raw bytes: put a `memoryview`, `array` or a
NumPy array over `.buf`, and coordinate writers with a lock as with threads. (On 3.11-3.12,
attaching registers the block with the resource tracker too; a process started by spawn can
then warn about, or even unlink, a block it did not create. 3.13 adds `track=False`.)

## When not to

For I/O-bound work, threads or asyncio are cheaper (no pickling, no start-up). For small
jobs, start-up and pickling cost more than the work: batch them (`chunksize=` in `map`).
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

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

TITLE = "Processes in practice: start methods, pickling, shared memory"
CONCEPTS = ("start methods", "fork vs spawn", "pickling cost", "shared_memory", "initializer")
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (8,)
HYPOTHESES = {"main": ("23.1", "23.2", "23.3")}

SETTINGS = {"configured_at_run_time": False}
"""Module state: import time sets False; the parent sets True before starting workers."""
PAYLOAD_MB = 8
REPEATS = 3

console = Console(highlight=False)


def what_the_worker_sees() -> bool:
    return SETTINGS["configured_at_run_time"]


def checksum(data: bytes) -> int:
    return zlib.crc32(data)


def checksum_shared(name: str, size: int) -> int:
    block = shared_memory.SharedMemory(name=name)  # attach by name: nothing is copied
    try:
        buffer = block.buf
        assert buffer is not None  # an attached block always has a buffer
        return zlib.crc32(buffer[:size])
    finally:
        block.close()  # only the creator unlinks


def _methods() -> tuple[str, ...]:
    available = multiprocessing.get_all_start_methods()
    return tuple(m for m in ("fork", "spawn") if m in available)


def demo_start_methods() -> dict[str, bool]:
    console.rule("[bold]1. what a worker knows, per start method")
    SETTINGS["configured_at_run_time"] = True  # the parent changes a global at run time
    seen: dict[str, bool] = {}
    try:
        for method in _methods():
            began = time.perf_counter()
            with ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context(method)
            ) as pool:
                seen[method] = pool.submit(what_the_worker_sees).result()
            console.print(
                f"  {method:6} worker sees configured_at_run_time = {seen[method]!s:5} "
                f"(pool up and down in {(time.perf_counter() - began) * 1000:.0f} ms)"
            )
    finally:
        SETTINGS["configured_at_run_time"] = False
    console.print(f"  this interpreter's default: {multiprocessing.get_start_method()}")
    fork = seen.get("fork")
    hypothesis(
        console,
        "23.1",
        "a fork worker sees the parent's run-time change; a spawn worker does not",
        HELD if fork is True and seen.get("spawn") is False else NOT_HERE,
        f"fork {fork}, spawn {seen.get('spawn')}",
    )
    return seen


def demo_pickling_vs_shared_memory() -> None:
    console.rule(f"[bold]2. sending {PAYLOAD_MB} MB to a worker: pickled vs shared memory")
    payload = bytes(range(256)) * (PAYLOAD_MB * 4096)
    block = shared_memory.SharedMemory(create=True, size=len(payload))  # before the pool starts
    try:
        buffer = block.buf
        assert buffer is not None
        buffer[: len(payload)] = payload  # one copy, once
        del buffer  # a live memoryview would stop close()
        method = _methods()[0]
        with ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context(method)
        ) as pool:
            pool.submit(checksum, b"warm-up").result()
            pickled, shared = [], []
            for _ in range(REPEATS):
                began = time.perf_counter()
                by_value = pool.submit(checksum, payload).result()
                pickled.append(time.perf_counter() - began)
                began = time.perf_counter()
                by_name = pool.submit(checksum_shared, block.name, len(payload)).result()
                shared.append(time.perf_counter() - began)
        same = by_value == by_name == zlib.crc32(payload)
        sent = len(pickle.dumps((payload,))), len(pickle.dumps((block.name, len(payload))))
    finally:
        block.close()
        block.unlink()  # the creator, exactly once
    by_value_spread, by_name_spread = Spread.of(pickled), Spread.of(shared)
    console.print(
        f"  pickled argument: {sent[0] / 1e6:.1f} MB per call, {by_value_spread.show(_ms)}"
    )
    console.print(
        f"  shared memory:    {sent[1]} bytes per call (the name), {by_name_spread.show(_ms)}"
    )
    console.print(f"  both checksums agree: {same} ({method} pool)")
    hypothesis(
        console,
        "23.2",
        "passing a shared-memory name beats pickling the data, every call",
        lower(by_name_spread, by_value_spread),
        f"{by_name_spread.show(_ms)} vs {by_value_spread.show(_ms)}",
    )

    try:
        shared_memory.SharedMemory(name=block.name).close()
        after = "attached"
    except FileNotFoundError:
        after = "FileNotFoundError"
    console.print(f"  attaching to {block.name!r} after unlink(): {after}")
    hypothesis(
        console,
        "23.3",
        "after unlink() the block's name cannot be attached any more",
        HELD if after == "FileNotFoundError" else NOT_HERE,
        after,
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    header(console, 23, "multiprocessing in practice", processes=True)
    demo_start_methods()
    demo_pickling_vs_shared_memory()
    try_next(
        console,
        __file__,
        "give the spawn pool in `demo_start_methods` an `initializer=` that sets "
        "`SETTINGS['configured_at_run_time'] = True` and check 23.1 again; then raise "
        "PAYLOAD_MB to 64 and watch the gap in 23.2 grow (and memory: each pickled call "
        "holds a second copy).",
        [(8, "more threads, same speed: measure what the work really costs, then pick the tool")],
    )


if __name__ == "__main__":  # required: spawn workers import this module
    run_as_script(main)
