"""PostgreSQL under concurrency (psycopg 3, asyncio).

Opening a PostgreSQL connection costs a TCP handshake, authentication and a backend process:
milliseconds, every time. A *pool* keeps a few connections open and lends them out, so a burst
of queries shares them. A pool is also a limit: when every connection is lent out, the next
caller waits — and with a timeout, fails fast instead of piling up (pool exhaustion).

Concurrent transactions that read, decide, then write can break an invariant no single
transaction breaks (write skew): under PostgreSQL's default ``READ COMMITTED`` both commit.
``SERIALIZABLE`` isolation detects it and aborts one of them with
SQLSTATE 40001; the client's job is to *retry the whole transaction* — the CockroachDB-style
retry loop. Finally the *transactional outbox*: writing the business row and the event to publish
in one transaction, then relaying events with ``FOR UPDATE SKIP LOCKED`` so several relays share
the work without sending any event twice.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from practical._faults import cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service

quiet_loggers("psycopg")  # a lost connection is reported once, by us

TITLE = "PostgreSQL: pools, serializable retries, transactional outbox"
SERVICE = "postgres"
PATTERNS = {
    "pooling": "pooled vs one-connection-per-query throughput, and pool exhaustion",
    "serializable-retry": "write skew measured under READ COMMITTED, caught by SERIALIZABLE and retried on 40001",
    "outbox": "transactional outbox relayed by concurrent workers with SKIP LOCKED",
}


def dsn() -> str:
    return get_service("postgres").url


async def connect(autocommit: bool = True) -> Any:
    import psycopg

    return await psycopg.AsyncConnection.connect(dsn(), autocommit=autocommit)


async def pattern_pooling(out: Narrator, queries: int = 200, concurrency: int = 20) -> None:
    from psycopg_pool import AsyncConnectionPool, PoolTimeout

    async def unpooled_query() -> None:
        async with await connect() as conn:
            await conn.execute("SELECT 1")

    out.step(f"{queries} queries, {concurrency} at a time, each opening its own connection")
    unpooled = await _run_bounded(queries, concurrency, unpooled_query)
    out.rate("unpooled_qps", queries, unpooled, "queries")

    async with AsyncConnectionPool(dsn(), min_size=4, max_size=4, open=False) as pool:
        await pool.wait()

        async def pooled_query() -> None:
            async with pool.connection() as conn:
                await conn.execute("SELECT 1")

        out.step(f"the same {queries} queries through a pool of 4 connections")
        pooled = await _run_bounded(queries, concurrency, pooled_query)
        out.rate("pooled_qps", queries, pooled, "queries")
    out.fact("pooled_speedup", unpooled / pooled, "pooled / unpooled throughput")

    out.step("exhaustion: a pool of 2, ten callers each holding a connection for a slow query")
    async with AsyncConnectionPool(dsn(), min_size=2, max_size=2, open=False, timeout=0.2) as small:
        await small.wait()
        holding = asyncio.Event()
        held = 0

        async def slow_caller() -> str:
            nonlocal held
            try:
                async with small.connection() as conn:
                    held += 1
                    if held == 2:
                        holding.set()
                    await holding.wait()
                    await conn.execute("SELECT pg_sleep(0.5)")
                    return "served"
            except PoolTimeout:
                return "timed out"

        outcomes = await asyncio.gather(*(slow_caller() for _ in range(10)))
    out.fact("exhaustion_served", outcomes.count("served"), "served")
    out.fact("exhaustion_timeouts", outcomes.count("timed out"), "failed fast with PoolTimeout")
    out.lesson(
        "a pool multiplies throughput and caps load; its timeout turns a queue into fast failure"
    )


async def _run_bounded(count: int, concurrency: int, job: Callable[[], Awaitable[None]]) -> float:
    """Run ``job`` ``count`` times with at most ``concurrency`` in flight; returns seconds."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await job()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return time.perf_counter() - start


async def pattern_serializable_retry(out: Narrator, rounds: int = 5) -> None:
    import psycopg

    table = unique_name("oncall")
    async with await connect() as admin:
        await admin.execute(
            f"CREATE TABLE {table} (doctor text PRIMARY KEY, on_call boolean NOT NULL)"
        )
    try:
        out.step(
            "rule: at least one doctor stays on call; alice and bob both ask to go off call at once"
        )
        out.step(
            "each reads how many are on call, and leaves only if that is 2 — both read before either "
            "writes (a barrier makes the overlap certain)"
        )
        outcomes = {}
        for level in (psycopg.IsolationLevel.READ_COMMITTED, psycopg.IsolationLevel.SERIALIZABLE):
            broken = failures = attempts = 0
            for _ in range(rounds):
                on_call, round_failures, round_attempts = await _on_call_round(table, level)
                broken += on_call == 0
                failures += round_failures
                attempts += round_attempts
            outcomes[level] = (broken, failures, attempts)
            out.step(f"{level.name}: {rounds} rounds of alice and bob leaving together")
            key = level.name.lower()
            out.fact(f"{key}_broken", broken, f"rounds that left nobody on call (of {rounds})")
            out.fact(f"{key}_failures", failures, "serialization failures (40001), each retried")
            out.fact(
                f"{key}_attempts", attempts, f"transaction attempts ({2 * rounds} transactions)"
            )
    finally:
        await cleanup(out, ("drop the table", lambda: _drop(table), "postgres"))
    out.lesson(
        "READ COMMITTED let both commit on a count that was already stale (write skew: each wrote a "
        "different row, so no lock stopped them); SERIALIZABLE aborted one with 40001 and its retry "
        "read the truth"
    )


