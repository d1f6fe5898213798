# fix-judgement: right
# class: other (Condition + TaskGroup)
# why: Workers wait_for(jobs or closed) on a Condition and exit when closed and drained; close notify_all+join; asyncio.TaskGroup cancels and awaits siblings, first exception unwrapped.
"""Fix: workers wait on a Condition for jobs or close; close() wakes all (notify_all) and joins them
once the backlog is drained; the pipeline runs in an asyncio.TaskGroup, which cancels the rest.
"""

from __future__ import annotations

import asyncio
import collections
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future

Job = Callable[[], object]


class JobRunner:
    """A fixed pool of worker threads fed by a queue."""

    def __init__(self, workers: int = 4) -> None:
        self.jobs: collections.deque[tuple[Job, Future[object]]] = collections.deque()
        self.running = True
        self._changed = threading.Condition()
        self.threads = [
            threading.Thread(target=self._work, name=f"job-worker-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self.jobs or not self.running)
                if not self.jobs:
                    return  # closed and nothing left to do
                job, result = self.jobs.popleft()
            if not result.set_running_or_notify_cancel():
                continue
            try:
                result.set_result(job())
            except BaseException as error:
                result.set_exception(error)

    def submit(self, job: Job) -> Future[object]:
        """Queue ``job``; its Future gives the result."""
        result: Future[object] = Future()
        with self._changed:
            if not self.running:
                raise RuntimeError("JobRunner is closed")
            self.jobs.append((job, result))
            self._changed.notify()
        return result

    def run_all(self, jobs: list[Job]) -> list[object]:
        """Run ``jobs`` on the pool and return their results in order."""
        return [future.result() for future in [self.submit(job) for job in jobs]]

    def close(self) -> None:
        """Stop the workers once the submitted jobs are done; returns after all have exited."""
        with self._changed:
            self.running = False
            self._changed.notify_all()
        for thread in self.threads:
            if thread is not threading.current_thread():
                thread.join()


async def run_pipeline_async(steps: list[Callable[[], Awaitable[object]]]) -> list[object]:
    """Run the steps concurrently; on the first failure, raise it (fail fast)."""
    try:
        async with asyncio.TaskGroup() as group:  # cancels and awaits the siblings of a failure
            tasks = [group.create_task(step()) for step in steps]
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None  # the step that failed first
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
