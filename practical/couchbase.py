"""Couchbase: a JSON document changed by many clients, kept whole with CAS (couchbase SDK, threads).

Every Couchbase document carries a *CAS* value, a version the server changes on every mutation
and returns on every read. ``replace(key, doc, cas=token)`` stores only if the document is still
at that version; otherwise it raises ``CasMismatchException`` and the client reads again and
retries: optimistic locking, with no lock held. ``upsert`` without CAS is last-writer-wins: two
clients that read the same cart and each add an item lose one of the items. When the change is
one the server can make itself, *sub-document* ``mutate_in(array_append)`` sends only the change
and needs no CAS at all.

The pattern on a real Couchbase runs only when ``COUCHBASE_URL`` points at a cluster (no Couchbase
server installs here: `docker compose up couchbase`). The same lesson runs on memcached, whose
``gets``/``cas`` are the protocol Couchbase's KV service grew from: the client serializes the JSON
itself there, and memcached's ``append`` (raw bytes) stands in for the sub-document append.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from practical._faults import cleanup_sync, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service
from usererror import UserError

quiet_loggers("couchbase")

TITLE = "Couchbase: CAS keeps a shared JSON document whole (and the same on memcached gets/cas)"
SERVICE = "couchbase"
PATTERNS = {
    "cas": "threads add items to one cart: upsert loses items, replace with CAS and sub-document append lose none",
    "memcached-cas": "the same cart on memcached: set loses items, gets/cas and append lose none",
}
PATTERN_SERVICES = {"memcached-cas": "memcached"}


def collection() -> tuple[Any, Any]:
    """(cluster, the bucket's default collection); thread-safe, shared by every thread."""
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.exceptions import CouchbaseException
    from couchbase.options import ClusterOptions

    url, name = get_service("couchbase").url, os.environ.get("COUCHBASE_BUCKET", "lab")
    auth = PasswordAuthenticator(
        os.environ.get("COUCHBASE_USER", "lab"),
        os.environ.get("COUCHBASE_PASSWORD", "concurrency-lab"),
    )
    try:
        cluster = Cluster(url, ClusterOptions(auth))
        cluster.wait_until_ready(timedelta(seconds=10))
        return cluster, cluster.bucket(name).default_collection()
    except CouchbaseException as error:
        raise UserError(
            f"Couchbase at {url} was not ready within 10 s ({type(error).__name__}): check COUCHBASE_USER, "
            f"COUCHBASE_PASSWORD and that bucket '{name}' exists (COUCHBASE_BUCKET)"
        ) from None


class CartRace:
    """``workers`` threads each add ``rounds`` items to one cart, one item per round.

    In a round everyone reads the cart, waits for the others' reads, then writes: the lost update
    is certain on the first attempt. Retries (after a CAS refusal) do not wait.
    """

    def __init__(self, workers: int, rounds: int) -> None:
        self.workers, self.rounds = workers, rounds
        self.refused = 0
        self._lock = threading.Lock()

    def refusal(self) -> None:
        with self._lock:
            self.refused += 1

    def run(self, add: Callable[[str, Callable[[], None]], None]) -> float:
        """Each thread calls ``add(item, after_read)`` once per round; returns seconds taken."""
        everyone_read = threading.Barrier(self.workers, timeout=60)
        round_over = threading.Barrier(self.workers, timeout=60)

        def worker(who: int) -> None:
            try:
                for round_ in range(self.rounds):
                    first = [True]

                    def after_read(first: list[bool] = first) -> None:
                        if first[0]:
                            first[0] = False
                            everyone_read.wait()  # all read the same cart before anyone writes

                    add(f"w{who}-{round_}", after_read)
                    round_over.wait()
            except BaseException:
                everyone_read.abort()
                round_over.abort()
                raise

        start = time.perf_counter()
        with ThreadPoolExecutor(self.workers) as pool:
            list(pool.map(worker, range(self.workers)))
        return time.perf_counter() - start


def pattern_cas(out: Narrator, workers: int = 8, rounds: int = 10) -> None:
    import couchbase.subdocument as sd
    from couchbase.exceptions import CasMismatchException

    cluster, carts = collection()
    keys = [unique_name(f"cart_{kind}") for kind in ("upsert", "cas", "subdoc")]
    total = workers * rounds
    try:
        for key in keys:
            carts.insert(key, {"items": []})

        def upsert(item: str, after_read: Callable[[], None]) -> None:
            cart = carts.get(keys[0]).content_as[dict]
            after_read()
            carts.upsert(keys[0], {"items": [*cart["items"], item]})

        out.step(f"{workers} threads x {rounds} rounds: get the cart, add an item, upsert (no CAS)")
        CartRace(workers, rounds).run(upsert)
        kept = len(carts.get(keys[0]).content_as[dict]["items"])
        out.fact("upsert_items", kept, f"items in the cart (expected {total})")
        out.fact(
            "lost_items", total - kept, "items overwritten by a writer that read an older cart"
        )

        race = CartRace(workers, rounds)

        def replace_with_cas(item: str, after_read: Callable[[], None]) -> None:
            while True:
                read = carts.get(keys[1])
                after_read()
                try:
                    carts.replace(
                        keys[1], {"items": [*read.content_as[dict]["items"], item]}, cas=read.cas
                    )
                    return
                except CasMismatchException:
                    race.refusal()  # the cart changed since our get: read it again

        out.step(
            "the same race with replace(cas=token): refused when the cart changed since the read"
        )
        seconds = race.run(replace_with_cas)
        out.rate("cas_adds_per_s", total, seconds, "items")
        out.fact(
            "cas_items",
            len(carts.get(keys[1]).content_as[dict]["items"]),
            f"items in the cart (expected {total})",
        )
        out.fact("cas_mismatches", race.refused, "CasMismatchException, each re-read and retried")

        def append(item: str, after_read: Callable[[], None]) -> None:
            after_read()
            carts.mutate_in(keys[2], [sd.array_append("items", item)])

        out.step(
            "the same adds as sub-document array_append: the server changes the array, no read needed"
        )
        seconds = CartRace(workers, rounds).run(append)
        out.rate("subdoc_adds_per_s", total, seconds, "items")
        out.fact(
            "subdoc_items",
            len(carts.get(keys[2]).content_as[dict]["items"]),
            f"items in the cart (expected {total})",
        )
    finally:
        cleanup_sync(
            out,
            *((f"remove {key}", lambda key=key: carts.remove(key)) for key in keys),
            ("close the cluster", cluster.close),
        )
    out.lesson(
        "the CAS token turns a lost update into a refused write and a retry; when the server can "
        "apply the change (sub-document ops), send the change instead of the document"
    )


def pattern_memcached_cas(out: Narrator, workers: int = 8, rounds: int = 10) -> None:
    from practical.memcached import client

    out.warn(
        "this runs on memcached, not Couchbase: the same gets/cas protocol, but memcached keeps values "
        "only in RAM, may evict them at any time, does not replicate, and sees JSON as opaque bytes"
    )
    local = threading.local()

    def mc() -> Any:
        """One pymemcache client per thread: a client is one connection, not thread-safe."""
        if not hasattr(local, "client"):
            local.client = client()
            opened.append(local.client)
        return local.client

    opened: list[Any] = []
    keys = [unique_name(f"cart_{kind}") for kind in ("set", "cas", "append")]
    total = workers * rounds

    def items(key: str) -> list[str]:
        return list(json.loads(mc().get(key))["items"])

    try:
        for key in keys[:2]:
            mc().set(key, json.dumps({"items": []}).encode())
        mc().set(keys[2], b"")

        def get_then_set(item: str, after_read: Callable[[], None]) -> None:
            cart = json.loads(mc().get(keys[0]))
            after_read()
            mc().set(keys[0], json.dumps({"items": [*cart["items"], item]}).encode())

        out.step(f"{workers} threads x {rounds} rounds: get the JSON cart, add an item, set")
        CartRace(workers, rounds).run(get_then_set)
        kept = len(items(keys[0]))
        out.fact("set_items", kept, f"items in the cart (expected {total})")
        out.fact(
            "lost_items", total - kept, "items overwritten by a writer that read an older cart"
        )

        race = CartRace(workers, rounds)

        def gets_then_cas(item: str, after_read: Callable[[], None]) -> None:
            while True:
                value, token = mc().gets(keys[1])
                after_read()
                cart = json.loads(value)
                if mc().cas(keys[1], json.dumps({"items": [*cart["items"], item]}).encode(), token):
                    return
                race.refusal()  # the token is stale: someone stored since our gets

        out.step(
            "the same race with gets (value + CAS token) and cas (store only if the token is current)"
        )
        seconds = race.run(gets_then_cas)
        out.rate("cas_adds_per_s", total, seconds, "items")
        out.fact("cas_items", len(items(keys[1])), f"items in the cart (expected {total})")
        out.fact("cas_refused", race.refused, "cas refused (stale token), each re-read and retried")

        def append(item: str, after_read: Callable[[], None]) -> None:
            after_read()
            mc().append(keys[2], f"{item},".encode())

        out.step(
            "the same adds with append (bytes added by the server; Couchbase would append to the JSON array)"
        )
        seconds = CartRace(workers, rounds).run(append)
        out.rate("append_adds_per_s", total, seconds, "items")
        appended = [part for part in mc().get(keys[2]).decode().split(",") if part]
        out.fact("append_items", len(set(appended)), f"distinct items appended (expected {total})")
    finally:
        cleanup_sync(
            out,
            ("delete the keys", lambda: mc().delete_many(keys)),
            *((f"close client {i}", c.close) for i, c in enumerate(opened)),
        )
    out.lesson(
        "the same optimistic protocol as Couchbase's CAS; what memcached lacks is durability, "
        "replication and JSON-aware server-side changes"
    )
