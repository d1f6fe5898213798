"""ScheduleCheck: run a threaded scenario under the controlled scheduler and report evidence.

Only confirmed evidence fails: a deadlock the scheduler reached, a Violation the scenario raised
under a concrete schedule, or an exception in a learner thread — each with the seed that
replays it. A budget spent without a failure returns no FAIL (a lock-order inversion seen in
finished runs and locks held across sleeps are advice, WARN, unless the check targets them).
"""

from __future__ import annotations

import functools
import os
from dataclasses import replace
from types import ModuleType
from typing import Any

from evaluator.detectors.deadlock import (
    deadlock_finding,
    find_inversions,
    inversion_evidence,
    lock_order_finding,
)
from evaluator.detectors.held_locks import find_locks_held_during_io
from evaluator.detectors.race import interleaving_evidence, lost_updates, switch_evidence
from evaluator.findings import Finding, FindingKind, Severity
from evaluator.scheduler import Budget, RunOutcome, ScheduleRun, explore
from evaluator.spec import CheckContext, ScheduleCheck, Violation, check_seed

__all__ = ["exploration_stats", "failure_findings", "record_schedules", "run_schedule_check"]

exploration_stats: dict[str, dict[str, Any]] = {}
"""Check name → ``{"schedules": n, "seconds": s}`` of its latest run in this process, passing or
not (what ``CheckOutcome.schedules`` reports; the AsyncCheck records its seeds here too)."""

QUICK_SCHEDULES = 80
QUICK_SECONDS = 4.0
"""A safety cap: quick budgets, like full ones, are decided by the schedule count."""


def record_schedules(
    ctx: CheckContext, name: str, schedules: int, seconds: float, **extra: Any
) -> None:
    """Publish how many schedules/seeds a check explored (``ctx.measurements`` when the harness has it)."""
    exploration_stats[name] = {"schedules": schedules, "seconds": seconds, **extra}
    measurements = getattr(ctx, "measurements", None)
    if isinstance(measurements, dict):
        measurements["schedules"] = schedules
        measurements["exhaustive"] = bool(extra.get("exhaustive", False))


def run_schedule_check(
    check: ScheduleCheck, program: ModuleType, ctx: CheckContext
) -> list[Finding]:
    """Explore schedules of ``check.scenario(program)``, deterministically from the grading's seed.

    The exploration is bounded by a number of schedules (the wall-clock cap is a safety net),
    so the same file and seed always explore the same schedules: ``learn check N --replay SEED``
    re-grades with that seed and reproduces every finding. Findings carry the grading's seed;
    the failing schedule's own seed is in ``data["schedule_seed"]``.
    """
    budget = Budget(
        check.max_schedules, check.max_seconds, check.preemption_bound, check.strategies
    )
    if ctx.quick:
        budget.max_schedules = min(budget.max_schedules, QUICK_SCHEDULES)
        budget.max_seconds = min(budget.max_seconds, QUICK_SECONDS)
        budget.stop_when_dfs_exhausted = True
    seed = check_seed(ctx.seed, check.name) & 0xFFFF_FFFF
    targeted = check.kind is FindingKind.LOCK_HELD_DURING_IO

    def held_lock_shown(run: ScheduleRun) -> bool:
        return targeted and bool(find_locks_held_during_io(run.events))

    scenario = check.scenario
    if check.prepare is not None:
        prepared = check.prepare(program)
        scenario = functools.partial(check.scenario, prepared=prepared)
    result = explore(
        scenario,
        program,
        program_path=ctx.program_path,
        seed=seed,
        budget=budget,
        enough=held_lock_shown,
    )
    data = {
        "schedules": result.schedules,
        "seconds": round(result.seconds, 3),
        "dfs_exhausted": result.dfs_exhausted,
        "exhaustive": result.por_exhausted,
        "outcomes": dict(result.outcomes),
    }
    record_schedules(
        ctx,
        check.name,
        result.schedules,
        result.seconds,
        dfs_exhausted=result.dfs_exhausted,
        exhaustive=result.por_exhausted,
    )
    findings: list[Finding] = []
    inversions = find_inversions(result.lock_edges)
    if result.failure is not None:
        extra = [line for pair in inversions for line in inversion_evidence(pair)]
        findings += failure_findings(
            check, result.failure, ctx, data, extra_deadlock_evidence=extra
        )
    if result.failure is None or result.failure.outcome is not RunOutcome.DEADLOCK:
        findings += [lock_order_finding(pair, check=check.name) for pair in inversions]
    if result.stuck:
        findings.append(
            Finding(
                kind=FindingKind.TIMEOUT,
                severity=Severity.WARN,
                title="a thread blocked in an operation the scheduler cannot see, so exploration stopped early",
                evidence=(
                    f"{result.schedules} schedule(s) explored before a thread blocked outside the "
                    "instrumented primitives (for example a lock made with _thread or before the grader started)",
                ),
                hint="Use the threading/queue primitives from the standard modules so the grader can schedule them.",
                check=check.name,
                data=data,
            )
        )
    if result.first_run is not None:
        findings += _held_lock_findings(check, result.first_run, data, ctx.seed)
    return findings


