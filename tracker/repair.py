"""Recovering from a damaged local progress database, only with the learner's consent."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from usererror import UserError

from . import _env
from ._db import REPAIR_COMMAND, sqlite_path
from ._service import session

_SIDE_FILES = ("-wal", "-shm")


@dataclass(frozen=True)
class RepairResult:
    healthy: bool
    """True when nothing needed repairing (nothing was moved)."""
    backup: Path | None


def check_health(path: Path) -> str | None:
    """None when ``path`` is a readable SQLite database, else what is wrong with it."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if result == "ok" else str(result)


def repair_progress(*, confirmed: bool) -> RepairResult:
    """Move a damaged database aside to a timestamped backup and start a fresh one."""
    if _env.database_url():
        raise UserError(
            "repair-progress only repairs the local SQLite file: a shared PostgreSQL database "
            "is repaired by its administrator (unset LEARN_DATABASE_URL to repair local progress)"
        )
    path = sqlite_path()
    problem = check_health(path)
    if problem is None:
        with session():
            pass
        return RepairResult(healthy=True, backup=None)
    stamp = _env.now().strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.damaged-{stamp}")
    if not confirmed:
        raise UserError(
            f"your progress database {path} is damaged ({problem}): run `{REPAIR_COMMAND}` to move "
            f"it to {backup.name} and start a fresh one (nothing is deleted)"
        )
    try:
        for suffix in ("", *_SIDE_FILES):
            source = Path(f"{path}{suffix}")
            if source.exists():
                os.replace(source, Path(f"{backup}{suffix}"))
    except OSError as error:
        raise UserError(
            f"cannot move {path} aside ({error.strerror or error}): make {path.parent} writable and retry"
        ) from None
    with session():
        pass
    return RepairResult(healthy=False, backup=backup)
