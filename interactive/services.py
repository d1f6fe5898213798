"""What the TUI needs from the rest of the product, as plain data and callables.

Screens never import ``tracker``, ``challenges`` or ``evaluator`` directly: they receive a
:class:`Services` bundle. :func:`default_services` wires the real packages; tests pass fakes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import RenderableType

from evaluator.findings import GradeResult
from interactive.quiz import MemoryProgress, Question, QuizProgress, default_progress, load_bank
from usererror import UserError

__all__ = [
    "AchievementView",
    "ChallengeView",
    "DashboardView",
    "FileStore",
    "GradeReport",
    "MemoryStore",
    "Services",
    "dashboard_from_tracker",
    "default_services",
]


@dataclass(frozen=True)
class AchievementView:
    """An unlocked achievement as the dashboard shows it."""

    name: str
    icon: str = "🏅"
    unlocked_at: datetime | None = None


@dataclass(frozen=True)
class DashboardView:
    """Everything the dashboard draws, already computed."""

    profile: str = "learner"
    xp: int = 0
    level: int = 1
    level_name: str = ""
    next_level_name: str | None = None
    xp_into_level: int = 0
    xp_level_span: int = 100
    streak_days: int = 0
    daily_challenge: int | None = None
    daily_text: str = ""
    daily_done: bool = False
    statuses: dict[int, str] = field(default_factory=dict)
    """Challenge number -> "new" | "attempted" | "passed"."""
    achievements: tuple[AchievementView, ...] = ()
    """Most recent first."""

    def next_step(self, challenge_numbers: tuple[int, ...]) -> str:
        """One sentence: what to do next."""
        if self.daily_challenge is not None and not self.daily_done:
            return f"Today's daily challenge: challenge {self.daily_challenge} (press c)."
        for number in challenge_numbers:
            if self.statuses.get(number, "new") != "passed":
                verb = "Keep going on" if self.statuses.get(number) == "attempted" else "Start"
                return f"{verb} challenge {number} (press c)."
        if challenge_numbers:
            return "Every challenge is passed: sharpen your knowledge with the quiz (press z)."
        return "Take the quiz (press z), or watch a lesson run live (press v)."


@dataclass(frozen=True)
class ChallengeView:
    """One challenge in the browser."""

    number: int
    title: str
    summary: str
    difficulty: int
    concepts: tuple[str, ...]
    story_path: Path
    program_path: Path
    """The learner's working copy (what gets graded), or the original while there is no copy."""
    has_copy: bool = True
    """False: ``program_path`` is the original; editing first makes the learner's copy."""


@dataclass(frozen=True)
class GradeReport:
    """A grading and what the tracker made of it (None when it was not recorded)."""

    result: GradeResult
    outcome: Any | None = None


Grader = Callable[[ChallengeView], GradeReport]


class MemoryStore:
    """The TUI's own state in memory (tests; and when no progress folder is available)."""

    def __init__(self) -> None:
        self._grades: dict[int, GradeResult] = {}
        self._settings: dict[str, Any] = {}

    def last_grade(self, number: int) -> GradeResult | None:
        return self._grades.get(number)

    def save_grade(self, number: int, result: GradeResult) -> None:
        self._grades[number] = result

    def settings(self) -> dict[str, Any]:
        return dict(self._settings)

    def save_settings(self, settings: dict[str, Any]) -> None:
        self._settings = dict(settings)


