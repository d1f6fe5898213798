"""Run one asyncio scenario on a fresh virtual-time loop and report what happened."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from evaluator.aio._loop import AsyncDeadlock, VirtualTimeLoop
from evaluator.aio._tasks import TaskInfo, TaskRegistry

__all__ = ["AsyncRun", "run_async_scenario"]


@dataclass
class AsyncRun:
    seed: int
    error: BaseException | None = None
    deadlocked: list[TaskInfo] = field(default_factory=list)
    leaked: list[TaskInfo] = field(default_factory=list)
    virtual_seconds: float = 0.0
    interleaving: list[str] = field(default_factory=list)
    """Which task ran to which await, in order (learner-file lines)."""


def run_async_scenario(
    make_coro: Callable[[], Coroutine[Any, Any, Any]], seed: int, program_path: str
) -> AsyncRun:
    """Run ``make_coro()`` to completion on a :class:`VirtualTimeLoop` seeded with ``seed``."""
    result = AsyncRun(seed)
    loop = VirtualTimeLoop(seed)
    registry = TaskRegistry(program_path)
    loop.set_task_factory(registry.factory)
    loop.on_task_step = registry.record_step
    previous = None
    with contextlib.suppress(RuntimeError):
        previous = asyncio.get_event_loop_policy().get_event_loop()
    asyncio.set_event_loop(loop)
    random_state = random.getstate()
    random.seed(seed)  # a learner's own randomness replays with the seed too
    try:
        main = loop.create_task(make_coro())
        try:
            loop.run_until_complete(main)
        except AsyncDeadlock:
            result.deadlocked = [registry.info(t) for t in registry.created if not t.done()]
        except BaseException as exc:  # the scenario's Violation or a crash
            result.error = exc
        if not result.deadlocked:
            result.leaked = [
                registry.info(t) for t in registry.created if t is not main and not t.done()
            ]
        result.virtual_seconds = loop.time()
        result.interleaving = registry.interleaving()
    finally:
        _cleanup(loop)
        asyncio.set_event_loop(previous)
        random.setstate(random_state)
    return result


def _cleanup(loop: VirtualTimeLoop) -> None:
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        with contextlib.suppress(BaseException):
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    with contextlib.suppress(BaseException):
        loop.run_until_complete(loop.shutdown_asyncgens())
    executor = getattr(loop, "_default_executor", None)
    if executor is not None:
        executor.shutdown(wait=False)
    loop.close()
