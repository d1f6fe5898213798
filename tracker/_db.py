"""Connections to the progress database: a local SQLite file (WAL) or a shared PostgreSQL.

Both speak the same SQL written with ``?`` placeholders (always parameterized). Every write
runs in one transaction that serializes writers: ``BEGIN IMMEDIATE`` on SQLite, a
transaction-scoped advisory lock on PostgreSQL. Driver errors become one-line
:class:`UserError` messages that say what to do.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from usererror import UserError

from ._env import DATABASE_FILE, data_dir, database_url

BUSY_TIMEOUT_MS = 30_000
REPAIR_COMMAND = "learn repair-progress --yes"
_WRITE_LOCK_KEY = 0x1EA27
"""PostgreSQL advisory lock that serializes tracker writes."""
_CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT})
"""SQLite result codes of a file that cannot be read as a database."""
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
"""Another connection holds the lock (after the busy timeout)."""
_UNWRITABLE_CODES = frozenset(
    {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM}
)
"""The file or its folder cannot be opened or written."""

Params = Sequence[Any]


class CorruptDatabase(UserError):
    """The SQLite file cannot be read as a database."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"your progress database {path} is damaged or unreadable ({detail}): nothing was changed; "
            f"run `{REPAIR_COMMAND}` to move it aside to a timestamped backup and start a fresh one"
        )
        self.path = path


class Database(Protocol):
    """One open connection and its dialect."""

    dialect: str
    location: str
    """Where the data lives, for messages (never includes a password)."""

    def execute(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]: ...

    def executemany(self, sql: str, rows: Sequence[Params]) -> None: ...

    def write(self) -> AbstractContextManager[Database]:
        """A transaction in which this process is the only writer."""
        ...

    def close(self) -> None: ...

    def table_exists(self, name: str) -> bool: ...


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        with self.errors():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise UserError(
                    _readonly_message(path.parent, error.strerror or str(error))
                ) from None
            self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self._enable_wal()
            if str(mode).lower() != "wal":
                raise UserError(
                    _readonly_message(path.parent, f"unable to open in WAL mode (got {mode})")
                )
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")

    def _enable_wal(self) -> str:
        """Switch to WAL mode, retrying while another process does the same.

        Changing the journal mode of a brand-new file can fail with SQLITE_BUSY at once, without
        SQLite's busy handler, when several processes open it at the same moment.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.005
        while True:
            try:
                return str(self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError as error:
                if sqlite_code(error) not in _BUSY_CODES or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn SQLite errors into clear user errors."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            raise translate_sqlite_error(self.path, error) from None

    def execute(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self.errors():
            return self._conn.execute(sql, tuple(params)).fetchall()

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        with self.errors():
            self._conn.executemany(sql, rows)

    @contextmanager
    def write(self) -> Iterator[Database]:
        with self.errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    def table_exists(self, name: str) -> bool:
        rows = self.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        )
        return bool(rows)


def sqlite_code(error: sqlite3.Error) -> int | None:
    """The primary SQLite result code of an error raised by the SQLite library (``SQLITE_BUSY``
    for ``SQLITE_BUSY_SNAPSHOT``...); None for an error the sqlite3 module raised by itself."""
    code: int | None = getattr(
        error, "sqlite_errorcode", None
    )  # set by sqlite3 (3.11+) for library errors
    return None if code is None else code & 0xFF


def translate_sqlite_error(path: Path, error: sqlite3.DatabaseError) -> UserError:
    """The one-line message for a SQLite error, chosen by its result code."""
    detail = str(error).strip() or type(error).__name__
    code = sqlite_code(error)
    if code in _CORRUPT_CODES:
        return CorruptDatabase(path, detail)
    if code in _BUSY_CODES:
        return UserError(
            f"the progress database {path} stayed locked for {BUSY_TIMEOUT_MS // 1000} s by another "
            "learn process: let it finish (or close it) and try again"
        )
    if code in _UNWRITABLE_CODES:
        return UserError(_readonly_message(path.parent, detail))
    return UserError(
        f"the progress database {path} failed ({detail}): nothing was recorded; try again"
    )


def _readonly_message(folder: Path, detail: str) -> str:
    return (
        f"cannot write your progress in {folder} ({detail}): make the folder writable, "
        "or set LEARN_HOME to a writable folder"
    )


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        from extras import require

        require("practical", "a shared progress database (LEARN_DATABASE_URL)")
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        self._psycopg = psycopg
        try:
            info = conninfo_to_dict(url)
        except psycopg.ProgrammingError as error:
            raise UserError(
                f"LEARN_DATABASE_URL is not a valid PostgreSQL URL ({error}): fix it or unset it"
            ) from None
        self.location = "postgresql://{}@{}:{}/{}".format(
            info.get("user", ""),
            info.get("host", "localhost"),
            info.get("port", 5432),
            info.get("dbname", ""),
        )
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.Error as error:
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            reason = lines[0].removeprefix("connection failed: ") if lines else type(error).__name__
            raise UserError(
                f"cannot reach the shared progress database {self.location} ({reason}): start it or "
                "check LEARN_DATABASE_URL; unset LEARN_DATABASE_URL to keep progress on this machine"
            ) from None

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except self._psycopg.OperationalError as error:
            raise UserError(
                f"lost the shared progress database {self.location} ({str(error).strip()}): "
                "nothing was recorded; check the server and try again"
            ) from None
        except self._psycopg.Error as error:
            raise UserError(
                f"the shared progress database {self.location} failed ({str(error).strip()}): "
                "nothing was recorded; try again"
            ) from None

    def execute(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self.errors():
            cursor = self._conn.execute(sql.replace("?", "%s"), tuple(params))
            return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        with self.errors(), self._conn.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)

    @contextmanager
    def write(self) -> Iterator[Database]:
        with self.errors(), self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK_KEY,))
            yield self

    def close(self) -> None:
        self._conn.close()

    def table_exists(self, name: str) -> bool:
        # A catalog query under the statement's snapshot (to_regclass could answer from a
        # stale cache while another process has just created the table).
        rows = self.execute(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?",
            (name,),
        )
        return bool(rows)


def sqlite_path() -> Path:
    return data_dir() / DATABASE_FILE


def connect() -> Database:
    """Open the configured database (not yet migrated)."""
    url = database_url()
    return PostgresDatabase(url) if url else SqliteDatabase(sqlite_path())
