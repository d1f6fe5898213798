"""Every corpus bug fails with its intended finding; every fixed version passes — over 5 seeds."""

from __future__ import annotations

import pytest

from evaluator.findings import Severity

from ._sched_support import corpus_cases, grade, instrumented, intended

SEEDS = (0, 1, 2, 3, 4)
CASES = corpus_cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_bug_fails_with_intended_kind(case: str) -> None:
    with instrumented():
        for seed in SEEDS:
            findings = grade(case, "bug", seed, quick=False)
            kinds = {f.kind for f in findings if f.severity is Severity.FAIL}
            assert intended(case) in kinds, f"seed {seed}: {[(f.kind, f.title) for f in findings]}"
            failing = next(f for f in findings if f.kind is intended(case))
            assert failing.seed is not None and failing.evidence


@pytest.mark.parametrize("case", CASES)
def test_fixed_passes(case: str) -> None:
    with instrumented():
        for seed in SEEDS:
            findings = grade(case, "fixed", seed, quick=True)
            failures = [(f.kind, f.title, f.evidence) for f in findings if f.severity is Severity.FAIL]
            assert not failures, f"seed {seed}: {failures}"
