"""``SimCheck``: grade a program by running its scenario in many seeded faulty worlds.

A challenge's spec declares::

    SimCheck("report writes follow the lock", scenario=report_scenario, seeds=30)

where ``scenario(program, world)`` builds the world (nodes running the learner's code,
services, the nemesis), runs it, and checks properties of the recorded history, raising
:class:`SimViolation` (with the virtual time it happened) when one is broken. The check tries
fault seeds derived from the grading's base seed and reports the first violation as a FAIL
finding whose evidence is the timeline around it and whose ``seed`` replays it exactly
(``learn check N --replay SEED`` runs only that fault seed).
"""

from __future__ import annotations

import random
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from evaluator.findings import Finding, FindingKind, Severity
from evaluator.spec import CheckContext, Violation, check_seed
from simworld.guard import Escape, watching
from simworld.integrity import changed_since, fingerprint
from simworld.program import SimProgram
from simworld.world import Escaped, SimStuck, World

__all__ = ["SimCheck", "SimViolation", "fault_seeds", "run_scenario"]

Scenario = Callable[[Any, World], Any]
"""``scenario(program, world)``: ``program`` is the :class:`SimProgram` (``program.on(node)``, ``program.main(name)``)."""


class SimViolation(Violation):
    """A property of the history does not hold; ``at`` is when (virtual ms) it went wrong."""

    def __init__(
        self,
        message: str,
        *evidence: str,
        at: int | None = None,
        kind: FindingKind = FindingKind.DISTRIBUTED,
    ) -> None:
        super().__init__(message, *evidence, kind=kind)
        self.at = at


HASH_PERIOD = 4_294_967_295
"""The sandbox sets ``PYTHONHASHSEED`` to a grading's seed modulo this. Every fault seed of a
grading is congruent to its base seed, so ``learn check N --replay FAULT_SEED`` runs with the
very hash seed (set iteration order) the grading had."""


def fault_seeds(base_seed: int, name: str, count: int) -> list[int]:
    """The fault seeds a grading with ``base_seed`` tries for the check ``name``."""
    rng = random.Random(check_seed(base_seed, name))
    return [base_seed % HASH_PERIOD + HASH_PERIOD * rng.randrange(1, 100_000) for _ in range(count)]


def _challenge_number(ctx: CheckContext) -> str:
    match = re.match(r"challenge(\d+)", ctx.challenge_dir.name)
    return str(int(match.group(1))) if match else "N"


def _location(exc: BaseException, program: SimProgram) -> str | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == program.path:
            return f"{program.file}:{frame.lineno}"
    return None


def run_scenario(scenario: Scenario, program: Any, seed: int) -> tuple[World, BaseException | None]:
    """Run one seeded world on fresh instances of ``program``; return it and what went wrong
    (``None``: every property held). ``random`` is seeded from ``seed`` too."""
    sim = SimProgram.of(program)
    random.seed(seed)
    world = World(seed)
    world.escapes = sim.escapes
    before = fingerprint()
    try:
        with watching(sim):
            scenario(sim, world)
    except (Violation, SimStuck, Escaped) as exc:
        return world, exc
    except Exception as exc:  # the learner's code failed outside a task (e.g. a missing name)
        return world, exc
    finally:
        for what in changed_since(before):
            sim.escapes.append(Escape(None, what))
        sim.escapes.extend(e for e in sim.shared_state_escapes() if e not in sim.escapes)
    if world.task_errors:
        return world, world.task_errors[0][1]
    return world, None


def escape_violation(
    program: SimProgram, escapes: list[Escape], seed: int | None = None
) -> SimViolation:
    """The ``outside-world`` violation for ``escapes`` (the first names the learner's line)."""
    first = escapes[0]
    violation = SimViolation(
        f"outside the simulated world: {first.describe(program.file)}",
        *(e.describe(program.file) for e in escapes[:8]),
        "A simulated node may only compute, use its own memory and node.* operations, and talk to "
        "others through its clients; the check only means something for code that stays inside.",
        at=None,
        kind=FindingKind.OUTSIDE_WORLD,
    )
    violation.location = f"{program.file}:{first.line}" if first.line else None  # type: ignore[attr-defined]
    return violation


