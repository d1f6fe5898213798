"""`learn quiz` in the plain terminal: Rich panels, numbered choices, typed answers."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from interactive.quiz.model import TOPICS, Question, QuestionKind
from interactive.quiz.progress import level_number
from interactive.quiz.session import AnswerResult, QuizSession
from interactive.quiz.text import prose

__all__ = ["feedback_renderable", "question_renderable", "run_terminal_quiz"]

Ask = Callable[[str], str]
QUIT = {"q", "quit", "exit"}


def question_renderable(
    question: Question,
    number: int,
    total: int,
    *,
    chosen: int | None = None,
    show_choices: bool = True,
) -> RenderableType:
    """The question panel: prompt, optional code, numbered choices (marked once ``chosen``)."""
    parts: list[RenderableType] = [prose(question.prompt + "\n", style="bold")]
    if question.code:
        parts.append(Padding(Syntax(question.code, "python", theme="ansi_dark"), (0, 0, 1, 2)))
    choices = Table.grid(padding=(0, 1, 1 if question.kind is QuestionKind.OUTPUT else 0, 0))
    choices.add_column(style="bold cyan", no_wrap=True)
    choices.add_column()
    for index, choice in enumerate(question.choices):
        mark = ""
        if chosen is not None:
            mark = "✓ " if index == question.answer else "✗ " if index == chosen else "  "
        style = "green" if chosen is not None and index == question.answer else ""
        choices.add_row(f"{mark}{index + 1})", prose(choice, style=style))
    if show_choices:
        parts.append(choices)
    title = f"Question {number}/{total} · {TOPICS[question.topic]}"
    return Panel(Group(*parts), title=title, title_align="left", border_style="cyan")


def _render_result(console: Console, result: AnswerResult) -> None:
    console.print(feedback_renderable(result))
    outcome = result.outcome
    if level_number(outcome.level_after) > level_number(outcome.level_before):
        name = getattr(outcome.level_after, "name", "")
        console.print(
            f"[bold magenta]Level up![/] You reached level {level_number(outcome.level_after)} {name}."
        )
    for achievement in outcome.new_achievements:
        label = getattr(achievement, "name", achievement)
        console.print(
            f"[bold yellow]{getattr(achievement, 'icon', '🏆')} Achievement unlocked:[/] {label}"
        )


def feedback_renderable(result: AnswerResult) -> RenderableType:
    """Verdict, why the picked wrong choice is tempting (when the bank says), and the explanation."""
    question = result.question
    parts: list[RenderableType] = []
    if result.correct:
        parts.append(Text(f"✓ Correct  +{result.outcome.xp_gained} XP", style="bold green"))
    else:
        verdict = Text("✗ Not quite. ", style="bold red")
        verdict.append(f"The answer is {question.answer + 1}) ", style="bold")
        verdict.append_text(prose(question.correct_choice.replace("\n", " ⏎ "), style="bold"))
        verdict.append(" — it comes back at the end of this quiz.")
        parts.append(verdict)
        why_wrong = question.why_wrong(result.chosen)
        if why_wrong:
            parts.append(prose(f"Your choice: {why_wrong}", style="yellow"))
    parts.append(
        Panel(prose(question.explanation), title="Why", title_align="left", border_style="dim")
    )
    return Group(*parts)


def _read_choice(ask: Ask, console: Console, question: Question) -> int | None:
    """A 0-based choice, or None when the learner quits (q, or end of input: Ctrl-D)."""
    n = len(question.choices)
    while True:
        try:
            raw = ask(f"Your answer [1-{n}, q to stop]: ").strip().lower()
        except EOFError:
            console.print()
            return None
        if raw in QUIT:
            return None
        if raw.isdigit() and 1 <= int(raw) <= n:
            return int(raw) - 1
        console.print(f"[yellow]Type a number from 1 to {n}, or q to stop.[/]")


def run_terminal_quiz(
    session: QuizSession, console: Console, ask: Ask | None = None
) -> QuizSession:
    """Ask every question of ``session`` on ``console``; returns the session with its results."""
    reader: Ask = ask or (lambda prompt: console.input(prompt))
    if not session.progress.persistent:
        console.print("[dim]Progress tracking is not available: XP from this quiz is not saved.[/]")
    total = len(session.questions)
    while not session.finished:
        question = session.current
        console.print(question_renderable(question, len(session.results) + 1, total))
        chosen = _read_choice(reader, console, question)
        if chosen is None:
            break
        _render_result(console, session.answer(chosen))
    answered = len(session.results)
    summary = (
        f"[bold]{session.correct_count}/{answered}[/] correct · [bold]+{session.xp_gained} XP[/]"
    )
    if session.missed:
        summary += f" · {len(session.missed)} to review next time"
    summary += f" · replay with --seed {session.seed}"
    console.print(Panel(summary, title="Quiz over", title_align="left", border_style="green"))
    return session
