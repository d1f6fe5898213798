"""Shared state of the instrumentation: the active scheduler (if any) and naming helpers.

Instrumented primitives ask :func:`controlled` whether the calling thread runs under the
controlled scheduler; if not they block for real (passthrough) and only record events, and
only while someone reads them (``events.event_log.observed``). With neither a scheduler nor an
observer, :func:`call_site` and :func:`emit` return at once, so a program nobody watches pays
little more than the real operation.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar, Protocol, runtime_checkable

from evaluator import events, realtime
from evaluator.callsite import CallSite, text

_EVALUATOR_DIR = str(Path(__file__).resolve().parent.parent) + os.sep
_STDLIB_DIRS = tuple(
    {str(Path(sysconfig.get_paths()[key]).resolve()) + os.sep for key in ("stdlib", "platstdlib")}
)
_THREADING_FILE = sys.modules["threading"].__file__


class SchedulerHooks(Protocol):
    """What the controlled scheduler offers the instrumented primitives."""

    aborting: bool

    def current(self) -> Any | None: ...
    def preempt(self, rec: Any) -> None: ...
    def block(
        self, rec: Any, can_run: Callable[[], bool], timeout: float | None, obj: object, desc: str
    ) -> bool: ...
    def note_order(self, rec: Any, lock: object) -> None: ...
    def note_acquire(self, rec: Any, lock: object) -> None: ...
    def note_release(self, rec: Any, lock: object) -> None: ...
    def now_ns(self) -> int: ...
    def register_thread(self, thread: Any) -> Any | None: ...
    def thread_body(self, rec: Any, run: Callable[[], None]) -> None: ...
    def thread_number(self) -> int: ...
    def touch(self, key: tuple[Any, ...], writes: bool = True) -> None: ...
    def new_object_serial(self) -> tuple[int, int]: ...


class ThreadRecord(Protocol):
    """The scheduler's record of one managed thread, as far as the instrumentation reads it."""

    tid: int
    name: str
    done: bool


@dataclass(frozen=True)
class Statistics:
    """What an instrumented primitive says about itself (like trio's ``LockStatistics``): a frozen
    snapshot the scheduler reads for its deadlock message, instead of probing attributes."""

    description: str
    """'Lock lock_a', 'the Lock created at program.py:12', or 'thread worker-1'."""


@dataclass(frozen=True)
class LockStatistics(Statistics):
    """A Lock or RLock."""

    locked: bool
    owner_ident: int | None
    """``threading.get_ident()`` of the holder, or None when free."""


@dataclass(frozen=True)
class ThreadStatistics(Statistics):
    """An instrumented Thread."""

    record: ThreadRecord | None
    """The scheduler's record of it (None when it was not started under the scheduler)."""


@runtime_checkable
class Instrumented(Protocol):
    """An instrumented primitive: every drop-in reports :class:`Statistics`."""

    def statistics(self) -> Statistics: ...


def statistics(obj: object) -> Statistics | None:
    """The statistics of an instrumented primitive, None for any other object."""
    return obj.statistics() if isinstance(obj, Instrumented) else None


controller: SchedulerHooks | None = None
"""The active scheduler, set by ``evaluator.scheduler`` for the duration of one schedule."""


def controlled() -> tuple[SchedulerHooks, Any] | None:
    """``(controller, thread record)`` when the calling thread is under the scheduler."""
    ctl = controller
    if ctl is None:
        return None
    rec = ctl.current()
    return None if rec is None else (ctl, rec)


_kind_cache: dict[str, str] = {}


def file_kind(filename: str) -> str:
    """'ours' (evaluator), 'threading', 'stdlib' or 'user' for a code object's filename."""
    kind = _kind_cache.get(filename)
    if kind is None:
        if filename == _THREADING_FILE:
            kind = "threading"
        elif filename.startswith("<"):
            kind = "stdlib"
        else:
            path = os.path.realpath(filename)
            if path.startswith(_EVALUATOR_DIR):
                kind = "ours"
            elif path.startswith(_STDLIB_DIRS) and "site-packages" not in path:
                kind = "stdlib"
            else:
                kind = "user"
        _kind_cache[filename] = kind
    return kind


def user_frame(depth: int = 2) -> FrameType | None:
    """The nearest calling frame in user code (not the evaluator, not the standard library)."""
    frame: FrameType | None = sys._getframe(depth)
    while frame is not None:
        if file_kind(frame.f_code.co_filename) == "user":
            return frame
        frame = frame.f_back
    return None


def created_by_threading_internals() -> bool:
    """True when the primitive is being created by ``threading.py`` itself (Thread internals)."""
    frame = sys._getframe(2)
    while frame is not None and file_kind(frame.f_code.co_filename) == "ours":
        frame = frame.f_back  # type: ignore[assignment]
    return frame is not None and file_kind(frame.f_code.co_filename) == "threading"


