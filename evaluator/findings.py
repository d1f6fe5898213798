"""What the grader reports: findings with evidence, and the verdict over them.

This module is the contract between every detector, the sandbox, the CLI, the tracker and
the TUI. It is pure data (no I/O) and JSON-round-trippable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from findingkind import FindingKind

__all__ = ["CheckOutcome", "Finding", "FindingKind", "GradeResult", "Severity"]


class Severity(str, Enum):
    """How a finding counts toward the verdict."""

    FAIL = "fail"
    """Confirmed evidence of a bug: the challenge is not passed."""
    WARN = "warn"
    """Advice (static hints, suspicious but unconfirmed behaviour): never fails a submission."""


@dataclass(frozen=True)
class Finding:
    """One piece of evidence about the learner's program."""

    kind: FindingKind
    severity: Severity
    title: str
    """One line: what is wrong, in words a learner understands."""
    evidence: tuple[str, ...] = ()
    """Lines that prove it: the wait-for cycle, the interleaving, the growing allocation..."""
    hint: str = ""
    location: str | None = None
    """``program.py:LINE`` where the bug shows, when known."""
    seed: int | None = None
    """Replays this exact failure: ``learn check N --replay SEED``."""
    check: str = ""
    """Name of the check that produced it."""
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Machine-readable extras (e.g. the schedule, ratios) for the TUI and benchmarks."""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["kind"] = self.kind.value
        out["severity"] = self.severity.value
        out["evidence"] = list(self.evidence)
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Finding:
        return cls(
            kind=FindingKind(raw["kind"]),
            severity=Severity(raw["severity"]),
            title=str(raw["title"]),
            evidence=tuple(str(line) for line in raw.get("evidence", ())),
            hint=str(raw.get("hint", "")),
            location=raw.get("location"),
            seed=raw.get("seed"),
            check=str(raw.get("check", "")),
            data=dict(raw.get("data") or {}),
        )


@dataclass(frozen=True)
class CheckOutcome:
    """How one check of a spec went."""

    name: str
    passed: bool
    seconds: float
    schedules: int = 0
    """Schedules or seeds explored (0 where that does not apply)."""
    exhaustive: bool = False
    """The schedules explored were every distinct ordering of the program's dependent steps
    (partial-order reduction ran out of new ones): a proof, not a sample."""


@dataclass(frozen=True)
class GradeResult:
    """The verdict on one submission."""

    challenge: int
    passed: bool
    findings: tuple[Finding, ...]
    checks: tuple[CheckOutcome, ...]
    seconds: float
    seed: int
    """Base seed of this grading."""
    performance_ratio: float | None = None
    """Learner time / reference time on the performance workload (lower is faster)."""
    internal_errors: tuple[str, ...] = ()
    """Bugs of the grader or the spec (not the learner's fault): the verdict could not be reached."""

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.FAIL)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARN)

    @property
    def score(self) -> int:
        """0-100: the share of checks passed. Warnings are advice and never cost points: only a
        FAIL, which always carries evidence from this run, fails a check."""
        if not self.checks:
            return 0
        return round(100 * sum(c.passed for c in self.checks) / len(self.checks))

    def to_json(self) -> dict[str, Any]:
        return {
            "challenge": self.challenge,
            "passed": self.passed,
            "score": self.score,
            "seconds": self.seconds,
            "seed": self.seed,
            "performance_ratio": self.performance_ratio,
            "findings": [f.to_json() for f in self.findings],
            "checks": [asdict(c) for c in self.checks],
            "internal_errors": list(self.internal_errors),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> GradeResult:
        return cls(
            challenge=int(raw["challenge"]),
            passed=bool(raw["passed"]),
            findings=tuple(Finding.from_json(f) for f in raw.get("findings", ())),
            checks=tuple(CheckOutcome(**c) for c in raw.get("checks", ())),
            seconds=float(raw["seconds"]),
            seed=int(raw["seed"]),
            performance_ratio=raw.get("performance_ratio"),
            internal_errors=tuple(str(e) for e in raw.get("internal_errors", ())),
        )
