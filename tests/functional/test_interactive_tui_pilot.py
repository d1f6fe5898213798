"""Pilot tests of the TUI's main flows, with seeded fake services (no tracker, no grader)."""

from __future__ import annotations

import io
from itertools import pairwise
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


async def test_dashboard_shows_level_xp_streak_daily_next_step_and_achievements(
    tmp_path: Path,
) -> None:
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
        await pilot.press("z")
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
        assert screen.session.current.id == second.id  # the missed one comes back in this quiz
        await pilot.press(str(screen.session.current.answer + 1), "n")
        assert "Quiz over: 2/3 correct, +20 XP" in _text(app, "#quiz-question")
        await pilot.press("r")
        assert (
            screen.session.results == []
        )  # a new quiz (the reviewed question was then answered right)


async def test_visualizer_shows_lanes_heatmap_and_deadlock_overlay_and_steps(
    tmp_path: Path,
) -> None:
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
        assert "Resume" in [
            b.description
            for b in app.active_bindings and [a.binding for a in app.active_bindings.values()]
        ]
        assert "step 2/" in _text(app, "#vis-status")
        assert "worker-1: thread-start" in _text(app, "#vis-status")
        await pilot.press("N")  # a new run, with a new seed
        assert len(runs) == 2 and runs[0].stopped and runs[1].seed == screen.seed
        await pilot.press("escape")
        assert runs[1].stopped


def _replay_frames(screen: VisualizerScreen) -> list[int]:
    """Drive R's playback frame by frame (the timer's work, without waiting for it): events drawn."""
    counts = []
    for _ in range(10_000):
        if not screen.replaying:
            break
        screen.refresh_frame()
        counts.append(screen._cursor)  # a quiet stretch repeats the previous count
    return counts


async def test_r_replays_the_recorded_run_exactly_without_a_new_run(tmp_path: Path) -> None:
    from tests.functional._interactive_fakes import deadlock_events

    runs: list[FakeRun] = []

    def factory(seed: int) -> FakeRun:
        runs.append(FakeRun(seed, deadlock_events(threads=6, rounds=4)))
        return runs[-1]

    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = VisualizerScreen("example", 1, seed=5, run_factory=factory)
        app.push_screen(screen)
        await pilot.pause()
        screen.frame_timer.pause()  # frames are driven by the test, one by one
        live = _plain(screen.query_one("#lanes").render())
        await pilot.press("R")
        assert len(runs) == 1  # no rerun: real threads would interleave differently
        assert screen.replaying and "replay" in _text(app, "#vis-status")
        first = _replay_frames(screen)
        assert len(first) > 10 and first == sorted(first)  # played over many frames, in order
        assert not screen.replaying and "replayed" in _text(app, "#vis-status")
        assert first[-1] == len(runs[0].events)
        assert screen._replay is not None and screen._replay.snapshot() == runs[0].snapshot()
        assert (
            _plain(screen.query_one("#lanes").render()) == live
        )  # the same picture as the run's end
        await pilot.press("R")
        assert _replay_frames(screen) == first  # a second replay is frame for frame the same
        await pilot.press("R", "space")
        assert not screen.replaying and "replay paused" in _text(app, "#vis-status")
        frozen = screen._cursor
        await pilot.press("s")
        assert screen._cursor > frozen and "step" in _text(app, "#vis-status")
        assert len(runs) == 1


async def test_visualizer_picker_lists_lessons_and_challenges(tmp_path: Path) -> None:
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        assert isinstance(app.screen, VisualizePickerScreen)
        from textual.widgets import OptionList

        options = app.screen.query_one(OptionList)
        assert options.option_count == 5


async def test_no_color_visualizer_draws_instead_of_crashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(VisualizerScreen("example", 1, seed=5, run_factory=FakeRun))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, VisualizerScreen)
        assert "worker-0" in _plain(app.screen.query_one("#lanes").render())
    assert app.return_code in (0, None)


def _many_threads(seed: int) -> FakeRun:
    from tests.functional._interactive_fakes import deadlock_events

    return FakeRun(seed, deadlock_events(threads=40, rounds=2))


