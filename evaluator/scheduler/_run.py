"""Running a scenario under one schedule, and exploring many schedules within a budget."""

from __future__ import annotations

import contextlib
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from evaluator import events, realtime
from evaluator.detectors.deadlock import DeadlockSnapshot, LockEdge
from evaluator.instrument import _runtime, _time
from evaluator.scheduler._controller import (
    ADVERSARIAL_DECISIONS,
    TRAIL_LIMIT,
    Abort,
    Chooser,
    Controller,
    Decision,
    Step,
    Transition,
)
from evaluator.scheduler._outcome import RunOutcome
from evaluator.scheduler._strategies import (
    DfsExplorer,
    DporExplorer,
    FocusedPct,
    FocusRoundRobin,
    Guided,
    Pct,
    RandomWalk,
)
from evaluator.scheduler._tracer import ProgramTracer

__all__ = [
    "Budget",
    "Exploration",
    "ScheduleRun",
    "explore",
    "live_threads",
    "run_schedule",
    "unobserved",
]

SCENARIO_THREAD = "MainThread"


@dataclass
class ScheduleRun:
    """What happened under one schedule."""

    seed: int
    strategy: str
    outcome: RunOutcome
    error: BaseException | None
    """What the scenario raised (a Violation, or any other exception)."""
    thread_errors: list[tuple[str, BaseException, tuple[str, ...]]]
    decisions: list[Decision]
    accesses: list[Step]
    switches: list[tuple[str, int | None, str]]
    deadlock: DeadlockSnapshot | None
    lock_edges: list[LockEdge]
    events: list[events.Event]
    virtual_ns: int
    steps: int
    trail: list[Transition] = field(default_factory=list)
    """Every step with its footprint (what partial-order reduction reorders)."""

    @property
    def cut_short(self) -> bool:
        """Did the run end before its steps could all be analysed (so its trail proves nothing)?"""
        return (
            self.outcome in (RunOutcome.STEP_LIMIT, RunOutcome.STUCK)
            or len(self.decisions) >= ADVERSARIAL_DECISIONS
            or len(self.trail) >= TRAIL_LIMIT
        )

    @property
    def failed(self) -> bool:
        return (
            self.outcome is RunOutcome.DEADLOCK
            or self.error is not None
            or bool(self.thread_errors)
            or bool(self.lost_increments)
        )

    @property
    def lost_increments(self) -> list[str]:
        """Counter updates this run lost (evidence of a race even when nothing else broke)."""
        from evaluator.detectors.race import lost_increments

        cached = self.__dict__.get("_lost")
        if cached is None:
            cached = self.__dict__["_lost"] = lost_increments(self.accesses)
        return cached


def run_schedule(
    scenario: Callable[[ModuleType], Any],
    program: ModuleType,
    chooser: Chooser,
    *,
    tracer: ProgramTracer | None,
    max_steps: int = 50_000,
    stuck_seconds: float = 2.0,
    wake_choices: bool = True,
    restore_random: bool = True,
) -> ScheduleRun:
    """Run ``scenario(program)`` once, every managed thread serialized by ``chooser``.

    ``wake_choices=False`` keeps the virtual clock still while any thread can run (the
    timing model of the performance check: computation is free, waits cost their time).
    ``restore_random=False``: the caller saves and restores the ``random`` module's state around
    many runs (``explore``) instead of around each one.
    """
    ctl = Controller(chooser, max_steps=max_steps)
    ctl.wake_choices = wake_choices
    if tracer is not None:
        ctl.trace_function = tracer.trace_function(ctl)
    scenario_rec = ctl.new_rec(SCENARIO_THREAD)
    box: dict[str, BaseException] = {}

    def scenario_body() -> None:
        def run() -> None:
            try:
                scenario(program)
            except BaseException as exc:
                if ctl.aborting or isinstance(exc, Abort):
                    raise
                box["error"] = exc

        ctl.thread_body(scenario_rec, run)

    captured: list[events.Event] = []
    unsubscribe = events.event_log.subscribe(captured.append)
    saved_clock = events.event_log.clock
    events.event_log.clock = lambda: ctl.clock_ns
    _runtime.controller = ctl
    _runtime.site_counts.clear()
    random_state = random.getstate() if restore_random else None
    # The learner's randomness replays too. Guided schedules share one stream, so a schedule that
    # forces a prefix of another's choices also repeats its random draws up to there.
    random.seed(getattr(chooser, "random_seed", None) or chooser.seed)  # type: ignore[attr-defined]
    try:
        os_thread = realtime.Thread(
            target=scenario_body, name="concurrency-lab scenario", daemon=True
        )
        scenario_rec.os_thread = os_thread
        os_thread.start()
        ctl.start(scenario_rec)
        last_steps, stalled = -1, 0.0
        while not ctl.finished.wait(0.05):
            # No step for a while: stuck, unless the scenario runs set-up unobserved (which
            # hands the controller back when it is done).
            if ctl.steps == last_steps and _runtime.controller is ctl:
                stalled += 0.05
                if stalled >= stuck_seconds:
                    ctl.abort_from_outside(RunOutcome.STUCK)
            else:
                last_steps, stalled = ctl.steps, 0.0
        for rec in ctl.recs:
            if rec.os_thread is not None and rec.os_thread.ident is not None:
                realtime.thread_join(rec.os_thread, 1.0)
    finally:
        _runtime.controller = None
        if random_state is not None:
            random.setstate(random_state)
        events.event_log.clock = saved_clock
        unsubscribe()
    return ScheduleRun(
        seed=chooser.seed,  # type: ignore[attr-defined]
        strategy=getattr(chooser, "name", "?"),
        outcome=ctl.outcome or RunOutcome.STUCK,
        error=box.get("error"),
        thread_errors=[(r.name, r.error, r.error_frames) for r in ctl.recs if r.error is not None],
        decisions=ctl.decisions,
        accesses=ctl.accesses,
        switches=ctl.switches,
        deadlock=ctl.deadlock,
        lock_edges=list(ctl.lock_edges.values()),
        events=captured,
        virtual_ns=ctl.clock_ns,
        steps=ctl.steps,
        trail=ctl.trail,
    )


