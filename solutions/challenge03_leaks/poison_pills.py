"""Solution (poison pills and a TaskGroup) — job runner of a CI service: runs build steps on a pool of worker threads.

The web API creates a `JobRunner` per pipeline, runs the pipeline's steps and closes it.
Newer pipelines use `run_pipeline_async`, which runs the steps as asyncio tasks and stops at the
first failing step ("fail fast"). After a week in production the service holds 30,000 threads,
and the asyncio steps of failed pipelines keep deploying after the pipeline was marked failed.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any

Job = Callable[[], object]
_STOP = None
"""The poison pill: a worker that takes it from the queue exits."""


class JobRunner:
    """A fixed pool of worker threads fed by a queue."""

    def __init__(self, workers: int = 4) -> None:
        self.jobs: queue.Queue[tuple[Job, Future[object]] | None] = queue.Queue()
        self.threads = [
            threading.Thread(target=self._work, name=f"job-worker-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        while (item := self.jobs.get()) is not _STOP:
            job, result = item
            try:
                result.set_result(job())
            except Exception as error:
                result.set_exception(error)

    def submit(self, job: Job) -> Future[object]:
        """Queue ``job``; its Future gives the result."""
        result: Future[object] = Future()
        self.jobs.put((job, result))
        return result

    def run_all(self, jobs: list[Job]) -> list[object]:
        """Run ``jobs`` on the pool and return their results in order."""
        return [future.result() for future in [self.submit(job) for job in jobs]]

    def close(self) -> None:
        """Let the workers finish the queued jobs, then stop them and wait until they have exited."""
        for _ in self.threads:
            self.jobs.put(_STOP)  # one pill per worker: each takes exactly one and exits
        for thread in self.threads:
            thread.join()


async def run_pipeline_async(steps: list[Callable[[], Coroutine[Any, Any, object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, cancel the others and raise it (fail fast).

    A TaskGroup owns its tasks: when one fails it cancels the rest and waits for them to finish,
    so no step outlives the pipeline.
    """
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(step()) for step in steps]
    except ExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


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
