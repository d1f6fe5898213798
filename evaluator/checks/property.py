"""PropertyCheck: run the spec's own check function once; a Violation is the finding."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from evaluator.findings import Finding, Severity
from evaluator.spec import Violation

if TYPE_CHECKING:
    from evaluator.spec import CheckContext, PropertyCheck

__all__ = ["run_property_check"]


def run_property_check(
    check: PropertyCheck, program: ModuleType, ctx: CheckContext
) -> list[Finding]:
    """Call ``check.check(program, ctx)``; a :class:`Violation` becomes a FAIL of ``check.kind``
    (or the violation's own kind when it names one); other exceptions propagate to the harness,
    which tells a crash of the learner's code from a bug of the spec."""
    try:
        check.check(program, ctx)
    except Violation as violation:
        kind = (
            violation.kind
            if violation.kind is not check.kind and violation.kind.value != "invariant"
            else check.kind
        )
        return [
            Finding(
                kind=kind,
                severity=Severity.FAIL,
                title=violation.message,
                evidence=violation.evidence,
                hint=check.hint,
                seed=ctx.seed,
                check=check.name,
            )
        ]
    return []
