"""The seeded virtual-time asyncio loop used by AsyncCheck."""

from __future__ import annotations

from evaluator.aio._loop import AsyncDeadlock, VirtualTimeLoop
from evaluator.aio._run import AsyncRun, run_async_scenario
from evaluator.aio._tasks import TaskInfo, TaskRegistry

__all__ = [
    "AsyncDeadlock",
    "AsyncRun",
    "TaskInfo",
    "TaskRegistry",
    "VirtualTimeLoop",
    "run_async_scenario",
]
