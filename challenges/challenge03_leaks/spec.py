"""Challenge 3: the CI service that hoarded threads (thread and asyncio task leaks)."""

from __future__ import annotations

import asyncio
import time
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.scheduler import live_threads
from evaluator.spec import (
    AsyncCheck,
    ChallengeSpec,
    LeakCheck,
    PerformanceCheck,
    ScheduleCheck,
    expect,
)


def _step(seconds: float, value: str):
    def run() -> str:
        time.sleep(seconds)
        return value

    return run


def pipelines_close_cleanly(mod: ModuleType) -> None:
    """Three pipelines, each with its own runner, run and closed: no worker may survive."""
    for pipeline in range(3):
        runner = mod.JobRunner(workers=3)
        results = runner.run_all([_step(0.001, f"{pipeline}-{i}") for i in range(5)])
        runner.close()
        expect(results == [f"{pipeline}-{i}" for i in range(5)], f"wrong results: {results}")


def queued_jobs_finish_before_close(mod: ModuleType) -> None:
    """Jobs submitted and awaited before close() all complete."""
    runner = mod.JobRunner(workers=2)
    futures = [runner.submit(_step(0.001, str(i))) for i in range(4)]
    values = [future.result(timeout=5) for future in futures]
    runner.close()
    expect(values == ["0", "1", "2", "3"], f"wrong results: {values}")


async def fail_fast(mod: ModuleType) -> None:
    """A failing step must stop the pipeline *and* its other steps."""

    async def unit_tests() -> str:
        await asyncio.sleep(0.01)
        raise RuntimeError("unit tests failed")

    async def deploy() -> str:
        await asyncio.sleep(5)
        return "deployed"

    try:
        await mod.run_pipeline_async([unit_tests, deploy])
    except RuntimeError as error:
        expect("unit tests failed" in str(error), f"the pipeline raised the wrong error: {error!r}")
    else:
        expect(False, "the pipeline did not raise the failing step's error")


async def cancelled_pipeline_stops_its_steps(mod: ModuleType) -> None:
    """The caller gives up on a pipeline (a timeout around it, or its own task cancelled): when
    the cancellation returns, no step of that pipeline is still running."""

    async def build() -> str:
        await asyncio.sleep(1)
        return "built"

    async def deploy() -> str:
        await asyncio.sleep(2)
        return "deployed"

    try:
        await asyncio.wait_for(mod.run_pipeline_async([build, deploy]), 0.1)
    except TimeoutError:
        return
    expect(False, "the pipeline returned within 0.1 s although its steps take 1 and 2 s")


async def all_steps_succeed(mod: ModuleType) -> None:
    """Without failures the pipeline returns every step's result, in order."""

    def step(value: str, seconds: float):
        async def run() -> str:
            await asyncio.sleep(seconds)
            return value

        return run

    results = await mod.run_pipeline_async(
        [step("lint", 0.03), step("test", 0.01), step("build", 0.02)]
    )
    expect(results == ["lint", "test", "build"], f"wrong results or order: {results}")


def close_joins_every_worker(mod: ModuleType) -> None:
    """The moment close() returns, no worker thread of the runner may be alive (no grace period)."""
    runner = mod.JobRunner(workers=3)
    results = runner.run_all([_step(0.001, f"step-{i}") for i in range(4)])
    runner.close()
    alive = live_threads()
    expect(
        not alive,
        f"close() returned while {len(alive)} worker thread(s) were still alive: {', '.join(alive)}",
        "close() must wake every worker and wait (join) until each has exited",
        kind=FindingKind.THREAD_LEAK,
    )
    expect(
        results == [f"step-{i}" for i in range(4)],
        f"wrong results: {results}",
        kind=FindingKind.INVARIANT,
    )


def close_settles_submitted_jobs(mod: ModuleType) -> None:
    """Jobs submitted before close() are run (or cancelled) by the time close() returns: no future
    is left pending forever, and no job runs after close()."""
    runner = mod.JobRunner(workers=2)
    futures = [runner.submit(_step(0.002, str(i))) for i in range(5)]
    runner.close()
    pending = [i for i, future in enumerate(futures) if not future.done()]
    expect(
        not pending,
        f"after close() returned, the futures of jobs {pending} were still pending",
        "a caller waiting for them would wait forever: run the queued jobs or cancel their futures",
        kind=FindingKind.INVARIANT,
    )
    for i, future in enumerate(futures):
        if not future.cancelled():
            expect(
                future.result() == str(i),
                f"job {i} returned {future.result()!r}",
                kind=FindingKind.INVARIANT,
            )


