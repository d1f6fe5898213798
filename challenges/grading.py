"""Grade a file against a challenge of the catalogue: the grader is told the spec and solutions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from challenges._registry import get_challenge

if TYPE_CHECKING:
    from evaluator import GradeResult

__all__ = ["grade_challenge"]


def grade_challenge(
    program: Path,
    number: int,
    *,
    seed: int | None = None,
    replay: int | None = None,
    quick: bool = False,
    deadline_s: float | None = None,
) -> GradeResult:
    """:func:`evaluator.grade` of ``program`` against challenge ``number``'s spec and reference solutions."""
    from evaluator import grade

    challenge = get_challenge(number)
    solutions = challenge.solutions_dir if challenge.solutions_dir.is_dir() else None
    return grade(
        program,
        spec_ref=challenge.spec_ref,
        solutions_dir=solutions,
        seed=seed,
        replay=replay,
        quick=quick,
        deadline_s=deadline_s,
    )
