"""The controlled scheduler: serializes the learner's real OS threads, one at a time.

Every managed thread owns a *baton* (a real, initially locked lock). Exactly one thread — the
running one — is not parked on its baton. At each scheduling point the running thread asks
the chooser (a strategy) which enabled thread runs next, releases that thread's baton and
parks on its own. A thread is enabled unless it waits (``block``) for a condition that does not
hold yet. When nothing is enabled, the virtual clock jumps to the earliest timed wait; when no
thread waits with a timeout either, the run is over: a deadlock if the scenario itself cannot
finish, otherwise the leftover threads are abandoned.
"""

from __future__ import annotations

import contextlib
import math
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from evaluator import realtime
from evaluator.callsite import CallSite
from evaluator.detectors.deadlock import BlockedThread, DeadlockSnapshot, LockEdge
from evaluator.instrument._runtime import (
    LockStatistics,
    ThreadStatistics,
    call_site,
    stable_id,
    statistics,
)
from evaluator.scheduler._outcome import RunOutcome

__all__ = [
    "Abort",
    "Chooser",
    "Controller",
    "Decision",
    "Step",
    "ThreadRec",
    "Transition",
    "Wait",
    "dependent",
]

FAIRNESS_LIMIT = 2000
"""Decisions one thread may keep the processor while others are enabled (spin loops)."""
ADVERSARIAL_DECISIONS = 300
"""Decisions a strategy makes per run; after them the run continues under the fair default policy."""
TRAIL_LIMIT = 20_000
"""Steps recorded with their footprints per run; a longer run proves nothing to partial-order reduction."""


class Abort(BaseException):
    """Unwinds a managed thread when its schedule is abandoned (deadlock, step limit)."""


@dataclass
class Wait:
    """Why a thread cannot run."""

    can_run: Callable[[], bool]
    deadline_ns: int | None
    obj: object
    desc: str
    location: CallSite | None


@dataclass(eq=False)
class ThreadRec:
    """One managed thread."""

    tid: int
    """0 for the scenario, then 1, 2... in start order (stable across schedules)."""
    name: str
    daemon: bool = False
    baton: Any = field(default_factory=realtime.allocate_lock)
    ident: int | None = None
    os_thread: Any = None
    done: bool = False
    wait: Wait | None = None
    timed_out: bool = False
    error: BaseException | None = None
    error_frames: tuple[str, ...] = ()
    held: list[tuple[object, CallSite | None]] = field(default_factory=list)
    last_line: int | None = None
    """Last line of the learner's file this thread executed."""
    pending: Any = None
    """An access whose value the tracer reads at the thread's next trace event."""
    acquiring: object | None = None
    """The lock this thread is about to acquire (set around the scheduling point before it)."""
    started_by: int | None = None
    """Index of the step that started this thread, until its own first step is recorded."""
    read_pending: bool = False
    """It read shared state since its last decision: a preemption now splits a check from its act."""

    def __post_init__(self) -> None:
        self.baton.acquire()


@dataclass(frozen=True)
class Decision:
    """A scheduling point where more than one thread could run."""

    enabled: tuple[int, ...]
    current: int | None
    """The running thread if it could continue (choosing another is a preemption)."""
    chosen: int
    focus: bool = False
    """A focus point: preempting ``current`` here is where check-then-act races and lock-order
    deadlocks open (see :func:`focus_point`)."""


@dataclass(frozen=True)
class Step:
    """A read or write of shared state by a thread, for race evidence."""

    tid: int
    thread: str
    location: str
    action: str
    """"read" or "write"."""
    expr: str
    value: str | None
    key: tuple[int, str]
    """Identity of the memory location (object id, attribute/key)."""


OPAQUE = ("opaque",)
"""Footprint key of a step that ran code the grader cannot see into (third-party or simulated-world
code with state of its own): dependent with every other step, so partial-order reduction never
assumes it commutes."""
CLOCK = ("clock",)
"""Footprint key of the virtual clock: moved by a wake-up, read by sleeps, timed waits and time reads."""
IO = ("io",)
"""Footprint key of the file system and sockets (a learner line that does I/O)."""


