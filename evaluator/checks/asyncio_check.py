"""AsyncCheck: run an asyncio scenario on the virtual-time loop over several seeds.

A Violation is reported with ``check.kind``; "every task waits and nothing can wake them" is a
DEADLOCK with each task's await chain; tasks still pending when the scenario's coroutine
returns are a TASK_LEAK with where each was created and where it waits.
"""

from __future__ import annotations

import time
import traceback
from types import ModuleType
from typing import Any

from evaluator.aio import AsyncRun, run_async_scenario
from evaluator.checks.schedule import record_schedules
from evaluator.findings import Finding, FindingKind, Severity
from evaluator.scheduler import _seed
from evaluator.spec import AsyncCheck, CheckContext, Violation

__all__ = ["async_seeds", "run_async_check"]


def async_seeds(ctx: CheckContext, count: int) -> list[int]:
    """The loop seeds this check runs, derived from the grading's seed (a replay re-grades with it)."""
    return [_seed.encode(_seed.TAG_ASYNC, [ctx.seed * 1000 + i]) for i in range(count)]


def run_async_check(check: AsyncCheck, program: ModuleType, ctx: CheckContext) -> list[Finding]:
    seeds = async_seeds(ctx, min(check.seeds, 5) if ctx.quick else check.seeds)
    total_virtual = 0.0
    started = time.perf_counter()
    findings: list[Finding] = []
    for n, seed in enumerate(seeds, start=1):
        run = run_async_scenario(lambda: check.scenario(program), seed, str(ctx.program_path))
        total_virtual += run.virtual_seconds
        data = {"seeds": n, "virtual_seconds": round(total_virtual, 6), "loop_seed": seed}
        findings = _findings(check, run, ctx, data)
        record_schedules(ctx, check.name, n, time.perf_counter() - started)
        if findings:
            break
    return findings


def _findings(
    check: AsyncCheck, run: AsyncRun, ctx: CheckContext, data: dict[str, Any]
) -> list[Finding]:
    name = ctx.program_path.name
    if run.deadlocked:
        return [
            Finding(
                kind=FindingKind.DEADLOCK,
                severity=Severity.FAIL,
                title="Deadlock: every task is waiting and nothing can wake them",
                evidence=tuple(t.describe() for t in run.deadlocked),
                hint=check.hint
                or "Find what each task waits for and who was supposed to set or release it.",
                location=_location(run.deadlocked[0].awaiting),
                seed=ctx.seed,
                check=check.name,
                data=data,
            )
        ]
    error = run.error
    if isinstance(error, Violation):
        kind = error.kind if error.kind is not FindingKind.INVARIANT else check.kind
        evidence = (*error.evidence, "the task interleaving that breaks it:", *run.interleaving)
        return [
            Finding(
                kind=kind,
                severity=Severity.FAIL,
                title=error.message,
                evidence=evidence,
                hint=check.hint,
                seed=ctx.seed,
                check=check.name,
                data=data,
            )
        ]
    if error is not None:
        frames = [
            f"  at {name}:{f.lineno} in {f.name}: {f.line}"
            for f in traceback.extract_tb(error.__traceback__)
            if f.filename.endswith(name)
        ]
        return [
            Finding(
                kind=FindingKind.CRASH,
                severity=Severity.FAIL,
                title=f"the scenario crashed with {type(error).__name__}: {error}",
                evidence=tuple(frames),
                hint=check.hint,
                seed=ctx.seed,
                check=check.name,
                data=data,
            )
        ]
    if run.leaked and check.check_task_leaks:
        leaks: list[str] = []
        for task in run.leaked:
            created = f", created at {task.created_at}" if task.created_at else ""
            leaks.append(
                f"{task.name} still pending{created}; it waits at "
                f"{task.awaiting[-1] if task.awaiting else 'an unknown place'}"
            )
        return [
            Finding(
                kind=FindingKind.TASK_LEAK,
                severity=Severity.FAIL,
                title=f"{len(run.leaked)} task(s) still running after the scenario returned",
                evidence=tuple(leaks),
                hint=check.hint
                or "Keep a reference to every task you create and await (or cancel and await) it before returning.",
                location=_location(tuple(t.created_at or "" for t in run.leaked)),
                seed=ctx.seed,
                check=check.name,
                data=data,
            )
        ]
    return []


def _location(lines: tuple[str, ...]) -> str | None:
    for line in lines:
        if line:
            return line.split(" in ", 1)[0]
    return None
