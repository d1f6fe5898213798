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
    "write-through": "write PostgreSQL then the cache; readers stay consistent",
    "fenced-lock": "SET NX PX lock plus a fencing token that rejects a paused holder's write",
    "rate-limit": "fixed-window limiter with INCR+EXPIRE in one transaction under a burst",
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

            out.step(f"{reads} reads over {rows} products, 20 concurrent readers, cache starts empty")
            gate = asyncio.Semaphore(20)

            async def read(i: int) -> int:
                async with gate:
                    return await price(i % rows + 1)

            start = time.perf_counter()
            values = await asyncio.gather(*(read(i) for i in range(reads)))
            out.rate("reads_per_s", reads, time.perf_counter() - start, "reads")
    finally:
        await cleanup(out, ("delete the cached keys", lambda: r.delete(*[f"{prefix}:{i}" for i in range(1, rows + 1)]), "redis"),
                      ("close the Redis client", r.aclose), ("drop the table", lambda: _drop(table), "postgres"))
    out.fact("correct", values == [(i % rows + 1) * 10 for i in range(reads)], "every read correct")
    out.fact("hits", hits)
    out.fact("misses", misses, "misses (first reads of each key, plus concurrent first reads)")
    out.latencies("hit", hit_times)
    out.latencies("miss", miss_times)
    out.lesson("concurrent first reads of one key all miss (a small stampede): locks or request coalescing fix it")


async def pattern_write_through(out: Narrator, updates: int = 100) -> None:
    from practical.postgres import connect

    table, key = await _products_table(1), unique_name("price")
    r = client()
    stale_reads = 0
    try:
        async with await connect() as conn:
            out.step(f"{updates} price updates; after each, a reader reads the cache")
            start = time.perf_counter()
            for new_price in range(1, updates + 1):
                await conn.execute(f"UPDATE {table} SET price = %s WHERE id = 1", (new_price,))
                await r.set(key, new_price, ex=60)  # the write goes through to the cache
                if int(await r.get(key)) != new_price:
                    stale_reads += 1
            out.rate("writes_per_s", updates, time.perf_counter() - start, "writes")
            cur = await conn.execute(f"SELECT price FROM {table} WHERE id = 1")
            (db_price,) = await cur.fetchone()
        out.fact("stale_reads", stale_reads)
        out.fact("cache_matches_db", int(await r.get(key)) == db_price, "cache equals database")
    finally:
        await cleanup(out, ("delete the key", lambda: r.delete(key), "redis"), ("close the Redis client", r.aclose),
                      ("drop the table", lambda: _drop(table), "postgres"))
    out.lesson("write-through trades write latency for reads that are never stale; if the cache write fails, delete the key")


async def pattern_fenced_lock(out: Narrator, workers: int = 20) -> None:
    import uuid

    r = client()
    lock, fence, counter, store = (unique_name(n) for n in ("lock", "fence", "counter", "store"))
    release, fenced_write = r.register_script(_RELEASE), r.register_script(_FENCED_WRITE)

    async def acquire(ttl_ms: int) -> tuple[str, int]:
        owner = uuid.uuid4().hex
        while not await r.set(lock, owner, nx=True, px=ttl_ms):  # noqa: ASYNC110 (polls a remote lock)
            await asyncio.sleep(0.005)
        return owner, int(await r.incr(fence))

    try:
        out.step(f"{workers} workers increment a counter with GET then SET, under the lock")

        async def increment() -> None:
            owner, _ = await acquire(ttl_ms=5000)
            try:
                value = int(await r.get(counter) or 0)
                await asyncio.sleep(0)  # the gap where an unlocked read-modify-write loses updates
                await r.set(counter, value + 1)
            finally:
                await release(keys=[lock], args=[owner])

        await asyncio.gather(*(increment() for _ in range(workers)))
        out.fact("counter", int(await r.get(counter)), f"counter (expected {workers})")

        out.step("A takes a 100 ms lock, then pauses; the lock expires and B takes it")
        _a_owner, a_token = await acquire(ttl_ms=100)
        b_done = asyncio.Event()

        async def worker_b() -> None:
            _, token = await acquire(ttl_ms=5000)  # succeeds once A's lock expires
            await fenced_write(keys=[store], args=[token, "written by B"])
            b_done.set()

        async with asyncio.TaskGroup() as tasks:  # owns B: its error surfaces here, never orphaned
            tasks.create_task(worker_b())
            await b_done.wait()  # A's "GC pause" lasts until B has written
            accepted = await fenced_write(keys=[store], args=[a_token, "written by A (stale)"])
        out.fact("stale_write_rejected", accepted == 0, f"A's write with old token {a_token} rejected")
        out.fact("final_value", await r.hget(store, "value"), "stored value")
    finally:
        await cleanup(out, ("delete the keys", lambda: r.delete(lock, fence, counter, store), "redis"),
                      ("close the Redis client", r.aclose))
    out.lesson("a TTL lock alone is not safe against pauses; the storage must check a fencing token")


async def pattern_rate_limit(out: Narrator, limit: int = 10, burst: int = 100) -> None:
    r = client()
    key = unique_name("ratelimit")

    async def allowed() -> bool:
        async with r.pipeline(transaction=True) as pipe:
            count, _ = await pipe.incr(key).expire(key, 60, nx=True).execute()
        return int(count) <= limit

    try:
        out.step(f"{burst} concurrent requests against a limit of {limit} per 60 s window")
        start = time.perf_counter()
        verdicts = await asyncio.gather(*(allowed() for _ in range(burst)))
        out.rate("decisions_per_s", burst, time.perf_counter() - start, "decisions")
    finally:
        await cleanup(out, ("delete the key", lambda: r.delete(key), "redis"), ("close the Redis client", r.aclose))
    out.fact("admitted", verdicts.count(True), f"admitted (limit {limit})")
    out.fact("rejected", verdicts.count(False))
    out.lesson("INCR is atomic, so exactly the limit gets through however the requests interleave")
