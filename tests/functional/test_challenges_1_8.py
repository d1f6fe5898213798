"""Every original of challenges 1-8 FAILS with its intended finding; every solution PASSES.

One base seed per program (``SEED``): the seed sweep is a benchmark,
``benchmarks/challenge_matrix.py`` (20 seeds by default; ``--seeds 11,23,37,41,59`` repeats the
five this file used to run). These gradings run in the sandbox, two at a time: a grading spends
most of its wall time waiting (sleeps, grace periods, exploration budgets), and every verdict
compares timings within one grading only, so a neighbour does not change it.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from challenges import get_challenge
from evaluator.findings import GradeResult
from solutions._registry import solution_set

pytestmark = pytest.mark.slow
SEED = 11
"""The base seed of every grading here (the first seed of the former five-seed sweep)."""
NUMBERS = range(1, 9)
SOLUTIONS = [(n, a.path) for n in NUMBERS for a in solution_set(n).approaches]


def _program(params: dict[str, object]) -> tuple[int, Path]:
    number = params["number"]
    assert isinstance(number, int)
    path = params.get("path", get_challenge(number).program_path)
    assert isinstance(path, Path)
    return number, path


@pytest.fixture(scope="module")
def gradings(
    request: pytest.FixtureRequest,
) -> Iterator[dict[tuple[int, Path], Future[GradeResult]]]:
    """Grade the program of every selected test of this module, two at a time, in the order the
    tests run (so each test waits for its own grading, not for the whole queue)."""
    from challenges import grade_challenge

    wanted = [
        _program(item.callspec.params)
        for item in request.session.items
        if getattr(item, "module", None) is request.module and hasattr(item, "callspec")
    ]
    pool = ThreadPoolExecutor(max_workers=2)
    futures: dict[tuple[int, Path], Future[GradeResult]] = {}
    for number, path in wanted:
        if (number, path) not in futures:
            futures[(number, path)] = pool.submit(grade_challenge, path, number, seed=SEED)
    yield futures
    pool.shutdown(cancel_futures=True)


@pytest.mark.parametrize("number", NUMBERS)
def test_original_fails_with_the_intended_finding(
    number: int, gradings: dict[tuple[int, Path], Future[GradeResult]]
) -> None:
    challenge = get_challenge(number)
    result = gradings[(number, challenge.program_path)].result()
    kinds = {f.kind for f in result.failures}
    assert not result.passed, f"seed {SEED}: the original passed"
    assert challenge.spec.intended in kinds, f"seed {SEED}: found {sorted(k.value for k in kinds)}"


@pytest.mark.parametrize(("number", "path"), SOLUTIONS, ids=[f"{n}-{p.stem}" for n, p in SOLUTIONS])
def test_solution_passes(
    number: int, path: Path, gradings: dict[tuple[int, Path], Future[GradeResult]]
) -> None:
    result = gradings[(number, path)].result()
    assert not result.internal_errors, f"seed {SEED}: {result.internal_errors}"
    assert result.passed, f"seed {SEED}: " + "; ".join(
        f"{f.kind.value}: {f.title}" for f in result.failures
    )


def test_a_half_fix_of_challenge_5_still_fails(tmp_path: Path) -> None:
    """Unsubscribing fixes one leak of two: a cache that never evicts still grows every round."""
    from challenges import grade_challenge

    solution = solution_set(5).approaches[0].path.read_text(encoding="utf-8")
    unbounded = solution.replace("cache_size: int = 256", "cache_size: int = 10**9")
    assert unbounded != solution, "the solution's cache bound moved: update this test"
    program = tmp_path / "program.py"
    program.write_text(unbounded, encoding="utf-8")
    result = grade_challenge(program, 5, seed=11)
    assert {f.kind.value for f in result.failures} == {"memory-leak"}
