"""Every bug of tests/corpus/ fails with its intended finding; every fix passes.

Each folder holds bug.py, fixed.py and spec.py (``SPEC.intended`` names the class). Gradings
run in the real sandbox, several at once, and each test waits for its own.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from evaluator import GradeResult, Severity, grade
from evaluator.loader import load_program

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
FOLDERS = sorted(p for p in CORPUS.iterdir() if p.is_dir() and (p / "spec.py").is_file())
SEED = 20240611


@pytest.fixture(scope="module")
def gradings() -> dict[tuple[str, str], Future[GradeResult]]:
    """Start every grading at once (three at a time on two cores: many wait idle)."""
    pool = ThreadPoolExecutor(max_workers=3)  # leak grace periods are idle waits
    futures = {
        (folder.name, which): pool.submit(
            grade,
            folder / f"{which}.py",
            spec_ref=f"{folder / 'spec.py'}:SPEC",
            seed=SEED,
            quick=True,
        )
        for folder in FOLDERS
        for which in ("bug", "fixed")
    }
    yield futures
    pool.shutdown(cancel_futures=True)


def _describe(result: GradeResult) -> str:
    lines = [f"{f.severity.value} {f.kind.value}: {f.title}" for f in result.findings]
    return "\n".join(lines + list(result.internal_errors)) or "no findings"


def test_corpus_is_large_enough() -> None:
    assert len(FOLDERS) >= 20


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_bug_fails_with_intended_finding(
    folder: Path, gradings: dict[tuple[str, str], Future[GradeResult]]
) -> None:
    intended = load_program(folder / "spec.py", name=f"corpus_spec_{folder.name}").SPEC.intended
    result = gradings[(folder.name, "bug")].result()
    assert not result.passed
    assert any(f.kind is intended and f.severity is Severity.FAIL for f in result.findings), (
        _describe(result)
    )


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_fixed_passes(folder: Path, gradings: dict[tuple[str, str], Future[GradeResult]]) -> None:
    result = gradings[(folder.name, "fixed")].result()
    assert result.passed, _describe(result)
    assert not result.failures
