"""PerformanceCheck: as fast as a reference solution, and actually concurrent?

* **Ratio**: the workload runs on the learner's module and on the reference solution
  alternately, ``repeats`` times in the same process; the median of the per-pair time ratios
  is robust to a busy machine. Above ``max_ratio`` → TOO_SLOW.
* **Achieved overlap**: one probe run of each records every thread's blocking waits (sleeps,
  from the instrumentation's events or, without it, a profiler watching ``time.sleep``).
  Overlap = total waiting time / time during which anyone waited: ~1 when the waits run one
  after another, ~N when N threads wait together. Fully serialized while the reference
  overlaps → SERIALIZED.
* **Locks held across sleeps/I/O**: the held-locks detector runs on the probe's events.
"""

from __future__ import annotations

import dataclasses
import importlib
import statistics
import sys
import threading
from collections.abc import Callable
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any

from evaluator import realtime
from evaluator.events import Event, EventKind, event_log
from evaluator.findings import Finding, FindingKind, Severity

if TYPE_CHECKING:
    from evaluator.spec import CheckContext, PerformanceCheck

__all__ = ["overlap", "run_performance_check"]

_SERIAL_BELOW = 1.3
"""Overlap under this is "one wait at a time"."""
_CONCURRENT_FROM = 1.8
"""The reference must overlap at least this much for serializing to count as a bug."""
_REAL_SLEEP = realtime.sleep

Interval = tuple[float, float]


def overlap(intervals: list[Interval]) -> float:
    """Total length of the intervals / length of their union (1.0 = never two at once)."""
    if not intervals:
        return 0.0
    total = sum(end - start for start, end in intervals)
    union = 0.0
    current_start, current_end = None, None
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


class _SleepRecorder:
    """Records each thread's ``time.sleep`` calls with a profile hook (no patching)."""

    def __init__(self) -> None:
        self.intervals: list[Interval] = []
        self._open: dict[int, float] = {}

    def __call__(self, _frame: FrameType, event: str, arg: Any) -> None:
        if arg is not _REAL_SLEEP:
            return
        ident = threading.get_ident()
        if event == "c_call":
            self._open[ident] = realtime.perf_counter()
        elif event in ("c_return", "c_exception") and ident in self._open:
            self.intervals.append((self._open.pop(ident), realtime.perf_counter()))

    def run(self, workload: Callable[[], Any]) -> None:
        threading.setprofile(self)
        sys.setprofile(self)
        try:
            workload()
        finally:
            sys.setprofile(None)
            threading.setprofile(None)


def _event_intervals(events: tuple[Event, ...]) -> list[Interval]:
    """Sleep intervals from the instrumentation's SLEEP_START/SLEEP_END events."""
    opened: dict[int, int] = {}
    intervals = []
    for event in events:
        if event.kind is EventKind.SLEEP_START:
            opened[event.actor_id] = event.ts_ns
        elif event.kind is EventKind.SLEEP_END and event.actor_id in opened:
            intervals.append((opened.pop(event.actor_id) / 1e9, event.ts_ns / 1e9))
    return intervals


def _probe(workload: Callable[[ModuleType], Any], module: ModuleType) -> tuple[float, tuple[Event, ...]]:
    """Run once, recording waits; returns (overlap, events of this run)."""
    before = event_log.snapshot()
    start = before[-1].seq if before else -1
    recorder = _SleepRecorder()
    recorder.run(lambda: workload(module))
    events = tuple(e for e in event_log.snapshot() if e.seq > start)
    intervals = _event_intervals(events) or recorder.intervals
    return overlap(intervals), events


def _timed(workload: Callable[[ModuleType], Any], module: ModuleType) -> float:
    began = realtime.perf_counter()
    workload(module)
    return realtime.perf_counter() - began


def _held_lock_findings(events: tuple[Event, ...], check: PerformanceCheck) -> list[Finding]:
    try:
        detector = importlib.import_module("evaluator.detectors.held_locks")
    except ModuleNotFoundError:
        return []
    found: list[Finding] = detector.find_locks_held_during_sleep(list(events))
    return [f if f.check else dataclasses.replace(f, check=check.name) for f in found]


def run_performance_check(check: PerformanceCheck, program: ModuleType, ctx: CheckContext) -> list[Finding]:
    """Compare with the reference in the same run; see the module docstring for the rules."""
    reference = ctx.load_reference(check.reference)
    mine_overlap, events = _probe(check.workload, program)
    ref_overlap, _ = _probe(check.workload, reference)
    ratios = []
    pairs = []
    for _ in range(min(2, check.repeats) if ctx.quick else check.repeats):
        learner_s = _timed(check.workload, program)
        reference_s = _timed(check.workload, reference)
        pairs.append((learner_s, reference_s))
        ratios.append(learner_s / max(reference_s, 1e-6))
    ratio = statistics.median(ratios)
    ctx.measurements["performance_ratio"] = round(ratio, 3)
    timings = "; ".join(f"{a * 1000:.0f} ms vs {b * 1000:.0f} ms" for a, b in pairs)
    findings = _held_lock_findings(events, check)
    data = {"ratio": ratio, "overlap": mine_overlap, "reference_overlap": ref_overlap}
    if check.require_concurrency and mine_overlap < _SERIAL_BELOW <= _CONCURRENT_FROM <= ref_overlap:
        findings.append(Finding(
            kind=FindingKind.SERIALIZED, severity=Severity.FAIL,
            title="the threads wait one after another: the work is serialized",
            evidence=(
                f"achieved overlap of waits: {mine_overlap:.1f}x (the reference solution: {ref_overlap:.1f}x)",
                f"time per run, yours vs reference: {timings} (median ratio {ratio:.1f}x)",
                "a lock held around the slow part lets only one thread make progress at a time",
            ),
            hint=check.hint or "Hold the lock only around the shared state, never around the slow I/O.",
            check=check.name, data=data,
        ))
    elif ratio > check.max_ratio:
        findings.append(Finding(
            kind=FindingKind.TOO_SLOW, severity=Severity.FAIL,
            title=f"{ratio:.1f}x slower than the reference solution (allowed: {check.max_ratio:g}x)",
            evidence=(f"time per run, yours vs reference: {timings}",
                      # without sleeps to measure (waits in sockets, pure CPU), an overlap says nothing
                      *([f"achieved overlap of waits: {mine_overlap:.1f}x (reference {ref_overlap:.1f}x)"]
                        if mine_overlap or ref_overlap else [])),
            hint=check.hint, check=check.name, data=data,
        ))
    return findings

