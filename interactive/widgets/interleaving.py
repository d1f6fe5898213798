"""A race's losing interleaving, side by side: one column per thread, one row per shared access.

The grader's race findings list the reads and writes of the failing schedule in order
(``teller-1 reads balance = 100 at program.py:12``, with ``— X's update is lost`` on the write
that erased another thread's). This widget lays them out as a table so the overlap is visible
at a glance: time runs down, each thread has its own column, lost updates are red.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from evaluator.findings import Finding, FindingKind, GradeResult

__all__ = ["Access", "interleaving", "parse_accesses", "race_finding"]

_ACCESS = re.compile(
    r"^\s*(?P<thread>\S+) (?P<action>reads|writes) (?P<rest>.+?)(?: — (?P<lost>.+))?$"
)


@dataclass(frozen=True)
class Access:
    """One shared read or write of the failing schedule."""

    thread: str
    action: str
    what: str
    lost: str = ""
    """``"teller-2's update is lost"`` on a write that erased another thread's update."""


def parse_accesses(evidence: tuple[str, ...]) -> list[Access | None]:
    """The accesses in ``evidence`` in order (None where the grader elided steps with ``…``)."""
    accesses: list[Access | None] = []
    for line in evidence:
        if line.strip() == "…":
            accesses.append(None)
            continue
        match = _ACCESS.match(line)
        if match:
            accesses.append(
                Access(match["thread"], match["action"], match["rest"], match["lost"] or "")
            )
    return accesses


def race_finding(result: GradeResult | None) -> Finding | None:
    """The first race finding with an interleaving in a grade result, if any."""
    if result is None:
        return None
    for finding in result.findings:
        if finding.kind is FindingKind.RACE and any(a for a in parse_accesses(finding.evidence)):
            return finding
    return None


def interleaving(finding: Finding, challenge: int) -> RenderableType:
    """The table of the losing interleaving, with how to replay it."""
    accesses = parse_accesses(finding.evidence)
    threads = list(dict.fromkeys(a.thread for a in accesses if a is not None))
    table = Table(
        show_header=True, header_style="bold", expand=True, pad_edge=False, show_edge=False
    )
    table.add_column("#", style="dim", no_wrap=True, width=3)
    for thread in threads:
        table.add_column(thread, ratio=1, overflow="fold")
    step = 0
    for access in accesses:
        if access is None:
            table.add_row("…", *("⋮" for _ in threads))
            continue
        step += 1
        cell = Text(
            f"{'W' if access.action == 'writes' else 'R'} {access.what}",
            style="bold red" if access.lost else ("yellow" if access.action == "writes" else ""),
        )
        if access.lost:
            cell.append(f"\n✗ {access.lost}", style="red")
        table.add_row(str(step), *(cell if thread == access.thread else "" for thread in threads))
    title = Text.assemble(
        ("Losing interleaving", "bold"), f" from your last grade: {finding.title}", style=""
    )
    replay = Text(
        f"replay it: learn check {challenge} --replay {finding.seed}"
        if finding.seed is not None
        else "",
        style="dim",
    )
    return Group(title, table, replay)
