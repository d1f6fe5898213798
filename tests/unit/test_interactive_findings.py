"""The grade result in the challenge pane: long evidence wraps under itself, not at the margin."""

from __future__ import annotations

import io

from rich.console import Console

from evaluator.findings import CheckOutcome, Finding, FindingKind, GradeResult, Severity
from interactive.widgets.findings import grade_renderable


def _rows(width: int) -> list[str]:
    evidence = (
        "transfer-alice-bob holds Lock accounts[0] (acquired at program.py:42) and waits for Lock "
        "accounts[1] at program.py:43, held by transfer-bob-alice"
    )
    finding = Finding(
        FindingKind.DEADLOCK,
        Severity.FAIL,
        "Deadlock",
        evidence=(evidence,),
        hint="Take the two locks in one global order, whichever transfer runs first.",
        seed=42,
    )
    result = GradeResult(1, False, (finding,), (CheckOutcome("deadlock", False, 0.4, 12),), 1.6, 29)
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(grade_renderable(result))
    return [row.rstrip() for row in console.export_text().splitlines()]


def test_evidence_and_hints_keep_a_hanging_indent_at_76_columns() -> None:
    rows = _rows(76)
    first = next(i for i, row in enumerate(rows) if row.startswith("   │ transfer-alice-bob holds"))
    assert rows[first + 1].startswith("     ") and rows[first + 1].strip()  # wrapped under the text
    hint = next(i for i, row in enumerate(rows) if row.startswith("   hint: Take the two locks"))
    assert rows[hint + 1].startswith(" " * len("   hint: ")) and rows[hint + 1].strip()
    assert any(row == "   replay: learn check 1 --replay 42" for row in rows)
    assert all(len(row) <= 76 for row in rows)
