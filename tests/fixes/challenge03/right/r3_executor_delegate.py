# fix-judgement: right
# class: other
# why: the pool is a ThreadPoolExecutor (same thread names); close() is shutdown(wait=True), which finishes queued jobs and joins; async uses gather and on failure cancels+awaits every sibling
"""Job runner of a CI service: runs build steps on a pool of worker threads.

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
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor

Job = Callable[[], object]


class JobRunner:
    """A fixed pool of worker threads fed by a queue."""

    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job-worker")
        self.running = True


    def submit(self, job: Job) -> Future[object]:
        """Queue ``job``; its Future gives the result."""
        return self._pool.submit(job)

    def run_all(self, jobs: list[Job]) -> list[object]:
        """Run ``jobs`` on the pool and return their results in order."""
        return [future.result() for future in [self.submit(job) for job in jobs]]

    def close(self) -> None:
        """Stop the workers: queued jobs finish, then every worker thread is joined."""
        self.running = False
        self._pool.shutdown(wait=True)


async def run_pipeline_async(steps: list[Callable[[], Awaitable[object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, raise it (fail fast)."""
    tasks = [asyncio.create_task(step()) for step in steps]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        # gather does not cancel the siblings: do it, and wait until they are really gone.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


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

    async def pipeline() -> None:
        try:
            await run_pipeline_async([tests, deploy])
        except RuntimeError as error:
            print(f"pipeline failed: {error}")
        await asyncio.sleep(1)  # the service keeps serving other pipelines

    asyncio.run(pipeline())


if __name__ == "__main__":
    main()
