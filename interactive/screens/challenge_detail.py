"""One challenge: its story, the learner's file, and grading in a worker thread."""

from __future__ import annotations

import os
import subprocess
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static

from interactive.messages import GradeFailed, GradeFinished, ProgressChanged
from interactive.services import ChallengeView, GradeReport, Services
from interactive.widgets.findings import grade_renderable
from usererror import UserError

__all__ = ["ChallengeDetailScreen"]


class ChallengeDetailScreen(Screen[None]):
    """Read the story, edit the file, press g to grade (the UI stays responsive)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("g", "grade", "Grade"),
        Binding("e", "edit", "Edit file"),
        Binding("v", "visualize", "Visualize"),
        Binding("tab", "focus_next", "Scroll panes", show=False),
    ]

    def __init__(self, services: Services, challenge: ChallengeView) -> None:
        super().__init__()
        self.services = services
        self.challenge = challenge
        self.grading = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="detail"):
            yield Static(id="detail-title")
            yield Static(id="detail-path")
            with VerticalScroll(id="story-pane"):
                yield Markdown(id="story")
            with VerticalScroll(id="result-pane"):
                yield Static("[dim]Press g to grade your fix.[/]", id="result")
        yield Footer()

    def on_mount(self) -> None:
        challenge = self.challenge
        self.sub_title = f"challenge {challenge.number}"
        concepts = ", ".join(challenge.concepts)
        self.query_one("#detail-title", Static).update(
            f"[b]{challenge.number}. {challenge.title}[/b]  {'★' * challenge.difficulty}  [dim]{concepts}[/]"
        )
        self.query_one("#detail-path", Static).update(f"Your file: [u]{challenge.program_path}[/u]")
        try:
            story = challenge.story_path.read_text(encoding="utf-8")
        except OSError:
            story = f"{challenge.summary}\n\n*(story file missing: {challenge.story_path.name})*"
        self.query_one("#story", Markdown).update(story)
        self.query_one("#story-pane").focus()
        last = self._last_grades().get(challenge.number)
        if last is not None:
            self.query_one("#result", Static).update(grade_renderable(last.result))

    def _last_grades(self) -> dict[int, GradeReport]:
        """The app remembers each challenge's latest grading (a grading can outlive this screen)."""
        grades: dict[int, GradeReport] = self.app.__dict__.setdefault("last_grades", {})
        return grades

    def action_grade(self) -> None:
        if self.grading:
            self.notify("Already grading: the result will appear here.", severity="warning")
            return
        self.grading = True
        self.query_one("#result", Static).update("[b yellow]⏳ Grading…[/] (the grader runs in a sandbox; keep reading)")
        self._grade_in_worker()

    @work(thread=True, exclusive=True, group="grade")
    def _grade_in_worker(self) -> None:
        """Runs in a worker thread; talks back only through thread-safe messages."""
        try:
            report = self.services.grade(self.challenge)
        except UserError as error:
            self.post_message(GradeFailed(self.challenge.number, error.message))
        except Exception as error:
            self.post_message(GradeFailed(self.challenge.number, f"{type(error).__name__}: {error}"))
        else:
            self.post_message(GradeFinished(self.challenge.number, report))

    def on_grade_finished(self, message: GradeFinished) -> None:
        self.grading = False
        self._last_grades()[message.number] = message.report
        self.query_one("#result", Static).update(grade_renderable(message.report.result))
        self.query_one("#result-pane").scroll_home(animate=False)
        verdict = "passed ✓" if message.report.result.passed else "not yet"
        self.notify(f"Challenge {message.number}: {verdict}", title="Graded")
        self.app.post_message(ProgressChanged(message.report.outcome))

    def on_grade_failed(self, message: GradeFailed) -> None:
        self.grading = False
        self.query_one("#result", Static).update(f"[b red]Could not grade:[/] {message.error}")

    def action_edit(self) -> None:
        """Open the file in $EDITOR (the TUI is suspended meanwhile), or show its path."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        path = self.challenge.program_path
        if not editor:
            self.notify(f"Set $EDITOR to edit from here, or open {path} in your editor.", timeout=8)
            return
        with self.app.suspend():
            subprocess.run([*editor.split(), str(path)], check=False)

    def action_visualize(self) -> None:
        self.app.open_visualizer("challenge", self.challenge.number)  # type: ignore[attr-defined]