async def fail_fast_whatever_the_order(mod: ModuleType) -> None:
    """The failing step is listed *after* a slow one: the pipeline still stops at the failure,
    and every other step has ended (cancelled) before the error reaches the caller."""
    deployed: list[str] = []
    running: set[str] = set()

    async def deploy() -> str:
        running.add("deploy")
        try:
            await asyncio.sleep(5)
            deployed.append("deploy")
            return "deployed"
        finally:
            running.discard("deploy")

    async def unit_tests() -> str:
        await asyncio.sleep(0.01)
        raise RuntimeError("unit tests failed")

    try:
        await mod.run_pipeline_async([deploy, unit_tests])
    except RuntimeError as error:
        expect("unit tests failed" in str(error), f"the pipeline raised the wrong error: {error!r}")
    else:
        expect(False, "the pipeline did not raise the failing step's error")
    expect(
        not running,
        "the error reached the caller while the deploy step was still running",
        "cancel() only asks a task to stop; await the cancelled tasks before raising",
    )
    expect(not deployed, "the deploy step ran to completion although a step before it had failed")


def busy_pipeline(mod: ModuleType) -> None:
    """Eight 50 ms steps on four workers: they must run in parallel. (Steps long enough that a
    close() whose workers notice it within a short poll interval is not what is measured.)"""
    runner = mod.JobRunner(workers=4)
    runner.run_all([_step(0.05, str(i)) for i in range(8)])
    runner.close()


SPEC = ChallengeSpec(
    number=3,
    slug="leaks",
    title="The CI service that hoarded threads",
    summary="A job runner's workers outlive it, and fail-fast pipelines leave their steps running.",
    concepts=("thread lifecycle", "join", "poison pill", "task cancellation", "TaskGroup"),
    difficulty=2,
    intended=FindingKind.THREAD_LEAK,
    checks=(
        ScheduleCheck(
            "close() joins every worker",
            close_joins_every_worker,
            max_schedules=40,
            kind=FindingKind.THREAD_LEAK,
            hint="close() must put one wake-up per worker and join() each thread before returning.",
        ),
        ScheduleCheck(
            "close() settles every submitted job",
            close_settles_submitted_jobs,
            max_schedules=40,
            kind=FindingKind.INVARIANT,
            hint="Jobs already queued must run (or have their futures cancelled) before close() returns.",
        ),
        LeakCheck(
            "runners stop their workers",
            pipelines_close_cleanly,
            kinds=("threads",),
            hint="After close(), is any worker still blocked in jobs.get()?",
        ),
        LeakCheck("queued jobs finish", queued_jobs_finish_before_close, kinds=("threads",)),
        AsyncCheck(
            "fail fast stops the other steps",
            fail_fast,
            kind=FindingKind.TASK_LEAK,
            seeds=5,
            hint="asyncio.wait returns on the first failure but does not cancel the pending tasks.",
        ),
        AsyncCheck("successful pipeline", all_steps_succeed, kind=FindingKind.INVARIANT, seeds=5),
        AsyncCheck(
            "fail fast whatever the order",
            fail_fast_whatever_the_order,
            kind=FindingKind.TASK_LEAK,
            seeds=5,
            hint="Wait for the first failure of *any* step (TaskGroup, or asyncio.wait FIRST_EXCEPTION), "
            "then cancel the others and await them.",
        ),
        AsyncCheck(
            "a cancelled pipeline stops its steps",
            cancelled_pipeline_stops_its_steps,
            kind=FindingKind.TASK_LEAK,
            seeds=5,
            hint="Cancelling the pipeline cancels only the coroutine that waits: cancel the step tasks "
            "in a finally (or use a TaskGroup), and await them.",
        ),
        PerformanceCheck("steps run in parallel", busy_pipeline, reference="poison_pills"),
    ),
    time_budget_seconds=60.0,
    hints=(
        "Run `learn check 3`: the leaked threads are shown with their stacks. Where is each one waiting, and what would wake it?",
        "Setting `running = False` is only read when a worker loops around; a worker blocked in `jobs.get()` never gets there. close() must *wake* each worker, then wait for it.",
        "Put one sentinel per worker on the queue (a poison pill) and join the threads, or let `concurrent.futures.ThreadPoolExecutor` do it. For asyncio, who cancels the tasks `asyncio.wait` left pending?",
        "In `run_pipeline_async`, use `asyncio.TaskGroup` (it cancels siblings when one fails), or cancel every pending task in a `finally` and await them with `asyncio.gather(..., return_exceptions=True)`.",
    ),
)
