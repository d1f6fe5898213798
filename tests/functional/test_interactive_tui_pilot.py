"""Pilot tests of the TUI's main flows, with seeded fake services (no tracker, no grader)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import DataTable, Static

from interactive.app import LearnTui
from interactive.screens.challenge_detail import ChallengeDetailScreen
from interactive.screens.challenges import ChallengesScreen
from interactive.screens.dashboard import DashboardScreen
from interactive.screens.quiz import QuizScreen
from interactive.screens.visualizer import VisualizePickerScreen, VisualizerScreen
from tests.functional._interactive_fakes import FakeGrader, FakeRun, services

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _plain(renderable: object) -> str:
    """Any Static content (markup string, Text, Rich renderable) as plain text."""
    if isinstance(renderable, str):
        return Text.from_markup(renderable).plain
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def _text(app: LearnTui, selector: str) -> str:
    return _plain(app.screen.query_one(selector, Static).content)


async def test_dashboard_shows_level_xp_streak_daily_next_step_and_achievements(tmp_path: Path) -> None:
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "Level 2 · Apprentice" in _text(app, "#level")
        assert "3-day streak" in _text(app, "#streak")
        assert "XP 20/150 to Journeyman" in _text(app, "#xp-label")
        assert "challenge 2" in _text(app, "#daily")
        assert "Today's daily challenge: challenge 2" in _text(app, "#next-step")
        assert "First blood" in _text(app, "#achievements")


async def test_challenge_browser_opens_story_and_grades_in_a_worker(tmp_path: Path) -> None:
    grader = FakeGrader(block=True)
    app = LearnTui(services(tmp_path, grader))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        assert isinstance(app.screen, ChallengesScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        assert "passed" in str(table.get_row_at(0)[3])
        await pilot.press("enter")
        assert isinstance(app.screen, ChallengeDetailScreen)
        await pilot.pause()
        assert "The bank that froze" in _text(app, "#detail-title")
        await pilot.press("g")
        await pilot.pause()
        assert "Grading" in _text(app, "#result")
        # The grader is blocked: the UI still handles keys (a second g is refused politely).
        await pilot.press("g")
        await pilot.pause()
        assert grader.calls == 1
        grader.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = _text(app, "#result")
        assert "NOT YET" in result and "teller-1 holds lock_a" in result
        assert "learn check 1 --replay 42" in result
        await pilot.press("escape")
        assert isinstance(app.screen, ChallengesScreen)


async def test_passing_grade_toasts_level_up_and_achievement(tmp_path: Path) -> None:
    app = LearnTui(services(tmp_path, FakeGrader(passed=True)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "enter", "g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "PASSED" in _text(app, "#result")
        messages = [n.message for n in app._notifications]
        assert any("First blood" in m for m in messages)
        assert any("level 2" in m for m in messages)


async def test_quiz_answers_explains_and_scores(tmp_path: Path) -> None:
    app = LearnTui(services(tmp_path), quiz_seed=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, QuizScreen)
        screen = app.screen
        assert screen.session is not None
        first = screen.session.current
        await pilot.press(str(first.answer + 1))
        assert "Correct" in _text(app, "#quiz-feedback")
        await pilot.press("n")
        second = screen.session.current
        wrong = 1 if second.answer != 0 else 2
        await pilot.press(str(wrong))
        assert "Not quite" in _text(app, "#quiz-feedback")
        assert second.explanation in _text(app, "#quiz-feedback")
        await pilot.press("n")
        assert "Quiz over: 1/2 correct, +10 XP" in _text(app, "#quiz-question")
        await pilot.press("r")
        assert screen.session.questions[0].id == second.id  # the missed one comes back first


async def test_visualizer_shows_lanes_heatmap_and_deadlock_overlay_and_steps(tmp_path: Path) -> None:
    runs: list[FakeRun] = []

    def factory(seed: int) -> FakeRun:
        runs.append(FakeRun(seed))
        return runs[-1]

    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(VisualizerScreen("example", 1, seed=5, run_factory=factory))
        await pilot.pause()
        screen = app.screen
        assert "DEADLOCK: worker-0 → worker-1 → worker-0" in _text(app, "#vis-overlay")
        assert "seed 5" in _text(app, "#vis-status")
        lanes = _plain(screen.query_one("#lanes").render())
        assert "worker-3" in lanes and "lock lock_b" in lanes
        assert "lock_a" in _plain(screen.query_one("#heatmap").render())
        assert "jobs" in _plain(screen.query_one("#sparks").render())
        await pilot.press("space", "home", "s", "s")
        assert "step 2/" in _text(app, "#vis-status")
        assert "worker-1: thread-start" in _text(app, "#vis-status")
        await pilot.press("R")
        assert len(runs) == 2 and runs[0].stopped and runs[1].seed == 5
        await pilot.press("escape")
        assert runs[1].stopped


async def test_visualizer_picker_lists_lessons_and_challenges(tmp_path: Path) -> None:
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        assert isinstance(app.screen, VisualizePickerScreen)
        from textual.widgets import OptionList

        options = app.screen.query_one(OptionList)
        assert options.option_count == 5
