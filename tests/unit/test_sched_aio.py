"""The seeded virtual-time asyncio loop."""

from __future__ import annotations

import asyncio

import pytest

from evaluator.aio import run_async_scenario


async def long_sleep() -> float:
    await asyncio.sleep(3600)
    return asyncio.get_running_loop().time()


def test_sleeps_cost_no_wall_time_and_advance_virtual_time() -> None:
    box = {}

    async def scenario() -> None:
        box["t"] = await long_sleep()

    run = run_async_scenario(scenario, seed=1, program_path=__file__)
    assert run.error is None
    assert box["t"] == pytest.approx(3600, abs=1e-6) and run.virtual_seconds == pytest.approx(
        3600, abs=1e-6
    )


def test_timer_ties_are_reordered_by_seed_and_replayed_exactly() -> None:
    def order(seed: int) -> tuple[str, ...]:
        seen: list[str] = []

        async def sleeper(name: str) -> None:
            await asyncio.sleep(1)
            seen.append(name)

        async def scenario() -> None:
            await asyncio.gather(*(sleeper(n) for n in "abc"))

        run_async_scenario(scenario, seed=seed, program_path=__file__)
        return tuple(seen)

    orders = {order(seed) for seed in range(20)}
    assert len(orders) > 1
    assert order(5) == order(5)


def test_deadlock_is_reported_at_once_with_each_task_stack() -> None:
    async def scenario() -> None:
        first, second = asyncio.Event(), asyncio.Event()

        async def a() -> None:
            await first.wait()
            second.set()

        async def b() -> None:
            await second.wait()
            first.set()

        await asyncio.gather(a(), b())

    run = run_async_scenario(scenario, seed=0, program_path=__file__)
    stuck = {t.name: t for t in run.deadlocked}
    assert len(stuck) == 3
    waiting = [t for t in run.deadlocked if t.blocked_in == "Event.wait"]
    assert len(waiting) == 2
    assert all(
        "test_sched_aio.py:" in t.awaiting[-1] and "wait()" in t.awaiting[-1] for t in waiting
    )


def test_pending_tasks_are_leaks_with_their_creation_site() -> None:
    async def scenario() -> None:
        asyncio.create_task(asyncio.sleep(10))  # noqa: RUF006 - the leak under test

    run = run_async_scenario(scenario, seed=0, program_path=__file__)
    assert len(run.leaked) == 1 and "create_task" in (run.leaked[0].created_at or "")
