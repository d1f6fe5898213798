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
    monkeypatch.delenv("LEARN_EXTRA_CHALLENGES", raising=False)  # the shipped catalogue only
    # Progress is recorded on a fixed day (its daily challenge is challenge 16), in this process
    # and in every `learn` subprocess, so the daily bonus never changes a figure by chance.
    monkeypatch.setenv("LEARN_NOW", "2026-01-22T12:00:00+00:00")


# --- optional extras -------------------------------------------------------------------------
# `uv run pytest` installs the runtime and the dev tools. Test modules of the practical modules,
# the local servers and the benchmarks need the optional extras; without them each such module
# is one skipped test that says how to add them (CI installs every extra first).

_NEEDS_EXTRAS: dict[str, tuple[str, ...]] = {
    "test_practical_kafka.py": ("practical", "servers"),
    "test_practical_mongodb.py": ("practical", "servers"),
    "test_practical_neo4j.py": ("practical", "servers"),
    "test_practical_aws.py": ("practical", "servers"),
    "test_bench_store_cli.py": ("bench",),
    "test_bench_suites.py": ("bench",),
}


def _extras_needed(path: Path) -> tuple[str, ...]:
    if path.parent.name == "functional" and path.name.startswith("test_practical_"):
        return _NEEDS_EXTRAS.get(path.name, ("practical",))
    return _NEEDS_EXTRAS.get(path.name, ())


class _MissingExtra(pytest.Item):
    """Stands for a whole test module whose optional packages are not installed."""

    reason = ""

    def runtest(self) -> None:
        pytest.skip(self.reason)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name


class _ModuleNeedingExtras(pytest.File):
    reason = ""

    def collect(self) -> list[pytest.Item]:
        item = _MissingExtra.from_parent(self, name="needs-optional-extras")
        item.reason = self.reason
        return [item]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(
    module_path: Path, parent: pytest.Collector
) -> pytest.Collector | None:
    """Replace a test module whose extras are missing by one skipped test naming the command."""
    from extras import missing

    absent = [extra for extra in _extras_needed(module_path) if missing(extra)]
    if not absent:
        return None
    node = _ModuleNeedingExtras.from_parent(parent, path=module_path)
    node.reason = (
        f"needs the optional extras {', '.join(absent)}: run `uv sync --inexact --all-extras`"
    )
    return node
