"""Where tasks were created and where they are stuck, in the learner's ``program.py:LINE`` terms."""

from __future__ import annotations

import asyncio
import linecache
import os
import sys
from dataclasses import dataclass
from types import FrameType
from typing import Any

__all__ = ["TaskInfo", "TaskRegistry", "await_chain"]


@dataclass(frozen=True)
class TaskInfo:
    name: str
    created_at: str | None
    """``program.py:LINE in fn`` of the create_task/gather call in learner code."""
    awaiting: tuple[str, ...]
    """The await chain, outermost first: ``program.py:14 in transfer: await self.lock_b.acquire()``."""
    blocked_in: str | None
    """The asyncio primitive it is parked in (``Lock.acquire``, ``Event.wait``...)."""

    def describe(self) -> str:
        where = self.awaiting[-1] if self.awaiting else "an unknown place"
        text = f"{self.name} is waiting at {where}"
        if self.blocked_in:
            text += f" (inside asyncio {self.blocked_in})"
        return text


def _frame_line(frame: FrameType, lineno: int | None = None) -> str:
    lineno = lineno or frame.f_lineno
    source = linecache.getline(frame.f_code.co_filename, lineno).strip()
    text = f"{os.path.basename(frame.f_code.co_filename)}:{lineno} in {frame.f_code.co_name}"
    return f"{text}: {source}" if source else text


def await_chain(coro: Any) -> list[FrameType]:
    """Frames of a suspended coroutine and everything it awaits, outermost first."""
    frames = []
    seen = 0
    while coro is not None and seen < 100:
        seen += 1
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return frames


class _Task(asyncio.Task[Any]):
    """A task whose name survives ``set_name(None)``, which 3.13.0's ``create_task`` calls after a factory."""

    def set_name(self, value: object) -> None:
        if value is not None:
            super().set_name(value)


class TaskRegistry:
    """A task factory that names tasks stably and remembers where learner code created them."""

    def __init__(self, program_path: str) -> None:
        self.program_path = os.path.realpath(program_path)
        self.created: dict[asyncio.Task[Any], str | None] = {}
        self._count = 0
        self.steps: list[str] = []

    def factory(
        self,
        loop: asyncio.AbstractEventLoop,
        coro: Any,
        context: Any = None,
        name: Any = None,
        **options: Any,
    ) -> asyncio.Task[Any]:
        task = _Task(coro, loop=loop, context=context, **options)
        self._count += 1
        task.set_name(f"Task-{self._count} ({getattr(coro, '__qualname__', 'coroutine')})")
        if name is not None:  # 3.13.3+ hands the learner's name to the factory
            task.set_name(name)
        self.created[task] = self._creation_site()
        return task

    def _creation_site(self) -> str | None:
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            if os.path.realpath(frame.f_code.co_filename) == self.program_path:
                return _frame_line(frame)
            frame = frame.f_back
        return None

    def record_step(self, task: asyncio.Task[Any]) -> None:
        """After a task step: where it stopped (its await in learner code) or that it finished."""
        if len(self.steps) >= 5_000:
            return
        if task.done():
            self.steps.append(f"{task.get_name()} finished")
            return
        frames = [
            f
            for f in await_chain(task.get_coro())
            if os.path.realpath(f.f_code.co_filename) == self.program_path
        ]
        if frames:
            self.steps.append(f"{task.get_name()} ran to {_frame_line(frames[-1])}")

    def interleaving(self, max_lines: int = 12) -> list[str]:
        """The recorded steps, repeated lines collapsed, long runs cut in the middle."""
        lines: list[str] = []
        for step in self.steps:
            if not lines or lines[-1] != step:
                lines.append(step)
        if len(lines) > max_lines:
            lines = [*lines[: max_lines // 2], "  …", *lines[-(max_lines // 2) :]]
        return lines

    def info(self, task: asyncio.Task[Any]) -> TaskInfo:
        frames = await_chain(task.get_coro())
        mine = [
            _frame_line(f)
            for f in frames
            if os.path.realpath(f.f_code.co_filename) == self.program_path
        ]
        inner = frames[-1] if frames else None
        blocked_in = None
        if inner is not None and f"{os.sep}asyncio{os.sep}" in inner.f_code.co_filename:
            blocked_in = inner.f_code.co_qualname
        if not mine and frames:
            mine = [_frame_line(frames[-1])]
        return TaskInfo(task.get_name(), self.created.get(task), tuple(mine), blocked_in)
