"""Instrumented Semaphore, BoundedSemaphore, Event and Barrier, built on the instrumented Condition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evaluator import realtime
from evaluator.events import EventKind
from evaluator.instrument._locks import Condition, Lock, clock_seconds
from evaluator.instrument._runtime import (
    Named,
    call_site,
    emit,
    preempt_point,
)

__all__ = ["Barrier", "BoundedSemaphore", "Event", "Semaphore"]


def _internal_condition(public: object) -> Condition:
    cond = Condition(Lock(_quiet=True), _quiet=True)
    cond._cl_public = public
    return cond


class Semaphore(Named):
    """Drop-in for ``threading.Semaphore``; acquire/release are reported like a lock's."""

    _cl_kind = "Semaphore"
    _cl_real = realtime.Semaphore

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._cond = _internal_condition(self)
        self._value = value
        self._cl_name_from_creator()

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        preempt_point()
        where = call_site()
        rc = False
        endtime = None
        with self._cond:
            waited = False
            while self._value == 0:
                if not blocking:
                    break
                if not waited:
                    emit(EventKind.LOCK_WAIT, self.cl_name, where=where, detail="semaphore")
                    waited = True
                if timeout is not None:
                    if endtime is None:
                        endtime = clock_seconds() + timeout
                    else:
                        timeout = endtime - clock_seconds()
                        if timeout <= 0:
                            break
                self._cond.wait(timeout)
            else:
                self._value -= 1
                rc = True
        if rc:
            emit(EventKind.LOCK_ACQUIRE, self.cl_name, where=where, detail="semaphore")
        elif waited:
            emit(EventKind.LOCK_TIMEOUT, self.cl_name, where=where, detail="semaphore")
        return rc

    __enter__ = acquire

    def release(self, n: int = 1) -> None:
        if n < 1:
            raise ValueError("n must be one or more")
        preempt_point()  # a visible operation, like acquire (see _locks._release_point)
        with self._cond:
            self._check_release(n)
            self._value += n
            self._cond.notify(n)
        emit(EventKind.LOCK_RELEASE, self.cl_name, where=call_site(), detail="semaphore")

    def _check_release(self, n: int) -> None:
        """BoundedSemaphore refuses to go above its initial value."""

    def __exit__(self, *exc: object) -> None:
        self.release()


class BoundedSemaphore(Semaphore):
    """Drop-in for ``threading.BoundedSemaphore``."""

    _cl_kind = "BoundedSemaphore"
    _cl_real = realtime.BoundedSemaphore

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial_value = value

    def _check_release(self, n: int) -> None:
        if self._value + n > self._initial_value:
            raise ValueError("Semaphore released too many times")


class Event(Named):
    """Drop-in for ``threading.Event``."""

    _cl_kind = "Event"
    _cl_real = realtime.Event

    def __init__(self) -> None:
        self._cond = _internal_condition(self)
        self._flag = False
        self._cl_name_from_creator()

    def is_set(self) -> bool:
        return self._flag

    isSet = is_set

    def set(self) -> None:
        preempt_point()
        with self._cond:
            self._flag = True
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        preempt_point()
        with self._cond:
            signaled = self._flag
            if not signaled:
                emit(EventKind.EVENT_WAIT, self.cl_name, where=call_site())
                signaled = self._cond.wait(timeout)
            return signaled


class Barrier(Named):
    """Drop-in for ``threading.Barrier`` (same states as CPython's: filling, draining, resetting, broken)."""

    _cl_kind = "Barrier"
    _cl_real = realtime.Barrier

    def __init__(
        self, parties: int, action: Callable[[], Any] | None = None, timeout: float | None = None
    ) -> None:
        if parties < 1:
            raise ValueError("parties must be > 0")
        self._cond = _internal_condition(self)
        self._action = action
        self._timeout = timeout
        self._parties = parties
        self._state = 0  # 0 filling, 1 draining, -1 resetting, -2 broken
        self._count = 0
        self._cl_name_from_creator()

    def wait(self, timeout: float | None = None) -> int:
        preempt_point()
        if timeout is None:
            timeout = self._timeout
        with self._cond:
            self._enter()
            index = self._count
            self._count += 1
            try:
                if index + 1 == self._parties:
                    self._release()
                else:
                    emit(EventKind.EVENT_WAIT, self.cl_name, where=call_site())
                    self._wait(timeout)
                return index
            finally:
                self._count -= 1
                self._exit()

    def _enter(self) -> None:
        while self._state in (-1, 1):
            self._cond.wait()
        if self._state < 0:
            raise _real_broken_error()

    def _release(self) -> None:
        try:
            if self._action:
                self._action()
            self._state = 1
            self._cond.notify_all()
        except BaseException:
            self._break()
            raise

    def _wait(self, timeout: float | None) -> None:
        if not self._cond.wait_for(lambda: self._state != 0, timeout):
            self._break()
            raise _real_broken_error()
        if self._state < 0:
            raise _real_broken_error()

    def _exit(self) -> None:
        if self._count == 0 and self._state in (-1, 1):
            self._state = 0
            self._cond.notify_all()

    def reset(self) -> None:
        with self._cond:
            if self._count > 0:
                if self._state == 0 or self._state == -2:
                    self._state = -1
            else:
                self._state = 0
            self._cond.notify_all()

    def abort(self) -> None:
        with self._cond:
            self._break()

    def _break(self) -> None:
        self._state = -2
        self._cond.notify_all()

    @property
    def parties(self) -> int:
        return self._parties

    @property
    def n_waiting(self) -> int:
        return self._count if self._state == 0 else 0

    @property
    def broken(self) -> bool:
        return self._state == -2


def _real_broken_error() -> Exception:
    import threading

    return threading.BrokenBarrierError()