async def test_at_80x24_keys_rewind_and_step_even_when_the_body_scrolls(tmp_path: Path) -> None:
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(VisualizerScreen("example", 1, seed=5, run_factory=_many_threads))
        await pilot.pause()
        body = app.screen.query_one("#vis-body")
        assert body.max_scroll_y > 0  # 40 lanes do not fit: the body scrolls
        body.focus()
        await pilot.press("space")
        await pilot.press("s")  # right after pausing a finished run: steps from the start
        status = _text(app, "#vis-status")
        assert "step 1/" in status and "worker-0: thread-start" in status
        await pilot.press("end", "home")
        assert "rewound" in _text(app, "#vis-status")


async def test_stepping_passes_over_sampler_events(tmp_path: Path) -> None:
    from evaluator.events import Event, EventKind

    events = [Event(n, n, EventKind.MEMORY, "sampler", 0, None, 100) for n in range(5)]
    events += [
        Event(5, 10, EventKind.THREAD_START, "main", 1),
        Event(6, 11, EventKind.MEMORY, "sampler", 0, None, 1),
        Event(7, 12, EventKind.LOCK_WAIT, "main", 1, "L"),
    ]
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(
            VisualizerScreen("example", 1, seed=5, run_factory=lambda seed: FakeRun(seed, events))
        )
        await pilot.pause()
        await pilot.press("home", "s")
        assert "step 6/8" in _text(app, "#vis-status") and "main: thread-start" in _text(
            app, "#vis-status"
        )
        await pilot.press("s")
        assert "step 8/8" in _text(app, "#vis-status") and "lock-wait L" in _text(
            app, "#vis-status"
        )


def test_rewind_after_the_ring_buffer_overflows_starts_from_the_true_state() -> None:
    from evaluator.events import Event, EventKind
    from interactive.visualizer.runner import LiveRun, Target

    run = LiveRun(Target("script", "unused.py"), keep=8)  # a checkpoint every 2 events
    run.ingest([Event(0, 0, EventKind.LOCK_ACQUIRE, "holder", 1, "L")])
    for n in range(1, 30):
        run.ingest(
            [Event(n, n, EventKind.SLEEP_START if n % 2 else EventKind.SLEEP_END, "busy", 2)]
        )
    base, start = run.history_base()
    assert run.dropped == 22 and len(run.recorded()) == 8 and 0 <= start < 8
    (lock,) = base.snapshot().locks
    assert lock.owner == "holder"  # held before the first kept event: the rewound picture knows it
    replay = base
    for event in run.recorded()[start:]:
        replay.apply(event)
    assert (
        replay.snapshot() == run.snapshot()
    )  # the checkpoint plus the kept events is the exact state


async def test_tab_moves_between_story_and_result_panes(tmp_path: Path) -> None:
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "enter")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "story-pane"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "result-pane"


async def test_a_grade_that_finishes_after_leaving_the_screen_is_kept_and_shown(
    tmp_path: Path,
) -> None:
    grader = FakeGrader(block=True)
    svc = services(tmp_path, grader)
    app = LearnTui(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "enter", "g")
        await pilot.pause()
        await pilot.press("escape")
        assert isinstance(app.screen, ChallengesScreen)
        grader.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("Challenge 1: not yet" in n.message for n in app._notifications)
        await pilot.press("enter")
        await pilot.pause()
        assert "teller-1 holds lock_a" in _text(app, "#result")
    # A new app (a restart) with the same store still shows the last grade.
    again = LearnTui(svc)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "enter")
        await pilot.pause()
        assert "Last grade" in _text(again, "#result") and "NOT YET" in _text(again, "#result")


def test_the_file_store_keeps_the_last_grade_and_theme_across_restarts(tmp_path: Path) -> None:
    from interactive.services import FileStore
    from tests.functional._interactive_fakes import grade_result

    FileStore(tmp_path).save_grade(3, grade_result())
    FileStore(tmp_path).save_settings({"theme": "textual-light"})
    again = FileStore(tmp_path)
    last = again.last_grade(3)
    assert last is not None and not last.passed and last.findings[0].seed == 42
    assert again.settings() == {"theme": "textual-light"}


