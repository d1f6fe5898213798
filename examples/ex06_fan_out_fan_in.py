"""# Fan-out / fan-in (scatter-gather)

One request needs answers from several independent sources — three price services, five
shards, ten replicas. **Fan out**: start all the calls at once. **Fan in**: collect the
answers into one result. The total time is the *slowest* call, not the sum.

## The hard part is failure

What should happen when one of the calls fails?

- `asyncio.gather(*aws)` returns results **in argument order**. If one raises, `gather`
  raises that exception at once — but the **other tasks keep running**, unsupervised. You
  must cancel and await them yourself, or they leak (still running, their errors unseen).
- `asyncio.gather(*aws, return_exceptions=True)` never raises: exceptions come back as
  values in the result list. Good for "best effort: use whatever answered".
- `asyncio.TaskGroup` (3.11+) is **structured concurrency**: when one task fails, the group
  cancels its siblings, waits for them to finish, then raises an `ExceptionGroup` with every
  failure (`except* ValueError:` picks them out). Nothing outlives the `async with` block.
  Prefer it for new code.
- With threads, `concurrent.futures.wait(futures, return_when=FIRST_EXCEPTION)` lets you stop
  waiting at the first failure; cancel the futures that have not started, and remember that a
  *running* thread cannot be cancelled — it finishes its call.

## Timeouts

Fan-out multiplies your exposure to the slowest dependency (tail latency). Put one deadline
around the whole gather (`asyncio.timeout`) and decide whether a partial answer is useful.

## When not to

Fan out only independent work. If call B needs A's answer, it is a sequence, not a fan-out.
Fanning out 10,000 calls at once is an attack on your dependency: bound it (lesson 7).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from rich.console import Console

from examples._lesson import (
    HELD,
    NOT_HERE,
    TIE,
    Spread,
    header,
    hypothesis,
    run_as_script,
    try_next,
)

TITLE = "Fan-out / fan-in"
CONCEPTS = ("scatter-gather", "asyncio.gather", "TaskGroup", "ExceptionGroup", "futures.wait")
DIFFICULTY = 3
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (3, 15)
HYPOTHESES = {"threads": ("6.4", "6.5"), "asyncio": ("6.1", "6.2", "6.3")}
REPEATS = 3

SOURCES = {"alpha": 0.08, "beta": 0.15, "gamma": 0.05}
BROKEN = "beta"

console = Console(highlight=False)
_clock = {"t0": time.perf_counter()}


def _section(title: str) -> None:
    """A new section: a heading, and timestamps counted from its start."""
    console.rule(f"[bold]{title}")
    _clock["t0"] = time.perf_counter()


def _ms() -> str:
    return f"[dim]{(time.perf_counter() - _clock['t0']) * 1000:5.0f} ms[/]"


# --- asyncio -------------------------------------------------------------------------------


async def _quote(source: str, seconds: float, fail: bool = False, quiet: bool = False) -> int:
    try:
        await asyncio.sleep(seconds)
        if fail:
            raise ValueError(f"{source} answered garbage")
        if not quiet:
            console.print(f"{_ms()}   {source} answered")
        return len(source) * 10
    except asyncio.CancelledError:
        console.print(f"{_ms()}   {source} [yellow]was cancelled[/]")
        raise


async def demo_gather() -> None:
    _section("gather: all succeed → results in argument order")
    took = []
    for run in range(REPEATS):
        began = time.perf_counter()
        results = await asyncio.gather(*(_quote(n, s, quiet=run > 0) for n, s in SOURCES.items()))
        took.append(time.perf_counter() - began)
    spread = Spread.of(took)
    console.print(
        f"  results {results}; {REPEATS} runs took {spread.show(lambda v: f'{v:.3f}s')} "
        f"(slowest call {max(SOURCES.values()):.2f}s, sum {sum(SOURCES.values()):.2f}s)"
    )
    hypothesis(
        console,
        "6.1",
        "a fan-out takes about its slowest call, not the sum (< 1.5× slowest)",
        HELD
        if spread.high < 1.5 * max(SOURCES.values())
        else TIE
        if spread.low < 1.5 * max(SOURCES.values())
        else NOT_HERE,
        f"{spread.show(lambda v: f'{v:.3f}s')} vs slowest {max(SOURCES.values()):.2f}s",
    )


async def demo_gather_failure() -> None:
    _section(f"gather: '{BROKEN}' fails → the others keep running")
    slow = {"alpha": 0.05, BROKEN: 0.02, "gamma": 0.12}
    tasks = [asyncio.create_task(_quote(n, s, fail=n == BROKEN)) for n, s in slow.items()]
    try:
        await asyncio.gather(*tasks)
    except ValueError as error:
        running = [t for t in tasks if not t.done()]
        console.print(
            f"{_ms()} gather raised [red]{error}[/]; still running: {len(running)} task(s)"
        )
        hypothesis(
            console,
            "6.2",
            "when gather raises, the other tasks are still running",
            HELD if running else NOT_HERE,
            f"{len(running)} of {len(tasks)} still running",
        )
        console.print("  cancelling them ourselves, then awaiting them:")
        for task in running:
            task.cancel()  # without this they would run on, unsupervised
        await asyncio.gather(*running, return_exceptions=True)
    _section("the same calls again, with gather(..., return_exceptions=True)")
    results = await asyncio.gather(
        *(_quote(n, s, fail=n == BROKEN) for n, s in slow.items()), return_exceptions=True
    )
    console.print(f"  → {results!r}: failures come back as values, nothing is cancelled")


async def demo_task_group() -> None:
    _section(f"TaskGroup: '{BROKEN}' fails → siblings cancelled, ExceptionGroup")
    slow = {"alpha": 0.03, BROKEN: 0.06, "gamma": 0.15}
    tasks: list[asyncio.Task[int]] = []
    try:
        async with asyncio.TaskGroup() as group:
            for name, seconds in slow.items():
                tasks.append(group.create_task(_quote(name, seconds, fail=name == BROKEN)))
    except* ValueError as failures:
        console.print(f"{_ms()} except* ValueError caught {[str(e) for e in failures.exceptions]}")
    done = sum(task.done() for task in tasks)
    console.print(
        f"  after `async with`: {done} of {len(tasks)} tasks done "
        f"({sum(task.cancelled() for task in tasks)} of them cancelled)"
    )
    hypothesis(
        console,
        "6.3",
        "no task of a failed TaskGroup is still running after its block",
        HELD if done == len(tasks) else NOT_HERE,
        f"{done} of {len(tasks)} done",
    )


async def _async_demo() -> None:
    await demo_gather()
    await demo_gather_failure()
    await demo_task_group()


def run_asyncio() -> None:
    asyncio.run(_async_demo())


# --- threads -------------------------------------------------------------------------------


def _blocking_quote(source: str, seconds: float) -> int:
    time.sleep(seconds)
    if source == BROKEN:
        raise ValueError(f"{source} answered garbage")
    console.print(f"{_ms()}   {source} answered (thread)")
    return len(source) * 10


def run_threads() -> None:
    _section("threads: scatter with submit, gather with wait(FIRST_EXCEPTION)")
    plan = {"alpha": 0.05, BROKEN: 0.02, "gamma": 0.10, "delta": 0.05}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(_blocking_quote, n, s): n for n, s in plan.items()}
        done, not_done = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [futures[f] for f in done if f.exception() is not None]
        console.print(f"{_ms()} wait returned: failed {failed}, {len(not_done)} not done")
        attempts = [(futures[f], f.running(), f.cancel()) for f in not_done]
        cancelled = [name for name, _, ok in attempts if ok]
        console.print(
            f"  cancel() succeeded for {cancelled or 'none'} (not started yet); "
            "running threads cannot be stopped and finish their call"
        )
    console.print(f"{_ms()} leaving `with` waited for the running ones")
    hypothesis(
        console,
        "6.4",
        "wait(FIRST_EXCEPTION) returns before the slower calls finish",
        HELD if not_done else NOT_HERE,
        f"{len(not_done)} not done when it returned",
    )
    hypothesis(
        console,
        "6.5",
        "cancel() works only on futures that have not started",
        HELD if all(ok != was_running for _, was_running, ok in attempts) else NOT_HERE,
        ", ".join(f"{n}: running={r} cancelled={ok}" for n, r, ok in attempts) or "nothing pending",
    )


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    header(console, 6, "fan-out / fan-in")
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
    try_next(
        console,
        __file__,
        "in `demo_gather_failure`, delete the loop that cancels the still-running tasks and run "
        "`asyncio`: watch their 'answered' lines arrive after gather already failed — work "
        "nobody awaits. Then wrap `demo_gather`'s gather in `asyncio.timeout(0.1)`.",
        [
            (3, "tasks and threads nobody stops: TaskGroup and cancellation done right"),
            (15, "a stampede of identical fan-outs: single-flight the cache fill"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
