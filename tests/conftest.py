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


# --- parallel runs (pytest-xdist) --------------------------------------------------------------
# `uv run pytest` runs two worker processes (`-n 2`, pyproject's addopts; `-n 0` runs everything
# in one process). Work is handed out by group, and a group always runs in one worker, in order:
# each test module is its own group, so a module-scoped fixture (the shared gradings of
# challenges 1-8, a sandbox fixture) is set up once; the practical modules and the PostgreSQL
# tests are one group, so two workers never drive the same broker or database at once and a
# server the tests start serves every module that needs it (tests/functional/practical_servers.py).
# The longest groups are handed out first (the server group, then every module with a `slow`
# test); the many short modules fill in at the end, so both workers finish together.

_SERVICES_GROUP = "services"
_MACHINE_DATABASE_MODULES = ("test_tracker_postgres.py", "test_security_postgres_injection.py")


def _group(module: str) -> str:
    """The group of a test module, given as its path relative to the repository."""
    folder, _, name = module.rpartition("/")
    if (folder == "tests/functional" and name.startswith("test_practical_")) or (
        name in _MACHINE_DATABASE_MODULES
    ):
        return _SERVICES_GROUP
    return module


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """xdist's scheduler by scope, with `_group` as the scope of a test."""
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group(nodeid.split("::", 1)[0])

    return ByGroup(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a parallel run, order the tests so the longest groups are handed out first."""
    if not (getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput")):
        return  # one process (`-n 0`): collection order
    groups = {item: _group(item.nodeid.split("::", 1)[0]) for item in items}
    slow = {groups[item] for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> int:
        return 0 if groups[item] == _SERVICES_GROUP else 1 if groups[item] in slow else 2

    items.sort(key=rank)  # stable: collection order within a rank
