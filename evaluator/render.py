"""Rich rendering of a :class:`~evaluator.findings.GradeResult` for ``learn check`` (and JSON).

Readable at 80 columns: a one-line header (verdict, score, time, seed), one panel per finding
(kind, title, evidence with the learner's ``file.py:LINE`` highlighted, hint, the replay
command), then the checks table.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import TYPE_CHECKING, Any

from evaluator.findings import Finding, GradeResult, Severity

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

__all__ = ["render_grade", "replay_command", "result_to_json"]

_LOCATION = re.compile(r"\b([\w.-]+\.py):(\d+)\b")
_MAX_EVIDENCE_LINES = 30
"""Evidence lines shown per finding in the terminal (the JSON output has all of them)."""


def replay_command(
    result: GradeResult, finding: Finding | None = None, file: str | None = None
) -> str:
    """The command that replays this grading (the finding's seed where it has its own)."""
    seed = finding.seed if finding is not None and finding.seed is not None else result.seed
    number = result.challenge if result.challenge else "N"
    where = f" --file {shlex.quote(file)}" if file else ""
    return f"learn check {number}{where} --replay {seed}"


def _evidence_line(line: str, program_names: set[str]) -> RenderableType:
    from rich.text import Text

    text = Text(line)
    for match in _LOCATION.finditer(line):
        style = "bold yellow" if match.group(1) in program_names else "cyan"
        text.stylize(style, match.start(), match.end())
    return text


def _program_names(result: GradeResult) -> set[str]:
    names = {"program.py"}
    for finding in result.findings:
        if finding.location:
            names.add(finding.location.split(":", 1)[0])
    return names


def _finding_panel(
    result: GradeResult, finding: Finding, file: str | None = None
) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    failing = finding.severity is Severity.FAIL
    color = "red" if failing else "yellow"
    parts: list[RenderableType] = [Text(finding.title, style="bold")]
    if finding.location:
        parts.append(Text.assemble(("at ", "dim"), (finding.location, "bold yellow")))
    names = _program_names(result)
    evidence = list(finding.evidence)
    if evidence:
        parts.append(Text(""))
        shown = evidence[:_MAX_EVIDENCE_LINES]
        parts.extend(_evidence_line(line, names) for line in shown)
        if len(evidence) > len(shown):
            parts.append(
                Text(f"... {len(evidence) - len(shown)} more lines (--json shows all)", style="dim")
            )
    if finding.hint:
        parts.append(Text(""))
        parts.append(Text.assemble(("hint: ", "bold green"), finding.hint))
    if failing:
        parts.append(
            Text.assemble(("replay: ", "dim"), (replay_command(result, finding, file), "cyan"))
        )
    label = "FAIL" if failing else "WARN"
    return Panel(
        Group(*parts),
        title=f"[{color}]{label}[/] {finding.kind.value}",
        title_align="left",
        border_style=color,
        subtitle=finding.check or None,
        subtitle_align="right",
    )


def _header(result: GradeResult) -> RenderableType:
    from rich.text import Text

    verdict = ("PASS", "bold white on green") if result.passed else ("FAIL", "bold white on red")
    what = f"challenge {result.challenge}" if result.challenge else "submission"
    parts: list[Any] = [
        (f" {verdict[0]} ", verdict[1]),
        f"  {what}  ",
        ("score ", "dim"),
        f"{result.score}/100",
        ("  time ", "dim"),
        f"{result.seconds:.1f} s",
        ("  seed ", "dim"),
        str(result.seed),
    ]
    if result.performance_ratio is not None:  # on its own line: the header fits 80 columns
        parts += [
            "\n",
            ("speed: your code took ", "dim"),
            f"{result.performance_ratio:.2f}x",
            (" the reference solution's time (lower is faster)", "dim"),
        ]
    return Text.assemble(*parts)


def _checks_table(result: GradeResult) -> RenderableType:
    from rich.table import Table

    table = Table(title="checks", title_justify="left", expand=False)
    table.add_column("check")
    table.add_column("result")
    table.add_column("seconds", justify="right")
    table.add_column("schedules", justify="right")
    for check in result.checks:
        schedules = str(check.schedules) if check.schedules else "—"
        if check.exhaustive and check.passed:
            schedules += " (all)"
        table.add_row(
            check.name,
            "[green]pass[/]" if check.passed else "[red]fail[/]",
            f"{check.seconds:.2f}",
            schedules,
        )
    return table


def render_grade(console: Console, result: GradeResult, file: str | None = None) -> None:
    """Print the full report of one grading (``file``: the ``--file`` it was given, for the replay line)."""
    from rich.panel import Panel

    console.print(_header(result))
    for finding in sorted(result.findings, key=lambda f: f.severity is not Severity.FAIL):
        console.print(_finding_panel(result, finding, file))
    for error in result.internal_errors:
        console.print(
            Panel(
                error,
                title="[magenta]grader error[/] (not your fault)",
                border_style="magenta",
                subtitle="please report it",
                subtitle_align="right",
            )
        )
    if result.checks:
        console.print(_checks_table(result))
    if result.passed and not result.findings:
        console.print("[green]Every check passed with no findings.[/]")
    if any(c.exhaustive and c.passed for c in result.checks):
        console.print(
            "[dim](all): every distinct ordering of the steps the grader sees was run — locks, shared "
            "names and I/O of your file — not a sample.[/]"
        )


def result_to_json(result: GradeResult) -> str:
    """The result as indented JSON (``learn check N --json``)."""
    return json.dumps(result.to_json(), indent=2)
