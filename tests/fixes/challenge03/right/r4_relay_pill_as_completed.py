# fix-judgement: right
# class: other (design)
# why: A single None pill queued after the jobs is relayed by each exiting worker, close() joins all; as_completed raises on the first failure, then every step is cancelled and awaited with asyncio.wait before re-raising.
"""Fix: close() queues a single stop pill that each exiting worker passes on, then joins all workers;
fail fast awaits steps via as_completed and on the first error cancels every step and waits for them.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future

Job = Callable[[], object]


class JobRunner:
    """A fixed pool of worker threads fed by a queue."""

    def __init__(self, workers: int = 4) -> None:
        self.jobs: queue.Queue[tuple[Job, Future[object]] | None] = queue.Queue()
        self.running = True
        self._closing = threading.Lock()
        self.threads = [
            threading.Thread(target=self._work, name=f"job-worker-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        while True:
            item = self.jobs.get()
            if item is None:
                self.jobs.put(None)  # relay the pill so the next worker stops too
                return
            job, result = item
            if not result.set_running_or_notify_cancel():
                continue
            try:
                value = job()
            except BaseException as error:
                result.set_exception(error)
            else:
                result.set_result(value)

    def submit(self, job: Job) -> Future[object]:
        """Queue ``job``; its Future gives the result."""
        result: Future[object] = Future()
        with self._closing:
            if not self.running:
                raise RuntimeError("JobRunner is closed")
            self.jobs.put((job, result))
        return result

    def run_all(self, jobs: list[Job]) -> list[object]:
        """Run ``jobs`` on the pool and return their results in order."""
        return [future.result() for future in [self.submit(job) for job in jobs]]

    def close(self) -> None:
        """Stop after the queued jobs (the pill is queued behind them) and join every worker."""
        with self._closing:
            if self.running:
                self.running = False
                self.jobs.put(None)
        for thread in self.threads:
            if thread is not threading.current_thread():
                thread.join()


async def run_pipeline_async(steps: list[Callable[[], Awaitable[object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, raise it (fail fast)."""
    tasks = [asyncio.create_task(step()) for step in steps]
    try:
        for finished in asyncio.as_completed(tasks):
            await finished  # raises as soon as any step fails
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)  # the cancelled steps have stopped before we re-raise
        raise
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
