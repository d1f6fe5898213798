"""Rich rendering for the catalogue commands of ``cli.py`` (welcome, list, show)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from doctor import Check
    from examples import Example
    from learner.loop import Resume

_STARS = "★★★★★"


def difficulty_stars(level: int) -> str:
    level = max(1, min(5, level))
    return _STARS[:level] + "☆" * (5 - level)


def _variant_flag(variant: str) -> str:
    """How to ask for a variant on the command line (threads/asyncio have shortcuts)."""
    return f"--{variant}" if variant in ("threads", "asyncio") else f"--variant {variant}"


def render_welcome(console: Console) -> None:
    """What `learn` with no arguments prints: where to start."""
    from rich.panel import Panel

    console.print(
        Panel.fit(
            "[bold]concurrency-lab[/] — learn Python concurrency by fixing real bugs,\n"
            "graded with evidence (the lock cycle, the lost update, the leaked thread).\n\n"
            "[bold cyan]Start here[/]\n"
            "  learn run example 1      your first narrated lesson (threads, join, locks)\n"
            "  learn list               every lesson and challenge\n"
            "  learn challenge 1        your first broken program to fix\n"
            "  learn check 1            grade your fix\n\n"
            "[dim]learn --help lists every command.[/]",
            title="welcome",
            border_style="cyan",
        )
    )


_RESUME_STATUS = {
    "new": "not started: no copy yet",
    "copied": "your copy is ready, not checked yet",
    "attempted": "[yellow]tried, not passed yet[/]",
    "passed": "[green]passed[/]",
}


def render_resume(console: Console, where: Resume) -> None:
    """Bare `learn`: the current challenge, its status and the one next command."""
    lines = []
    if where.workspace is None:
        lines.append(
            "[bold]concurrency-lab[/] — learn Python concurrency by fixing real bugs, graded with evidence."
        )
        lines.append(
            "New here? A narrated lesson first: [bold]learn run example 1[/]  ·  everything: learn list"
        )
        lines.append("")
        lines.append("workspace  [yellow]none yet[/] (your copies of the broken programs go there)")
    else:
        origin = " (LEARN_WORKSPACE)" if where.workspace_source == "LEARN_WORKSPACE" else ""
        lines.append(f"workspace  {where.workspace}{origin}")
    if where.challenge is None:
        lines.append(f"[green]You have passed all {where.total} challenges.[/]")
    else:
        lines.append(
            f"challenge  [bold]{where.challenge}: {where.title}[/]  ·  {where.passed}/{where.total} passed"
        )
        lines.append(f"status     {_RESUME_STATUS.get(where.status, where.status)}")
        if where.copy is not None:
            lines.append(f"your copy  {where.copy}")
    lines.append("")
    lines.append(f"[bold cyan]Next[/]  {where.next_command}")
    for line in lines:
        console.print(line, soft_wrap=True)
    console.print("[dim]learn --help lists every command · learn doctor checks your set-up[/]")


def render_doctor(console: Console, checks: list[Check]) -> None:
    """`learn doctor`: one line per check, then what to do."""
    for check in checks:
        mark = "[green]✔[/]" if check.ok else ("[dim]–[/]" if check.optional else "[red]✘[/]")
        console.print(f"{mark} [bold]{check.name}[/]: {check.found}", soft_wrap=True)
        if check.fix and not check.ok:
            console.print(f"    [cyan]→ {check.fix}[/]", soft_wrap=True)
    problems = [c for c in checks if not c.ok and not c.optional]
    if problems:
        console.print(f"[red]{len(problems)} problem(s)[/]: run the commands marked → above")
    else:
        console.print("[green]Ready.[/] Lessons and challenges work; parts marked – are optional.")


_STATUS = {
    "done": "[green]✔ done[/]",
    "passed": "[green]✔ passed[/]",
    "attempted": "[yellow]… tried[/]",
    "new": "[dim]new[/]",
}


def _statuses(lookup: Callable[[], dict[int, str]]) -> Callable[[int], str]:
    """The learner's status per item, read once; progress that cannot be read never breaks the list."""
    from usererror import UserError

    try:
        known = lookup()
    except UserError:
        return lambda number: "[dim]?[/]"

    def status(number: int) -> str:
        value = known.get(number, "new")
        return _STATUS.get(value, value)

    return status


def _lesson_cell(example: Example) -> str:
    """The lesson's title, and the challenge it leads to."""
    if not example.next_challenges:
        return example.title
    return f"{example.title}\n[magenta]→ ch{example.next_challenges[0]}[/]"


def render_catalogue(console: Console, what: str) -> None:
    """The `learn list` tables."""
    from rich.table import Table

    if what in ("all", "examples"):
        from examples import all_examples

        table = Table(title="Lessons  ·  learn run example N", title_justify="left")
        table.add_column("#", justify="right", style="bold")
        table.add_column("lesson")
        table.add_column("concepts", style="dim")
        table.add_column("difficulty", style="yellow", no_wrap=True)
        table.add_column("ways to run", style="cyan")
        table.add_column("status")
        from tracker import example_statuses

        example_status = _statuses(example_statuses)

        for ex in all_examples():
            table.add_row(
                str(ex.number),
                _lesson_cell(ex),
                ", ".join(ex.concepts[:3]),
                difficulty_stars(ex.difficulty),
                " ".join(_variant_flag(v) for v in ex.variants) or "—",
                example_status(ex.number),
            )
        console.print(table)
    if what in ("all", "challenges"):
        from challenges import all_challenges

        table = Table(
            title="Challenges  ·  learn challenge N, then learn check N", title_justify="left"
        )
        table.add_column("#", justify="right", style="bold")
        table.add_column("challenge")
        table.add_column("concepts", style="dim")
        table.add_column("difficulty", style="yellow", no_wrap=True)
        table.add_column("status")
        from tracker import challenge_statuses

        challenge_status = _statuses(challenge_statuses)

        for ch in all_challenges():
            entry = ch.catalogue
            table.add_row(
                str(ch.number),
                entry.title,
                ", ".join(entry.concepts[:3]),
                difficulty_stars(entry.difficulty),
                challenge_status(ch.number),
            )
        console.print(table)


def render_example_source(console: Console, example: Example) -> None:
    """`learn show example N`: the lesson, then the highlighted source."""
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.syntax import Syntax

    console.print(
        Panel(Markdown(example.lesson), title=f"Lesson {example.number}: {example.title}")
    )
    source, first_line = _source_after_docstring(example.path.read_text(encoding="utf-8"))
    # Wrapped, not cropped: in a pipe the console is 80 columns wide.
    console.print(
        Syntax(source, "python", line_numbers=True, start_line=first_line, word_wrap=True)
    )
    console.print(f"[dim]Run it:[/] learn run example {example.number}")


def _source_after_docstring(source: str) -> tuple[str, int]:
    """The source without its module docstring (the lesson text, shown above it) and its first line number."""
    import ast

    try:
        body = ast.parse(source).body
    except SyntaxError:
        return source, 1
    first = body[0] if body else None
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return source, 1
    end = first.end_lineno or first.lineno
    lines = source.splitlines(keepends=True)[end:]
    skipped = 0
    while skipped < len(lines) and not lines[skipped].strip():
        skipped += 1
    return "".join(lines[skipped:]), end + skipped + 1
