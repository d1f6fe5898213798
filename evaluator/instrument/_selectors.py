"""Instrumented ``selectors``: an event loop waiting in ``select()`` is a wait the scheduler sees.

A program may run ``asyncio.run`` inside one of its threads (a crawler whose ``crawl`` drives
``asyncio.to_thread`` workers, say). The loop then waits in its selector (``epoll_wait``) for a
worker thread to wake it through the loop's self-pipe — invisible to the controlled scheduler,
which runs one thread at a time: the worker never got its turn, the run was stuck and the
exploration stopped after one schedule. Under the scheduler a ``select()`` with nothing ready
becomes a timed wait (on the virtual clock), woken as soon as a file descriptor is ready; outside
the scheduler it is the real one.
"""

from __future__ import annotations

import selectors
from collections.abc import Callable
from typing import Any

from evaluator.instrument._runtime import controlled

__all__ = ["install", "uninstall"]

_CLASSES: tuple[type[selectors.BaseSelector], ...] = tuple(
    getattr(selectors, name)
    for name in (
        "SelectSelector",
        "PollSelector",
        "EpollSelector",
        "DevpollSelector",
        "KqueueSelector",
    )
    if hasattr(selectors, name)
)
_real: dict[type[selectors.BaseSelector], Callable[..., Any]] = {}


def _controlled_select(real: Callable[..., Any]) -> Callable[..., Any]:
    def select(self: selectors.BaseSelector, timeout: float | None = None) -> Any:
        c = controlled()
        if c is None:
            return real(self, timeout)
        ready = real(self, 0)
        if ready or (timeout is not None and timeout <= 0):
            return ready
        c[0].block(c[1], lambda: bool(real(self, 0)), timeout, self, "select")
        return real(self, 0)

    select.__doc__ = real.__doc__
    return select


def install() -> None:
    for cls in _CLASSES:
        if cls not in _real:
            _real[cls] = cls.select
            cls.select = _controlled_select(cls.select)  # type: ignore[method-assign]


def uninstall() -> None:
    for cls, real in _real.items():
        cls.select = real  # type: ignore[method-assign]
    _real.clear()
