"""`learn tui`: the Textual app that ties the screens together."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from interactive.commands import LearnCommands
from interactive.messages import GradeFailed, GradeFinished, ProgressChanged
from interactive.quiz.progress import level_number
from interactive.screens.challenges import ChallengesScreen
from interactive.screens.dashboard import DashboardScreen
from interactive.screens.help import HelpScreen
from interactive.screens.quiz import QuizScreen
from interactive.services import Services, default_services
from usererror import UserError

if TYPE_CHECKING:
    from interactive.services import ChallengeView

__all__ = ["LearnTui"]


class LearnTui(App[None]):
    """Dashboard first; c challenges, z quiz, v visualizer; Esc or q goes back; ? lists the keys."""

    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    TITLE = "concurrency-lab"
    COMMANDS = App.COMMANDS | {LearnCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(
        self,
        services: Services | None = None,
        *,
        quiz_seed: int | None = None,
        start: tuple[str, int] | None = None,
        start_seed: int | None = None,
        start_file: Path | None = None,
    ) -> None:
        super().__init__()
        self.services = services or default_services()
        self.quiz_seed = quiz_seed
        self.start = start
        """Open the visualizer on this (kind, number) right away (`learn visualize`)."""
        self.start_seed = start_seed
        self.start_file = start_file
        """The program a started challenge runs (``--file`` / ``--original``); None: the learner's copy."""
        self.grading: set[int] = set()
        """Challenges being graded now (a grading outlives the screen that started it)."""
        saved = self.services.settings().get("theme")
        if isinstance(saved, str) and saved in self.available_themes:
            self.theme = saved

    def on_mount(self) -> None:
        self.push_screen(DashboardScreen(self.services))
        if self.start is not None:
            from interactive.screens.visualizer import VisualizerScreen

            kind, number = self.start
            last = self.services.last_grade(number) if kind == "challenge" else None
            self.push_screen(
                VisualizerScreen(
                    kind, number, seed=self.start_seed, file=self.start_file, last_grade=last
                )
            )
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme: object) -> None:
        name = getattr(theme, "name", None)
        if isinstance(name, str) and self.services.settings().get("theme") != name:
            self.services.save_settings({**self.services.settings(), "theme": name})

    def action_help(self) -> None:
        """List every key that works on the current screen."""
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        from textual.screen import Screen

        bindings = [  # the screen's and the app's keys (not every widget's cursor keys)
            (
                active.binding.key_display or self.get_key_display(active.binding),
                active.binding.description,
            )
            for active in self.active_bindings.values()
            if active.binding.description
            and active.enabled
            and isinstance(active.node, Screen | App)
        ]
        self.push_screen(HelpScreen(type(self.screen).__name__, bindings))

    def action_open_challenges(self) -> None:
        self.push_screen(ChallengesScreen(self.services))

    def action_open_quiz(self, topic: str | None = None, count: int = 10) -> None:
        self.push_screen(QuizScreen(self.services, seed=self.quiz_seed, topic=topic, count=count))

    def action_open_visualizer(self) -> None:
        from interactive.screens.visualizer import VisualizePickerScreen

        self.push_screen(VisualizePickerScreen(self.services))

    def open_challenge(self, number: int) -> None:
        """The challenge's screen (story, run, grade), from anywhere (the command palette)."""
        from interactive.screens.challenge_detail import ChallengeDetailScreen

        challenge = next((c for c in self.services.challenges() if c.number == number), None)
        if challenge is not None:
            self.push_screen(ChallengeDetailScreen(self.services, challenge))

    def open_visualizer(self, kind: str, number: int) -> None:
        """Run example/challenge ``number`` under instrumentation and watch it live."""
        from interactive.screens.visualizer import VisualizerScreen

        last = self.services.last_grade(number) if kind == "challenge" else None
        self.push_screen(VisualizerScreen(kind, number, last_grade=last))

    def grade_challenge(self, services: Services, challenge: ChallengeView) -> None:
        """Grade in a worker thread owned by the app: leaving the screen does not lose the result."""
        number = challenge.number
        if number in self.grading:
            return
        self.grading.add(number)

        def grade() -> None:
            try:
                report = services.grade(challenge)
            except UserError as error:
                self.post_message(GradeFailed(number, error.message))
            except Exception as error:
                self.post_message(GradeFailed(number, f"{type(error).__name__}: {error}"))
            else:
                self.post_message(GradeFinished(number, report))

        self.run_worker(
            grade, thread=True, group=f"grade-{number}", name=f"grade challenge {number}"
        )

    def _detail_screens(self, number: int) -> list[object]:
        from interactive.screens.challenge_detail import ChallengeDetailScreen

        return [
            s
            for s in self.screen_stack
            if isinstance(s, ChallengeDetailScreen) and s.challenge.number == number
        ]

    def on_grade_finished(self, message: GradeFinished) -> None:
        self.grading.discard(message.number)
        result = message.report.result
        self.services.save_grade(message.number, result)
        for screen in self._detail_screens(message.number):
            screen.show_result(result)  # type: ignore[attr-defined]
        verdict = "passed ✓" if result.passed else "not yet"
        self.notify(f"Challenge {message.number}: {verdict}", title="Graded")
        self.post_message(ProgressChanged(message.report.outcome))

    def on_grade_failed(self, message: GradeFailed) -> None:
        self.grading.discard(message.number)
        for screen in self._detail_screens(message.number):
            screen.show_error(message.error)  # type: ignore[attr-defined]
        self.notify(
            f"Challenge {message.number}: could not grade: {message.error}", severity="error"
        )

    def on_progress_changed(self, message: ProgressChanged) -> None:
        """Toast level-ups and new achievements as they unlock."""
        outcome = message.outcome
        for screen in self.screen_stack:
            refresh = getattr(screen, "action_refresh", None)
            if isinstance(screen, DashboardScreen) and refresh is not None:
                refresh()
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