async def test_the_theme_is_remembered(tmp_path: Path) -> None:
    svc = services(tmp_path)
    app = LearnTui(svc)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "textual-light"
        await pilot.pause()
    assert LearnTui(svc).theme == "textual-light"


async def test_quiz_choices_can_be_clicked_and_footer_offers_no_fake_answer_key(
    tmp_path: Path,
) -> None:
    app = LearnTui(services(tmp_path), quiz_seed=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("z")
        screen = app.screen
        assert isinstance(screen, QuizScreen) and screen.session is not None
        shown = [
            b.binding.key_display or b.binding.key
            for b in app.active_bindings.values()
            if b.binding.show
        ]
        assert not any("1-6" in key for key in shown)
        question = screen.session.current
        from textual.widgets import OptionList

        choices = screen.query_one("#quiz-choices", OptionList)
        assert choices.option_count == len(question.choices)
        target = question.answer
        await pilot.click(OptionList, offset=(4, target))
        await pilot.pause()
        assert screen.last is not None and screen.last.chosen == target
        await pilot.press("3")  # beyond a 2-choice question: nothing happens
        assert len(screen.session.results) == 1


async def test_one_key_scheme_q_goes_back_and_question_mark_lists_keys(tmp_path: Path) -> None:
    from interactive.screens.help import HelpScreen

    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        keys = {
            b.binding.key: b.binding.description
            for b in app.active_bindings.values()
            if b.binding.show
        }
        assert keys.get("enter") == "Open"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("q")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = _plain(app.screen.query_one("#help-keys", Static).content)
        assert "Challenges" in help_text and "Quiz" in help_text


def test_listing_challenges_never_writes_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interactive.services import default_services

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEARN_WORKSPACE", raising=False)
    views = default_services().challenges()
    assert len(views) == 16
    assert not (tmp_path / "workspace").exists()
    assert all(v.program_path.exists() for v in views)


async def test_a_simulated_challenge_shows_the_space_time_diagram_and_zooms(tmp_path: Path) -> None:
    from tests.unit.test_interactive_visualizer_sim import _events

    events = list(_events(9))
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(
            VisualizerScreen("challenge", 9, seed=1, run_factory=lambda seed: FakeRun(seed, events))
        )
        await pilot.pause()
        screen = app.screen
        diagram = screen.query_one("#spacetime")
        assert diagram.display and "VIOLATION at t=" in _plain(diagram.render())
        assert not screen.query_one("#lanes").display
        await pilot.press("plus", "plus")
        assert diagram.zoom == 4  # type: ignore[attr-defined]
        await pilot.press(
            "home", *["s"] * 6
        )  # five lanes start, then the world says which seed it is
        assert "simulated world, fault seed" in _text(app, "#vis-status")


async def test_the_challenge_screen_reaches_hints_run_solutions_reset_and_watch(
    tmp_path: Path,
) -> None:
    program = tmp_path / "program.py"
    program.write_text("x = 1\n", encoding="utf-8")
    grader = FakeGrader()
    svc = services(tmp_path, grader)
    app = LearnTui(svc)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "enter")
        screen = app.screen
        assert isinstance(screen, ChallengeDetailScreen)
        screen.challenge = screen.challenge.__class__(
            **{**screen.challenge.__dict__, "program_path": program}
        )
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Hint 1 of 3 for challenge 1" in _text(app, "#result")
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "teller-1 waits for lock_b" in _text(app, "#result")
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "global_order.py" in _text(app, "#result")
        await pilot.press("x")
        assert "restored" not in _text(app, "#result")  # the first press only asks
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "your copy is saved at" in _text(app, "#result")
        await pilot.press("w")
        assert "re-grading on save" in screen.sub_title
        program.write_text("x = 2\n", encoding="utf-8")
        import os

        os.utime(program, (1, 1))  # a different mtime, without sleeping
        screen._check_saved()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert grader.calls == 1


