"""The quiz screen: one question at a time, number keys to answer, explanation, XP."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from interactive.messages import ProgressChanged
from interactive.quiz import TOPICS, AnswerResult, QuizSession
from interactive.quiz.terminal import feedback_renderable, question_renderable
from interactive.quiz.text import prose
from interactive.services import Services
from usererror import UserError

__all__ = ["QuizScreen"]


def _choice(number: int, text: str) -> Table:
    """``n) choice``: a long or multi-line choice wraps under its text, not under the number."""
    grid = Table.grid()
    grid.add_column(width=3, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(f"{number})", style="bold cyan"), prose(text))
    return grid


class QuizScreen(Screen[None]):
    """Ten questions (due reviews first); press a number or click a choice, n for the next one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("q", "app.pop_screen", "Back", show=False),
        *(Binding(str(n), f"answer({n})", f"Answer {n}", show=False) for n in range(1, 7)),
        Binding("n", "next", "Next"),
        Binding("r", "restart", "New quiz"),
    ]

    def __init__(
        self,
        services: Services,
        *,
        count: int = 10,
        seed: int | None = None,
        topic: str | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.count = count
        self.seed = seed
        self.topic = topic
        self.session: QuizSession | None = None
        self.last: AnswerResult | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="quiz-pane"):
            yield Static(id="quiz-score")
            yield Static(id="quiz-question")
            yield OptionList(id="quiz-choices")
            yield Static(id="quiz-feedback")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "quiz" + (f" · {TOPICS.get(self.topic, self.topic)}" if self.topic else "")
        self.action_restart()

    def action_restart(self) -> None:
        try:
            self.session = QuizSession.start(
                self.services.quiz_bank(),
                self.services.quiz_progress,
                count=self.count,
                seed=self.seed,
                topic=self.topic,
            )
        except UserError as error:
            self.query_one("#quiz-question", Static).update(Text(error.message, style="red"))
            return
        self.last = None
        self._draw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Number keys beyond the current question's choices do nothing (and are not offered)."""
        if action == "answer" and self.session is not None and not self.session.finished:
            number = parameters[0] if parameters else 0
            return isinstance(number, int) and number <= len(self.session.current.choices)
        return True

    def _draw(self) -> None:
        session = self.session
        if session is None:
            return
        answered = len(session.results)
        self.query_one("#quiz-score", Static).update(
            f"[b]{session.correct_count}/{answered}[/] correct · [b]+{session.xp_gained} XP[/] · seed {session.seed}"
        )
        question_widget = self.query_one("#quiz-question", Static)
        feedback = self.query_one("#quiz-feedback", Static)
        choices = self.query_one("#quiz-choices", OptionList)
        self.refresh_bindings()
        if self.last is not None:
            feedback.update(
                Group(
                    feedback_renderable(self.last),
                    Text("Press n for the next question.", style="dim"),
                )
            )
            question_widget.update(
                question_renderable(
                    self.last.question, answered, len(session.questions), chosen=self.last.chosen
                )
            )
            choices.display = False
            return
        if session.finished:
            summary = (
                f"Quiz over: {session.correct_count}/{answered} correct, +{session.xp_gained} XP."
            )
            if session.missed:
                summary += (
                    f" {len(session.missed)} missed question(s) will come back in your next quiz."
                )
            question_widget.update(
                Panel(summary + "\n\nPress r for a new quiz, Esc to go back.", border_style="green")
            )
            feedback.update("")
            choices.display = False
            return
        question = session.current
        question_widget.update(
            question_renderable(question, answered + 1, len(session.questions), show_choices=False)
        )
        choices.clear_options()
        choices.add_options(
            [Option(_choice(n, c), id=str(n)) for n, c in enumerate(question.choices, start=1)]
        )
        choices.display = True
        choices.highlighted = None
        choices.focus()
        n = len(question.choices)
        feedback.update(
            Text(f"Press 1-{n}, or click a choice (↑↓ and Enter work too).", style="dim")
        )
        self.query_one("#quiz-pane", VerticalScroll).scroll_home(animate=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.action_answer(int(event.option.id))

    def action_answer(self, number: int) -> None:
        session = self.session
        if session is None or session.finished or self.last is not None:
            return
        if not 1 <= number <= len(session.current.choices):
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
