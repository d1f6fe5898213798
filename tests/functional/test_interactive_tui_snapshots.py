"""Snapshot tests of every screen at 80x24 and 200x60 (seeded fake data, Textual pinned)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from interactive.app import LearnTui
from interactive.screens.visualizer import VisualizerScreen
from tests.functional._interactive_fakes import FakeRun, services

SIZES = [(80, 24), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(LearnTui(services(tmp_path)), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_challenge_list(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(LearnTui(services(tmp_path)), press=["c"], terminal_size=size)


def test_challenge_graded(snap_compare: Any, tmp_path: Path) -> None:
    async def grade(pilot: Pilot[None]) -> None:
        await pilot.press("c", "enter", "g")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(LearnTui(services(tmp_path)), run_before=grade, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_quiz_code_question_answered(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = LearnTui(services(tmp_path), quiz_seed=1)
    assert snap_compare(app, press=["z", "2", "n"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_visualizer_deadlock(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def open_visualizer(pilot: Pilot[None]) -> None:
        pilot.app.push_screen(VisualizerScreen("example", 1, seed=5, run_factory=FakeRun))
        await pilot.pause()

    assert snap_compare(
        LearnTui(services(tmp_path)), run_before=open_visualizer, terminal_size=size
    )


def _busy(seed: int) -> FakeRun:
    from tests.functional._interactive_fakes import deadlock_events

    return FakeRun(seed, deadlock_events(threads=30, rounds=2))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("look", ["dark", "light", "no-color"])
def test_visualizer_scrolling_body(
    snap_compare: Any,
    tmp_path: Path,
    size: tuple[int, int],
    look: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """30 lanes: the body scrolls at 80x24; heatmap rows never wrap; light theme and NO_COLOR draw."""
    if look == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")

    async def open_visualizer(pilot: Pilot[None]) -> None:
        if look == "light":
            pilot.app.theme = "textual-light"
        pilot.app.push_screen(VisualizerScreen("example", 1, seed=5, run_factory=_busy))
        await pilot.pause()
        pilot.app.screen.query_one("#vis-body").scroll_end(animate=False)
        await pilot.pause()

    assert snap_compare(
        LearnTui(services(tmp_path)), run_before=open_visualizer, terminal_size=size
    )


def test_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(
        LearnTui(services(tmp_path)), press=["c", "question_mark"], terminal_size=(80, 24)
    )