@dataclass
class Transition:
    """What one thread did between two scheduling points: the unit partial-order reduction reorders."""

    tid: int
    options: tuple[int, ...]
    """Threads that could have run at the scheduling point before it."""
    decision: int | None
    """Index into ``Controller.decisions`` when that point was a decision (more than one option)."""
    footprint: dict[tuple[Any, ...], bool] = field(default_factory=dict)
    """Objects touched → written (True) or only read (False)."""
    after: int | None = None
    """For a thread's first step: the step that started the thread (it happens before)."""


def dependent(a: dict[tuple[Any, ...], bool], b: dict[tuple[Any, ...], bool]) -> bool:
    """Do two steps fail to commute? They touch one object and one of them writes it (or either is opaque)."""
    if OPAQUE in a or OPAQUE in b:
        return True
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    for key, writes in small.items():
        other = large.get(key)
        if other is not None and (writes or other):
            return True
    return False


class Chooser(Protocol):
    """A scheduling strategy."""

    def choose(
        self, ctl: Controller, current: ThreadRec | None, enabled: list[ThreadRec], index: int
    ) -> ThreadRec: ...


def default_choice(
    ctl: Controller, current: ThreadRec | None, enabled: list[ThreadRec]
) -> ThreadRec:
    """Non-preemptive: keep the running thread, else the lowest id; switch after a long spin.

    Only threads that can run without moving the virtual clock are considered: by default
    time passes only when nobody can run.
    """
    enabled = [r for r in enabled if r in ctl.runnable] or enabled
    if current is None:
        return enabled[0]
    if ctl.run_length < FAIRNESS_LIMIT:
        return current
    later = [r for r in enabled if r.tid > current.tid]
    return later[0] if later else enabled[0]


