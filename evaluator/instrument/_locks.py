"""Instrumented Lock, RLock and Condition: drop-ins that record owners and emit events.

Each wraps a real lock (``_block``). Under the controlled scheduler a blocking acquire becomes
``controller.block(...)`` — "I cannot run until this real lock is free" — followed by a
non-blocking acquire that then always succeeds, because only one thread runs at a time.
With no scheduler and no event observer an acquire or release is the real one plus the owner
bookkeeping: the common ``learn run`` case stays near native speed.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any

from evaluator import events, realtime
from evaluator.events import EventKind
from evaluator.instrument import _runtime, _time
from evaluator.instrument._runtime import (
    LockStatistics,
    Named,
    call_site,
    called_from_stdlib,
    controlled,
    emit,
    preempt_point,
    stable_id,
)

__all__ = ["Condition", "Lock", "RLock", "clock_seconds", "wait_on_real"]

_log = events.event_log
_get_ident = realtime.get_ident


def clock_seconds() -> float:
    """Monotonic seconds for timeouts: the instrumented clock the program reads too (a check's
    clock override, else virtual under the scheduler, else real)."""
    return _time.monotonic()


def wait_on_real(real_lock: Any, timeout: float | None, obj: object, desc: str) -> bool:
    """Acquire ``real_lock`` (blocking, optional timeout in seconds); a scheduling decision when controlled."""
    c = controlled()
    if c is None:
        if _time.override is not None and timeout is not None:
            # A check's virtual clock (a single-threaded clock scenario): a timed wait that nobody
            # ends early lasts its timeout on that clock, as a sleep would, not in real time.
            if real_lock.acquire(False):
                return True
            _time.override.sleep(max(0.0, timeout))
            return bool(real_lock.acquire(False))
        return bool(real_lock.acquire(True, -1 if timeout is None else max(0.0, timeout)))
    if real_lock.acquire(False):
        return True
    if timeout is not None and timeout <= 0:
        return False
    ctl, rec = c
    if ctl.block(rec, lambda: not real_lock.locked(), timeout, obj, desc):
        real_lock.acquire(False)
        return True
    return False


def _release_point(lock: _OwnedLock) -> None:
    """Releasing a lock the learner's code holds is a scheduling point, like acquiring one.

    A release is a visible operation: without a point before it, it ran in one step with the
    visible operation before it (a failed try-acquire, say), and no other thread could ever act
    in between — schedules real threads do run (two try-locks that both fail) were never
    explored, and partial-order reduction called the rest "every interleaving"."""
    if not lock._quiet:
        preempt_point()


class _OwnedLock(Named):
    """Shared acquire/release machinery of Lock and RLock."""

    def __init__(self, *, _quiet: bool = False) -> None:
        self._block = realtime.allocate_lock()
        self._owner: int | None = None
        self._quiet = _quiet
        if _quiet:
            self.cl_name = "internal"
        else:
            self._cl_name_from_creator()

    def _take(self, blocking: bool, timeout: float) -> bool:
        """Acquire ``_block`` for the caller, emitting wait/acquire events (the watched path)."""
        if blocking is False and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        c = controlled()
        where = None if self._quiet else call_site()
        if c is None:
            got = self._block.acquire(False)
            if not got and blocking:
                if not self._quiet:
                    emit(EventKind.LOCK_WAIT, self.cl_name, where=where)
                got = self._block.acquire(True, timeout)
        else:
            ctl, rec = c
            if not self._quiet and not called_from_stdlib(3):
                rec.acquiring = self
                try:
                    ctl.preempt(rec)
                finally:
                    rec.acquiring = None
            # Blocking acquires of one lock are ordered among themselves; a try or timed acquire
            # also races with the release (whether it finds the lock free depends on it).
            ctl.touch(("lock", stable_id(self)))
            if not blocking or (timeout is not None and timeout >= 0):
                ctl.touch(("unlock", stable_id(self)))
            if not self._quiet and blocking and (timeout is None or timeout < 0):
                ctl.note_order(rec, self)  # lockdep: the attempt counts, even if it never succeeds
            got = self._block.acquire(False)
            if not got and blocking:
                if not self._quiet:
                    emit(EventKind.LOCK_WAIT, self.cl_name, where=where)
                wait = None if timeout is None or timeout < 0 else timeout
                got = ctl.block(rec, lambda: not self._block.locked(), wait, self, "lock")
                if got:
                    ctl.touch(("lock", stable_id(self)))
                    self._block.acquire(False)
            if got and not self._quiet:
                ctl.note_acquire(rec, self)
        if got:
            self._owner = realtime.get_ident()
            if not self._quiet:
                emit(EventKind.LOCK_ACQUIRE, self.cl_name, where=where)
        elif blocking and not self._quiet:
            emit(EventKind.LOCK_TIMEOUT, self.cl_name, where=where)  # closes the LOCK_WAIT above
        return bool(got)

    def _give(self) -> None:
        self._owner = None
        c = controlled()
        if c is not None:
            c[0].touch(("unlock", stable_id(self)))
            if not self._quiet:
                c[0].note_release(c[1], self)
        if not self._quiet and _log.observed:
            emit(EventKind.LOCK_RELEASE, self.cl_name, where=call_site())
        self._block.release()

    def locked(self) -> bool:
        return bool(self._block.locked())

    def _at_fork_reinit(self) -> None:
        """Called in a forked child (``os.register_at_fork`` users such as concurrent.futures)."""
        self._block = realtime.allocate_lock()
        self._owner = None
        self._count = 0

    def statistics(self) -> LockStatistics:
        """Held or not, and by which thread (``threading.get_ident()``)."""
        return LockStatistics(self._cl_describe(), self.locked(), self._owner)

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class Lock(_OwnedLock):
    """Drop-in for ``threading.Lock``."""

    _cl_kind = "Lock"
    _cl_real = realtime.allocate_lock

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if _runtime.controller is None and not _log.observed:  # unwatched: the real acquire only
            if self._block.acquire(blocking, timeout):
                self._owner = _get_ident()
                return True
            return False
        return self._take(blocking, timeout)

    __enter__ = acquire

    def release(self) -> None:
        if _runtime.controller is None and not _log.observed:  # unwatched: the real release only
            self._owner = None
            self._block.release()  # raises "release unlocked lock" like threading's
            return
        if not self._block.locked():
            raise RuntimeError("release unlocked lock")
        _release_point(self)
        self._give()

    def _is_owned(self) -> bool:
        return self.locked()

    def __repr__(self) -> str:
        return f"<instrumented {'locked' if self.locked() else 'unlocked'} Lock {self.cl_name}>"


class RLock(_OwnedLock):
    """Drop-in for ``threading.RLock`` (re-entrant: the owner may acquire again)."""

    _cl_kind = "RLock"
    _cl_real = realtime.RLock

    def __init__(self, *, _quiet: bool = False) -> None:
        super().__init__(_quiet=_quiet)
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        me = _get_ident()
        if self._owner == me:
            self._count += 1
            return True
        if _runtime.controller is None and not _log.observed:  # unwatched: the real acquire only
            got = self._block.acquire(blocking, timeout)
            if got:
                self._owner = me
        else:
            got = self._take(blocking, timeout)
        if got:
            self._count = 1
        return bool(got)

    __enter__ = acquire

    def release(self) -> None:
        if self._owner != _get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        if self._count == 1:
            _release_point(self)
        self._count -= 1
        if self._count == 0:
            self._give()

    def _is_owned(self) -> bool:
        return self._owner == realtime.get_ident()

    def _release_save(self) -> tuple[int, int | None]:
        state = (self._count, self._owner)
        self._count = 0
        self._give()
        return state

    def _acquire_restore(self, state: tuple[int, int | None]) -> None:
        self._take(True, -1)
        self._count = state[0]

    def __repr__(self) -> str:
        return f"<instrumented RLock {self.cl_name} count={self._count}>"


class Condition(Named):
    """Drop-in for ``threading.Condition`` (FIFO wake-up order, like CPython)."""

    _cl_kind = "Condition"
    _cl_real = realtime.Condition

    def __init__(
        self,
        lock: Any = None,
        *,
        _quiet: bool = False,
        _on_wait: Callable[[], None] | None = None,
    ) -> None:
        self._lock = lock if lock is not None else RLock(_quiet=_quiet)
        self.acquire = self._lock.acquire
        self.release = self._lock.release
        self._waiters: deque[Any] = deque()
        self._quiet = _quiet
        self._on_wait = _on_wait
        self._cl_public: object = self
        """The object a blocked waiter is reported as waiting on (an Event, a Queue...)."""
        if _quiet:
            self.cl_name = "internal"
        else:
            self._cl_name_from_creator()

    def __enter__(self) -> Any:
        return self._lock.__enter__()

    def __exit__(self, *exc: object) -> Any:
        return self._lock.__exit__(*exc)

    def _is_owned(self) -> bool:
        probe = getattr(self._lock, "_is_owned", None)
        if probe is not None:
            return bool(probe())
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def _release_save(self) -> Any:
        saver = getattr(self._lock, "_release_save", None)
        if saver is not None:
            return saver()
        self._lock.release()
        return None

    def _acquire_restore(self, state: Any) -> None:
        restorer = getattr(self._lock, "_acquire_restore", None)
        if restorer is not None:
            restorer(state)
        else:
            self._lock.acquire()

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = realtime.allocate_lock()
        waiter.acquire()
        self._waiters.append(waiter)
        saved = self._release_save()
        gotit = False
        try:
            if self._on_wait is not None:
                self._on_wait()
            elif not self._quiet:
                emit(EventKind.EVENT_WAIT, self.cl_name, where=call_site())
            gotit = wait_on_real(waiter, timeout, self._cl_public, "wait")
            return gotit
        finally:
            self._acquire_restore(saved)
            if not gotit:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = clock_seconds() + waittime
                else:
                    waittime = endtime - clock_seconds()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        while self._waiters and n > 0:
            self._waiters.popleft().release()
            n -= 1

    def notify_all(self) -> None:
        self.notify(len(self._waiters))

    notifyAll = notify_all

    def __repr__(self) -> str:
        return f"<instrumented Condition {self.cl_name} waiters={len(self._waiters)}>"
