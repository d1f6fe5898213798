"""CockroachDB: SERIALIZABLE by default, so the client owns a retry loop (psycopg 3, threads).

CockroachDB runs transactions SERIALIZABLE by default (READ COMMITTED is opt-in since 23.2). Two transactions that read a row and then both
write it cannot both commit: one is refused with SQLSTATE 40001 ("restart transaction") and the
*client* must run it again. CockroachDB's protocol does that inside the same transaction:
``SAVEPOINT cockroach_restart`` after BEGIN, ``ROLLBACK TO SAVEPOINT cockroach_restart`` on
40001, ``RELEASE SAVEPOINT cockroach_restart`` before COMMIT; the restarted transaction gets a
newer timestamp and keeps its priority, so a repeated loser eventually wins. (The server retries
some transactions itself, but not once it has sent results to the client, as here.)

The pattern on a real CockroachDB runs only when ``COCKROACH_URL`` points at one (no CockroachDB
server installs here: `docker compose up cockroachdb`). The same lesson runs on PostgreSQL's
SERIALIZABLE, the nearest real server: READ COMMITTED loses updates silently, SERIALIZABLE
refuses the losers with 40001, and a retry loop turns every refusal into a success. There the
loop restarts the *whole* transaction: PostgreSQL's snapshot is fixed at a transaction's first
statement, so rolling back to a savepoint would read the same stale row and be refused again.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from practical._faults import cleanup_sync, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical._txn_retry import RETRYABLE, run_transaction
from practical.services import get_service

quiet_loggers("psycopg")  # a lost connection is reported once, by us

TITLE = "CockroachDB: SERIALIZABLE refuses lost updates; the client retries (savepoint protocol)"
SERVICE = "cockroachdb"
PATTERNS = {
    "retry-loop": "contended read-modify-write on CockroachDB: no retry, then SAVEPOINT cockroach_restart",
    "postgres-serializable": "the same race on PostgreSQL: READ COMMITTED, SERIALIZABLE, then a retry loop",
}
PATTERN_SERVICES = {"postgres-serializable": "postgres"}


def connect(service: str) -> Any:
    """An autocommit connection (the patterns issue BEGIN and COMMIT themselves)."""
    import psycopg

    return psycopg.connect(get_service(service).url, autocommit=True, connect_timeout=3)


class Race:
    """``workers`` threads x ``rounds``: read a counter, everyone waits, write it back plus one.

    A barrier after the read makes the race certain on the first attempt of every round; a second
    barrier ends the round. Retries are not held back by the barrier.
    """

    def __init__(self, service: str, table: str, workers: int, rounds: int) -> None:
        self.service, self.table, self.workers, self.rounds = service, table, workers, rounds
        self.refused = 0
        self.failed = 0
        self._lock = threading.Lock()

    def _count(self, what: str) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + 1)

    def run(self, key: int, attempt: Callable[[Any, Callable[[Any], None]], None]) -> int:
        """Run ``attempt(conn, body)`` per round on every thread; returns the counter's final value."""
        everyone_read = threading.Barrier(self.workers, timeout=60)
        round_over = threading.Barrier(self.workers, timeout=60)

        def worker(_: int) -> None:
            conn = connect(self.service)
            try:
                for _ in range(self.rounds):
                    attempt(conn, self._body(key, everyone_read))
                    round_over.wait()
            except BaseException:
                everyone_read.abort()
                round_over.abort()
                raise
            finally:
                conn.close()

        with ThreadPoolExecutor(self.workers) as pool:
            list(pool.map(worker, range(self.workers)))
        with connect(self.service) as conn:
            (final,) = conn.execute(f"SELECT n FROM {self.table} WHERE id = %s", (key,)).fetchone()
        return int(final)

    def _body(self, key: int, everyone_read: threading.Barrier) -> Callable[[Any], None]:
        """One round's transaction body: the first attempt waits for everyone's read, retries do not."""
        first = True

        def body(c: Any) -> None:
            nonlocal first
            (value,) = c.execute(f"SELECT n FROM {self.table} WHERE id = %s", (key,)).fetchone()
            if first:
                first = False
                everyone_read.wait()  # all read the same value before anyone writes
            c.execute(f"UPDATE {self.table} SET n = %s WHERE id = %s", (value + 1, key))

        return body

    def once(self, isolation: str) -> Callable[[Any, Callable[[Any], None]], None]:
        """One attempt, no retry: a refusal is counted in ``failed`` and the increment is not done."""

        def attempt(conn: Any, body: Callable[[Any], None]) -> None:
            conn.execute(f"BEGIN ISOLATION LEVEL {isolation}")
            try:
                body(conn)
                conn.execute("COMMIT")
            except Exception as error:
                conn.execute("ROLLBACK")
                if getattr(error, "sqlstate", None) not in RETRYABLE:
                    raise
                self._count("failed")

        return attempt

    def retried(self, protocol: str, seed: int) -> Callable[[Any, Callable[[Any], None]], None]:
        """The retry loop: every refusal counted in ``refused``, then the transaction runs again."""

        def attempt(conn: Any, body: Callable[[Any], None]) -> None:
            run_transaction(
                conn,
                body,
                protocol=protocol,
                on_retry=lambda _: self._count("refused"),
                rng=random.Random(seed + threading.get_ident()),
            )

        return attempt