async def test_solutions_stay_closed_before_a_pass(tmp_path: Path) -> None:
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "down", "enter", "s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "open after you pass it" in _text(app, "#result")


async def test_command_palette_opens_challenges_quizzes_by_topic_and_lessons(
    tmp_path: Path,
) -> None:
    from interactive.commands import LearnCommands

    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        provider = LearnCommands(app.screen)
        commands = {text: callback for text, callback, _ in provider._commands()}
        assert (
            "Open challenge 2: Lost updates" in commands
            and "Visualize lesson 1: Threads and the GIL" in commands
        )
        commands["Open challenge 2: Lost updates"]()
        await pilot.pause()
        assert isinstance(app.screen, ChallengeDetailScreen) and app.screen.challenge.number == 2
        await pilot.press("escape")
        commands["Quiz on asyncio and the event loop (asyncio)"]()
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen) and app.screen.session is not None
        assert {q.topic for q in app.screen.session.questions} == {"asyncio"}
        await pilot.press("escape")
        commands["Quiz: 5 questions"]()
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen) and app.screen.count == 5


async def test_editing_without_a_copy_makes_the_copy_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    made: list[int] = []
    copy = tmp_path / "ws" / "program.py"

    def make_copy(number: int) -> Path:
        made.append(number)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text("# mine\n", encoding="utf-8")
        return copy

    svc = services(tmp_path)
    originals = svc.challenges()
    svc.challenges = lambda: tuple(replace(c, has_copy=False) for c in originals)
    svc.make_copy = make_copy
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = LearnTui(svc)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c", "enter")
        assert "No copy yet" in _text(app, "#detail-path")
        await pilot.press("e")
        assert made == [1] and str(copy) in _text(app, "#detail-path")


async def test_light_theme_lanes_carry_the_widget_background_not_the_terminal_default(
    tmp_path: Path,
) -> None:
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "textual-light"
        app.push_screen(VisualizerScreen("example", 1, seed=5, run_factory=FakeRun))
        await pilot.pause()
        lanes = app.screen.query_one("#lanes")
        background = lanes.rich_style.bgcolor
        assert background is not None
        for y in range(3):
            segments = list(lanes.render_line(y))
            assert segments and all(
                seg.style is not None and seg.style.bgcolor == background for seg in segments
            )


def _race_result() -> object:
    from evaluator.detectors.race import interleaving_evidence
    from evaluator.findings import CheckOutcome, Finding, FindingKind, GradeResult, Severity
    from evaluator.scheduler import Step

    key = (1, "balance")
    steps = [
        Step(1, "teller-1", "program.py:12", "read", "self.balance", "100", key),
        Step(2, "teller-2", "program.py:12", "read", "self.balance", "100", key),
        Step(1, "teller-1", "program.py:13", "write", "self.balance", "70", key),
        Step(2, "teller-2", "program.py:13", "write", "self.balance", "50", key),
    ]
    evidence = tuple(interleaving_evidence(steps))  # the grader's own wording
    finding = Finding(
        FindingKind.RACE, Severity.FAIL, "lost update on balance", evidence=evidence, seed=77
    )
    return GradeResult(2, False, (finding,), (CheckOutcome("race", False, 0.1, 3),), 1.0, 7)


async def test_a_race_shows_its_losing_interleaving_side_by_side(tmp_path: Path) -> None:
    svc = services(tmp_path)
    svc.save_grade(2, _race_result())  # type: ignore[arg-type]
    app = LearnTui(svc)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_visualizer("challenge", 2)
        await pilot.pause()
        panel = app.screen.query_one("#vis-race", Static)
        assert panel.display
        text = _plain(panel.content)
        header = next(
            line for line in text.splitlines() if "teller-1" in line and "teller-2" in line
        )
        assert header.index("teller-1") < header.index("teller-2")  # one column per thread
        assert "✗ teller-1's update is lost" in text or "update is lost" in text
        assert "learn check 2 --replay 77" in text
        await pilot.press("escape")
        app.open_visualizer("challenge", 3)  # no race graded: no panel
        await pilot.pause()
        assert not app.screen.query_one("#vis-race", Static).display


