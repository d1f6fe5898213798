"""Events the grader's thread instrumentation does not emit, for the visualizer's child only.

* asyncio: every task is a lane (``TASK_START``/``TASK_END``, keyed by the task), and waits on
  ``asyncio.Lock``/``Semaphore``/``Event``/``Queue`` and ``asyncio.sleep`` are lock, event,
  queue and sleep states of the waiting task; anyio programs on asyncio get task lanes too.
* the event loop blocked by synchronous code: a real watchdog thread sees the loop's heartbeat
  stop and reports it as a finding (``event loop blocked for … ms``).
* worker processes (``multiprocessing``, ``ProcessPoolExecutor``) are lanes of their own, from
  ``start()`` until they are seen to end.

Only this child installs them (never the grader): they patch the standard library in-process.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing.process
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from evaluator.events import EventKind, event_log

__all__ = ["install"]

BLOCKED_S = 0.1
"""A loop that misses its heartbeat for this long is reported as blocked."""
_BEAT_S = 0.02


def _where(depth: int = 2) -> str | None:
    frame = sys._getframe(depth)
    while frame is not None and (
        frame.f_code.co_filename.startswith(os.path.dirname(asyncio.__file__))
        or frame.f_code.co_filename == __file__
    ):
        frame = frame.f_back  # type: ignore[assignment]
    return (
        f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
        if frame is not None
        else None
    )


_STARTED: set[int] = set()
"""Tasks whose TASK_START was emitted. It is emitted lazily — at the task's first event, or
on the loop right after ``create_task`` — because ``asyncio.create_task(name=...)`` names the
task only after the loop created it."""


def _ensure_started(task: asyncio.Task[Any]) -> None:
    if id(task) not in _STARTED:
        _STARTED.add(id(task))
        event_log.emit(
            EventKind.TASK_START,
            task.get_name(),
            id(task),
            location=getattr(task, "_cl_vis_where", None),
        )


def _task_actor() -> tuple[str, int] | None:
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return None
    if task is None:
        return None
    _ensure_started(task)
    return task.get_name(), id(task)


def _emit(
    kind: EventKind, obj: str | None = None, value: int | None = None, detail: str | None = None
) -> None:
    actor = _task_actor()
    if actor is not None:
        event_log.emit(kind, actor[0], actor[1], obj=obj, value=value, detail=detail)


def _name(obj: Any, kind: str) -> str:
    name: str | None = getattr(obj, "_cl_vis_name", None)
    if name is None:
        name = f"{kind}@{id(obj) & 0xFFFF:04x}"
    return name


def _named_init(cls: type, kind: str) -> None:
    original = cls.__init__  # type: ignore[misc]

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        where = _where()
        self._cl_vis_name = f"{kind} {where}" if where else f"{kind}@{id(self) & 0xFFFF:04x}"

    cls.__init__ = init  # type: ignore[misc]


def _patch_acquire(cls: type, kind: str, busy: Callable[[Any], bool]) -> None:
    acquire, release = cls.acquire, cls.release  # type: ignore[attr-defined]

    @functools.wraps(acquire)
    async def patched_acquire(self: Any) -> bool:
        name = _name(self, kind)
        if busy(self):
            _emit(EventKind.LOCK_WAIT, name)
        try:
            result = await acquire(self)
        except BaseException:
            _emit(EventKind.LOCK_TIMEOUT, name)
            raise
        _emit(EventKind.LOCK_ACQUIRE, name)
        return bool(result)

    @functools.wraps(release)
    def patched_release(self: Any, *args: Any) -> None:
        _emit(EventKind.LOCK_RELEASE, _name(self, kind))
        release(self, *args)

    cls.acquire, cls.release = patched_acquire, patched_release  # type: ignore[attr-defined]


def _patch_event() -> None:
    wait = asyncio.Event.wait

    @functools.wraps(wait)
    async def patched_wait(self: asyncio.Event) -> bool:
        if self.is_set():
            return await wait(self)
        _emit(EventKind.EVENT_WAIT, _name(self, "Event"))
        try:
            return await wait(self)
        finally:
            _emit(EventKind.SLEEP_END, detail="resumed")

    asyncio.Event.wait = patched_wait  # type: ignore[method-assign,assignment]


def _patch_queue() -> None:
    get, put = asyncio.Queue.get, asyncio.Queue.put
    get_nowait, put_nowait = asyncio.Queue.get_nowait, asyncio.Queue.put_nowait

    # get()/put() finish through get_nowait()/put_nowait(), which emit the GET/PUT with the depth.
    @functools.wraps(get)
    async def patched_get(self: asyncio.Queue[Any]) -> Any:
        if self.empty():
            _emit(EventKind.QUEUE_WAIT, _name(self, "Queue"))
        return await get(self)

    @functools.wraps(put)
    async def patched_put(self: asyncio.Queue[Any], item: Any) -> None:
        if self.full():
            _emit(EventKind.QUEUE_WAIT, _name(self, "Queue"))
        await put(self, item)

    @functools.wraps(put_nowait)
    def patched_put_nowait(self: asyncio.Queue[Any], item: Any) -> None:
        put_nowait(self, item)
        _emit(EventKind.QUEUE_PUT, _name(self, "Queue"), value=self.qsize())

    @functools.wraps(get_nowait)
    def patched_get_nowait(self: asyncio.Queue[Any]) -> Any:
        item = get_nowait(self)
        _emit(EventKind.QUEUE_GET, _name(self, "Queue"), value=self.qsize())
        return item

    asyncio.Queue.get, asyncio.Queue.put = patched_get, patched_put  # type: ignore[method-assign]
    asyncio.Queue.get_nowait, asyncio.Queue.put_nowait = patched_get_nowait, patched_put_nowait  # type: ignore[method-assign]


def _patch_sleep() -> None:
    sleep = asyncio.sleep

    @functools.wraps(sleep)
    async def patched_sleep(delay: float, result: Any = None) -> Any:
        if delay <= 0:
            return await sleep(delay, result)
        _emit(EventKind.SLEEP_START, detail=f"{delay:g}s")
        try:
            return await sleep(delay, result)
        finally:
            _emit(EventKind.SLEEP_END)

    asyncio.sleep = patched_sleep


class _Watchdog:
    """Reports a loop whose heartbeat stops (synchronous code blocking it) once per stall."""

    def __init__(self, new_thread: Callable[..., threading.Thread]) -> None:
        self.beats: dict[int, tuple[asyncio.AbstractEventLoop, float, str]] = {}
        self.reported: set[tuple[int, float]] = set()
        self.lock = threading.Lock()
        self._sleep = time.sleep  # the real one, before any instrumentation replaces it
        new_thread(target=self._watch, name="visualizer-watchdog", daemon=True).start()

    def beat(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop.is_closed():
            return
        with self.lock:
            self.beats[id(loop)] = (loop, time.perf_counter(), threading.current_thread().name)
        loop.call_later(_BEAT_S, self.beat, loop)

    def _watch(self) -> None:
        while True:
            self._sleep(_BEAT_S)
            now = time.perf_counter()
            with self.lock:
                beats = list(self.beats.values())
            for loop, last, thread in beats:
                stalled = now - last
                if (
                    loop.is_running()
                    and stalled > BLOCKED_S
                    and (id(loop), last) not in self.reported
                ):
                    self.reported.add((id(loop), last))
                    event_log.emit(
                        EventKind.FINDING,
                        thread,
                        0,
                        detail=f"event loop blocked for over {stalled * 1000:.0f} ms: synchronous code "
                        "in a coroutine (use await, or asyncio.to_thread)",
                    )


def _ended(task: asyncio.Task[Any]) -> None:
    _ensure_started(task)
    _STARTED.discard(id(task))  # ids are reused once the task is gone
    event_log.emit(EventKind.TASK_END, task.get_name(), id(task))


def _patch_tasks(watchdog: _Watchdog) -> None:
    create_task = asyncio.BaseEventLoop.create_task
    seen: set[int] = set()

    @functools.wraps(create_task)
    def patched_create_task(
        self: asyncio.BaseEventLoop, coro: Any, **kwargs: Any
    ) -> asyncio.Task[Any]:
        task = create_task(self, coro, **kwargs)
        if id(self) not in seen:
            seen.add(id(self))
            watchdog.beat(self)
        task._cl_vis_where = _where()  # type: ignore[attr-defined]
        self.call_soon(_ensure_started, task)
        task.add_done_callback(_ended)
        return task

    asyncio.BaseEventLoop.create_task = patched_create_task  # type: ignore[method-assign]


def _patch_processes() -> None:
    base = multiprocessing.process.BaseProcess
    start, join = base.start, base.join

    def label(process: multiprocessing.process.BaseProcess) -> str:
        return f"process {process.name} (pid {process.pid})"

    @functools.wraps(start)
    def patched_start(self: multiprocessing.process.BaseProcess) -> None:
        start(self)
        event_log.emit(EventKind.THREAD_START, label(self), self.pid or 0, detail="worker process")

    @functools.wraps(join)
    def patched_join(
        self: multiprocessing.process.BaseProcess, timeout: float | None = None
    ) -> None:
        join(self, timeout)
        if self.exitcode is not None and not getattr(self, "_cl_vis_ended", False):
            self._cl_vis_ended = True  # type: ignore[attr-defined]
            event_log.emit(EventKind.THREAD_END, label(self), self.pid or 0, value=self.exitcode)

    base.start, base.join = patched_start, patched_join  # type: ignore[method-assign]


def install(new_thread: Callable[..., threading.Thread] = threading.Thread) -> None:
    """Install every hook; ``new_thread`` makes a real (uninstrumented) thread for the watchdog."""
    watchdog = _Watchdog(new_thread)
    _named_init(asyncio.Lock, "Lock")
    _named_init(asyncio.Semaphore, "Semaphore")
    _named_init(asyncio.Event, "Event")
    _named_init(asyncio.Queue, "Queue")
    _patch_acquire(asyncio.Lock, "Lock", lambda lock: lock.locked())
    _patch_acquire(asyncio.Semaphore, "Semaphore", lambda sem: sem.locked())
    _patch_event()
    _patch_queue()
    _patch_sleep()
    _patch_tasks(watchdog)
    _patch_processes()