class Controller:
    """One schedule's worth of scheduling state."""

    def __init__(self, chooser: Chooser, *, max_steps: int = 50_000) -> None:
        self.chooser = chooser
        self.max_steps = max_steps
        self.recs: list[ThreadRec] = []
        self.by_ident: dict[int, ThreadRec] = {}
        self.clock_ns = 0
        self.steps = 0
        self.run_length = 0
        self.decisions: list[Decision] = []
        self.accesses: list[Step] = []
        self.switches: list[tuple[str, int | None, str]] = []
        """Context switches: (from thread, its last learner line, to thread)."""
        self.lock_edges: dict[tuple[int, int], LockEdge] = {}
        self.aborting = False
        self.outcome: RunOutcome | None = None
        """'done', 'deadlock', 'step-limit' or 'stuck'."""
        self.deadlock: DeadlockSnapshot | None = None
        self.finished = realtime.Event()
        self._thread_numbers = 0
        self.adversarial_decisions = ADVERSARIAL_DECISIONS
        self.wake_choices = True
        """Offer timed waiters as choices while others can run (see :meth:`_next_waker`)."""
        self.runnable: list[ThreadRec] = []
        """At the current decision: the threads that can run without moving the clock."""
        self.trail: list[Transition] = []
        """Every step of this run in order, with its footprint (for partial-order reduction)."""
        self._footprint: dict[tuple[Any, ...], bool] = {}
        self._created: dict[int, int] = {}

    # --- threads -------------------------------------------------------------------------
    def new_rec(self, name: str, daemon: bool = False) -> ThreadRec:
        rec = ThreadRec(tid=len(self.recs), name=name, daemon=daemon)
        self.recs.append(rec)
        return rec

    def current(self) -> ThreadRec | None:
        return self.by_ident.get(realtime.get_ident())

    def thread_number(self) -> int:
        self._thread_numbers += 1
        return self._thread_numbers

    def register_thread(self, thread: Any) -> ThreadRec:
        rec = self.new_rec(thread.name, bool(thread.daemon))
        rec.os_thread = thread
        rec.started_by = len(self.trail) - 1 if self.trail else None
        return rec

    def thread_body(
        self, rec: ThreadRec, run: Callable[[], None], trace: Callable[..., Any] | None = None
    ) -> None:
        """Run ``run`` as managed thread ``rec``: park until scheduled, trace learner code, exit."""
        from evaluator.events import EventKind
        from evaluator.instrument._runtime import emit

        rec.ident = realtime.get_ident()
        self.by_ident[rec.ident] = rec
        rec.baton.acquire()
        try:
            if self.aborting:
                return
            emit(EventKind.THREAD_START)
            tracer = trace or self.trace_function
            if tracer is not None:
                sys.settrace(tracer)
            run()
        except Abort:
            pass
        except BaseException as exc:
            if not self.aborting:
                rec.error = exc
                rec.error_frames = tuple(
                    f"{frame.filename}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}"
                    for frame in traceback.extract_tb(exc.__traceback__)
                )
        finally:
            sys.settrace(None)
            if not self.aborting:
                emit(EventKind.THREAD_END)
            self._exit(rec)

    trace_function: Callable[..., Any] | None = None
    """Installed in every managed thread (the learner-file line/opcode tracer)."""

    def _exit(self, rec: ThreadRec) -> None:
        rec.done = True
        self.touch(("thread", rec.tid))
        if self.aborting:
            return
        if all(r.done for r in self.recs):
            self._finish(RunOutcome.DONE)
            return
        if self.recs[0].done and all(r.done or r.daemon for r in self.recs):
            self._finish(
                RunOutcome.LEFTOVER, rec
            )  # only daemon threads remain: the program would exit now
            return
        with contextlib.suppress(Abort):
            self._reschedule(rec)

    # --- scheduling points ---------------------------------------------------------------
    def preempt(self, rec: ThreadRec) -> None:
        """A point where the running thread may be preempted."""
        if self.aborting:
            return
        self._reschedule(rec)

    def block(
        self,
        rec: ThreadRec,
        can_run: Callable[[], bool],
        timeout: float | None,
        obj: object,
        desc: str,
    ) -> bool:
        """Wait until ``can_run()``; False when ``timeout`` (virtual seconds) passes first."""
        if self.aborting:
            raise Abort()
        # Rounded up, at least 1 ns: a caller re-waiting for "the rest" of a float deadline
        # (Condition.wait_for) must see the clock move, or it would spin at one instant forever.
        deadline = None if timeout is None else self.clock_ns + max(1, math.ceil(timeout * 1e9))
        # A blocking wait is not a step of its own: a lock's acquire is recorded by the lock, and
        # a join (like a lock) can only complete after the thread's exit: it reads it on return.
        if obj is not None and desc not in ("lock", "join"):
            self.touch(("obj", stable_id(obj)))
        if deadline is not None:
            self.touch(CLOCK, False)
        rec.wait = Wait(can_run, deadline, obj, desc, call_site())
        rec.timed_out = False
        try:
            while True:
                self._reschedule(rec)
                if can_run():
                    joined = statistics(obj) if desc == "join" else None
                    if isinstance(joined, ThreadStatistics) and joined.record is not None:
                        self.touch(("thread", joined.record.tid), False)
                    return True
                if rec.timed_out:
                    return False
        finally:
            rec.wait = None
            rec.timed_out = False

    def now_ns(self) -> int:
        self.touch(CLOCK, False)
        return self.clock_ns

    def new_object_serial(self) -> tuple[int, int]:
        """A schedule-independent identity for a primitive created now (see ``Named._cl_serial``)."""
        rec = self.current()
        tid = rec.tid if rec is not None else -1
        self._created[tid] = count = self._created.get(tid, 0) + 1
        return (tid, count)

    def touch(self, key: tuple[Any, ...], writes: bool = True) -> None:
        """Record that the running step touched ``key`` (see :class:`Transition`)."""
        if writes or key not in self._footprint:
            self._footprint[key] = writes

    def _begin_step(self, rec: ThreadRec, options: list[ThreadRec], decision: int | None) -> None:
        if len(self.trail) < TRAIL_LIMIT:
            step = Transition(
                rec.tid, tuple(r.tid for r in options), decision, after=rec.started_by
            )
            rec.started_by = None
            self.trail.append(step)
            self._footprint = step.footprint
        else:
            self._footprint = {}

    def _enabled(self) -> list[ThreadRec]:
        return [
            r
            for r in self.recs
            if not r.done and (r.wait is None or r.timed_out or r.wait.can_run())
        ]

    def _next_waker(self, enabled: list[ThreadRec]) -> ThreadRec | None:
        """The timed waiter whose deadline comes first (lowest id on a tie), if any.

        Virtual time must not serialize: a thread in ``time.sleep(x)`` or a timed wait may wake at
        its deadline while others are still runnable (they might simply be slow), so the earliest
        waker is offered as one more choice at every decision. Choosing it moves the clock.
        """
        best: ThreadRec | None = None
        for r in self.recs:
            if (
                r.done
                or r.wait is None
                or r.timed_out
                or r.wait.deadline_ns is None
                or r in enabled
            ):
                continue
            if best is None or r.wait.deadline_ns < _deadline(best):
                best = r
        return best

    def _wake(self, rec: ThreadRec) -> None:
        """Advance the clock to ``rec``'s deadline; every wait due by then times out."""
        self._advance_to(_deadline(rec))

    def _advance_to(self, deadline_ns: int) -> None:
        """Move the clock to ``deadline_ns`` (never back) and time out every wait due by then."""
        self.clock_ns = max(self.clock_ns, deadline_ns)
        for r in self.recs:
            if (
                not r.done
                and r.wait
                and r.wait.deadline_ns is not None
                and r.wait.deadline_ns <= self.clock_ns
            ):
                r.timed_out = True

    def _advance_clock(self) -> bool:
        deadlines = [
            r.wait.deadline_ns
            for r in self.recs
            if not r.done and r.wait and r.wait.deadline_ns is not None
        ]
        if not deadlines:
            return False
        self._advance_to(min(deadlines))
        return True

    def _reschedule(self, me: ThreadRec) -> None:
        if self.aborting:
            if me.done:
                return
            raise Abort()
        self.steps += 1
        if self.steps > self.max_steps:
            self._finish(RunOutcome.STEP_LIMIT, me)
            if me.done:
                return
            raise Abort()
        enabled = self._enabled()
        clock_moved = False
        if not enabled and self._advance_clock():
            clock_moved = True
            enabled = self._enabled()
        if not enabled:
            self._finish_stuck(me)
            if me.done:
                return
            raise Abort()
        current = me if not me.done and me in enabled else None
        waker = self._next_waker(enabled) if self.wake_choices else None
        options = [*enabled, waker] if waker is not None else enabled
        self.runnable = enabled
        decided = False
        if len(options) == 1:
            nxt = options[0]
        elif len(self.decisions) >= self.adversarial_decisions:
            # Past the adversarial prefix the run goes on fairly (CHESS-style): retry loops with
            # backoff finish instead of livelocking under an unfair priority schedule, while a
            # livelock under fair scheduling still reaches the step limit.
            nxt = default_choice(self, current, enabled)
        else:
            nxt = self.chooser.choose(self, current, options, len(self.decisions))
            self.decisions.append(
                Decision(
                    tuple(r.tid for r in options),
                    current.tid if current else None,
                    nxt.tid,
                    focus_point(current),
                )
            )
            decided = True
            if current is not None:
                current.read_pending = False
        clock_before = self.clock_ns
        if nxt is waker:
            self._wake(nxt)
        self._begin_step(nxt, options, len(self.decisions) - 1 if decided else None)
        if self.clock_ns != clock_before or clock_moved:
            self.touch(CLOCK)
        if nxt is me:
            self.run_length += 1
            return
        self.run_length = 0
        if len(self.switches) < 5_000:
            self.switches.append((me.name, me.last_line, nxt.name))
        nxt.baton.release()
        if me.done:
            return
        me.baton.acquire()
        if self.aborting:
            raise Abort()

    # --- ending a run --------------------------------------------------------------------
    def start(self, first: ThreadRec) -> None:
        self._begin_step(first, [first], None)
        first.baton.release()

    def _finish(self, outcome: RunOutcome, me: ThreadRec | None = None) -> None:
        """Record the outcome and wake every parked thread so it unwinds (Abort)."""
        if self.outcome is not None:
            return
        self.outcome = outcome
        if outcome is not RunOutcome.DONE:
            self.aborting = True
            for r in self.recs:
                if r is not me and not r.done:
                    r.baton.release()
        self.finished.set()

    def abort_from_outside(self, outcome: RunOutcome) -> None:
        """The watchdog's exit: a managed thread blocked in something we do not control."""
        self._finish(outcome)

    def _finish_stuck(self, me: ThreadRec) -> None:
        snapshot = self.snapshot_blocked()
        scenario_done = self.recs[0].done
        if not scenario_done or snapshot.cycle():
            self.deadlock = snapshot
            self._finish(RunOutcome.DEADLOCK, me)
        else:
            self._finish(RunOutcome.LEFTOVER, me)

    def snapshot_blocked(self) -> DeadlockSnapshot:
        """Who waits for what, who holds what (for the deadlock message)."""
        blocked = []
        for r in self.recs:
            if r.done or r.wait is None:
                continue
            obj = r.wait.obj
            owner = None
            stats = statistics(obj)
            if isinstance(stats, LockStatistics) and stats.owner_ident in self.by_ident:
                owner = self.by_ident[stats.owner_ident].name
            elif isinstance(stats, ThreadStatistics) and stats.record is not None:
                owner = stats.record.name
            blocked.append(
                BlockedThread(
                    name=r.name,
                    desc=r.wait.desc,
                    waits_for=_describe(obj, r.wait.desc),
                    wait_location=r.wait.location,
                    owner=owner,
                    holds=tuple((_describe(lock, "lock"), where) for lock, where in r.held),
                )
            )
        return DeadlockSnapshot(tuple(blocked))

    # --- lock bookkeeping (owners, lock-order graph) -------------------------------------
    def note_order(self, rec: ThreadRec, lock: object) -> None:
        """A blocking acquire of ``lock`` while holding others: edges of the lock-order graph."""
        where = None
        for held, held_where in rec.held:
            if held is not lock:
                where = where or call_site()
                self.lock_edges.setdefault(
                    (id(held), id(lock)),
                    LockEdge(
                        _describe(held, "lock"),
                        _describe(lock, "lock"),
                        rec.name,
                        held_where,
                        where,
                    ),
                )

    def note_acquire(self, rec: ThreadRec, lock: object) -> None:
        rec.held.append((lock, call_site()))

    def note_release(self, rec: ThreadRec, lock: object) -> None:
        for owner in [rec, *self.recs]:
            for i in range(len(owner.held) - 1, -1, -1):
                if owner.held[i][0] is lock:
                    del owner.held[i]
                    return

    def record_access(self, step: Step) -> None:
        if step.action == "read" and step.tid < len(self.recs):
            self.recs[step.tid].read_pending = True
        if len(self.accesses) < 20_000:
            self.accesses.append(step)


def focus_point(current: ThreadRec | None) -> bool:
    """Is preempting ``current`` here likely to matter? Two places where concurrency bugs open:
    right after it read shared state (a check whose act has not happened yet: lost updates,
    check-then-act, stale reads) and right before it takes a lock while holding another (the
    hold-and-wait step of every lock-order deadlock). Strategies put their preemptions there
    first; every other point is still explored by the unfocused strategies."""
    if current is None:
        return False
    return current.read_pending or (current.acquiring is not None and bool(current.held))


def _deadline(rec: ThreadRec) -> int:
    assert rec.wait is not None and rec.wait.deadline_ns is not None
    return rec.wait.deadline_ns


def _describe(obj: object, desc: str) -> str:
    stats = statistics(obj)
    if isinstance(stats, ThreadStatistics):
        return f"{stats.description} to finish"
    if stats is not None:
        return stats.description
    if desc == "sleep":
        return "the clock (sleep)"
    if desc == "join":
        return f"thread {getattr(obj, 'name', '?')} to finish"
    return repr(obj)
