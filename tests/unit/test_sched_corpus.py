"""Every corpus bug fails with its intended finding; every fixed version passes — in-process.

One base seed per program (``SEED``; the bug with the learner's full budget, the fix with the
quick one). ``tests/functional/test_corpus.py`` grades the same programs through the sandbox
with another seed; the seed sweep is a benchmark:
``uv run python benchmarks/grader_power.py --reruns 5 --full`` (recall, false FAILs and replay
over five base seeds per program, with the learner's full budgets).
"""

from __future__ import annotations

import pytest

from evaluator.findings import Severity

from ._sched_support import corpus_cases, grade, instrumented, intended

SEED = 1
"""The base seed of every grading here (the grader's default seed, one of the former sweep's 0-4)."""
CASES = corpus_cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_bug_fails_with_intended_kind(case: str) -> None:
    with instrumented():
        findings = grade(case, "bug", SEED, quick=False)
        kinds = {f.kind for f in findings if f.severity is Severity.FAIL}
        assert intended(case) in kinds, f"seed {SEED}: {[(f.kind, f.title) for f in findings]}"
        failing = next(f for f in findings if f.kind is intended(case))
        assert failing.seed is not None and failing.evidence


@pytest.mark.parametrize("case", CASES)
def test_fixed_passes(case: str) -> None:
    with instrumented():
        findings = grade(case, "fixed", SEED, quick=True)
        failures = [(f.kind, f.title, f.evidence) for f in findings if f.severity is Severity.FAIL]
        assert not failures, f"seed {SEED}: {failures}"
