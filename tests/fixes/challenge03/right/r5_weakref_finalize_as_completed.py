# fix-judgement: right
# class: other (weakref.finalize + as_completed)
# why: Workers run a free function on the queue; weakref.finalize (called by close() or GC) queues sentinels and joins; pipeline awaits as_completed and cancels+waits leftovers in finally.
"""Fix: workers run a plain function on the queue (no ref to the runner); a weakref.finalize queues
stop sentinels and joins them, run by close() or when the runner is dropped. Pipeline: as_completed + finally cancel.
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


_STOP = object()


def _drain(jobs: queue.Queue[object]) -> None:
    while True:
        item = jobs.get()
        if item is _STOP:
            return
        job, result = item  # type: ignore[misc]
        if not result.set_running_or_notify_cancel():
            continue
        try:
            result.set_result(job())
        except BaseException as error:
            result.set_exception(error)


def _shutdown(jobs: queue.Queue[object], threads: list[threading.Thread]) -> None:
    for _ in threads:
        jobs.put(_STOP)  # FIFO: behind every job already submitted
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join()


class JobRunner:
    """A fixed pool of worker threads fed by a queue."""

    def __init__(self, workers: int = 4) -> None:
        self.jobs: queue.Queue[object] = queue.Queue()
        self.running = True
        self._state = threading.Lock()
        self.threads = [
            threading.Thread(target=_drain, args=(self.jobs,), name=f"job-worker-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self.threads:
            thread.start()
        self._finalizer = weakref.finalize(self, _shutdown, self.jobs, self.threads)

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
        """Stop the workers (after the queued jobs) and join them; safe to call twice."""
        with self._state:
            self.running = False
        self._finalizer()  # runs _shutdown at most once; later calls wait for nothing


async def run_pipeline_async(steps: list[Callable[[], Awaitable[object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, raise it (fail fast)."""
    tasks = [asyncio.create_task(step()) for step in steps]
    try:
        for finished in asyncio.as_completed(tasks):
            await finished  # the first failing step raises here
        return [task.result() for task in tasks]
    finally:
        leftovers = [task for task in tasks if not task.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            await asyncio.wait(leftovers)


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
