"""The plain-terminal quiz: typed answers, retries on bad input, explanation and summary."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console

from interactive.quiz import MemoryProgress, Question, QuestionKind, QuizSession
from interactive.quiz.terminal import run_terminal_quiz

QUESTIONS = (
    Question(
        "a-1", "asyncio", QuestionKind.CHOICE, "First?", ("yes", "no"), 0, "Yes is right here."
    ),
    Question(
        "a-2", "queues", QuestionKind.OUTPUT, "Prints?", ("1", "2"), 1, "Two.", code="print(2)"
    ),
    Question("a-3", "queues", QuestionKind.CHOICE, "Third?", ("x", "y"), 0, "x."),
)


def _run(answers: list[str]) -> tuple[QuizSession, str]:
    console = Console(record=True, width=80, color_system=None)
    replies = iter(answers)
    session = QuizSession(
        QUESTIONS, MemoryProgress(clock=lambda: datetime(2026, 1, 1)), review_missed=False
    )
    run_terminal_quiz(session, console, ask=lambda prompt: next(replies))
    return session, console.export_text()


def test_answers_score_and_explain() -> None:
    session, out = _run(["1", "seven", "1", "1"])
    assert session.correct_count == 2 and session.xp_gained == 20
    assert "✓ Correct  +10 XP" in out
    assert "Type a number from 1 to 2, or q to stop." in out
    assert "The answer is 2) 2" in out and "Two." in out
    assert "2/3 correct · +20 XP · 1 to review next time" in out
    assert "print(2)" in out


def test_q_stops_early_with_a_summary() -> None:
    session, out = _run(["2", "q"])
    assert len(session.results) == 1
    assert "0/1 correct · +0 XP · 1 to review next time" in out
    assert "XP from this quiz is not saved" in out


def test_end_of_input_stops_the_quiz_instead_of_looking_like_ctrl_c() -> None:
    console = Console(record=True, width=80, color_system=None)

    def eof(prompt: str) -> str:
        raise EOFError

    session = QuizSession(QUESTIONS, MemoryProgress(clock=lambda: datetime(2026, 1, 1)))
    run_terminal_quiz(session, console, ask=eof)
    out = console.export_text()
    assert "Quiz over" in out and "0/0 correct" in out and "interrupted" not in out


def test_backticks_are_code_and_brackets_are_not_rich_markup() -> None:
    question = Question(
        "m-1",
        "asyncio",
        QuestionKind.CHOICE,
        "Does `[red]x[/red]` stay literal?",
        ("`a[0]`", "no"),
        0,
        "Because [bold] is text here, and `f()` is code.",
    )
    session = QuizSession(
        (question,), MemoryProgress(clock=lambda: datetime(2026, 1, 1)), review_missed=False
    )
    console = Console(record=True, width=100, color_system=None)
    run_terminal_quiz(session, console, ask=lambda prompt: "2")
    out = console.export_text()
    assert "[red]x[/red]" in out and "`" not in out and "a[0]" in out
    assert "Because [bold] is text here, and f() is code." in out
