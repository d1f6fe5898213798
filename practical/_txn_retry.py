"""Client-side transaction retry loops for SERIALIZABLE databases (psycopg 3, synchronous).

Two protocols, one contract: run ``body`` in a SERIALIZABLE transaction; when the database refuses
it with SQLSTATE 40001 (serialization failure: "restart transaction"), run it again, a bounded
number of times, and count every refusal.

- ``restart`` (PostgreSQL): ROLLBACK, back off, BEGIN again. PostgreSQL's snapshot is fixed at
  the transaction's first statement, so only a new transaction sees the winner's write.
- ``savepoint`` (CockroachDB): ``SAVEPOINT cockroach_restart`` right after BEGIN, ``ROLLBACK TO
  SAVEPOINT cockroach_restart`` on 40001 and ``RELEASE SAVEPOINT cockroach_restart`` before
  COMMIT. CockroachDB then restarts the *same* transaction at a newer timestamp and keeps its
  priority, so a transaction that keeps losing eventually wins.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["RETRYABLE", "RetriesExhausted", "is_retryable", "run_transaction"]

T = TypeVar("T")

RETRYABLE = frozenset({"40001", "40P01"})
"""serialization_failure, deadlock_detected: the transaction did nothing, running it again is safe."""


class RetriesExhausted(Exception):
    """The transaction was refused ``attempts`` times in a row."""


def is_retryable(error: BaseException) -> bool:
    """True when ``error`` is a database refusal that a retry of the transaction may get past."""
    return getattr(error, "sqlstate", None) in RETRYABLE


def _backoff(attempt: int, rng: random.Random, base: float) -> None:
    """Exponential back-off with full jitter, so retrying losers do not collide again in step."""
    time.sleep(rng.uniform(0, base * 2 ** min(attempt, 6)))


def run_transaction(
    conn: Any,
    body: Callable[[Any], T],
    *,
    protocol: str = "restart",
    on_retry: Callable[[BaseException], None] | None = None,
    attempts: int = 50,
    rng: random.Random | None = None,
    backoff: float = 0.001,
) -> T:
    """Run ``body(conn)`` in one SERIALIZABLE transaction, retried on 40001 up to ``attempts`` times.

    ``conn`` is an autocommit connection (the loop issues BEGIN/COMMIT itself). ``on_retry`` is
    called with each refusal before the retry.

    Raises:
        RetriesExhausted: every attempt was refused.
    """
    if protocol not in ("restart", "savepoint"):
        raise ValueError(f"unknown retry protocol {protocol!r}: use 'restart' or 'savepoint'")
    rng = rng or random.Random(0)
    last: BaseException | None = None
    if protocol == "savepoint":
        conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        conn.execute("SAVEPOINT cockroach_restart")
        try:
            for attempt in range(attempts):
                try:
                    result = body(conn)
                    conn.execute("RELEASE SAVEPOINT cockroach_restart")  # may be refused too
                    conn.execute("COMMIT")
                    return result
                except Exception as error:
                    if not is_retryable(error):
                        raise
                    last = error
                    if on_retry is not None:
                        on_retry(error)
                    conn.execute("ROLLBACK TO SAVEPOINT cockroach_restart")
                    _backoff(attempt, rng, backoff)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("ROLLBACK")
        raise RetriesExhausted(f"refused {attempts} times in a row (last: {last})")
    for attempt in range(attempts):
        conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try:
            result = body(conn)
            conn.execute("COMMIT")  # SSI may refuse at commit time
            return result
        except Exception as error:
            conn.execute("ROLLBACK")
            if not is_retryable(error):
                raise
            last = error
            if on_retry is not None:
                on_retry(error)
            _backoff(attempt, rng, backoff)
    raise RetriesExhausted(f"refused {attempts} times in a row (last: {last})")