class FileStore(MemoryStore):
    """The TUI's state as small JSON files in the progress folder (``LEARN_HOME``).

    Written only when something happens (a grading finished, the theme changed), never by viewing.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def _read(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, name: str, data: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / name
            staging = target.with_suffix(".tmp")
            staging.write_text(json.dumps(data), encoding="utf-8")
            staging.replace(target)
        except OSError:
            pass  # the TUI's own state is a convenience: never fail the learner's action for it

    def last_grade(self, number: int) -> GradeResult | None:
        raw = self._read("tui-last-grades.json").get(str(number))
        if not isinstance(raw, dict):
            return None
        try:
            return GradeResult.from_json(raw)
        except (KeyError, TypeError, ValueError):
            return None

    def save_grade(self, number: int, result: GradeResult) -> None:
        grades = self._read("tui-last-grades.json")
        grades[str(number)] = result.to_json()
        self._write("tui-last-grades.json", grades)

    def settings(self) -> dict[str, Any]:
        return self._read("tui-settings.json")

    def save_settings(self, settings: dict[str, Any]) -> None:
        self._write("tui-settings.json", settings)


@dataclass
class Services:
    """The TUI's window on the product."""

    dashboard: Callable[[], DashboardView]
    challenges: Callable[[], tuple[ChallengeView, ...]]
    grade: Grader
    quiz_bank: Callable[[], tuple[Question, ...]] = load_bank
    quiz_progress: QuizProgress = field(default_factory=MemoryProgress)
    examples: Callable[[], tuple[tuple[int, str], ...]] = lambda: ()
    """(number, title) of the lessons the visualizer can run."""
    store: MemoryStore = field(default_factory=lambda: MemoryStore())
    """Where the TUI keeps its own state (last grades, theme); in memory unless wired to disk."""
    hint: Callable[[int], RenderableType] | None = None
    """One more hint for challenge N (recorded by the tracker)."""
    run: Callable[[int], RenderableType] | None = None
    """Run the learner's copy to see the symptom (sandboxed, with a deadline)."""
    solutions: Callable[[int], RenderableType] | None = None
    """The reference solutions; raises UserError before the challenge is passed."""
    reset: Callable[[int], str] | None = None
    """Restore the original program, backing the learner's copy up; says where the backup is."""
    make_copy: Callable[[int], Path] | None = None
    """Create the learner's copy (an explicit action: editing), returning its path."""
    new_workspace: Callable[[], Path | None] = lambda: None
    """Where ``learn init`` would create the workspace when none is recorded yet, else None."""
    init_workspace: Callable[[], Path] | None = None
    """Create and record that workspace (an explicit, confirmed action, like ``learn init``)."""

    def last_grade(self, number: int) -> GradeResult | None:
        """The latest grade of challenge ``number`` (kept across restarts by a file store)."""
        return self.store.last_grade(number)

    def save_grade(self, number: int, result: GradeResult) -> None:
        self.store.save_grade(number, result)

    def settings(self) -> dict[str, Any]:
        return self.store.settings()

    def save_settings(self, settings: dict[str, Any]) -> None:
        self.store.save_settings(settings)


def dashboard_from_tracker(snapshot: Any) -> DashboardView:
    """Adapt ``tracker.ProgressSnapshot`` (levels, achievements, daily) to a :class:`DashboardView`."""
    unlocked = sorted(
        (a for a in snapshot.achievements if a.unlocked_at is not None),
        key=lambda a: a.unlocked_at,
        reverse=True,
    )
    daily = snapshot.daily
    return DashboardView(
        profile=snapshot.profile,
        xp=snapshot.xp,
        level=snapshot.level.number,
        level_name=snapshot.level.name,
        next_level_name=snapshot.next_level.name if snapshot.next_level else None,
        xp_into_level=snapshot.xp_into_level,
        xp_level_span=max(1, snapshot.xp_level_span),
        streak_days=snapshot.streak_days,
        daily_challenge=daily.challenge if daily else None,
        daily_text=getattr(daily, "twist_text", "") if daily else "",
        daily_done=snapshot.daily_done,
        statuses={c.number: c.status for c in snapshot.challenges},
        achievements=tuple(
            AchievementView(a.achievement.name, a.achievement.icon, a.unlocked_at) for a in unlocked
        ),
    )


def _tracker_dashboard() -> DashboardView:
    import tracker

    return dashboard_from_tracker(tracker.progress_snapshot())


def _challenge_views() -> tuple[ChallengeView, ...]:
    from challenges import all_challenges

    views = []
    for challenge in all_challenges():
        spec = challenge.spec
        views.append(
            ChallengeView(
                number=challenge.number,
                title=spec.title,
                summary=spec.summary,
                difficulty=spec.difficulty,
                concepts=tuple(spec.concepts),
                story_path=challenge.readme_path,
                program_path=(copy := _working_copy(challenge.number, challenge.program_path)),
                has_copy=copy != challenge.program_path,
            )
        )
    return tuple(views)


def _working_copy(number: int, original: Path) -> Path:
    """The learner's workspace copy, or the original before it exists (opening the app writes nothing)."""
    from learner.workspace import existing_copy

    return existing_copy(number) or original


