"""One challenge: its story, the learner's file, and grading in a worker thread."""

from __future__ import annotations

import os
import subprocess
import time
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Markdown, Static

from evaluator.findings import GradeResult
from interactive.services import ChallengeView, Services
from interactive.widgets.findings import grade_renderable

__all__ = ["ChallengeDetailScreen"]


SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class ChallengeDetailScreen(Screen[None]):
    """Read the story, edit the file, press g to grade (the UI stays responsive)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("g", "grade", "Grade"),
        Binding("e", "edit", "Edit file"),
        Binding("v", "visualize", "Visualize"),
        Binding("tab", "app.focus_next", "Next pane"),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
    ]

    def __init__(self, services: Services, challenge: ChallengeView) -> None:
        super().__init__()
        self.services = services
        self.challenge = challenge
        self._started = 0.0
        self._spinner: Timer | None = None

    @property
    def grading(self) -> bool:
        """Whether this challenge is being graded (the grading belongs to the app, not this screen)."""
        return self.challenge.number in getattr(self.app, "grading", set())

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
        self.query_one("#detail-path", Static).update(Text(f"Your file: {challenge.program_path}", style="underline"))
        try:
            story = challenge.story_path.read_text(encoding="utf-8")
        except OSError:
            story = f"{challenge.summary}\n\n*(story file missing: {challenge.story_path.name})*"
        self.query_one("#story", Markdown).update(story)
        self.query_one("#story-pane").focus()
        if self.grading:
            self._start_spinner()
            return
        last = self.services.last_grade(challenge.number)
        if last is not None:
            self.show_result(last, previous=True)

    def show_result(self, result: GradeResult, *, previous: bool = False) -> None:
        """Draw a grade result (``previous``: the last one recorded, e.g. before a restart)."""
        self._stop_spinner()
        body = grade_renderable(result)
        if previous:
            body = Group(Text("Last grade (press g to grade again):", style="dim"), body)
        self.query_one("#result", Static).update(body)
        self.query_one("#result-pane").scroll_home(animate=False)

    def show_error(self, error: str) -> None:
        self._stop_spinner()
        self.query_one("#result", Static).update(Text.assemble(("Could not grade: ", "bold red"), error))

    def action_grade(self) -> None:
        if self.grading:
            self.notify("Already grading: the result will appear here.", severity="warning")
            return
        self.app.grade_challenge(self.services, self.challenge)  # type: ignore[attr-defined]
        self._start_spinner()

    def _start_spinner(self) -> None:
        self._started = time.monotonic()
        self._tick()
        if self._spinner is None:
            self._spinner = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        frame = SPINNER[int(elapsed * 10) % len(SPINNER)]
        self.query_one("#result", Static).update(
            f"[b yellow]{frame} Grading… {elapsed:.1f}s[/] (the grader runs in a sandbox; keep reading)"
        )

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

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