async def test_o_switches_a_challenge_between_the_original_and_the_learners_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from challenges import get_challenge

    monkeypatch.setenv("LEARN_WORKSPACE", str(tmp_path / "ws"))
    copy = tmp_path / "ws" / get_challenge(1).name / "program.py"
    copy.parent.mkdir(parents=True)
    copy.write_text("print('mine')\n", encoding="utf-8")
    runs: list[FakeRun] = []

    def factory(seed: int) -> FakeRun:
        runs.append(FakeRun(seed))
        return runs[-1]

    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(160, 30)) as pilot:
        screen = VisualizerScreen(
            "challenge", 1, seed=3, run_factory=factory, file=tmp_path / "mine.py"
        )
        app.push_screen(screen)
        await pilot.pause()
        assert "mine.py" in screen.sub_title
        await pilot.press("o")
        assert screen.target.program() == get_challenge(1).program_path
        assert "original · o: yours" in screen.sub_title and len(runs) == 2 and runs[0].stopped
        await pilot.press("o")
        assert screen.target.file is None and screen.target.program() == copy and len(runs) == 3


def _rows(widget: Static) -> list[str]:
    """The widget's content as wrapped on screen (its content width), one string per row."""
    console = Console(
        width=widget.content_region.width, record=True, color_system=None, file=io.StringIO()
    )
    console.print(widget.content)
    return [row.rstrip() for row in console.export_text().splitlines()]


async def test_hints_wrap_to_the_pane_and_name_the_key_for_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found under tmux at 80x24: hints were captured at 100 columns, so they broke mid-line."""
    from dataclasses import replace

    import learner.hints as hints_module
    from interactive import services as services_module
    from learner.hints import HintView

    hint = (
        "Run `learn run challenge 1` and read where each stuck thread is\nwaiting: which lock does it\n"
        "hold, which does it want? Then look for the other thread's lock."
    )
    monkeypatch.setattr(
        hints_module, "next_hint", lambda n: HintView(1, "The bank that froze", (hint,), 4)
    )
    app = LearnTui(replace(services(tmp_path), hint=services_module._hint))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "enter", "h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = app.screen.query_one("#result", Static)
        rows = [row for row in _rows(result) if row]
        assert rows[-1] == "Press h for one more." and "`" not in " ".join(rows)
        width = result.content_region.width
        for row, following in pairwise(rows):
            if not following.startswith(("1/4", "Press")):  # the same paragraph: a greedy wrap
                assert len(row) + 1 + len(following.split()[0]) > width, (row, following)


async def test_run_output_is_drawn_for_the_pane_width_not_clipped(tmp_path: Path) -> None:
    """Found under tmux at 80x24: the run's 'where each thread is stuck' panel was made for 100
    columns, so its border broke across rows."""
    from dataclasses import replace

    from rich.panel import Panel

    from interactive.services import _captured

    def run(number: int) -> object:
        return _captured(
            lambda console: console.print(
                Panel(
                    "thread 'settlement-7': program.py:72",
                    title="the program hung: where each thread is stuck",
                )
            )
        )

    app = LearnTui(replace(services(tmp_path), run=run))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "enter", "r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = app.screen.query_one("#result", Static)
        rows = _rows(result)
        assert (
            rows[0].startswith("╭")
            and rows[0].endswith("╮")
            and "where each thread is stuck" in rows[0]
        )
        assert rows[2].startswith("╰") and rows[2].endswith("╯")
        assert all(len(row) <= result.content_region.width for row in rows)


def test_running_without_a_copy_runs_the_original_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import learner.loop as loop
    import learner.workspace as workspace
    from interactive import services as services_module

    calls: list[bool] = []

    def run_challenge(
        number: int, *, original: bool = False, deadline_s: float = 10.0
    ) -> tuple[Path, object]:
        calls.append(original)
        return Path("program.py"), object()

    monkeypatch.setattr(loop, "run_challenge", run_challenge)
    monkeypatch.setattr(workspace, "existing_copy", lambda number: None)
    monkeypatch.setattr(
        "learner.render.render_run", lambda console, path, result: console.print("hung")
    )
    shown = _plain(services_module._run(1))
    assert (
        calls == [True]
        and "The original program (no copy yet: e makes yours)." in shown
        and "hung" in shown
    )


async def test_without_a_workspace_a_second_press_creates_it_and_the_copy(tmp_path: Path) -> None:
    """Found under tmux: a new learner's e and g only said "run `learn init`" (a dead end in the app)."""
    from dataclasses import replace

    workspace = tmp_path / "ws"
    made: list[int] = []

    def init() -> Path:
        workspace.mkdir()
        return workspace

    def make_copy(number: int) -> Path:
        made.append(number)
        return workspace / "program.py"

    from tests.functional._interactive_fakes import challenge_views

    views = tuple(replace(view, has_copy=False) for view in challenge_views(tmp_path))
    fakes = replace(
        services(tmp_path),
        challenges=lambda: views,
        make_copy=make_copy,
        init_workspace=init,
        new_workspace=lambda: None if workspace.exists() else workspace,
    )
    app = LearnTui(fakes)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "down", "enter")
        assert isinstance(app.screen, ChallengeDetailScreen) and not app.screen.challenge.has_copy
        await pilot.press("g")
        assert not workspace.exists() and made == []  # the first press only says where it would go
        assert any(str(workspace) in str(n.message) for n in app._notifications)
        await pilot.press("g")
        await app.workers.wait_for_complete()
        assert workspace.is_dir() and made == [2] and app.screen.challenge.has_copy


