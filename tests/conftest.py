"""Shared test set-up: every test gets its own learner home and workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress, workspace and caches of a test never touch the real learner's files."""
    monkeypatch.setenv("LEARN_HOME", str(tmp_path / "learn-home"))
    monkeypatch.setenv("LEARN_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("LEARN_DATABASE_URL", raising=False)
    # Progress is recorded on a fixed day (its daily challenge is challenge 16), in this process
    # and in every `learn` subprocess, so the daily bonus never changes a figure by chance.
    monkeypatch.setenv("LEARN_NOW", "2026-01-22T12:00:00+00:00")

