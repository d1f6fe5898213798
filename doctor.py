"""`learn doctor`: is this installation ready, and what to do when it is not.

Each check is a line: what was looked at, what was found, and (when something is wrong or
missing) the one command that fixes it. Looking writes nothing.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Check", "diagnose"]

SUPPORTED = ((3, 11), (3, 12), (3, 13))


@dataclass(frozen=True)
class Check:
    """One line of the diagnosis."""

    name: str
    ok: bool
    found: str
    fix: str = ""
    """The command (or step) that fixes it; empty when nothing needs doing."""
    optional: bool = False
    """A missing optional part: shown, but not a problem for lessons and challenges."""


def _python() -> Check:
    version = sys.version_info[:2]
    gil = getattr(sys, "_is_gil_enabled", None)
    build = "free-threaded build, GIL disabled" if gil is not None and not gil() else "GIL build"
    found = f"Python {sys.version.split()[0]} ({build}) at {sys.executable}"
    if version in SUPPORTED:
        return Check("python", True, found)
    return Check(
        "python", False, found, "use Python 3.11, 3.12 or 3.13 (e.g. `uv run --python 3.13 learn`)"
    )


def _workspace() -> Check:
    from learner.workspace import default_workspace, find_workspace

    found = find_workspace()
    if found is None:
        return Check(
            "workspace", False, "none recorded yet", f"`learn init` (creates {default_workspace()})"
        )
    path, source = found
    where = "from LEARN_WORKSPACE" if source == "LEARN_WORKSPACE" else "recorded by `learn init`"
    if not path.is_dir():
        if source == "LEARN_WORKSPACE":
            return Check("workspace", True, f"{path} ({where}; `learn challenge N` creates it)")
        return Check("workspace", False, f"{path} ({where}) does not exist", f"`learn init {path}`")
    if not os.access(path, os.W_OK):
        return Check(
            "workspace",
            False,
            f"{path} ({where}) is not writable",
            "`learn init DIR` with a writable folder",
        )
    copies = sum(1 for child in path.glob("challenge*/program.py"))
    return Check("workspace", True, f"{path} ({where}, {copies} challenge copies)")


def _health(path: Path) -> str | None:
    """None when the SQLite file reads as healthy, else the problem; creates no side files.

    With a WAL file present (a writer is active or was interrupted) the tracker's own check
    reads it; otherwise the file is opened immutable, so no ``-shm``/``-wal`` is left behind.
    """
    import sqlite3

    from tracker.repair import check_health

    if path.with_name(path.name + "-wal").exists():
        return check_health(path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if result == "ok" else str(result)


def _progress() -> Check:
    from tracker._db import sqlite_path
    from tracker._env import active_profile_name, database_url

    profile = active_profile_name()
    url = database_url()
    if url:
        return Check("progress", True, f"shared PostgreSQL (LEARN_DATABASE_URL), profile {profile}")
    path = sqlite_path()
    if not path.exists():
        return Check("progress", True, f"nothing recorded yet (will be {path}), profile {profile}")
    problem = _health(path)
    if problem is not None:
        return Check(
            "progress", False, f"{path} is damaged ({problem})", "`learn repair-progress --yes`"
        )
    return Check("progress", True, f"{path}, profile {profile}")


def _extras() -> list[Check]:
    from extras import EXTRAS, install_command, missing

    uses = {
        "practical": "learn practical",
        "servers": "learn services up without Docker",
        "bench": "learn bench",
    }
    checks = []
    for extra in EXTRAS:
        absent = missing(extra)
        found = (
            "installed"
            if not absent
            else f"not installed ({len(absent)} of {len(EXTRAS[extra])} modules missing)"
        )
        checks.append(
            Check(
                f"extra '{extra}'",
                not absent,
                f"{found}: for {uses[extra]}",
                "" if not absent else f"`{install_command(extra)}`",
                optional=True,
            )
        )
    return checks


def _services(limit: float) -> list[Check]:
    from practical.services import SERVICES, docker_available, probe_all
    from practical.services._local import why_not_local

    def fix(service: Any) -> str:
        """`learn services up` only where it can start the server (never for one it cannot)."""
        if why_not_local(service.name) is None or docker_available():
            return "`learn services up` (only the practical modules need it)"
        return f"run your own server and set {service.env_var} (`learn services up` cannot start it here)"

    return [
        Check(
            f"service {reach.service.name}",
            reach.reachable,
            f"{reach.address}: {'answers' if reach.reachable else reach.reason}",
            "" if reach.reachable else fix(reach.service),
            optional=True,
        )
        for reach in probe_all(tuple(s for s in SERVICES if not s.embedded), limit)
    ]


def diagnose(*, services: bool = True, limit: float = 0.5) -> list[Check]:
    """Every check, in the order `learn doctor` prints them."""
    checks = [_python(), _workspace(), _progress(), *_extras()]
    if services:
        checks += _services(limit)
    return checks