async def test_the_visualizer_header_names_the_program_within_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found under tmux at 80x24: the header showed 'workspace/challenge…', cut before the o key."""
    from challenges import get_challenge

    monkeypatch.setenv("LEARN_WORKSPACE", str(tmp_path / "a-long-folder-name" / "workspace"))
    copy = tmp_path / "a-long-folder-name" / "workspace" / get_challenge(1).name / "program.py"
    copy.parent.mkdir(parents=True)
    copy.write_text("print('mine')\n", encoding="utf-8")
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = VisualizerScreen("challenge", 1, seed=3, run_factory=FakeRun)
        app.push_screen(screen)
        await pilot.pause()
        from textual.widgets._header import HeaderTitle

        assert screen.sub_title == "challenge 1 · your copy · o: original"
        title = screen.query_one(HeaderTitle)
        shown = "".join(title.render_line(y).text for y in range(title.size.height))
        assert "o: original" in shown and "…" not in shown
        assert any(
            "a-long-folder-name" in str(n.message) for n in app._notifications
        )  # the path, in full


async def test_the_visualizer_status_fits_80_columns_or_ends_with_an_ellipsis(
    tmp_path: Path,
) -> None:
    """Found under tmux at 80x24: 'replay done: … Home rewinds, space resumes the live view' was cut
    mid-word; a step's long description was cut without a mark."""
    from evaluator.events import Event, EventKind

    long_lock = "accounts[1]@program.py:20 " + "x" * 80
    events = [
        Event(0, 0, EventKind.THREAD_START, "settlement-0", 1),
        Event(1, 5, EventKind.LOCK_WAIT, "settlement-0", 1, long_lock, None, "program.py:42"),
    ]
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = VisualizerScreen(
            "example", 1, seed=5, run_factory=lambda seed: FakeRun(seed, events)
        )
        app.push_screen(screen)
        await pilot.pause()
        screen.frame_timer.pause()
        status = screen.query_one("#vis-status", Static)
        await pilot.press("R")
        _replay_frames(screen)
        await pilot.pause()
        row = status.render_line(0).text.rstrip()
        assert row.endswith("space: live") and len(row) <= 80
        await pilot.press("home", "s", "s")
        await pilot.pause()
        row = status.render_line(0).text.rstrip()
        assert "lock-wait accounts[1]" in row and row.endswith("…") and len(row) <= 80


