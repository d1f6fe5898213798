"""PerformanceCheck: does the fix keep the concurrency the reference has? Measured on virtual time.

Wall-clock ratios are not evidence (a busy machine makes any program slow), so the workload
runs once on the learner's module and once on the reference solution under the controlled
scheduler's fair default policy with its virtual clock: computation costs nothing, every wait
(``time.sleep``, a socket ``recv`` with a timeout, a timed lock/condition wait) costs exactly its
time, and threads wait *together* only if the program lets them. That gives, deterministically:

* **virtual time** of the whole workload (the critical path of its waits) and its ratio to the
  reference's: slower than ``max_ratio`` is TOO_SLOW;
* **overlap of waits** (total waiting / time anyone waited) and **most waits in flight**: a
  too-slow program whose waits run one at a time while the reference overlaps them is
  SERIALIZED (fewer waits, as with single-flight fetching, are never a failure by themselves);
* **locks held across a wait while another thread waits for them** (FAIL: a fix must not sleep
  or do I/O inside a critical section others need).

Every figure comes from this run and replays exactly; the same file always gets the same verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from evaluator.detectors.held_locks import find_locks_held_during_io
from evaluator.events import Event, EventKind
from evaluator.findings import Finding, FindingKind, Severity

if TYPE_CHECKING:
    from evaluator.spec import CheckContext, PerformanceCheck

__all__ = ["WaitProfile", "max_in_flight", "overlap", "profile_waits", "run_performance_check"]

_SERIAL_BELOW = 1.3
"""Overlap under this is "one wait at a time"."""
_CONCURRENT_FROM = 1.8
"""The reference must overlap at least this much for serializing to count as a bug."""
_MAX_STEPS = 2_000_000

Interval = tuple[int, int]


def overlap(intervals: list[Interval] | list[tuple[float, float]]) -> float:
    """Total length of the intervals / length of their union (1.0 = never two at once)."""
    if not intervals:
        return 0.0
    total = sum(end - start for start, end in intervals)
    union = 0.0
    current_start: float | None = None
    current_end: float | None = None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None and current_start is not None:
                union += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None and current_start is not None:
        union += current_end - current_start
    return total / union if union > 0 else 0.0


def max_in_flight(intervals: list[Interval]) -> int:
    """The most intervals open at one instant (an interval ending when another starts does not count)."""
    edges = sorted(
        [(start, 1) for start, end in intervals if end > start]
        + [(end, -1) for start, end in intervals if end > start]
    )
    best = current = 0
    for _at, delta in edges:
        current += delta
        best = max(best, current)
    return best


@dataclass(frozen=True)
class WaitProfile:
    """How one run of a workload waited, on the virtual clock."""

    virtual_ns: int
    waits: int
    overlap: float
    in_flight: int
    events: tuple[Event, ...]
    failure: str | None
    """Why the run did not finish (a deadlock, an exception), or None."""

    def describe(self) -> str:
        return (
            f"{self.virtual_ns / 1e6:.1f} ms of virtual time, {self.waits} waits, "
            f"overlap {self.overlap:.1f}x, at most {self.in_flight} at once"
        )


def _wait_intervals(events: tuple[Event, ...]) -> list[Interval]:
    opened: dict[int, int] = {}
    intervals: list[Interval] = []
    for event in events:
        if event.kind is EventKind.SLEEP_START:
            opened[event.actor_id] = event.ts_ns
        elif event.kind is EventKind.SLEEP_END and event.actor_id in opened:
            intervals.append((opened.pop(event.actor_id), event.ts_ns))
    return intervals


def profile_waits(workload: Callable[[ModuleType], Any], module: ModuleType) -> WaitProfile:
    """Run ``workload(module)`` once under the fair scheduler on virtual time."""
    from evaluator.scheduler import Guided, RunOutcome, run_schedule

    run = run_schedule(
        workload, module, Guided(), tracer=None, max_steps=_MAX_STEPS, wake_choices=False
    )
    events = tuple(run.events)
    intervals = _wait_intervals(events)
    failure = None
    if run.outcome is RunOutcome.DEADLOCK:
        failure = "every thread waits and nothing can wake them (deadlock)"
    elif run.error is not None:
        failure = f"the workload raised {type(run.error).__name__}: {run.error}"
    elif run.thread_errors:
        name, error, _frames = run.thread_errors[0]
        failure = f"{name} raised {type(error).__name__}: {error}"
    elif run.outcome in (RunOutcome.STEP_LIMIT, RunOutcome.STUCK):
        failure = f"the workload did not finish ({run.outcome})"
    return WaitProfile(
        run.virtual_ns,
        len(intervals),
        overlap(intervals),
        max_in_flight(intervals),
        events,
        failure,
    )


def run_performance_check(
    check: PerformanceCheck, program: ModuleType, ctx: CheckContext
) -> list[Finding]:
    """Profile the learner's program and the reference on the same workload; see the module docstring."""
    reference = ctx.load_reference(check.reference)
    mine = profile_waits(check.workload, program)
    ref = profile_waits(check.workload, reference)
    data: dict[str, Any] = {
        "virtual_ms": mine.virtual_ns / 1e6,
        "reference_virtual_ms": ref.virtual_ns / 1e6,
        "overlap": mine.overlap,
        "reference_overlap": ref.overlap,
        "in_flight": mine.in_flight,
        "reference_in_flight": ref.in_flight,
    }
    if mine.failure is not None and mine.failure.endswith("(stuck)"):
        return [
            Finding(
                kind=FindingKind.TIMEOUT,
                severity=Severity.WARN,
                title="the grader could not measure this workload on its virtual clock",
                evidence=(
                    "a thread blocked in something the scheduler does not control (an asyncio "
                    "event loop waiting for threads, a raw socket, a C extension)",
                    "no verdict on performance: this is a limit of the grader, not a failure",
                ),
                check=check.name,
                seed=ctx.seed,
                data=data,
            )
        ]
    if mine.failure is not None:
        return [
            Finding(
                kind=FindingKind.CRASH if "raised" in mine.failure else FindingKind.DEADLOCK,
                severity=Severity.FAIL,
                title=f"the performance workload failed: {mine.failure}",
                evidence=(check.workload.__doc__ or check.name,),
                hint=check.hint,
                check=check.name,
                seed=ctx.seed,
                data=data,
            )
        ]
    ratio = mine.virtual_ns / ref.virtual_ns if ref.virtual_ns > 0 else None
    if ratio is not None:
        ctx.measurements["performance_ratio"] = round(ratio, 3)
    evidence = (
        f"yours: {mine.describe()}",
        f"reference solution: {ref.describe()}",
        "measured on the grader's virtual clock: computation is free, every wait costs its time",
    )
    findings = [
        dataclasses.replace(f, check=f.check or check.name, seed=ctx.seed)
        for f in find_locks_held_during_io(list(mine.events), check=check.name)
    ]
    if ratio is not None and ratio > check.max_ratio:
        serialized = (
            check.require_concurrency
            and mine.overlap < _SERIAL_BELOW <= _CONCURRENT_FROM <= ref.overlap
        )
        if serialized:
            findings.append(
                Finding(
                    kind=FindingKind.SERIALIZED,
                    severity=Severity.FAIL,
                    title=f"the threads wait one after another: the work is serialized ({ratio:.1f}x the reference's time)",
                    evidence=(
                        *evidence,
                        "a lock held around the slow part lets only one thread make progress at a time",
                    ),
                    hint=check.hint
                    or "Hold the lock only around the shared state, never around the slow I/O.",
                    check=check.name,
                    seed=ctx.seed,
                    data=data,
                )
            )
        else:
            findings.append(
                Finding(
                    kind=FindingKind.TOO_SLOW,
                    severity=Severity.FAIL,
                    title=f"{ratio:.1f}x the reference solution's virtual time (allowed: {check.max_ratio:g}x)",
                    evidence=evidence,
                    hint=check.hint,
                    check=check.name,
                    seed=ctx.seed,
                    data=data,
                )
            )
    return findings