def _grade(challenge: ChallengeView) -> GradeReport:
    """Grade through the learner loop, which also records the attempt."""
    from learner.loop import check

    report = check(challenge.number)
    return GradeReport(report.result, report.outcome)


def _examples() -> tuple[tuple[int, str], ...]:
    from examples import all_examples

    return tuple((e.number, e.title) for e in all_examples())


def _file_store() -> MemoryStore:
    from tracker._env import data_dir

    return FileStore(data_dir())


class _AtWidth:
    """What a Rich renderer prints, drawn at the width of wherever it is shown (a pane at 80
    columns gets panels and wrapping made for its own width, not for another console's)."""

    def __init__(self, render: Callable[[Any], None]) -> None:
        self.render = render
        self._cache: dict[int, Any] = {}

    def __rich_console__(self, console: Any, options: Any) -> Any:
        width = options.max_width
        if width not in self._cache:
            import io

            from rich.console import Console
            from rich.text import Text

            capture = Console(
                record=True,
                file=io.StringIO(),
                width=width,
                force_terminal=True,
                color_system="truecolor",
            )
            self.render(capture)
            self._cache[width] = Text.from_ansi(capture.export_text(styles=True).rstrip("\n"))
        yield self._cache[width]


def _captured(render: Callable[[Any], None]) -> RenderableType:
    """What a Rich renderer prints, as styled text the TUI can show (at the pane's width)."""
    return _AtWidth(render)


def hints_text(view: Any) -> RenderableType:
    """The hints unlocked so far (a ``learner.hints.HintView``), newest in bold, as text the
    pane wraps to its own width (a console capture would keep another width's line breaks)."""
    from rich.text import Text

    from interactive.quiz.text import prose

    text = Text(f"Hints for challenge {view.challenge}: {view.title}", style="bold")
    for index, hint in enumerate(view.shown, start=1):
        style = "bold" if index == len(view.shown) else "dim"
        text.append("\n")
        text.append_text(prose(f"{index}/{view.total}  " + " ".join(hint.split()), style=style))
    more = (
        "That was the last hint; the solutions open after you pass (s)."
        if view.exhausted
        else "Press h for one more."
    )
    text.append("\n" + more, style="dim")
    return text


def _hint(number: int) -> RenderableType:
    from learner.hints import next_hint

    return hints_text(next_hint(number))


def _run(number: int) -> RenderableType:
    """Run the learner's copy, or the original while there is none (viewing never makes a copy)."""
    from learner.loop import run_challenge
    from learner.render import render_run
    from learner.workspace import existing_copy

    original = existing_copy(number) is None
    path, result = run_challenge(number, original=original, deadline_s=10.0)
    shown = _captured(lambda console: render_run(console, path, result))
    if not original:
        return shown
    from rich.console import Group
    from rich.text import Text

    return Group(Text("The original program (no copy yet: e makes yours).", style="dim"), shown)


def _solutions(number: int) -> RenderableType:
    import tracker
    from learner.loop import solutions_for
    from learner.render import render_solutions

    if not tracker.has_passed(number):
        raise UserError(
            f"solutions of challenge {number} open after you pass it: press g to grade, h for a hint"
        )
    found = solutions_for(number, reveal=False)
    return _captured(lambda console: render_solutions(console, found, None))


def _make_copy(number: int) -> Path:
    from learner.workspace import ensure_working_copy

    return Path(ensure_working_copy(number).path)


def _new_workspace() -> Path | None:
    from learner.workspace import default_workspace, find_workspace

    return default_workspace() if find_workspace() is None else None


def _init_workspace() -> Path:
    from learner.workspace import init_workspace

    return init_workspace()


def _reset(number: int) -> str:
    from learner.workspace import reset_program

    backup = reset_program(number)
    return (
        f"restored the original; your copy is saved at {backup}"
        if backup
        else "restored the original"
    )


def default_services() -> Services:
    """Services backed by the real tracker, challenges, grader and quiz bank."""
    return Services(
        store=_file_store(),
        dashboard=_tracker_dashboard,
        challenges=_challenge_views,
        grade=_grade,
        quiz_bank=load_bank,
        quiz_progress=default_progress(),
        examples=_examples,
        hint=_hint,
        run=_run,
        solutions=_solutions,
        reset=_reset,
        make_copy=_make_copy,
        new_workspace=_new_workspace,
        init_workspace=_init_workspace,
    )