def live_threads() -> list[str]:
    """Names of the threads the current schedule started that have not finished yet (the caller
    excluded): what a scenario asks right after ``close()`` returns, with no grace period.
    Outside the scheduler, the live threads other than the caller."""
    ctl = _runtime.controller
    if not isinstance(ctl, Controller):
        import threading

        me = realtime.get_ident()
        return [t.name for t in threading.enumerate() if t.ident != me and t.is_alive()]
    return _other_live_threads(ctl)


def _other_live_threads(ctl: Controller) -> list[str]:
    """Managed threads of ``ctl`` still running, other than the caller and the scenario thread."""
    me = realtime.get_ident()
    return [r.name for r in ctl.recs if not r.done and r.ident != me and r.tid != 0]


@contextlib.contextmanager
def unobserved() -> Iterator[None]:
    """Run a scenario's single-threaded set-up (filling a cache) at full speed, outside the
    scheduler: no scheduling points, no tracing. Only for code before the scenario starts threads."""
    ctl = _runtime.controller
    if not isinstance(ctl, Controller):
        yield
        return
    busy = _other_live_threads(ctl)
    if busy:
        raise RuntimeError(f"unobserved() while other threads run: {busy}")
    tracer = sys.gettrace()
    sys.settrace(None)
    _runtime.controller = None
    shared_clock = _time.override is None
    if shared_clock:
        _time.override = _SetUpClock(ctl)
    try:
        yield
    finally:
        if shared_clock:
            _time.override = None
        _runtime.controller = ctl
        sys.settrace(tracer)


class _SetUpClock:
    """The run's virtual clock, for set-up code that runs unobserved.

    Set-up and the threads that follow share one timeline: a timestamp taken while filling a
    cache is compared with the run's virtual time, never with the machine's real clock (whose
    value, e.g. the uptime behind ``time.monotonic()``, would decide whether an entry looks
    expired). Sleeps move the virtual clock forward; nothing else runs meanwhile.
    """

    def __init__(self, ctl: Controller) -> None:
        self.ctl = ctl

    def monotonic_ns(self) -> int:
        return _time.VIRTUAL_MONOTONIC_BASE_NS + self.ctl.clock_ns

    def time_ns(self) -> int:
        return _time.VIRTUAL_EPOCH_NS + self.ctl.clock_ns

    def sleep(self, seconds: float) -> None:
        # Rounded up, at least 1 ns, as the controller's timed waits: a caller re-waiting for "the
        # rest" of a float deadline (queue.put's loop) would otherwise wait 0 ns forever.
        if seconds > 0:
            self.ctl.clock_ns += max(1, math.ceil(seconds * 1e9))


