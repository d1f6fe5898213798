"""Rich rendering of the learner's loop: challenge intro, runs, checks, hints, solutions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from evaluator import RunResult
    from learner.hints import HintView
    from learner.loop import CheckReport
    from learner.workspace import WorkingCopy
    from solutions._registry import SolutionSet


def render_challenge_intro(console: Console, copy: WorkingCopy) -> None:
    """`learn challenge N`: the story, and where the learner's copy is."""
    from rich.markdown import Markdown
    from rich.panel import Panel

    challenge = copy.challenge
    spec = challenge.spec
    console.print(
        Panel(
            Markdown(challenge.readme_path.read_text(encoding="utf-8")),
            title=f"Challenge {challenge.number}: {spec.title}",
            border_style="cyan",
        )
    )
    if copy.created:
        console.print(f"[green]Your copy:[/] {copy.path}", soft_wrap=True)
    else:
        console.print(
            f"[yellow]Your copy (kept as you left it):[/] {copy.path}  "
            f"[dim](start over: learn reset {challenge.number})[/]",
            soft_wrap=True,
        )
    n = challenge.number
    console.print(
        f"[bold cyan]Next[/]  edit it, then  [bold]learn run challenge {n}[/]  ·  [bold]learn check {n}[/]"
        f"  ·  [bold]learn watch {n}[/]  ·  [bold]learn hint {n}[/]"
    )


def render_run(console: Console, path: Path, result: RunResult) -> None:
    """`learn run challenge N`: the program's output, and the stuck threads on a hang."""
    from rich.panel import Panel
    from rich.text import Text

    console.print(f"[dim]running {path}[/]", soft_wrap=True)
    if result.stdout:
        console.print(Text(result.stdout.rstrip()))
    if result.stderr:
        console.print(Text(result.stderr.rstrip(), style="red"))
    if result.timed_out:
        console.print(
            Panel(
                Text(result.stacks.rstrip() or "(no stacks captured)"),
                title="[bold red]the program hung: where each thread is stuck",
                border_style="red",
            )
        )
        console.print("[dim]Look for threads waiting on a lock another stuck thread holds.[/]")
    elif result.exit_code not in (0, None):
        console.print(f"[red]exited with code {result.exit_code}[/]")


def render_check(console: Console, report: CheckReport) -> None:
    """`learn check N`: the grader's report, then what the attempt earned."""
    from evaluator.render import render_grade, replay_command
    from learner.workspace import existing_copy

    copy = existing_copy(report.result.challenge) if report.result.challenge else None
    file = (
        None if copy is not None and report.path.resolve() == copy.resolve() else str(report.path)
    )
    render_grade(console, report.result, file)
    if report.outcome is not None:
        from tracker.render import render_outcome

        render_outcome(console, report.outcome)
    n = report.result.challenge
    if not report.result.passed:
        console.print(
            f"[dim]Stuck? learn hint {n}  ·  replay this exact run: {replay_command(report.result, (report.result.failures or (None,))[0], file)}[/]"
        )
    else:
        console.print(f"[bold green]Passed.[/] Compare with other approaches: learn solution {n}")


def render_hints(console: Console, view: HintView) -> None:
    """`learn hint N`: every hint unlocked so far, the newest highlighted."""
    console.print(f"[bold]Hints for challenge {view.challenge}: {view.title}[/]")
    for index, hint in enumerate(view.shown, start=1):
        style = "bold" if index == len(view.shown) else "dim"
        console.print(f"  [{style}]{index}/{view.total}  {hint}[/]")
    if view.exhausted:
        console.print(
            f"[dim]That was the last hint; after you pass: learn solution {view.challenge}[/]"
        )
    else:
        console.print(f"[dim]One more: learn hint {view.challenge}[/]")


def render_solutions(
    console: Console, found: SolutionSet, approach: str | None, yours: Path | None = None
) -> None:
    """`learn solution N`: each approach's notes (trade-offs), then what differs from ``yours``
    (the learner's copy) or, without one, its whole source."""
    import difflib

    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.syntax import Syntax

    chosen = (found.get(approach),) if approach else found.approaches
    if approach is None and found.overview:
        console.print(
            Panel(
                Markdown(found.overview),
                title=f"Challenge {found.challenge.number}: the approaches",
            )
        )
    mine = (
        yours.read_text(encoding="utf-8").splitlines(keepends=True) if yours is not None else None
    )
    for item in chosen:
        console.rule(f"[bold]{item.name}")
        if item.notes:
            console.print(Markdown(item.notes))
        if mine is None:
            console.print(Syntax(item.source, "python", line_numbers=True, word_wrap=True))
            continue
        diff = "".join(
            difflib.unified_diff(
                mine,
                item.source.splitlines(keepends=True),
                fromfile=f"your {yours}",
                tofile=f"{item.name} approach",
            )
        )
        if diff:
            console.print(Syntax(diff, "diff", word_wrap=True))
        else:
            console.print("[green]Your copy is exactly this approach.[/]")
    n = found.challenge.number
    names = ", ".join(a.name for a in found.approaches)
    console.print(
        f"[dim]Approaches: {names}  ·  one only: learn solution {n} --approach NAME[/]",
        soft_wrap=True,
    )
    if mine is not None:
        console.print(
            f"[dim]Shown: what differs from your copy {yours}  ·  whole files: learn solution {n} --full[/]",
            soft_wrap=True,
        )
