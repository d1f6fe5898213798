"""# Structured concurrency in depth: references, shield, nested timeouts, uncancel

`TaskGroup` and `asyncio.timeout` (3.11+) cover most needs. This lesson is about the edges
where they surprise people.

## A task nobody references can vanish

The event loop keeps only **weak** references to tasks. A task started with a bare
`asyncio.create_task(...)` and not stored anywhere stays alive only through whatever it is
waiting on. If that is a future nobody else holds, the garbage collector may destroy the task
mid-flight: the loop logs "Task was destroyed but it is pending!", and the coroutine's
`finally` runs at collection time, not when the work was done. Keep a strong reference (a
`set` plus `task.add_done_callback(tasks.discard)`), or better, start it in a `TaskGroup`.

## shield: let a step finish even if its caller gives up

`await asyncio.shield(aw)` protects `aw` from the *caller's* cancellation: when the caller's
timeout fires, the caller gets its `CancelledError`/`TimeoutError` at once, but the shielded
work keeps running. Keep a reference to it and await it later (at shutdown), or you are back
to the vanishing task. Use it for short steps that must not be torn in half — committing a
write, releasing a lease — never to ignore deadlines in general.

## Nested timeouts

`async with asyncio.timeout(outer): ... async with asyncio.timeout(inner): ...` — whichever
deadline passes first cancels the task. Each timeout block converts only *its own*
cancellation into `TimeoutError`: if the outer deadline fires, the inner block sees a plain
`CancelledError` (its `except TimeoutError` does not run) and the `TimeoutError` surfaces at
the outer block. `cm.expired()` tells you which one fired.

## cancelling() and uncancel()

A task counts pending cancellation requests: `task.cancel()` increments `task.cancelling()`,
`task.uncancel()` decrements it. `asyncio.timeout` and `TaskGroup` use this to tell "my
cancellation" from "someone else's". Code that catches `CancelledError` and carries on
breaks that bookkeeping: an enclosing `asyncio.timeout` then sees its block end normally,
raises no `TimeoutError`, and the block has overrun its deadline. The rules: re-raise
`CancelledError`; if you really must absorb a cancellation *you* requested, call
`uncancel()` so the count stays true.

## When not to

Do not sprinkle `shield` to make errors go away, and do not catch `CancelledError` to
"keep going": both turn a prompt, bounded shutdown into one that waits for work nobody needs.
"""

from __future__ import annotations

import asyncio
import gc
import time

from rich.console import Console

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "Structured concurrency in depth: references, shield, nested timeouts, uncancel"
CONCEPTS = ("task references", "asyncio.shield", "nested timeouts", "uncancel", "cancelling")
DIFFICULTY = 4
VARIANTS = ()
NEXT_CHALLENGES = (3,)
HYPOTHESES = {"main": ("19.1", "19.2", "19.3", "19.4", "19.5", "19.6")}

console = Console(highlight=False)


async def _waits_on_a_lonely_future(log: list[str]) -> None:
    try:
        await asyncio.get_running_loop().create_future()  # nobody else holds this future
        log.append("finished")
    finally:
        log.append("finally ran")


async def demo_unreferenced_task() -> None:
    console.rule("[bold]1. a task with no reference, then gc.collect()")
    loop = asyncio.get_running_loop()
    reports: list[str] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reports.append(str(context["message"])))
    try:
        lonely: list[str] = []
        asyncio.create_task(_waits_on_a_lonely_future(lonely))  # noqa: RUF006 (the bug on purpose)
        kept: set[asyncio.Task[None]] = set()
        held: list[str] = []
        task = asyncio.create_task(_waits_on_a_lonely_future(held))
        kept.add(task)
        task.add_done_callback(kept.discard)
        await asyncio.sleep(0)  # both tasks start and wait on their futures
        gc.collect()
        await asyncio.sleep(0)
        console.print(
            f"  unreferenced task: loop reported {reports or 'nothing'}; its log {lonely}"
        )
        console.print(f"  referenced task: done={task.done()}, log {held}")
        hypothesis(
            console,
            "19.1",
            "gc destroys a pending task that nothing references",
            HELD if any("destroyed" in r for r in reports) else NOT_HERE,
            f"reports {reports}",
        )
        hypothesis(
            console,
            "19.2",
            "a task kept in a set survives the same gc.collect()",
            HELD if not task.done() and not held else NOT_HERE,
            f"done={task.done()}",
        )
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        loop.set_exception_handler(previous)


async def _commit(log: list[str]) -> str:
    await asyncio.sleep(0.05)
    log.append("committed")
    return "committed"


