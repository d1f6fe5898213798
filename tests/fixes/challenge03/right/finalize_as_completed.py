# fix-judgement: right
# class: other
# idiom: weakref.finalize as the shutdown hook (worker loop holds no reference to the runner); asyncio.as_completed with cancel-and-wait in finally
# why: close() calls a finalizer that posts one sentinel per worker and joins them (and the same finalizer runs if a runner is garbage-collected unclosed); the async runner consumes results as they complete, so the first failure surfaces immediately, and finally cancels and awaits every unfinished task.
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
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import Future

Job = Callable[[], object]


class JobRunner:
    """A fixed pool of worker threads fed by a queue."""

    def __init__(self, workers: int = 4) -> None:
        self.jobs: queue.Queue[tuple[Job, Future[object]] | None] = queue.Queue()
        self.running = True
        self.threads = [
            threading.Thread(target=_work, args=(self.jobs,), name=f"job-worker-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self.threads:
            thread.start()
        self._shutdown = weakref.finalize(self, _stop, self.jobs, self.threads)

    def _work(self) -> None:
        _work(self.jobs)

    def submit(self, job: Job) -> Future[object]:
        """Queue ``job``; its Future gives the result."""
        result: Future[object] = Future()
        self.jobs.put((job, result))
        return result

    def run_all(self, jobs: list[Job]) -> list[object]:
        """Run ``jobs`` on the pool and return their results in order."""
        return [future.result() for future in [self.submit(job) for job in jobs]]

    def close(self) -> None:
        """Stop the workers (after the queued jobs) and join them; idempotent."""
        self.running = False
        self._shutdown()


def _work(jobs: queue.Queue[tuple[Job, Future[object]] | None]) -> None:
    """Worker loop; takes only the queue so the runner itself can be garbage-collected."""
    while (item := jobs.get()) is not None:
        job, result = item
        if not result.set_running_or_notify_cancel():
            continue
        try:
            result.set_result(job())
        except Exception as error:
            result.set_exception(error)


def _stop(jobs: queue.Queue[tuple[Job, Future[object]] | None], threads: list[threading.Thread]) -> None:
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join()


async def run_pipeline_async(steps: list[Callable[[], Awaitable[object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, raise it (fail fast)."""
    tasks = [asyncio.create_task(step()) for step in steps]
    try:
        for next_done in asyncio.as_completed(tasks):
            await next_done  # the first failure raises here, before the slower steps finish
    finally:
        unfinished = [task for task in tasks if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
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
