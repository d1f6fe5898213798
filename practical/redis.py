"""Redis as the coordination layer (redis-py asyncio), in front of PostgreSQL.

*Cache-aside*: read the cache; on a miss read the database and fill the cache with a TTL.
*Write-through*: every write goes to the database and then the cache, so readers of the cache
never see a value older than the last write. A *distributed lock* (``SET key token NX PX ttl``)
gives mutual exclusion across processes — but a lock with a TTL can expire while its holder is
paused (GC, swap, a slow network). The fix is a *fencing token*: a number that grows with every
acquisition, checked by the storage, which refuses writes carrying an older token. *Rate
limiting* with an atomic ``INCR`` + ``EXPIRE`` in one ``MULTI`` admits exactly the limit, however
many requests race.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from practical._faults import cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service

quiet_loggers("redis")  # a lost connection is reported once, by us

TITLE = "Redis: cache-aside, write-through, fenced locks, rate limiting"
SERVICE = "redis"
ALSO_NEEDS = ("postgres",)
PATTERNS = {
    "cache-aside": "read through the cache, fill it from PostgreSQL on a miss",
    "write-through": "stale reads when only PostgreSQL is updated vs writing PostgreSQL then the cache",
    "fenced-lock": "a lock holder whose lease expired overwrites a newer holder, unless a fencing token stops it",
    "rate-limit": "a GET-then-SET limiter under a burst vs INCR+EXPIRE in one transaction",
}

# Compare-and-delete: release the lock only if we still own it.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
# The storage's side of fencing: accept a write only with a token newer than the last one seen.
_FENCED_WRITE = """
local last = tonumber(redis.call('hget', KEYS[1], 'token') or '0')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('hset', KEYS[1], 'token', ARGV[1], 'value', ARGV[2])
return 1
"""


def client() -> Any:
    import redis.asyncio as redis

    return redis.from_url(get_service("redis").url, decode_responses=True)


async def _products_table(rows: int) -> str:
    from practical.postgres import connect

    table = unique_name("products")
    async with await connect() as conn:
        await conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, price int NOT NULL)")
        await conn.execute(
            f"INSERT INTO {table} SELECT g, g * 10 FROM generate_series(1, %s) g", (rows,)
        )
    return table


async def _drop(table: str) -> None:
    from practical.postgres import connect

    async with await connect() as conn:
        await conn.execute(f"DROP TABLE IF EXISTS {table}")


async def pattern_cache_aside(out: Narrator, rows: int = 50, reads: int = 1000) -> None:
    from psycopg_pool import AsyncConnectionPool

    from practical.postgres import dsn

    table, prefix = await _products_table(rows), unique_name("price")
    r = client()
    hits = misses = 0
    hit_times: list[float] = []
    miss_times: list[float] = []
    try:
        async with AsyncConnectionPool(dsn(), min_size=4, max_size=4, open=False) as pool:
            await pool.wait()

            async def price(product: int) -> int:
                nonlocal hits, misses
                start = time.perf_counter()
                cached = await r.get(f"{prefix}:{product}")
                if cached is not None:
                    hits += 1
                    hit_times.append(time.perf_counter() - start)
                    return int(cached)
                misses += 1
                async with pool.connection() as conn:
                    cur = await conn.execute(f"SELECT price FROM {table} WHERE id = %s", (product,))
                    (value,) = await cur.fetchone()  # type: ignore[misc]
                await r.set(f"{prefix}:{product}", value, ex=60)
                miss_times.append(time.perf_counter() - start)
                return int(value)

            out.step(
                f"{reads} reads over {rows} products, 20 concurrent readers, cache starts empty"
            )
            gate = asyncio.Semaphore(20)

            async def read(i: int) -> int:
                async with gate:
                    return await price(i % rows + 1)

            start = time.perf_counter()
            values = await asyncio.gather(*(read(i) for i in range(reads)))
            out.rate("reads_per_s", reads, time.perf_counter() - start, "reads")
    finally:
        await cleanup(
            out,
            (
                "delete the cached keys",
                lambda: r.delete(*[f"{prefix}:{i}" for i in range(1, rows + 1)]),
                "redis",
            ),
            ("close the Redis client", r.aclose),
            ("drop the table", lambda: _drop(table), "postgres"),
        )
    out.fact("correct", values == [(i % rows + 1) * 10 for i in range(reads)], "every read correct")
    out.fact("hits", hits)
    out.fact("misses", misses, f"misses ({rows} first reads of a key, plus concurrent first reads)")
    out.fact(
        "stampede_misses",
        misses - rows,
        "extra misses: readers that missed while another was filling the key",
    )
    out.latencies("hit", hit_times)
    out.latencies("miss", miss_times)
    out.lesson(
        "concurrent first reads of one key all miss (a small stampede): locks or request coalescing fix it"
    )


async def pattern_write_through(out: Narrator, updates: int = 100) -> None:
    from practical.postgres import connect

    table, key = await _products_table(1), unique_name("price")
    r = client()
    stale_reads = stale_aside = 0
    try:
        async with await connect() as conn:
            out.step(
                f"without write-through: {updates} price updates go to PostgreSQL only, the cached price "
                "(60 s TTL) stays; after each, a reader reads the cache"
            )
            await r.set(key, 10, ex=60)  # cached by an earlier read (the table's price is 10)
            for new_price in range(11, updates + 11):
                await conn.execute(f"UPDATE {table} SET price = %s WHERE id = 1", (new_price,))
                if int(await r.get(key)) != new_price:
                    stale_aside += 1
            out.fact("stale_reads_without", stale_aside, f"stale reads of {updates}")
            out.step(
                f"write-through: {updates} price updates; after each, a reader reads the cache"
            )
            start = time.perf_counter()
            for new_price in range(1, updates + 1):
                await conn.execute(f"UPDATE {table} SET price = %s WHERE id = 1", (new_price,))
                await r.set(key, new_price, ex=60)  # the write goes through to the cache
                if int(await r.get(key)) != new_price:
                    stale_reads += 1
            out.rate("writes_per_s", updates, time.perf_counter() - start, "writes")
            cur = await conn.execute(f"SELECT price FROM {table} WHERE id = 1")
            (db_price,) = await cur.fetchone()
        out.fact("stale_reads", stale_reads, f"stale reads of {updates}")
        out.fact("cache_matches_db", int(await r.get(key)) == db_price, "cache equals database")
    finally:
        await cleanup(
            out,
            ("delete the key", lambda: r.delete(key), "redis"),
            ("close the Redis client", r.aclose),
            ("drop the table", lambda: _drop(table), "postgres"),
        )
    out.lesson(
        "a cache nobody updates serves the old price until its TTL ends; write-through pays a second write to "
        "keep it current (if the cache write fails, delete the key)"
    )


async def pattern_fenced_lock(out: Narrator, workers: int = 20) -> None:
    r = client()
    lock, fence, counter, unlocked, plain, store = (
        unique_name(n) for n in ("lock", "fence", "counter", "unlocked", "plain", "store")
    )
    release = r.register_script(_RELEASE)

    async def acquire(ttl_ms: int) -> tuple[str, int]:
        import uuid

        owner = uuid.uuid4().hex
        while not await r.set(lock, owner, nx=True, px=ttl_ms):  # noqa: ASYNC110 (polls a remote lock)
            await asyncio.sleep(0.005)
        return owner, int(await r.incr(fence))

    try:
        out.step(
            f"{workers} workers increment a counter with GET then SET, no lock; all GET before any SET "
            "(a barrier makes the overlap certain)"
        )
        everyone_read = asyncio.Barrier(workers)

        async def increment_unlocked() -> None:
            value = int(await r.get(unlocked) or 0)
            await everyone_read.wait()
            await r.set(unlocked, value + 1)

        await asyncio.gather(*(increment_unlocked() for _ in range(workers)))
        out.fact(
            "counter_unlocked",
            int(await r.get(unlocked)),
            f"counter without the lock (expected {workers})",
        )

        out.step(f"{workers} workers increment a counter with GET then SET, under the lock")

        async def increment() -> None:
            owner, _ = await acquire(ttl_ms=5000)
            try:
                value = int(await r.get(counter) or 0)
                await asyncio.sleep(0)  # the same gap as above, now inside the critical section
                await r.set(counter, value + 1)
            finally:
                await release(keys=[lock], args=[owner])

        await asyncio.gather(*(increment() for _ in range(workers)))
        out.fact(
            "counter", int(await r.get(counter)), f"counter under the lock (expected {workers})"
        )

        out.step(
            "no fencing: A takes a 100 ms lock, then pauses; the lock expires, B takes it and writes"
        )
        unfenced = await _expired_holder_writes(r, lock, acquire, release, plain, fenced=False)
        out.fact("a_still_owner", unfenced["a_owns_lock"], "A still owns the lock when it resumes")
        out.fact("unfenced_final", unfenced["final"], "stored value after A's late write")
        out.fact(
            "unfenced_lost_b",
            unfenced["final"] != "written by B",
            "B's newer write overwritten by A",
        )

        out.step(
            "with a fencing token: the same pause; the storage checks the token of every write"
        )
        fenced = await _expired_holder_writes(r, lock, acquire, release, store, fenced=True)
        out.fact(
            "stale_write_rejected",
            fenced["a_accepted"] == 0,
            f"A's write with old token {fenced['a_token']} rejected (B holds {fenced['b_token']})",
        )
        out.fact("final_value", fenced["final"], "stored value")
    finally:
        await cleanup(
            out,
            (
                "delete the keys",
                lambda: r.delete(lock, fence, counter, unlocked, plain, store),
                "redis",
            ),
            ("close the Redis client", r.aclose),
        )
    out.lesson(
        "a TTL lock alone is not safe against pauses: A woke up believing it held the lock and overwrote B; "
        "the storage must check a fencing token"
    )


async def _expired_holder_writes(
    r: Any, lock: str, acquire: Any, release: Any, key: str, fenced: bool
) -> dict[str, Any]:
    """A's lease expires during its pause, B takes the lock and writes, then A writes: what is stored?"""
    fenced_write = r.register_script(_FENCED_WRITE)
    a_owner, a_token = await acquire(ttl_ms=100)
    b_wrote, a_wrote = asyncio.Event(), asyncio.Event()
    b_token = 0

    async def write(token: int, value: str) -> int:
        if fenced:
            return int(await fenced_write(keys=[key], args=[token, value]))
        await r.hset(
            key, mapping={"token": token, "value": value}
        )  # trusts that the caller holds the lock
        return 1

    async def worker_b() -> None:
        nonlocal b_token
        owner, b_token = await acquire(ttl_ms=5000)  # succeeds once A's lease has expired
        try:
            await write(b_token, "written by B")
            b_wrote.set()
            await a_wrote.wait()  # B still holds the lock while A resumes
        finally:
            await release(keys=[lock], args=[owner])

    async with asyncio.TaskGroup() as tasks:  # owns B: its error surfaces here, never orphaned
        tasks.create_task(worker_b())
        await b_wrote.wait()  # A's "GC pause" lasts until B has written
        a_owns = await r.get(lock) == a_owner
        a_accepted = await write(a_token, "written by A (stale)")
        a_wrote.set()
    return {
        "a_owns_lock": a_owns,
        "a_accepted": a_accepted,
        "a_token": a_token,
        "b_token": b_token,
        "final": await r.hget(key, "value"),
    }


