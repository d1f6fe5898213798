"""Every original of challenges 1-8 FAILS with its intended finding; every solution PASSES.

Each over five seeds (the matrix benchmark runs twenty). These gradings run in the sandbox.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from challenges import get_challenge
from solutions._registry import solution_set

pytestmark = pytest.mark.slow
SEEDS = (11, 23, 37, 41, 59)
NUMBERS = range(1, 9)
SOLUTIONS = [(n, a.path) for n in NUMBERS for a in solution_set(n).approaches]


@pytest.mark.parametrize("number", NUMBERS)
def test_original_fails_with_the_intended_finding(number: int) -> None:
    from evaluator import grade

    challenge = get_challenge(number)
    for seed in SEEDS:
        result = grade(challenge.program_path, challenge=number, seed=seed)
        kinds = {f.kind for f in result.failures}
        assert not result.passed, f"seed {seed}: the original passed"
        assert challenge.spec.intended in kinds, f"seed {seed}: found {sorted(k.value for k in kinds)}"


@pytest.mark.parametrize(("number", "path"), SOLUTIONS, ids=[f"{n}-{p.stem}" for n, p in SOLUTIONS])
def test_solution_passes(number: int, path: Path) -> None:
    from evaluator import grade

    for seed in SEEDS:
        result = grade(path, challenge=number, seed=seed)
        assert result.passed, f"seed {seed}: " + "; ".join(f"{f.kind.value}: {f.title}" for f in result.failures)