async def _on_call_round(table: str, level: Any) -> tuple[int, int, int]:
    """Both doctors try to leave at once under ``level``; (on call after, 40001 failures, attempts)."""
    from psycopg import errors

    async with await connect() as admin:
        await admin.execute(f"DELETE FROM {table}")
        await admin.execute(f"INSERT INTO {table} VALUES ('alice', true), ('bob', true)")
    both_read = asyncio.Barrier(2)
    failures = 0

    async def go_off_call(doctor: str) -> int:
        """Run the transaction until it commits; returns how many attempts it took."""
        nonlocal failures
        for attempt in range(1, 11):
            try:
                async with await connect(autocommit=False) as conn:
                    await conn.set_isolation_level(level)
                    async with conn.transaction():
                        cur = await conn.execute(f"SELECT count(*) FROM {table} WHERE on_call")
                        (on_call,) = await cur.fetchone()
                        if attempt == 1:
                            await both_read.wait()  # both read before either writes: the race
                        if on_call >= 2:
                            await conn.execute(
                                f"UPDATE {table} SET on_call = false WHERE doctor = %s", (doctor,)
                            )
                return attempt
            except errors.SerializationFailure:
                failures += 1  # SQLSTATE 40001: the whole transaction is retried, its read included
                await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))  # jittered backoff
        raise RuntimeError("gave up after 10 attempts")

    attempts = await asyncio.gather(go_off_call("alice"), go_off_call("bob"))
    async with await connect() as conn:
        cur = await conn.execute(f"SELECT count(*) FROM {table} WHERE on_call")
        (still_on_call,) = await cur.fetchone()
    return int(still_on_call), failures, sum(attempts)


async def pattern_outbox(out: Narrator, orders: int = 200, relays: int = 3) -> None:
    table, outbox = unique_name("orders"), unique_name("outbox")
    async with await connect() as admin:
        await admin.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY, item text NOT NULL)")
        await admin.execute(
            f"CREATE TABLE {outbox} (id serial PRIMARY KEY, payload text NOT NULL, sent_at timestamptz)"
        )
    try:
        out.step(f"{orders} orders, each INSERTed with its outbox event in ONE transaction")

        async def place(number: int) -> None:
            async with await connect(autocommit=False) as conn, conn.transaction():
                await conn.execute(f"INSERT INTO {table} (item) VALUES (%s)", (f"item-{number}",))
                await conn.execute(
                    f"INSERT INTO {outbox} (payload) VALUES (%s)", (f"order-placed:{number}",)
                )

        start = time.perf_counter()
        await _run_bounded(orders, 10, _numbered(place))
        out.rate("orders_per_s", orders, time.perf_counter() - start, "orders")

        out.step(
            f"without row locks: {relays} relays SELECT unsent events, publish them, mark them sent — the "
            "first batch read by all before any marks it (a barrier makes the overlap certain)"
        )
        naive = await _relay_outbox(outbox, relays, locked=False)
        out.fact(
            "duplicates_without_locks",
            len(naive) - len(set(naive)),
            f"extra copies published (of {orders} events)",
        )
        async with await connect() as conn:
            await conn.execute(
                f"UPDATE {outbox} SET sent_at = NULL"
            )  # the same outbox again, all unsent

        out.step(
            f"{relays} relays drain the outbox concurrently, skipping rows another relay locked"
        )
        start = time.perf_counter()
        delivered = await _relay_outbox(outbox, relays, locked=True)
        out.rate("relayed_per_s", len(delivered), time.perf_counter() - start, "events")
    finally:
        await cleanup(out, ("drop the tables", lambda: _drop(table, outbox), "postgres"))
    out.fact("events_relayed", len(delivered))
    out.fact("duplicates", len(delivered) - len(set(delivered)))
    out.lesson(
        "the order and its event commit together; relays that only read publish the same events twice, "
        "FOR UPDATE SKIP LOCKED gives each row to one relay"
    )


async def _relay_outbox(outbox: str, relays: int, locked: bool) -> list[str]:
    """``relays`` workers drain ``outbox`` in batches of 10; returns every payload they published."""
    delivered: list[str] = []
    first_batch = asyncio.Barrier(relays)
    lock = " FOR UPDATE SKIP LOCKED" if locked else ""

    async def relay() -> None:
        first = True
        async with await connect(autocommit=False) as conn:
            while True:
                async with conn.transaction():
                    cur = await conn.execute(
                        f"SELECT id, payload FROM {outbox} WHERE sent_at IS NULL ORDER BY id LIMIT 10{lock}"
                    )
                    batch = await cur.fetchall()
                    if first and not locked:
                        first = False
                        await (
                            first_batch.wait()
                        )  # everyone holds the same batch before anyone marks it
                    if not batch:
                        return
                    delivered.extend(payload for _, payload in batch)  # "publish"
                    await conn.execute(
                        f"UPDATE {outbox} SET sent_at = now() WHERE id = ANY(%s)",
                        ([i for i, _ in batch],),
                    )

    await asyncio.gather(*(relay() for _ in range(relays)))
    return delivered


async def _drop(*tables: str) -> None:
    async with await connect() as admin:
        await admin.execute(f"DROP TABLE IF EXISTS {', '.join(tables)}")


def _numbered(job: Callable[[int], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    counter = iter(range(1_000_000_000))

    async def call() -> None:
        await job(next(counter))

    return call