@dataclass(frozen=True)
class SimCheck:
    """Run ``scenario`` over ``seeds`` fault seeds; FAIL on the first broken property."""

    name: str
    scenario: Scenario
    kind: FindingKind = FindingKind.DISTRIBUTED
    """Finding kind of a broken property (task crashes are CRASH, a stuck world TIMEOUT)."""
    seeds: int = 30
    quick_seeds: int = 3
    hint: str = ""

    def run(self, program: ModuleType, ctx: CheckContext) -> list[Finding]:
        fingerprint()  # the baseline, if the spec's import did not take it yet
        sim = SimProgram.of(program)
        if sim.static:
            return [self._escape_finding(sim, sim.static, ctx, None, 0)]
        if ctx.replay is not None:
            seeds = [ctx.replay]
        else:
            seeds = fault_seeds(ctx.seed, self.name, self.quick_seeds if ctx.quick else self.seeds)
        for tried, seed in enumerate(seeds, 1):
            fresh = sim.fresh()
            world, problem = run_scenario(self.scenario, fresh, seed)
            ctx.measurements["schedules"] = tried
            if fresh.escapes:
                return [self._escape_finding(fresh, fresh.escapes, ctx, seed, tried)]
            if problem is not None:
                return [self._finding(world, problem, fresh, ctx, seed, tried)]
        return []

    def _escape_finding(
        self,
        sim: SimProgram,
        escapes: list[Escape],
        ctx: CheckContext,
        seed: int | None,
        tried: int,
    ) -> Finding:
        violation = escape_violation(sim, escapes, seed)
        return Finding(
            kind=FindingKind.OUTSIDE_WORLD,
            severity=Severity.FAIL,
            title=violation.message,
            evidence=violation.evidence,
            hint="Reach other nodes and services only through messages.",
            location=violation.location,  # type: ignore[attr-defined]
            seed=seed,
            check=self.name,
            data={"seeds_tried": tried, "fault_seed": seed},
        )

    def _finding(
        self,
        world: World,
        problem: BaseException,
        program: SimProgram,
        ctx: CheckContext,
        seed: int,
        tried: int,
    ) -> Finding:
        replay = (
            f"fault seed {seed} (found after {tried} seed{'s' * (tried > 1)}); replay: "
            f"learn check {_challenge_number(ctx)} --replay {seed}"
        )
        location = None
        if isinstance(problem, Violation):
            kind = problem.kind if isinstance(problem, SimViolation) else self.kind
            at = problem.at if isinstance(problem, SimViolation) else None
            title = problem.message
            extra = list(problem.evidence)
        elif isinstance(problem, SimStuck):
            kind, at, title, extra = FindingKind.TIMEOUT, world.now, str(problem), []
        else:
            kind, at = FindingKind.CRASH, world.now
            title = f"the program raised {type(problem).__name__}: {problem}"
            location = _location(problem, program)
            extra = traceback.format_exception_only(type(problem), problem)
        at = world.now if at is None else at
        whole = f"learn run challenge {_challenge_number(ctx)} --seed {seed}"
        timeline = world.history.evidence(at, mentions=f"{title} {' '.join(extra)}", whole=whole)
        evidence = (replay, "", *timeline, f">>> at t={at}ms: {title}", *extra)
        return Finding(
            kind=kind,
            severity=Severity.FAIL,
            title=title,
            evidence=tuple(evidence),
            hint=self.hint,
            location=location,
            seed=seed,
            check=self.name,
            data={"seeds_tried": tried, "fault_seed": seed, "virtual_ms": world.now},
        )
