"""Where progress lives and who is learning: data directory, database URL, active profile, clock."""

from __future__ import annotations

import getpass
import os
import re
from datetime import datetime
from pathlib import Path

from usererror import UserError

APP_NAME = "concurrency-lab"
DATABASE_FILE = "progress.sqlite3"
ACTIVE_PROFILE_FILE = "active-profile"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def data_dir() -> Path:
    """``LEARN_HOME`` if set, else the platform's user data directory."""
    override = os.environ.get("LEARN_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def database_url() -> str | None:
    """The shared PostgreSQL URL from ``LEARN_DATABASE_URL``, or None for the local SQLite file."""
    url = os.environ.get("LEARN_DATABASE_URL", "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise UserError(
            "LEARN_DATABASE_URL must start with postgresql:// (a shared leaderboard): "
            "fix it, or unset it to keep progress on this machine"
        )
    return url


def now() -> datetime:
    """The current local time, timezone-aware.

    ``LEARN_NOW`` (an ISO-8601 timestamp with a UTC offset) pins it, so a test suite or a demo
    records progress on a fixed day and the date-driven daily challenge is reproducible.
    """
    pinned = os.environ.get("LEARN_NOW")
    if pinned:
        try:
            moment = datetime.fromisoformat(pinned)
        except ValueError:
            raise UserError(
                f"LEARN_NOW='{pinned}' is not an ISO-8601 time: use e.g. 2026-01-22T12:00:00+00:00"
            ) from None
        return moment if moment.tzinfo else moment.astimezone()
    return datetime.now().astimezone()


def validate_profile_name(name: str) -> str:
    if not _PROFILE_NAME.fullmatch(name):
        raise UserError(
            f"'{name}' is not a valid profile name: use 1-32 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def default_profile_name() -> str:
    """The OS user name, made into a valid profile name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "learner"
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", user).lstrip("._-")[:32]
    return cleaned or "learner"


def active_profile_name() -> str:
    """``LEARN_PROFILE`` if set, else the profile chosen by `learn profile switch`, else the default."""
    override = os.environ.get("LEARN_PROFILE")
    if override:
        return validate_profile_name(override)
    try:
        chosen = (data_dir() / ACTIVE_PROFILE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return default_profile_name()
    return validate_profile_name(chosen) if chosen else default_profile_name()


def set_active_profile_name(name: str) -> None:
    """Remember the active profile on this machine (atomically)."""
    folder = data_dir()
    target = folder / ACTIVE_PROFILE_FILE
    temporary = folder / f".{ACTIVE_PROFILE_FILE}.{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_text(name + "\n", encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        raise UserError(
            f"cannot save the active profile in {folder} ({error.strerror or error}): "
            "make the folder writable or set LEARN_HOME to a writable folder"
        ) from None