async def test_picker_titles_wrap_under_themselves_at_80_columns(tmp_path: Path) -> None:
    """Found under tmux at 80x24: lesson 11's and 15's titles wrapped back to the margin."""
    from dataclasses import replace

    from textual.widgets import OptionList

    long_title = (
        "Graceful shutdown: signals, stop accepting, drain with a deadline and then some more"
    )
    app = LearnTui(replace(services(tmp_path), examples=lambda: ((15, long_title),)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        rows = [options.render_line(y).text.rstrip() for y in range(options.size.height)]
        first = next(i for i, row in enumerate(rows) if "Lesson 15" in row)
        assert "Graceful shutdown" in rows[first]
        wrapped = rows[first + 1].lstrip("▊ ")
        assert (
            wrapped and rows[first + 1].index(wrapped) >= 12
        )  # under the title, not under "Lesson"


async def test_the_simulated_world_footer_keeps_help_visible_at_80_columns(tmp_path: Path) -> None:
    """Found under tmux at 80x24: with '+ Zoom' the footer cut '? Help' to '? Hel'."""
    from textual.widgets._footer import FooterKey

    from tests.unit.test_interactive_visualizer_sim import _events

    events = list(_events(9))
    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(
            VisualizerScreen("challenge", 9, seed=1, run_factory=lambda seed: FakeRun(seed, events))
        )
        await pilot.pause()
        await pilot.pause()
        keys = {key.key: key for key in app.screen.query(FooterKey)}
        assert {"plus", "question_mark", "R"} <= set(keys)
        palette = keys.pop("ctrl+p")  # docked on the right, over whatever reaches it
        assert all(key.region.right <= palette.region.x for key in keys.values())


async def test_o_without_a_copy_says_so_instead_of_rerunning_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found under tmux: o on a challenge without a copy silently restarted the same original."""
    monkeypatch.setenv("LEARN_WORKSPACE", str(tmp_path / "ws"))
    runs: list[FakeRun] = []

    def factory(seed: int) -> FakeRun:
        runs.append(FakeRun(seed))
        return runs[-1]

    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = VisualizerScreen("challenge", 16, seed=3, run_factory=factory)
        app.push_screen(screen)
        await pilot.pause()
        assert screen.sub_title == "challenge 16 · original (no copy yet)"
        await pilot.press("o")
        assert len(runs) == 1 and not runs[0].stopped
        assert any("no copy of challenge 16" in str(n.message) for n in app._notifications)


async def test_a_long_quiz_choice_wraps_under_its_text_not_its_number(tmp_path: Path) -> None:
    """Found under tmux at 80x24: a long choice's second line started under '4)'."""
    from dataclasses import replace

    from textual.widgets import OptionList

    from interactive.quiz import Question, QuestionKind

    long = "Stale reads from the cache, because the database is updated first and the cache only much later"
    question = Question(
        "f-long",
        "caching",
        QuestionKind.CHOICE,
        "What is the main risk of write-behind caching?",
        ("Slow writes", long),
        0,
        "Write-behind acknowledges after writing the cache.",
        why=("", "the cache has the newest value; the risk is durability"),
    )
    app = LearnTui(replace(services(tmp_path), quiz_bank=lambda: (question,)), quiz_seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("z")
        await pilot.pause()
        choices = app.screen.query_one("#quiz-choices", OptionList)
        rows = [choices.render_line(y).text.rstrip() for y in range(choices.size.height)]
        first = next(i for i, row in enumerate(rows) if "Stale reads" in row)
        label = rows[first].index("Stale reads")
        continuation = rows[first + 1]
        assert continuation.strip() and len(continuation) - len(continuation.lstrip()) == label


async def test_the_help_screen_lists_each_key_once(tmp_path: Path) -> None:
    """Found under tmux: help listed tab and ctrl+p twice (as a binding and as a common key)."""
    from interactive.screens.help import HelpScreen

    app = LearnTui(services(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [
            row.split()[0].lower()
            for row in _plain(app.screen.query_one("#help-keys", Static).content).splitlines()
            if row.strip()
        ]
        rows = ["ctrl+" + key[1:] if key.startswith("^") else key for key in rows]
        assert len(rows) == len(set(rows)), rows
        assert {"tab", "ctrl+p", "esc"} <= set(rows)
