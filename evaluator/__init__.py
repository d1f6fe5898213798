"""The grader: run a learner's program in a sandbox and report findings with evidence.

Public API (everything else is internal)::

    from evaluator import grade, run_program
    result = grade(Path("program.py"), spec_ref="challenges.challenge03_leaks.spec:SPEC")
    result.passed, result.findings, result.seed
"""

from __future__ import annotations

from evaluator.findings import CheckOutcome, Finding, FindingKind, GradeResult, Severity
from evaluator.grade import RunResult, grade, run_program

__all__ = [
    "CheckOutcome",
    "Finding",
    "FindingKind",
    "GradeResult",
    "RunResult",
    "Severity",
    "grade",
    "run_program",
]