def _held_lock_findings(
    check: ScheduleCheck, run: ScheduleRun, data: dict[str, Any], seed: int
) -> list[Finding]:
    """Locks held across sleeps in ``run``: FAIL when the check targets them, else advice."""
    targeted = check.kind is FindingKind.LOCK_HELD_DURING_IO
    held = find_locks_held_during_io(
        run.events, severity=Severity.FAIL if targeted else Severity.WARN, check=check.name
    )
    return [replace(f, seed=seed, data={**f.data, **data, "schedule_seed": run.seed}) for f in held]


def _program_lines(frames: tuple[str, ...], program_name: str) -> list[str]:
    lines = []
    for frame in frames:
        path, _, rest = frame.partition(":")
        if os.path.basename(path) == program_name:
            lines.append(f"  at {program_name}:{rest}")
    return lines


def failure_findings(
    check: ScheduleCheck,
    run: ScheduleRun,
    ctx: CheckContext,
    data: dict[str, Any],
    *,
    extra_deadlock_evidence: list[str] | None = None,
) -> list[Finding]:
    """The FAIL finding(s) for one failing run."""
    program_name = ctx.program_path.name
    data = {
        **data,
        "strategy": run.strategy,
        "decisions": len(run.decisions),
        "steps": run.steps,
        "virtual_ms": run.virtual_ns / 1e6,
        "schedule_seed": run.seed,
    }
    if run.outcome is RunOutcome.DEADLOCK and run.deadlock is not None:
        return [
            deadlock_finding(
                run.deadlock,
                check=check.name,
                seed=ctx.seed,
                hint=check.hint,
                inversions=extra_deadlock_evidence or (),
                data=data,
            )
        ]
    interleaving = interleaving_evidence(run.accesses) or switch_evidence(
        run.switches, program_name
    )
    lost = lost_updates(run.accesses)
    location = None
    if run.accesses:
        relevant = (
            [s for i, s in enumerate(run.accesses) if i in lost]
            or [s for s in run.accesses if s.tid != 0]
            or list(run.accesses)
        )
        location = relevant[0].location
    crash_lines = []
    for name, exc, frames in run.thread_errors:
        crash_lines.append(f"{name} raised {type(exc).__name__}: {exc}")
        crash_lines += _program_lines(frames, program_name)
    error = run.error
    if error is None and not run.thread_errors and run.lost_increments:
        return [
            Finding(
                kind=FindingKind.RACE,
                severity=Severity.FAIL,
                title="a counter lost an update: two threads changed it at the same time",
                evidence=(*run.lost_increments[:3], "the interleaving:", *interleaving),
                hint=check.hint
                or "Read-modify-write of shared state (x += 1) needs a lock around it.",
                location=location,
                seed=ctx.seed,
                check=check.name,
                data=data,
            )
        ]
    if error is None:  # a scenario helper thread may have raised the Violation itself
        error = next(
            (exc for _name, exc, _frames in run.thread_errors if isinstance(exc, Violation)), None
        )
    if isinstance(error, Violation):
        kind = error.kind if error.kind is not FindingKind.INVARIANT else check.kind
        evidence = [*error.evidence]
        if interleaving:
            evidence += ["the interleaving that breaks it:", *interleaving]
        evidence += crash_lines
        return [
            Finding(
                kind=kind,
                severity=Severity.FAIL,
                title=error.message,
                evidence=tuple(evidence),
                hint=check.hint,
                location=location,
                seed=ctx.seed,
                check=check.name,
                data=data,
            )
        ]
    if error is not None:
        crash_lines.insert(0, f"the scenario raised {type(error).__name__}: {error}")
        import traceback

        frames = tuple(
            f"{f.filename}:{f.lineno} in {f.name}"
            for f in traceback.extract_tb(error.__traceback__)
        )
        crash_lines[1:1] = _program_lines(frames, program_name)
    title = (
        f"{run.thread_errors[0][0]} crashed with {type(run.thread_errors[0][1]).__name__} under this schedule"
        if run.thread_errors
        else f"the scenario crashed with {type(error).__name__} under this schedule"
    )
    evidence = crash_lines + (
        ["the interleaving before it:", *interleaving] if interleaving else []
    )
    return [
        Finding(
            kind=FindingKind.CRASH,
            severity=Severity.FAIL,
            title=title,
            evidence=tuple(evidence),
            hint=check.hint,
            location=location,
            seed=ctx.seed,
            check=check.name,
            data=data,
        )
    ]
