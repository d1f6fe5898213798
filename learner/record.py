"""The one place that tells the tracker what the learner did.

Every command and screen that changes progress goes through these functions (a check, a hint,
a revealed solution, a lesson or practical module run, a quiz answer); nothing else in the
product calls the tracker's ``record_*`` functions. Reading progress stays with the tracker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from evaluator import GradeResult
    from evaluator.spec import ChallengeSpec
    from tracker import AttemptOutcome

__all__ = ["attempt", "example_run", "hint", "practical_run", "quiz_answer", "solution_reveal"]


def attempt(
    number: int, spec: ChallengeSpec, result: GradeResult, path: Path, seconds: float
) -> AttemptOutcome | None:
    """Record a grading of challenge ``number``; nothing when the grader itself failed
    (``result.internal_errors``: that attempt says nothing about the learner's fix)."""
    if result.internal_errors:
        return None
    import tracker
    from learner.workspace import code_hash

    failures = result.failures
    return tracker.record_attempt(
        challenge=number,
        passed=result.passed,
        finding_kinds=sorted({f.kind.value for f in failures}),
        findings_summary="; ".join(f.title for f in failures[:3]),
        seconds=round(seconds, 3),
        code_hash=code_hash(path),
        seed=result.seed,
        performance_ratio=result.performance_ratio,
        difficulty=spec.difficulty,
        bug_class=spec.intended.value,
    )


def hint(number: int) -> int:
    """Record one more hint of challenge ``number``; how many it has had so far."""
    import tracker

    return tracker.record_hint(number)


def solution_reveal(number: int) -> None:
    """Record that challenge ``number``'s solutions were shown before it passed."""
    import tracker

    tracker.record_solution_reveal(number)


def example_run(number: int) -> None:
    """Record that lesson ``number`` ran."""
    import tracker

    tracker.record_example_run(number)


def practical_run(name: str, pattern: str | None) -> None:
    """Record that practical module ``name`` (one ``pattern`` of it, or all) ran."""
    import tracker

    tracker.record_practical_run(name, pattern)


def quiz_answer(question_id: str, correct: bool) -> AttemptOutcome:
    """Record a quiz answer; the first correct answer to a question earns XP."""
    import tracker

    return tracker.record_quiz_answer(question_id, correct)