async def demo_shield() -> None:
    console.rule("[bold]2. asyncio.shield: the caller times out, the commit finishes")
    log: list[str] = []
    commit = asyncio.create_task(_commit(log))  # our reference: we await it below
    began = time.perf_counter()
    try:
        async with asyncio.timeout(0.01):
            await asyncio.shield(commit)
    except TimeoutError:
        console.print(
            f"  caller: TimeoutError after {(time.perf_counter() - began) * 1000:.0f} ms; "
            f"commit done yet: {commit.done()}"
        )
    result = await commit  # e.g. at shutdown: wait for shielded work we still own
    console.print(
        f"  later: the shielded commit returned {result!r} after {(time.perf_counter() - began) * 1000:.0f} ms"
    )
    hypothesis(
        console,
        "19.3",
        "a shielded commit completes although the caller's timeout fired",
        HELD if log == ["committed"] else NOT_HERE,
        f"log {log}",
    )


async def nested(outer: float, inner: float) -> tuple[str, bool, bool]:
    """Sleep under two deadlines; (where TimeoutError was caught, outer expired, inner expired)."""
    caught = "nowhere"
    outer_cm = asyncio.timeout(outer)
    inner_cm = asyncio.timeout(inner)
    try:
        async with outer_cm:
            try:
                async with inner_cm:
                    await asyncio.sleep(1)
            except TimeoutError:
                caught = "inner block"
    except TimeoutError:
        caught = "outer block"
    return caught, outer_cm.expired(), inner_cm.expired()


async def demo_nested() -> None:
    console.rule("[bold]3. nested timeouts: which one fired?")
    results: dict[str, tuple[str, bool, bool]] = {}
    for label, outer, inner in (
        ("outer 20 ms, inner 200 ms", 0.02, 0.2),
        ("outer 200 ms, inner 20 ms", 0.2, 0.02),
    ):
        results[label] = caught, outer_expired, inner_expired = await nested(outer, inner)
        console.print(
            f"  {label}: TimeoutError caught by the {caught}; "
            f"outer.expired()={outer_expired}, inner.expired()={inner_expired}"
        )
    first, second = results.values()
    hypothesis(
        console,
        "19.4",
        "each deadline's TimeoutError surfaces at its own block",
        HELD if first[0] == "outer block" and second[0] == "inner block" else NOT_HERE,
        f"outer first → {first[0]}; inner first → {second[0]}",
    )


async def _stubborn(swallow: bool) -> None:
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        if not swallow:
            raise
        await asyncio.sleep(0.05)  # "finish up anyway": the bug


async def demo_swallow() -> None:
    console.rule("[bold]4. swallowing CancelledError breaks the deadline")
    outcomes: dict[bool, tuple[str, float]] = {}
    for swallow in (False, True):
        began = time.perf_counter()
        try:
            async with asyncio.timeout(0.02):
                await _stubborn(swallow)
            outcome = "no TimeoutError"
        except TimeoutError:
            outcome = "TimeoutError"
        outcomes[swallow] = outcome, time.perf_counter() - began
        console.print(
            f"  {'swallows' if swallow else 're-raises'} CancelledError: {outcome} after "
            f"{outcomes[swallow][1] * 1000:.0f} ms (deadline 20 ms)"
        )
    bad = outcomes[True]
    hypothesis(
        console,
        "19.5",
        "a block that swallows the cancellation overruns and raises no TimeoutError",
        HELD if bad[0] == "no TimeoutError" and bad[1] > 0.04 else NOT_HERE,
        f"{bad[0]} after {bad[1] * 1000:.0f} ms",
    )
    counts = await _cancelling_counts()
    console.print(
        f"  task.cancelling(): before cancel {counts[0]}, after cancel() {counts[1]}, "
        f"after uncancel() {counts[2]}"
    )
    hypothesis(
        console,
        "19.6",
        "cancel() raises cancelling() by one and uncancel() takes it back",
        HELD if counts == (0, 1, 0) else NOT_HERE,
        f"counts {counts}",
    )


async def _cancelling_counts() -> tuple[int, int, int]:
    seen: list[int] = []

    async def absorbs_its_own_cancel() -> None:
        me = asyncio.current_task()
        assert me is not None
        seen.append(me.cancelling())
        me.cancel()  # a cancellation this task requests for itself ...
        seen.append(me.cancelling())
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            me.uncancel()  # ... and deliberately absorbs: keep the count true
            seen.append(me.cancelling())

    await asyncio.create_task(absorbs_its_own_cancel())
    return seen[0], seen[1], seen[2]


async def _lesson() -> None:
    await demo_unreferenced_task()
    await demo_shield()
    await demo_nested()
    await demo_swallow()


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    header(console, 19, "structured concurrency in depth")
    asyncio.run(_lesson())
    try_next(
        console,
        __file__,
        "in `demo_shield`, delete `result = await commit` and the line after it, and run: does "
        "'committed' still appear before asyncio.run returns? (asyncio.run cancels what is left.) "
        "Then in `_cancelling_counts`, remove `me.uncancel()` and wrap the call in "
        "`asyncio.timeout(0.5)`: what does the timeout report?",
        [(3, "the CI service that hoarded threads and tasks: nothing outlives its scope")],
    )


if __name__ == "__main__":
    run_as_script(main)
