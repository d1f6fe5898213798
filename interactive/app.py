"""`learn tui`: the Textual app that ties the screens together."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from interactive.messages import ProgressChanged
from interactive.quiz.progress import level_number
from interactive.screens.challenges import ChallengesScreen
from interactive.screens.dashboard import DashboardScreen
from interactive.screens.quiz import QuizScreen
from interactive.services import Services, default_services

__all__ = ["LearnTui"]


class LearnTui(App[None]):
    """Dashboard first; c challenges, q quiz, v visualizer; Esc goes back."""

    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    TITLE = "concurrency-lab"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(
        self,
        services: Services | None = None,
        *,
        quiz_seed: int | None = None,
        start: tuple[str, int] | None = None,
        start_seed: int | None = None,
    ) -> None:
        super().__init__()
        self.services = services or default_services()
        self.quiz_seed = quiz_seed
        self.start = start
        """Open the visualizer on this (kind, number) right away (`learn visualize`)."""
        self.start_seed = start_seed

    def on_mount(self) -> None:
        self.push_screen(DashboardScreen(self.services))
        if self.start is not None:
            from interactive.screens.visualizer import VisualizerScreen

            self.push_screen(VisualizerScreen(*self.start, seed=self.start_seed))

    def action_open_challenges(self) -> None:
        self.push_screen(ChallengesScreen(self.services))

    def action_open_quiz(self) -> None:
        self.push_screen(QuizScreen(self.services, seed=self.quiz_seed))

    def action_open_visualizer(self) -> None:
        from interactive.screens.visualizer import VisualizePickerScreen

        self.push_screen(VisualizePickerScreen(self.services))

    def open_visualizer(self, kind: str, number: int) -> None:
        """Run example/challenge ``number`` under instrumentation and watch it live."""
        from interactive.screens.visualizer import VisualizerScreen

        self.push_screen(VisualizerScreen(kind, number))

    def on_progress_changed(self, message: ProgressChanged) -> None:
        """Toast level-ups and new achievements as they unlock."""
        outcome = message.outcome
        if outcome is None:
            return
        before = level_number(getattr(outcome, "level_before", 0))
        after = level_number(getattr(outcome, "level_after", 0))
        if after > before:
            name = getattr(getattr(outcome, "level_after", None), "name", "")
            self.notify(f"You reached level {after} {name}".strip(), title="Level up!", timeout=6)
        for achievement in getattr(outcome, "new_achievements", ()):
            label = getattr(achievement, "name", str(achievement))
            icon = getattr(achievement, "icon", "🏆")
            self.notify(f"{icon} {label}", title="Achievement unlocked", timeout=6)
