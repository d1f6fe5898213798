"""``learn run challenge N`` for challenges 9-16: one seeded world, printed as a timeline."""

from __future__ import annotations

from types import ModuleType

from challenges.sim.check import SimCheck, SimViolation, run_scenario

__all__ = ["run_demo"]


def run_demo(number: int, program: ModuleType, seed: int = 1) -> bool:
    """Run the first simulated scenario of challenge ``number`` on ``program``; print it all.

    Returns True when every property held for this seed.
    """
    from challenges._registry import get_challenge

    spec = get_challenge(number).spec
    check = next(c for c in spec.checks if isinstance(c, SimCheck))
    world, problem = run_scenario(check.scenario, program, seed)
    print(f"Challenge {number}: {check.name} — simulated world, seed {seed}\n")
    for line in world.history.timeline():
        print(line)
    print()
    if problem is None:
        print(f"Every property held for seed {seed}. Try other seeds, then `learn check {number}`.")
        return True
    at = f" (at t={problem.at}ms)" if isinstance(problem, SimViolation) and problem.at is not None else ""
    print(f"PROPERTY BROKEN{at}: {problem}")
    for line in getattr(problem, "evidence", ()):
        print(f"  {line}")
    return False
