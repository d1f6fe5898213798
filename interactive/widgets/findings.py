"""A grade result as a Rich renderable: verdict, findings with evidence, hints, replay seeds."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from evaluator.findings import GradeResult, Severity

__all__ = ["grade_renderable"]


def _hanging(gutter: str, text: str, style: str = "") -> Table:
    """``gutter`` then ``text``, wrapped lines indented under the text (not back at the margin)."""
    grid = Table.grid()
    grid.add_column(width=len(gutter), no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(gutter, style=style), Text(text, style=style))
    return grid


def grade_renderable(result: GradeResult) -> RenderableType:
    """Verdict line, then each finding with its evidence (most important first)."""
    if result.passed:
        head = Text(
            f"✓ PASSED  score {result.score}/100 in {result.seconds:.1f}s", style="bold green"
        )
    else:
        head = Text(
            f"✗ NOT YET  score {result.score}/100 in {result.seconds:.1f}s", style="bold red"
        )
    parts: list[RenderableType] = [head]
    if result.performance_ratio is not None:
        parts.append(
            Text(f"speed: {result.performance_ratio:.2f}x the reference time", style="dim")
        )
    ordered = sorted(result.findings, key=lambda f: f.severity is not Severity.FAIL)
    for finding in ordered:
        style = "red" if finding.severity is Severity.FAIL else "yellow"
        line = Text()
        line.append(f"\n{finding.severity.value.upper():<5}", style=f"bold {style}")
        line.append(f" [{finding.kind.value}] ", style=style)
        line.append(finding.title, style="bold")
        if finding.location:
            line.append(f"  ({finding.location})", style="dim")
        parts.append(line)
        for evidence in finding.evidence:
            parts.append(_hanging("   │ ", evidence))
        if finding.hint:
            parts.append(_hanging("   hint: ", finding.hint, "italic cyan"))
        if finding.seed is not None:
            parts.append(
                _hanging(
                    "   replay: ", f"learn check {result.challenge} --replay {finding.seed}", "dim"
                )
            )
    if not result.findings:
        parts.append(Text("No findings: every check passed.", style="green"))
    return Group(*parts)