def _setup(service: str, keys: int) -> str:
    table = unique_name("counters")
    with connect(service) as conn:
        conn.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, n INT NOT NULL)")
        for key in range(keys):
            conn.execute(f"INSERT INTO {table} (id, n) VALUES (%s, 0)", (key,))
    return table


def _drop(service: str, table: str) -> None:
    with connect(service) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def _savepoint_on_postgres(table: str, attempts: int) -> tuple[int, bool]:
    """A loses to B once; A then retries in place from its savepoint. (refusals, gave up?)"""
    from practical._txn_retry import RetriesExhausted

    refusals = [0]
    with connect("postgres") as mine, connect("postgres") as other:

        def body(c: Any) -> None:
            (value,) = c.execute(f"SELECT n FROM {table} WHERE id = 2").fetchone()
            if refusals[0] == 0:
                other.execute(f"UPDATE {table} SET n = n + 1 WHERE id = 2")  # B commits in between
            c.execute(f"UPDATE {table} SET n = %s WHERE id = 2", (value + 1,))

        def count(_: BaseException) -> None:
            refusals[0] += 1

        try:
            run_transaction(mine, body, protocol="savepoint", on_retry=count, attempts=attempts)
        except RetriesExhausted:
            return refusals[0], True
    return refusals[0], False


def pattern_retry_loop(out: Narrator, workers: int = 8, rounds: int = 10) -> None:
    table = _setup("cockroachdb", 2)
    total = workers * rounds
    try:
        race = Race("cockroachdb", table, workers, rounds)
        out.step(
            f"{workers} threads x {rounds} rounds: SELECT n, everyone waits, UPDATE n = n_read + 1; no retry"
        )
        final = race.run(0, race.once("SERIALIZABLE"))
        out.fact("no_retry_final", final, f"counter (expected {total})")
        out.fact(
            "no_retry_refused",
            race.failed,
            "transactions refused with 40001 (the caller got an error)",
        )

        race = Race("cockroachdb", table, workers, rounds)
        out.step(
            "the same race in the savepoint protocol: ROLLBACK TO SAVEPOINT cockroach_restart on 40001, run again"
        )
        start = time.perf_counter()
        final = race.run(1, race.retried("savepoint", seed=1))
        out.rate("committed_per_s", total, time.perf_counter() - start, "transactions")
        out.fact("retry_final", final, f"counter (expected {total})")
        out.fact("retries", race.refused, "40001 refusals, each retried in the same transaction")
    finally:
        cleanup_sync(out, ("drop the table", lambda: _drop("cockroachdb", table)))
    out.lesson(
        "SERIALIZABLE never loses the update, it refuses it: the retry loop belongs in every client"
    )


def pattern_postgres_serializable(out: Narrator, workers: int = 8, rounds: int = 20) -> None:
    out.warn(
        "this runs on PostgreSQL, the nearest real server here, not on CockroachDB: PostgreSQL's "
        "default is READ COMMITTED and its snapshot is fixed per transaction, so the loop restarts "
        "the whole transaction instead of rolling back to SAVEPOINT cockroach_restart"
    )
    table = _setup("postgres", 3)
    total = workers * rounds
    try:
        race = Race("postgres", table, workers, rounds)
        out.step(
            f"READ COMMITTED (PostgreSQL's default): {workers} threads x {rounds} rounds of "
            "SELECT n, everyone waits, UPDATE n = n_read + 1"
        )
        final = race.run(0, race.once("READ COMMITTED"))
        out.fact("read_committed_final", final, f"counter (expected {total})")
        out.fact("lost_updates", total - final, "increments lost, and no client saw an error")

        race = Race("postgres", table, workers, rounds)
        out.step("SERIALIZABLE (CockroachDB's default), no retry")
        final = race.run(1, race.once("SERIALIZABLE"))
        out.fact("serializable_final", final, f"counter (expected {total})")
        out.fact(
            "serializable_refused",
            race.failed,
            "transactions refused with 40001 (not lost: the caller knows)",
        )

        race = Race("postgres", table, workers, rounds)
        out.step(
            "SERIALIZABLE with a retry loop: on 40001 ROLLBACK, back off, run the whole transaction again"
        )
        start = time.perf_counter()
        final = race.run(2, race.retried("restart", seed=2))
        out.rate("committed_per_s", total, time.perf_counter() - start, "transactions")
        out.fact("retry_final", final, f"counter (expected {total})")
        out.fact("serialization_failures", race.refused, "40001 refusals, each retried")

        out.step(
            "CockroachDB's savepoint protocol on PostgreSQL: one transaction loses a race, then "
            "ROLLBACK TO SAVEPOINT cockroach_restart and tries again (5 attempts)"
        )
        refused, gave_up = _savepoint_on_postgres(table, attempts=5)
        out.fact(
            "savepoint_refusals", refused, "refusals in a row: the stale snapshot loses every time"
        )
        out.fact(
            "savepoint_gave_up",
            gave_up,
            "the savepoint loop gave up (on CockroachDB the restart would win)",
        )
    finally:
        cleanup_sync(out, ("drop the table", lambda: _drop("postgres", table)))
    out.lesson(
        "READ COMMITTED loses the update silently; SERIALIZABLE refuses it; the retry loop makes the "
        "refusal invisible to the user — CockroachDB's default gives you only the last two"
    )
