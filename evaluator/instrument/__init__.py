"""Instrumented drop-ins for threading, queue and time primitives.

``install()`` patches the ``threading``, ``queue`` and ``time`` modules so that a learner module
imported afterwards gets instrumented Lock/RLock/Condition/Semaphore/BoundedSemaphore/Event/
Barrier/Thread/queues/sleep, which record owners and emit events to
``evaluator.events.event_log``. Outside the controlled scheduler they block for real
(passthrough); under it, every blocking operation is a scheduling decision.
"""

from __future__ import annotations

import queue
import threading
import time
from types import ModuleType
from typing import Any

from evaluator.instrument import _clockdt, _queue, _selectors, _socket, _sync, _thread, _time
from evaluator.instrument._locks import Condition, Lock, RLock
from evaluator.instrument._runtime import Named

__all__ = ["Named", "display_name", "install", "installed", "uninstall"]

_PATCHES: tuple[tuple[ModuleType, str, Any], ...] = (
    (threading, "Lock", Lock),
    (threading, "RLock", RLock),
    (threading, "Condition", Condition),
    (threading, "Semaphore", _sync.Semaphore),
    (threading, "BoundedSemaphore", _sync.BoundedSemaphore),
    (threading, "Event", _sync.Event),
    (threading, "Barrier", _sync.Barrier),
    (threading, "Thread", _thread.Thread),
    (threading, "Timer", _thread.Timer),
    (queue, "Queue", _queue.Queue),
    (queue, "LifoQueue", _queue.LifoQueue),
    (queue, "PriorityQueue", _queue.PriorityQueue),
    (queue, "SimpleQueue", _queue.SimpleQueue),
    # queue.py binds ``from time import monotonic as time`` for get()/put() timeouts: without this,
    # a timed get() under the scheduler measured its deadline in real time while it waited in
    # virtual time, and looped (each loop a virtual wait) until the real deadline passed.
    (queue, "time", _time.monotonic),
    (time, "sleep", _time.sleep),
    (time, "monotonic", _time.monotonic),
    (time, "monotonic_ns", _time.monotonic_ns),
    (time, "perf_counter", _time.perf_counter),
    (time, "perf_counter_ns", _time.perf_counter_ns),
    (time, "time", _time.time),
    (time, "time_ns", _time.time_ns),
    *(
        (
            (time, "clock_gettime", _time.clock_gettime),
            (time, "clock_gettime_ns", _time.clock_gettime_ns),
        )
        if hasattr(time, "clock_gettime_ns")
        else ()
    ),
)
_saved: dict[tuple[str, str], Any] = {}


def install() -> None:
    """Patch the modules (idempotent). Modules imported afterwards see the instrumented versions."""
    if _saved:
        return
    for module, attr, replacement in _PATCHES:
        _saved[(module.__name__, attr)] = getattr(module, attr)
        setattr(module, attr, replacement)
    _socket.install()
    _selectors.install()
    _clockdt.install()


def uninstall() -> None:
    """Restore the original primitives (idempotent)."""
    modules = {m.__name__: m for m, _a, _r in _PATCHES}
    for (name, attr), original in _saved.items():
        setattr(modules[name], attr, original)
    _saved.clear()
    _socket.uninstall()
    _selectors.uninstall()
    _clockdt.uninstall()


def installed() -> bool:
    return bool(_saved)


def display_name(obj: object) -> str:
    """The name events use for an instrumented primitive ("lock_a@program.py:12"), else its repr."""
    return str(getattr(obj, "cl_name", None) or repr(obj))