def called_from_stdlib(depth: int = 2) -> bool:
    """True when the nearest non-evaluator caller is standard-library code (no preemption there)."""
    frame = sys._getframe(depth)
    while frame is not None and file_kind(frame.f_code.co_filename) == "ours":
        frame = frame.f_back  # type: ignore[assignment]
    return frame is not None and file_kind(frame.f_code.co_filename) in ("stdlib", "threading")


def preempt_point() -> None:
    """A scheduling point before an instrumented operation the learner's code calls (not the
    standard library's own internal uses), when the calling thread is under the scheduler."""
    c = controlled()
    if c is not None and not called_from_stdlib(2):
        c[0].preempt(c[1])


def location(frame: FrameType | None) -> str | None:
    """``file.py:LINE`` of a frame."""
    if frame is None:
        return None
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"


def call_site() -> CallSite | None:
    """Where user code called the instrumented operation, formatted only if someone reads it.

    None when neither a scheduler nor an event observer could ever read it.
    """
    if controller is None and not events.event_log.observed:
        return None
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if (_kind_cache.get(code.co_filename) or file_kind(code.co_filename)) == "user":
            return CallSite(code, frame.f_lineno)
        frame = frame.f_back
    return None


site_counts: dict[str, int] = {}
"""Primitives created so far per creation site (reset by the scheduler at each run)."""

_ASSIGNED = re.compile(r"^\s*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)\s*(?::[^=]*)?=[^=]")


def _label(frame: FrameType) -> str | None:
    """The name the creating line assigns to: ``lock``, ``Account.lock`` for ``self.lock = ...``.

    Several objects made at one site are numbered: ``forks[0], forks[1]`` in a loop or
    comprehension, ``Account.lock, Account.lock#2`` for one attribute of several instances.
    """
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    match = _ASSIGNED.match(line)
    if not match:
        return None
    label = match.group(1)
    owner = frame.f_locals.get("self") if line.lstrip().startswith("self.") else None
    if owner is not None:
        label = f"{type(owner).__name__}.{label}"
    site = location(frame) or ""
    index = site_counts.get(site, 0)
    site_counts[site] = index + 1
    if re.search(r"\bfor\b", line):
        return f"{label}[{index}]"
    return f"{label}#{index + 1}" if index else label


def stable_id(obj: object) -> object:
    """An identity of ``obj`` that means the same object in every schedule: the creation serial of
    an instrumented primitive made under the scheduler, else ``id()`` (an object that outlives
    the schedules, such as one made at import)."""
    serial = getattr(obj, "_cl_serial", None)
    return serial if serial is not None else id(obj)


class Named:
    """Mixin: a display name from the creating frame ("lock_a@program.py:12" or "Lock@program.py:12")."""

    _cl_kind = "Lock"
    _cl_serial: tuple[int, int] | None = None
    """(creating thread, its n-th creation) under the scheduler: an identity that is the same
    object in every schedule that shares a prefix (``id()`` is not), for partial-order reduction."""

    _cl_real: ClassVar[Callable[..., Any] | None] = None
    """The stdlib primitive handed out instead when ``threading.py`` itself creates one (a
    Thread's internal locks, conditions and events must stay real: the scheduler parks on them)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        real = cls._cl_real
        if real is not None and created_by_threading_internals():
            return real(*args, **kwargs)
        self = super().__new__(cls)
        ctl = controller
        if ctl is not None:
            self._cl_serial = ctl.new_object_serial()
        return self

    def _cl_name_from_creator(self) -> None:
        frame = user_frame(3)
        self._cl_site = location(frame)
        self._cl_label = _label(frame) if frame is not None else None
        label = self._cl_label
        self.cl_name = (
            f"{label or self._cl_kind}@{self._cl_site}"
            if self._cl_site
            else (label or self._cl_kind)
        )

    def _cl_describe(self) -> str:
        """'Lock lock_a', or 'the Lock created at program.py:12' when it has no attribute name."""
        label = getattr(self, "_cl_label", None)
        if label:
            return f"{self._cl_kind} {label}"
        site = getattr(self, "_cl_site", None)
        return f"the {self._cl_kind} created at {site}" if site else f"a {self._cl_kind}"

    def statistics(self) -> Statistics:
        """A frozen snapshot of this primitive (subclasses report more)."""
        return Statistics(self._cl_describe())


def actor() -> tuple[str, int]:
    """The calling thread's name and id, as events report them."""
    ctl = controller
    if ctl is not None:
        rec = ctl.current()
        if rec is not None:
            return rec.name, rec.tid
    thread = realtime.current_thread()
    return thread.name, thread.ident or 0


def emit(
    kind: events.EventKind,
    obj: str | None = None,
    value: int | None = None,
    where: CallSite | str | None = None,
    detail: str | None = None,
) -> None:
    """Emit an event for the calling thread, if anyone reads events (else nothing is built)."""
    log = events.event_log
    if not log.observed:
        return
    name, ident = actor()
    log.emit(kind, name, ident, obj=obj, value=value, location=text(where), detail=detail)
