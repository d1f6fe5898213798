"""The quiz screen: one question at a time, number keys to answer, explanation, XP."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.panel import Panel
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from interactive.messages import ProgressChanged
from interactive.quiz import AnswerResult, QuizSession
from interactive.quiz.terminal import question_renderable
from interactive.services import Services
from usererror import UserError

__all__ = ["QuizScreen"]


class QuizScreen(Screen[None]):
    """Ten questions (due reviews first); press 1-6 to answer, n for the next one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("1", "answer(1)", "Answer", key_display="1-6"),
        *(Binding(str(n), f"answer({n})", f"{n}", show=False) for n in range(2, 7)),
        Binding("n", "next", "Next"),
        Binding("r", "restart", "New quiz"),
    ]

    def __init__(self, services: Services, *, count: int = 10, seed: int | None = None) -> None:
        super().__init__()
        self.services = services
        self.count = count
        self.seed = seed
        self.session: QuizSession | None = None
        self.last: AnswerResult | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="quiz-pane"):
            yield Static(id="quiz-score")
            yield Static(id="quiz-question")
            yield Static(id="quiz-feedback")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "quiz"
        self.action_restart()

    def action_restart(self) -> None:
        try:
            self.session = QuizSession.start(
                self.services.quiz_bank(), self.services.quiz_progress, count=self.count, seed=self.seed
            )
        except UserError as error:
            self.query_one("#quiz-question", Static).update(f"[red]{error.message}[/]")
            return
        self.last = None
        self._draw()

    def _draw(self) -> None:
        session = self.session
        if session is None:
            return
        answered = len(session.results)
        self.query_one("#quiz-score", Static).update(
            f"[b]{session.correct_count}/{answered}[/] correct · [b]+{session.xp_gained} XP[/]"
        )
        question_widget = self.query_one("#quiz-question", Static)
        feedback = self.query_one("#quiz-feedback", Static)
        if self.last is not None:
            feedback.update(self._feedback(self.last))
            question_widget.update(
                question_renderable(self.last.question, answered, len(session.questions), chosen=self.last.chosen)
            )
            return
        feedback.update("[dim]Press the number of your answer.[/]")
        if session.finished:
            summary = f"Quiz over: {session.correct_count}/{answered} correct, +{session.xp_gained} XP."
            if session.missed:
                summary += f" {len(session.missed)} missed question(s) will come back for review."
            question_widget.update(Panel(summary + "\n\nPress r for a new quiz, Esc to go back.", border_style="green"))
            feedback.update("")
            return
        question_widget.update(question_renderable(session.current, answered + 1, len(session.questions)))
        self.query_one("#quiz-pane", VerticalScroll).scroll_home(animate=False)

    @staticmethod
    def _feedback(result: AnswerResult) -> Group:
        question = result.question
        if result.correct:
            verdict = Text(f"✓ Correct  +{result.outcome.xp_gained} XP", style="bold green")
        else:
            verdict = Text(f"✗ Not quite: the answer is {question.answer + 1}. It will come back.", style="bold red")
        return Group(
            verdict,
            Panel(question.explanation, title="Why", title_align="left", border_style="dim"),
            Text("Press n for the next question.", style="dim"),
        )

    def action_answer(self, number: int) -> None:
        session = self.session
        if session is None or session.finished or self.last is not None:
            return
        if number > len(session.current.choices):
            self.notify(f"Choose 1-{len(session.current.choices)}.", severity="warning")
            return
        self.last = session.answer(number - 1)
        self.app.post_message(ProgressChanged(self.last.outcome))
        self._draw()

    def action_next(self) -> None:
        if self.last is None:
            return
        self.last = None
        self._draw()
