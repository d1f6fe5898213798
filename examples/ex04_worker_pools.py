"""# Worker pools

Starting one thread per job works for ten jobs and falls over at ten thousand: each thread
costs memory and scheduling, and an unbounded number of them hammers whatever they talk to.
A **worker pool** starts a fixed number of workers once and feeds them jobs.

## ThreadPoolExecutor

- `pool.submit(fn, *args)` returns a `Future`; `concurrent.futures.as_completed(futures)`
  yields them **in completion order** — handle each result as soon as it exists.
- `pool.map(fn, items)` returns results **in input order** — simpler when you need them all
  and the order matters, but one slow early item delays everything after it.
- An exception raised in a worker is stored in its future and re-raised by `future.result()`
  in *your* thread. With `map`, it is raised when you reach that item while iterating.
- `with ThreadPoolExecutor(...) as pool:` waits for every job and joins the workers on exit.

## asyncio: worker tasks pulling from a queue

The same pattern with tasks: N workers loop on `await queue.get()`, call `task_done()` in a
`finally` (or `queue.join()` never returns after a failed job), the producer awaits
`queue.join()` (every item processed), then cancels the idle workers and awaits them. From
3.13, `queue.shutdown()` is the alternative: blocked `get()` calls raise `QueueShutDown`.

## Choosing the size

For I/O-bound jobs the pool size is "how many requests may be in flight at once" — a limit
you owe the service you call, not a property of your CPU. For CPU-bound Python code use a
`ProcessPoolExecutor` sized to the cores (lesson 8).

## When not to

For a handful of jobs, `asyncio.gather` or a few threads is clearer. A pool does not make a
single slow job faster.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed

from rich.console import Console

from examples._lesson import (
    HELD,
    NOT_HERE,
    Spread,
    at_least,
    header,
    hypothesis,
    run_as_script,
    try_next,
)

TITLE = "Worker pools"
CONCEPTS = ("ThreadPoolExecutor", "as_completed", "map", "Future", "worker tasks")
DIFFICULTY = 2
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (3, 6)
HYPOTHESES = {"threads": ("4.1", "4.2", "4.3"), "asyncio": ("4.4",)}
REPEATS = 3

POOL_SIZE = 3
JOBS = 9

console = Console(highlight=False)


def _durations(seed: int = 4) -> list[float]:
    """Reproducible job lengths between 20 and 150 ms."""
    rng = random.Random(seed)
    return [round(rng.uniform(0.02, 0.15), 3) for _ in range(JOBS)]


def _fetch(job: int, seconds: float) -> tuple[int, str, float]:
    time.sleep(seconds)  # an I/O wait: the worker thread is free to be descheduled
    return job, threading.current_thread().name, seconds


# --- threads -------------------------------------------------------------------------------


def _pool_run(durations: list[float], narrate: bool) -> tuple[float, list[int]]:
    """Run the jobs on the pool; wall seconds and the job numbers in completion order."""
    began = time.perf_counter()
    completed = []
    with ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="pool") as pool:
        futures = [pool.submit(_fetch, job, s) for job, s in enumerate(durations)]
        for rank, future in enumerate(as_completed(futures), start=1):
            job, worker, seconds = future.result()
            completed.append(job)
            if narrate:
                at = (time.perf_counter() - began) * 1000
                console.print(
                    f"  [dim]{at:4.0f} ms[/] #{rank} done: job {job} "
                    f"({seconds * 1000:3.0f} ms of work) on {worker}"
                )
    return time.perf_counter() - began, completed


def demo_as_completed(durations: list[float]) -> None:
    console.rule(f"[bold]as_completed: {JOBS} jobs, {POOL_SIZE} worker threads")
    first_wall, completed = _pool_run(durations, narrate=True)
    walls = Spread.of(
        [first_wall] + [_pool_run(durations, narrate=False)[0] for _ in range(REPEATS - 1)]
    )
    bound = max(sum(durations) / POOL_SIZE, max(durations))
    console.print(
        f"wall time [green]{walls.show(lambda v: f'{v:.2f}s')}[/] vs {sum(durations):.2f}s one after "
        f"another; [italic]model[/] lower bound with {POOL_SIZE} workers: max(sum / {POOL_SIZE}, "
        f"longest job) = {bound:.2f}s"
    )
    hypothesis(
        console,
        "4.1",
        "the pool finishes within 1.3× of the model's lower bound",
        at_least(Spread.of([bound * 1.3 / w for w in walls.samples]), 1.0),
        f"wall {walls.show(lambda v: f'{v:.2f}s')} vs bound {bound:.2f}s",
    )
    hypothesis(
        console,
        "4.2",
        "as_completed yields in completion order, not submission order",
        HELD if completed != sorted(completed) else NOT_HERE,
        f"order {completed}",
    )


def demo_map_and_errors(durations: list[float]) -> None:
    console.rule("[bold]map: results in input order; errors surface in your thread")
    with ThreadPoolExecutor(max_workers=POOL_SIZE) as pool:
        order = [job for job, _, _ in pool.map(_fetch, range(JOBS), durations)]
        console.print(f"  map returned jobs in order {order}")
        hypothesis(
            console,
            "4.3",
            "map returns results in input order",
            HELD if order == list(range(JOBS)) else NOT_HERE,
            f"order {order}",
        )
        failing = pool.submit(_divide, 1, 0)
        try:
            failing.result()
        except ZeroDivisionError as error:
            console.print(f"  future.result() re-raised the worker's [red]{error!r}[/]")


def _divide(a: int, b: int) -> float:
    return a / b


def run_threads() -> None:
    durations = _durations()
    demo_as_completed(durations)
    demo_map_and_errors(durations)


# --- asyncio -------------------------------------------------------------------------------


async def _worker(name: str, jobs: asyncio.Queue[float], done_by: Counter[str]) -> None:
    while True:
        seconds = await jobs.get()
        try:
            await asyncio.sleep(seconds)
            done_by[name] += 1
            console.print(f"  {name} finished a {seconds * 1000:3.0f} ms job, {jobs.qsize()} left")
        finally:
            jobs.task_done()


async def _async_demo(durations: list[float]) -> None:
    console.rule(f"[bold]asyncio: {POOL_SIZE} worker tasks pulling from one queue")
    jobs: asyncio.Queue[float] = asyncio.Queue()
    for seconds in durations:
        jobs.put_nowait(seconds)
    done_by: Counter[str] = Counter()
    workers = [asyncio.create_task(_worker(f"worker-{i}", jobs, done_by)) for i in range(POOL_SIZE)]
    began = time.perf_counter()
    await jobs.join()  # every item got task_done()
    wall = time.perf_counter() - began
    for task in workers:
        task.cancel()  # idle workers wait on get() forever: stop them (3.13+: jobs.shutdown())
    await asyncio.gather(*workers, return_exceptions=True)
    for name, count in sorted(done_by.items()):
        console.print(f"  {name} did {count} jobs")
    stopped = all(task.done() for task in workers)
    hypothesis(
        console,
        "4.4",
        "every job ran exactly once and no worker task is left running",
        HELD if sum(done_by.values()) == JOBS and stopped else NOT_HERE,
        f"{sum(done_by.values())} of {JOBS} jobs, workers stopped: {stopped}",
    )
    console.print(
        f"wall time [green]{wall:.2f}s[/] vs {sum(durations):.2f}s sequential; "
        "each worker took the next job as soon as it was free."
    )


def run_asyncio() -> None:
    asyncio.run(_async_demo(_durations()))


def main(variant: str | None = None) -> None:
    """Run the lesson: threads first, then asyncio (or only the chosen variant)."""
    header(console, 4, "worker pools")
    if variant in (None, "threads"):
        run_threads()
    if variant in (None, "asyncio"):
        run_asyncio()
    try_next(
        console,
        __file__,
        "in `_worker`, remove the `try/finally` around the job and make one job raise "
        "(`if seconds > 0.14: raise ValueError`): run `asyncio` and watch `jobs.join()` wait "
        "forever (Ctrl-C). Then set POOL_SIZE = 9 and compare 4.1's bound.",
        [
            (3, "the CI service that hoarded threads: pools and workers that shut down"),
            (6, "too many open files: one bounded pool of connections, always returned"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
