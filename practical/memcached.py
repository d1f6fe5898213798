"""Compare-and-swap on a key-value store: memcached's ``gets``/``cas`` (pymemcache, threads).

``get`` then ``set`` is a read-modify-write across two requests: writers that read the same value
all write value + 1, and all but one increment are lost. ``gets`` returns the value with a *CAS
token* (a version the server bumps on every write); ``cas`` stores only if the token is still
current, so a stale writer is refused and retries with a fresh read — optimistic concurrency, as
in Couchbase's KV API (which grew from memcached's protocol). For a plain counter the server can
do the whole change itself: ``incr`` is atomic and needs no retry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from practical._faults import cleanup_sync
from practical._narrate import Narrator, unique_name
from practical.services import get_service

TITLE = "memcached: get+set loses updates, gets/cas retries lose none, incr is atomic"
SERVICE = "memcached"
PATTERNS = {
    "cas": "concurrent increments of one key: get+set, gets+cas with retry, and incr",
}


def client() -> Any:
    """A pymemcache client (one per thread: a client is one connection, not thread-safe)."""
    from pymemcache.client.base import Client

    host, port = get_service("memcached").host_ports()[0]
    return Client(
        (host, port), connect_timeout=2, timeout=5, default_noreply=False
    )  # wait for each write


def _on_threads(workers: int, body: Callable[[Any], None], barrier: threading.Barrier) -> None:
    """Run ``body(client)`` on ``workers`` threads; a failure breaks ``barrier`` for the others."""

    def run(_: int) -> None:
        mine = client()
        try:
            body(mine)
        except BaseException:
            barrier.abort()
            raise
        finally:
            mine.close()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, range(workers)))


def pattern_cas(out: Narrator, workers: int = 8, rounds: int = 50) -> None:
    mc = client()
    racy, versioned, counter = (unique_name(n) for n in ("racy", "cas", "incr"))
    total = workers * rounds
    try:
        for key in (racy, versioned, counter):
            mc.set(key, b"0")
        everyone_read = threading.Barrier(workers, timeout=30)

        def get_then_set(mine: Any) -> None:
            for _ in range(rounds):
                value = int(mine.get(racy))
                everyone_read.wait()  # all read the same value before anyone writes
                mine.set(racy, str(value + 1).encode())
                everyone_read.wait()  # the round ends when every write landed

        out.step(f"{workers} threads x {rounds} rounds: get, add 1, set")
        _on_threads(workers, get_then_set, everyone_read)
        racy_final = int(mc.get(racy))
        out.fact("get_set_final", racy_final, f"counter (expected {total})")
        out.fact("lost_updates", total - racy_final, "increments overwritten")

        refused = 0
        lock = threading.Lock()

        def gets_then_cas(mine: Any) -> None:
            nonlocal refused
            for _ in range(rounds):
                first = True
                while True:
                    value, token = mine.gets(versioned)
                    if first:
                        everyone_read.wait()  # the same race as above
                        first = False
                    if mine.cas(versioned, str(int(value) + 1).encode(), token):
                        break
                    with lock:
                        refused += 1  # the token is stale: someone wrote since our gets

        out.step(
            "the same race with gets (value + CAS token) and cas (store only if the token is current)"
        )
        start = time.perf_counter()
        _on_threads(workers, gets_then_cas, everyone_read)
        out.rate("cas_increments_per_s", total, time.perf_counter() - start, "increments")
        out.fact("cas_final", int(mc.get(versioned)), f"counter (expected {total})")
        out.fact("cas_refused", refused, "cas refused (stale token) and retried")

        def increment(mine: Any) -> None:
            for _ in range(rounds):
                mine.incr(counter, 1)

        out.step("the same number of increments with incr, done by the server")
        start = time.perf_counter()
        _on_threads(workers, increment, everyone_read)
        out.rate("incr_per_s", total, time.perf_counter() - start, "increments")
        out.fact("incr_final", int(mc.get(counter)), f"counter (expected {total})")
    finally:
        cleanup_sync(
            out,
            ("delete the keys", lambda: mc.delete_many([racy, versioned, counter])),
            ("close the client", mc.close),
        )
    out.lesson(
        "a version token turns a lost update into a refused write and a retry; when the server "
        "can compute the change (incr), send the change, not the result"
    )
