# fix-judgement: wrong
# class: happy-path-only
# idiom: a unique _STOP object sentinel with an idempotent, lock-guarded close() and join; asyncio.wait(FIRST_COMPLETED) supervisor loop
# why: (relabelled from right, session 15) the steps are cancelled when one fails, but not when the caller cancels the pipeline (a timeout around it): the step tasks keep running after the cancellation returned; the README now states that promise
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
from concurrent.futures import Future
from typing import cast

Job = Callable[[], object]
_STOP = object()


class JobRunner:
    """A fixed pool of worker threads fed by a queue."""

    def __init__(self, workers: int = 4) -> None:
        self.jobs: queue.Queue[tuple[Job, Future[object]] | object] = queue.Queue()
        self._state = threading.Lock()
        self.running = True
        self.threads = [
            threading.Thread(target=self._work, name=f"job-worker-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        while (item := self.jobs.get()) is not _STOP:
            job, result = cast(tuple[Job, Future[object]], item)
            if not result.set_running_or_notify_cancel():
                continue
            try:
                result.set_result(job())
            except Exception as error:
                result.set_exception(error)

    def submit(self, job: Job) -> Future[object]:
        """Queue ``job``; its Future gives the result."""
        result: Future[object] = Future()
        with self._state:
            if not self.running:
                raise RuntimeError("JobRunner is closed")
            self.jobs.put((job, result))
        return result

    def run_all(self, jobs: list[Job]) -> list[object]:
        """Run ``jobs`` on the pool and return their results in order."""
        return [future.result() for future in [self.submit(job) for job in jobs]]

    def close(self) -> None:
        """Let the queued jobs finish, then stop and join every worker."""
        with self._state:
            if self.running:
                self.running = False
                for _ in self.threads:
                    self.jobs.put(_STOP)
        for thread in self.threads:
            thread.join()


async def run_pipeline_async(steps: list[Callable[[], Awaitable[object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, raise it (fail fast)."""
    tasks = [asyncio.create_task(step()) for step in steps]
    remaining = set(tasks)
    while remaining:
        finished, remaining = await asyncio.wait(remaining, return_when=asyncio.FIRST_COMPLETED)
        failure = next((t.exception() for t in finished if not t.cancelled() and t.exception()), None)
        if failure is not None:
            for task in remaining:
                task.cancel()
            if remaining:
                await asyncio.wait(remaining)
            raise failure
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

    async def pipeline() -> None:
        try:
            await run_pipeline_async([tests, deploy])
        except RuntimeError as error:
            print(f"pipeline failed: {error}")
        await asyncio.sleep(1)  # the service keeps serving other pipelines

    asyncio.run(pipeline())


if __name__ == "__main__":
    main()