@dataclass
class Budget:
    max_schedules: int = 400
    max_seconds: float = 1.5
    preemption_bound: int = 2
    strategies: tuple[str, ...] = ("random", "focus")  # as ScheduleCheck's default
    stop_when_dfs_exhausted: bool = False
    por: bool = True
    """Interleave partial-order reduction with the sampled schedules and stop as soon as it is
    exhausted (a proof). Its runs come on top of ``max_schedules``, at most ``por_share`` of it."""
    por_share: float = 0.5
    probe: bool = True
    """With ``por``, the first schedule is :class:`FocusRoundRobin` (a hand-over at every focus
    point) instead of the default schedule; partial-order reduction starts from either."""


@dataclass
class Exploration:
    """The result of exploring schedules: the first failing run (if any) and what was covered."""

    failure: ScheduleRun | None
    schedules: int
    seconds: float
    dfs_exhausted: bool
    lock_edges: list[LockEdge] = field(default_factory=list)
    first_run: ScheduleRun | None = None
    stuck: bool = False
    outcomes: dict[str, int] = field(default_factory=dict)
    por_exhausted: bool = False
    """Partial-order reduction ran every distinct ordering of the dependent steps it saw."""
    cpu_to_failure: float | None = None
    """Process CPU-seconds from the start of the exploration to the end of the first failing
    run, before any search for a simpler failure (what benchmarks compare with other tools)."""


def _choosers(
    budget: Budget,
    rng: random.Random,
    dfs: DfsExplorer,
    k: Callable[[], int],
    focus_k: Callable[[], int],
) -> Iterator[Any]:
    """Round-robin over the sampling strategies (DPOR schedules are interleaved by ``explore``)."""
    pct_depth = 0
    focus_depth = 1
    while True:
        progressed = False
        for name in budget.strategies:
            if name == "dfs":
                chooser = dfs.next()
                if chooser is None:
                    continue
                yield chooser
            elif name == "dpor":
                continue  # interleaved by explore (Budget.por)
            elif name == "pct":
                pct_depth = pct_depth % 3 + 1
                yield Pct(pct_depth, k(), rng.getrandbits(32))
            elif name == "focus":
                focus_depth = focus_depth % 3 + 2  # 2, 3, 4: one to three focused preemptions
                yield FocusedPct(focus_depth, focus_k(), rng.getrandbits(32))
            elif name == "random":
                yield RandomWalk(rng.getrandbits(32))
            progressed = True
        if not progressed:
            return


def explore(
    scenario: Callable[[ModuleType], Any],
    program: ModuleType,
    *,
    program_path: Path | None,
    seed: int,
    budget: Budget,
    enough: Callable[[ScheduleRun], bool] | None = None,
) -> Exploration:
    """Run schedules until one fails, ``enough(run)`` says so, the budget is spent, or partial-order
    reduction has run every distinct ordering of the steps it sees (a proof for those steps)."""
    saved_random = random.getstate()
    try:
        return _explore(
            scenario, program, program_path=program_path, seed=seed, budget=budget, enough=enough
        )
    finally:
        random.setstate(saved_random)


