"""The retry protocols' statements, driven by a scripted connection (no server)."""

from __future__ import annotations

import random

import pytest

from practical._txn_retry import RetriesExhausted, run_transaction


class Refused(Exception):
    sqlstate = "40001"


class Script:
    """Records every statement; the body is refused at the attempts listed in ``refuse``."""

    def __init__(self, refuse: set[int], refuse_release: set[int] = frozenset()) -> None:
        self.log: list[str] = []
        self.refuse, self.refuse_release, self.attempt = refuse, refuse_release, 0

    def execute(self, sql: str) -> None:
        self.log.append(sql)
        if sql.startswith("RELEASE") and self.attempt - 1 in self.refuse_release:
            raise Refused("restart transaction: RETRY_SERIALIZABLE")

    def body(self, conn: Script) -> int:
        self.attempt += 1
        self.log.append("body")
        if self.attempt - 1 in self.refuse:
            raise Refused("restart transaction")
        return self.attempt


def test_savepoint_protocol_restarts_in_place_and_releases_before_commit() -> None:
    conn = Script(refuse={0}, refuse_release={1})
    seen: list[BaseException] = []
    result = run_transaction(
        conn, conn.body, protocol="savepoint", on_retry=seen.append, rng=random.Random(1), backoff=0
    )
    assert result == 3 and len(seen) == 2
    assert conn.log == [
        "BEGIN ISOLATION LEVEL SERIALIZABLE",
        "SAVEPOINT cockroach_restart",
        "body",
        "ROLLBACK TO SAVEPOINT cockroach_restart",
        "body",
        "RELEASE SAVEPOINT cockroach_restart",
        "ROLLBACK TO SAVEPOINT cockroach_restart",
        "body",
        "RELEASE SAVEPOINT cockroach_restart",
        "COMMIT",
    ]


def test_restart_protocol_begins_a_new_transaction_each_time_and_gives_up_when_told() -> None:
    conn = Script(refuse={0, 1, 2})
    with pytest.raises(RetriesExhausted, match="refused 3 times"):
        run_transaction(conn, conn.body, protocol="restart", attempts=3, backoff=0)
    assert conn.log == ["BEGIN ISOLATION LEVEL SERIALIZABLE", "body", "ROLLBACK"] * 3


def test_an_error_that_is_not_a_refusal_rolls_back_and_is_not_retried() -> None:
    conn = Script(refuse=set())

    def broken(_: Script) -> None:
        raise ValueError("bug in the body")

    with pytest.raises(ValueError):
        run_transaction(conn, broken, protocol="savepoint", backoff=0)
    assert conn.log == [
        "BEGIN ISOLATION LEVEL SERIALIZABLE",
        "SAVEPOINT cockroach_restart",
        "ROLLBACK",
    ]
