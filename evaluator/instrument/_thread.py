"""Instrumented ``threading.Thread``: start/stop events, and under the scheduler, managed threads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from evaluator import realtime
from evaluator.events import EventKind
from evaluator.instrument._runtime import (
    ThreadRecord,
    ThreadStatistics,
    called_from_stdlib,
    controlled,
    emit,
)

__all__ = ["Thread", "Timer"]


class Thread(realtime.Thread):
    """Drop-in for ``threading.Thread`` (subclassable like the original)."""

    _cl_rec: ThreadRecord | None = None

    def __init__(
        self,
        group: None = None,
        target: Callable[..., Any] | None = None,
        name: str | None = None,
        args: Iterable[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        daemon: bool | None = None,
    ) -> None:
        c = controlled()
        if name is None and c is not None:  # stable names across schedules, CPython's format
            target_name = getattr(target, "__name__", None)
            suffix = f" ({target_name})" if target_name else ""
            name = f"Thread-{c[0].thread_number()}{suffix}"
        # Explicit base call: threading.py's own subclasses (_DummyThread) call Thread.__init__
        # on instances that are not ours once the module attribute is patched.
        realtime.Thread.__init__(self, group, target, name, args, kwargs, daemon=daemon)

    def start(self) -> None:
        c = controlled()
        inner_run = self.run
        if c is None:

            def run() -> None:
                emit(EventKind.THREAD_START)
                try:
                    inner_run()
                finally:
                    emit(EventKind.THREAD_END)
        else:
            ctl, _parent = c
            rec = ctl.register_thread(self)
            self._cl_rec = rec

            def run() -> None:
                ctl.thread_body(rec, inner_run)

        self.run = run  # type: ignore[method-assign]
        super().start()
        if c is not None and not called_from_stdlib(2):
            c[0].preempt(c[1])

    def join(self, timeout: float | None = None) -> None:
        c = controlled()
        rec = self._cl_rec
        if c is not None and rec is not None:
            ctl, me = c
            if not called_from_stdlib(2):
                ctl.preempt(me)
            if rec.done:  # ordered after the exit, like a join that waited
                ctl.touch(("thread", rec.tid), False)
            else:
                emit(EventKind.JOIN_WAIT, self.name)
                if not ctl.block(me, lambda: rec.done, timeout, self, "join"):
                    return
            super().join()
            return
        if self.is_alive():
            emit(EventKind.JOIN_WAIT, self.name)
        super().join(timeout)

    def statistics(self) -> ThreadStatistics:
        """Its name, and the scheduler's record of it when it runs under the scheduler."""
        return ThreadStatistics(f"thread {self.name}", self._cl_rec)

    def is_alive(self) -> bool:
        rec = self._cl_rec
        if rec is not None and rec.done:
            return False
        return super().is_alive()


class Timer(Thread):
    """Drop-in for ``threading.Timer``: waits on an instrumented Event (virtual time when controlled)."""

    def __init__(
        self,
        interval: float,
        function: Callable[..., Any],
        args: Iterable[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        from evaluator.instrument._sync import Event

        super().__init__()
        self.interval = interval
        self.function = function
        self.args = list(args) if args is not None else []
        self.kwargs = dict(kwargs) if kwargs is not None else {}
        self.finished = Event()

    def cancel(self) -> None:
        """Stop the timer if it has not fired yet."""
        self.finished.set()

    def run(self) -> None:
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()
