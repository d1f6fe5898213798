"""``learn run challenge N --seed SEED``: the whole timeline of one fault seed, exactly as graded.

The run happens in the sandbox like a grading, with the hash seed the grading had (the sandbox
derives ``PYTHONHASHSEED`` from the seed, and every fault seed of a grading is congruent to its
base seed), on fresh per-node instances of the program and with ``random`` seeded from the
fault seed — so the timeline is the one the grader judged.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evaluator import RunResult

__all__ = ["run_fault_seed", "show_fault_seed"]

_WRAPPER = """\
from pathlib import Path


def main() -> None:
    from challenges.seeded_run import show_fault_seed

    show_fault_seed({number}, Path(__file__).with_name({program!r}), {seed})
"""


def run_fault_seed(number: int, program: Path, seed: int, deadline_s: float) -> RunResult:
    """Run ``program``'s scenario on fault seed ``seed`` in the sandbox; its output is the timeline."""
    from evaluator.grade import RunResult
    from evaluator.sandbox import run_sandboxed
    from evaluator.stacks import format_stacks

    with tempfile.TemporaryDirectory(prefix="learn-seed-") as folder:
        wrapper = Path(folder) / "_fault_seed.py"
        wrapper.write_text(
            _WRAPPER.format(number=number, program=program.name, seed=seed), encoding="utf-8"
        )
        request = {
            "mode": "run",
            "program": wrapper.name,
            "entry": "main",
            "seed": seed,
            "instrument": False,
        }
        outcome = run_sandboxed(
            "evaluator.harness",
            request,
            files={program.name: program, wrapper.name: wrapper},
            deadline_s=deadline_s,
            seed=seed,
        )
    stacks = (
        format_stacks(outcome.stacks_data, [program.name])
        if outcome.stacks_data
        else outcome.stacks
    )
    return RunResult(outcome.exit_code, outcome.stdout, outcome.stderr, outcome.timed_out, stacks)


def show_fault_seed(number: int, program: Path, seed: int) -> bool:
    """Print the whole timeline of fault seed ``seed`` and what the check concluded."""
    from challenges._registry import get_challenge
    from simworld.check import SimCheck, SimViolation, escape_violation, run_scenario
    from simworld.program import SimProgram

    check = next(c for c in get_challenge(number).spec.checks if isinstance(c, SimCheck))
    sim = SimProgram(program)
    if sim.static:
        print(escape_violation(sim, sim.static).message)
        return False
    world, problem = run_scenario(check.scenario, sim, seed)
    print(f"Challenge {number}: {check.name} — simulated world, fault seed {seed}\n")
    for line in world.history.timeline():
        print(line)
    print()
    if sim.escapes:
        violation = escape_violation(sim, sim.escapes)
        print(violation.message)
        for line in violation.evidence:
            print(f"  {line}")
        return False
    if problem is None:
        print("Every property held for this fault seed.")
        return True
    at = (
        f" (at t={problem.at}ms)"
        if isinstance(problem, SimViolation) and problem.at is not None
        else ""
    )
    print(f"PROPERTY BROKEN{at}: {problem}")
    for line in getattr(problem, "evidence", ()):
        print(f"  {line}")
    return False