def _explore(
    scenario: Callable[[ModuleType], Any],
    program: ModuleType,
    *,
    program_path: Path | None,
    seed: int,
    budget: Budget,
    enough: Callable[[ScheduleRun], bool] | None,
) -> Exploration:
    rng = random.Random(seed)
    tracer = ProgramTracer(program_path) if program_path is not None else None
    dfs = DfsExplorer(budget.preemption_bound, rng)
    dpor = DporExplorer()
    decisions_per_run = [1]
    focus_per_run = [1]
    started = time.perf_counter()
    started_cpu = time.process_time()
    result = Exploration(None, 0, 0.0, False)
    edges: dict[tuple[str, str, str], LockEdge] = {}
    strategies = _choosers(budget, rng, dfs, lambda: decisions_per_run[0], lambda: focus_per_run[0])
    only_por = budget.strategies == ("dpor",)
    por_cap = budget.max_schedules if only_por else int(budget.max_schedules * budget.por_share)
    sampled, por_runs, sampling_done = 1, 0, only_por

    def pick() -> Any:
        """A DPOR schedule and a sampled one in turn; either goes on alone when the other ends."""
        nonlocal sampled, por_runs, sampling_done
        por_turn = por_runs < sampled or sampling_done or sampled >= budget.max_schedules
        for turn in (True, False) if por_turn else (False, True):
            if turn and budget.por and por_runs < por_cap:
                chosen = dpor.next()
                if chosen is not None:
                    por_runs += 1
                    return chosen
            if not turn and not sampling_done and sampled < budget.max_schedules:
                chosen = next(strategies, None)
                if chosen is not None:
                    sampled += 1
                    return chosen
                sampling_done = True
        return None

    # With partial-order reduction the first schedule is the probe: the default policy, but
    # handing over at every focus point, where most bugs open (one run finds a lost update or a
    # lock-order deadlock). Then, or first without it, the default schedule (the root): the
    # execution DPOR branches from and the root of the bounded DFS, which also searches for
    # simpler failures. A check of one schedule runs the default one only.
    probe = budget.por and budget.probe and budget.max_schedules > 1
    chooser: Any = FocusRoundRobin() if probe else Guided(name="root")
    while True:
        run = run_schedule(scenario, program, chooser, tracer=tracer, restore_random=False)
        result.schedules += 1
        result.outcomes[run.outcome] = result.outcomes.get(run.outcome, 0) + 1
        name = getattr(chooser, "name", "")
        if name == "probe" and not chooser.deviations:
            name = "root"  # no focus point with another thread ready: it was the default schedule
        if result.first_run is None or name == "root":
            result.first_run = run
            decisions_per_run[0] = max(1, len(run.decisions))
            focus_per_run[0] = max(1, sum(d.focus for d in run.decisions))
        for edge in run.lock_edges:
            edges.setdefault((edge.held, edge.acquired, edge.thread), edge)
        if run.failed:
            result.failure = run
            result.cpu_to_failure = time.process_time() - started_cpu
            # Randomized strategies find failures with many incidental preemptions: look for a
            # simpler one. The probe, DFS and DPOR deviate from the default policy only where
            # a bug opens (or at a race) already.
            if name not in ("probe", "root", "dfs", "dpor"):
                simpler = _simpler_failure(scenario, program, tracer, dfs, budget, started)
                result.schedules += simpler[1]
                result.failure = simpler[0] or run
            break
        if name == "root":
            dfs.next()  # the DFS root has run: its children come next
            dfs.feedback(Guided(), run.decisions)
        elif name == "dfs" and "dfs" in budget.strategies:
            dfs.feedback(chooser, run.decisions)
        if name in ("root", "dpor") and budget.por:
            dpor.feedback(chooser, run.decisions, run.trail, run.cut_short)
        elif name == "probe":
            # DPOR may start from any execution; from the probe's only when it has no race at all
            # (one ordering is all there is: a proof in one run). Otherwise it starts from the
            # default schedule, whose reversals reach the bugs and proofs it always reached.
            alone = DporExplorer()
            alone.feedback(chooser, run.decisions, run.trail, run.cut_short)
            if alone.exhausted and alone.complete:
                dpor = alone
        if run.outcome is RunOutcome.STUCK:
            result.stuck = True
            break
        if enough is not None and enough(run):
            break
        result.dfs_exhausted = dfs.exhausted
        result.por_exhausted = budget.por and dpor.exhausted and dpor.complete
        if result.por_exhausted:
            break
        if time.perf_counter() - started >= budget.max_seconds:
            break
        if dfs.exhausted and budget.stop_when_dfs_exhausted:
            break
        chooser = Guided(name="root") if name == "probe" else pick()
        if chooser is None:
            break
    result.dfs_exhausted = dfs.exhausted
    result.por_exhausted = budget.por and dpor.exhausted and dpor.complete
    result.seconds = time.perf_counter() - started
    result.lock_edges = list(edges.values())
    return result


SHRINK_SCHEDULES = 20
"""Extra DFS schedules spent looking for a simpler counterexample after PCT/random found one."""


def _simpler_failure(
    scenario: Callable[[ModuleType], Any],
    program: ModuleType,
    tracer: ProgramTracer | None,
    dfs: DfsExplorer,
    budget: Budget,
    started: float,
) -> tuple[ScheduleRun | None, int]:
    """A failing run with fewer preemptions (DFS order), if one turns up quickly."""
    runs = 0
    while runs < SHRINK_SCHEDULES and time.perf_counter() - started < budget.max_seconds:
        chooser = dfs.next()
        if chooser is None:
            break
        run = run_schedule(scenario, program, chooser, tracer=tracer, restore_random=False)
        runs += 1
        dfs.feedback(chooser, run.decisions)
        if run.failed:
            return run, runs
    return None, runs
