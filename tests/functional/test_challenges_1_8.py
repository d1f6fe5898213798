"""Every original of challenges 1-8 FAILS with its intended finding; every solution PASSES.

Each over five seeds (the matrix benchmark, ``benchmarks/challenge_matrix.py``, runs twenty).
These gradings run in the sandbox, two at a time: a grading spends most of its wall time
waiting (sleeps, grace periods, exploration budgets), and every verdict compares timings
within one grading only, so a neighbour does not change it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from challenges import get_challenge
from evaluator.findings import GradeResult
from solutions._registry import solution_set

pytestmark = pytest.mark.slow
SEEDS = (11, 23, 37, 41, 59)
NUMBERS = range(1, 9)
SOLUTIONS = [(n, a.path) for n in NUMBERS for a in solution_set(n).approaches]


def _grade_every_seed(path: Path, number: int) -> dict[int, GradeResult]:
    from evaluator import grade

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda seed: grade(path, challenge=number, seed=seed), SEEDS)
        return dict(zip(SEEDS, results, strict=True))


@pytest.mark.parametrize("number", NUMBERS)
def test_original_fails_with_the_intended_finding(number: int) -> None:
    challenge = get_challenge(number)
    for seed, result in _grade_every_seed(challenge.program_path, number).items():
        kinds = {f.kind for f in result.failures}
        assert not result.passed, f"seed {seed}: the original passed"
        assert challenge.spec.intended in kinds, f"seed {seed}: found {sorted(k.value for k in kinds)}"


@pytest.mark.parametrize(("number", "path"), SOLUTIONS, ids=[f"{n}-{p.stem}" for n, p in SOLUTIONS])
def test_solution_passes(number: int, path: Path) -> None:
    for seed, result in _grade_every_seed(path, number).items():
        assert not result.internal_errors, f"seed {seed}: {result.internal_errors}"
        assert result.passed, f"seed {seed}: " + "; ".join(f"{f.kind.value}: {f.title}" for f in result.failures)


def test_a_half_fix_of_challenge_5_still_fails(tmp_path: Path) -> None:
    """Unsubscribing fixes one leak of two: a cache that never evicts still grows every round."""
    from evaluator import grade

    solution = solution_set(5).approaches[0].path.read_text(encoding="utf-8")
    unbounded = solution.replace("cache_size: int = 256", "cache_size: int = 10**9")
    assert unbounded != solution, "the solution's cache bound moved: update this test"
    program = tmp_path / "program.py"
    program.write_text(unbounded, encoding="utf-8")
    result = grade(program, challenge=5, seed=11)
    assert {f.kind.value for f in result.failures} == {"memory-leak"}
