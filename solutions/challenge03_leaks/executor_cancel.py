"""Solution (a ThreadPoolExecutor and explicit cancellation) — job runner of a CI service: runs build steps on a pool of worker threads.

The web API creates a `JobRunner` per pipeline, runs the pipeline's steps and closes it.
Newer pipelines use `run_pipeline_async`, which runs the steps as asyncio tasks and stops at the
first failing step ("fail fast"). After a week in production the service holds 30,000 threads,
and the asyncio steps of failed pipelines keep deploying after the pipeline was marked failed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

Job = Callable[[], object]


class JobRunner:
    """A fixed pool of worker threads: the standard library's executor does the bookkeeping."""

    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job-worker")

    def submit(self, job: Job) -> Future[object]:
        """Queue ``job``; its Future gives the result."""
        return self._pool.submit(job)

    def run_all(self, jobs: list[Job]) -> list[object]:
        """Run ``jobs`` on the pool and return their results in order."""
        return list(self._pool.map(lambda job: job(), jobs))

    def close(self) -> None:
        """Drop jobs not started yet, let running ones finish, and join every worker thread."""
        self._pool.shutdown(wait=True, cancel_futures=True)


async def run_pipeline_async(steps: list[Callable[[], Coroutine[Any, Any, object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, cancel the others and raise it (fail fast)."""
    tasks = [asyncio.create_task(step()) for step in steps]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if (error := task.exception()) is not None:
                raise error
        return [task.result() for task in tasks]
    finally:
        # Also runs when *we* are cancelled: never leave a step running behind our back.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def build_step(name: str, seconds: float) -> Job:
    def step() -> str:
        time.sleep(seconds)
        return f"{name} ok"

    return step


def main() -> None:
    before = threading.active_count()
    for pipeline in range(20):
        runner = JobRunner(workers=4)
        runner.run_all([build_step(f"pipeline-{pipeline}-step-{i}", 0.001) for i in range(6)])
        runner.close()
    time.sleep(0.2)
    print(f"threads before: {before}, after 20 pipelines: {threading.active_count()}")
    stuck = [t for t in threading.enumerate() if t.name.startswith("job-worker")]
    if stuck:
        print(f"{len(stuck)} job workers are still alive, blocked forever in jobs.get()")

    async def deploy() -> str:
        await asyncio.sleep(0.5)
        print("  ...deploy step still ran after the pipeline failed!")
        return "deployed"

    async def tests() -> str:
        await asyncio.sleep(0.01)
        raise RuntimeError("unit tests failed")

    async def failing_pipeline() -> None:
        try:
            await run_pipeline_async([tests, deploy])
        except RuntimeError as error:
            print(f"pipeline failed: {error}")
        await asyncio.sleep(1)  # the service keeps serving other pipelines

    asyncio.run(failing_pipeline())


if __name__ == "__main__":
    main()
