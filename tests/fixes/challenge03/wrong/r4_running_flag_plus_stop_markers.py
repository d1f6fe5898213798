# fix-judgement: wrong
# class: drops-work
# why: Workers loop `while self.running`, so after close() a worker that finishes its current job exits and leaves already-queued jobs unrun: their Futures never complete and result() hangs (1 worker, submit 3 jobs, close()); passes main().
"""Fix: close() clears the running flag, wakes every worker blocked in get() with a stop marker and
joins them; fail fast cancels the other steps and waits for them before raising.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future

Job = Callable[[], object]


_STOP = object()


class JobRunner:
    """A fixed pool of worker threads fed by a queue."""

    def __init__(self, workers: int = 4) -> None:
        self.jobs: queue.Queue[object] = queue.Queue()
        self.running = True
        self.threads = [
            threading.Thread(target=self._work, name=f"job-worker-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        while self.running:
            item = self.jobs.get()
            if item is _STOP:
                break
            job, result = item  # type: ignore[misc]
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
        """Stop the workers and wait for them."""
        self.running = False
        for _ in self.threads:
            self.jobs.put(_STOP)  # wake the workers blocked in get()
        for thread in self.threads:
            thread.join()


async def run_pipeline_async(steps: list[Callable[[], Awaitable[object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, cancel the others, then raise it."""
    tasks = [asyncio.create_task(step()) for step in steps]
    if not tasks:
        return []
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:  # we were cancelled ourselves: take the steps down with us
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    failed = [task for task in tasks if task in done and not task.cancelled() and task.exception() is not None]
    if failed:
        for task in pending:
            task.cancel()
        # Wait until the cancelled steps have really stopped before the caller sees the error.
        await asyncio.gather(*pending, return_exceptions=True)
        raise failed[0].exception()  # type: ignore[misc]
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
