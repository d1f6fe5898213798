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
def test_quiz_code_question_answered(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = LearnTui(services(tmp_path), quiz_seed=1)
    assert snap_compare(app, press=["q", "2", "n"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_visualizer_deadlock(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def open_visualizer(pilot: Pilot[None]) -> None:
        pilot.app.push_screen(VisualizerScreen("example", 1, seed=5, run_factory=FakeRun))
        await pilot.pause()

    assert snap_compare(LearnTui(services(tmp_path)), run_before=open_visualizer, terminal_size=size)
