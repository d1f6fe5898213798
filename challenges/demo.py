"""``learn run challenge N`` for challenges 9-16: one seeded world, printed as a timeline."""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import Any

from simworld.check import SimCheck, SimViolation, run_scenario

__all__ = ["run_demo"]


SEARCH = 20
"""How many seeds from ``seed`` on the demo tries to find one that shows the bug."""


def run_demo(number: int, program: ModuleType | dict[str, Any], seed: int = 1) -> bool:
    """Run the first simulated scenario of challenge ``number`` on ``program`` and print the
    timeline of the first seed (from ``seed`` on) that breaks a property, or of ``seed`` if
    none of :data:`SEARCH` seeds does.

    ``program`` is a module or a program's ``globals()``. Returns True when every tried seed held.
    """
    from challenges._registry import get_challenge

    if isinstance(program, dict):
        program = SimpleNamespace(**program)  # type: ignore[assignment]
    spec = get_challenge(number).spec
    check = next(c for c in spec.checks if isinstance(c, SimCheck))
    held = []
    for candidate in range(seed, seed + SEARCH):
        world, problem = run_scenario(check.scenario, program, candidate)
        if problem is not None:
            break
        held.append(candidate)
    if problem is None:
        world, _ = run_scenario(check.scenario, program, seed)
    shown = seed if problem is None else candidate
    if held and problem is not None:
        print(f"Seeds {held[0]}-{held[-1]} kept every property; seed {shown} did not:")
    print(f"Challenge {number}: {check.name} — simulated world, seed {shown}\n")
    for line in world.history.timeline():
        print(line)
    print()
    if problem is None:
        print(
            f"Every property held for seeds {seed}-{seed + SEARCH - 1}. Now try `learn check {number}`."
        )
        return True
    at = (
        f" (at t={problem.at}ms)"
        if isinstance(problem, SimViolation) and problem.at is not None
        else ""
    )
    print(f"PROPERTY BROKEN{at}: {problem}")
    for line in getattr(problem, "evidence", ()):
        print(f"  {line}")
    print(
        f"\nSee this world again with `learn run challenge {number} --seed {shown}`; "
        f"the grader re-runs it with `learn check {number} --replay {shown}`."
    )
    return False