async def pattern_rate_limit(out: Narrator, limit: int = 10, burst: int = 100) -> None:
    r = client()
    key = unique_name("ratelimit")

    racy_key = unique_name("ratelimit")
    everyone_read = asyncio.Barrier(burst)

    async def allowed_racy() -> bool:
        count = int(await r.get(racy_key) or 0)
        await everyone_read.wait()  # all requests read the count before any writes it back
        if count >= limit:
            return False
        await r.set(racy_key, count + 1, ex=60)
        return True

    async def allowed() -> bool:
        async with r.pipeline(transaction=True) as pipe:
            count, _ = await pipe.incr(key).expire(key, 60, nx=True).execute()
        return int(count) <= limit

    try:
        out.step(
            f"GET the count, compare, SET count + 1: {burst} concurrent requests against a limit of {limit}, "
            "all reading before any writes (a barrier makes the overlap certain)"
        )
        racy = await asyncio.gather(*(allowed_racy() for _ in range(burst)))
        out.fact("admitted_racy", racy.count(True), f"admitted by GET-then-SET (limit {limit})")
        out.step(
            f"INCR + EXPIRE in one MULTI: {burst} concurrent requests against a limit of {limit} per 60 s window"
        )
        start = time.perf_counter()
        verdicts = await asyncio.gather(*(allowed() for _ in range(burst)))
        out.rate("decisions_per_s", burst, time.perf_counter() - start, "decisions")
    finally:
        await cleanup(
            out,
            ("delete the keys", lambda: r.delete(key, racy_key), "redis"),
            ("close the Redis client", r.aclose),
        )
    out.fact("admitted", verdicts.count(True), f"admitted by INCR (limit {limit})")
    out.fact("rejected", verdicts.count(False))
    out.lesson(
        "a read-then-write limiter lets every racing request through; INCR counts on the server, atomically, "
        "so exactly the limit gets through however the requests interleave"
    )
