"""Cassandra: many writes in flight, compare-and-set, and tunable consistency (cassandra-driver).

Cassandra is built for write throughput: the driver pipelines many requests over few
connections, so the way to go fast is many *asynchronous* requests in flight — but *bounded*,
or the client floods the coordinator and requests time out. A *lightweight transaction*
(``IF NOT EXISTS``, ``IF col = value``) runs Paxos among replicas: a linearizable
compare-and-set, slower than a plain write, for the few places that need it (unique usernames,
balances). *Consistency levels* choose per request how many replicas must answer:
with W + R > RF (e.g. QUORUM writes and reads) a read sees the latest acknowledged write.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from practical._narrate import Narrator, unique_name
from practical.services import get_service

TITLE = "Cassandra: bounded async writes, lightweight transactions, consistency levels"
SERVICE = "cassandra"
PATTERNS = {
    "bounded-writes": "execute_async with a bounded number of requests in flight",
    "lwt": "IF NOT EXISTS and IF balance = ? compare-and-set under contention",
    "consistency": "the same reads and writes at ONE, QUORUM and ALL",
}


def session_with_keyspace() -> tuple[Any, Any, str]:
    """A cluster, a session and a fresh keyspace (replication factor 1: a one-node lab)."""
    from cassandra.cluster import Cluster

    hosts = [host for host, _ in get_service("cassandra").host_ports()]
    port = get_service("cassandra").host_ports()[0][1]
    cluster = Cluster(hosts, port=port, connect_timeout=10)
    session = cluster.connect()
    keyspace = unique_name("lab")
    replication = int(os.environ.get("CASSANDRA_REPLICATION", "1"))
    session.execute(
        f"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {replication}}}"
    )
    session.set_keyspace(keyspace)
    return cluster, session, keyspace


def _close(cluster: Any, session: Any, keyspace: str) -> None:
    try:
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
    finally:
        cluster.shutdown()


def pattern_bounded_writes(out: Narrator, rows: int = 5000, in_flight: int = 64) -> None:
    cluster, session, keyspace = session_with_keyspace()
    try:
        session.execute(
            "CREATE TABLE readings (sensor int, seq int, value double, PRIMARY KEY (sensor, seq))"
        )
        insert = session.prepare("INSERT INTO readings (sensor, seq, value) VALUES (?, ?, ?)")
        out.step(
            f"{rows} sequential synchronous writes would each wait a round trip; instead {in_flight} in flight"
        )
        slots = threading.BoundedSemaphore(in_flight)
        errors: list[BaseException] = []
        done = threading.Event()
        remaining = [rows]
        lock = threading.Lock()

        def finished(_: Any = None) -> None:
            slots.release()
            with lock:
                remaining[0] -= 1
                if remaining[0] == 0:
                    done.set()

        def failed(error: BaseException) -> None:
            errors.append(error)
            finished()

        start = time.perf_counter()
        for i in range(rows):
            slots.acquire()  # blocks when `in_flight` requests are outstanding: back-pressure
            future = session.execute_async(insert, (i % 50, i, i * 0.5))
            future.add_callbacks(finished, failed)
        done.wait()
        out.rate("writes_per_s", rows, time.perf_counter() - start, "writes")
        count = session.execute("SELECT count(*) FROM readings").one()[0]
    finally:
        _close(cluster, session, keyspace)
    out.fact("rows", count, f"rows stored (of {rows})")
    out.fact("errors", len(errors))
    out.lesson(
        "async requests overlap round trips; a semaphore keeps the coordinator from drowning"
    )


def pattern_lwt(out: Narrator, contenders: int = 20) -> None:
    cluster, session, keyspace = session_with_keyspace()
    try:
        session.execute("CREATE TABLE users (name text PRIMARY KEY, owner int)")
        session.execute("CREATE TABLE accounts (id text PRIMARY KEY, balance int)")
        claim = session.prepare("INSERT INTO users (name, owner) VALUES ('ada', ?) IF NOT EXISTS")
        out.step(f"{contenders} clients claim the username 'ada' at once with IF NOT EXISTS")
        with ThreadPoolExecutor(contenders) as pool:
            applied = list(
                pool.map(lambda who: session.execute(claim, (who,)).was_applied, range(contenders))
            )
        out.fact("claims_applied", sum(applied), "claims applied (exactly one wins)")

        session.execute("INSERT INTO accounts (id, balance) VALUES ('acct', 0)")
        read = session.prepare("SELECT balance FROM accounts WHERE id = 'acct'")
        cas = session.prepare("UPDATE accounts SET balance = ? WHERE id = 'acct' IF balance = ?")
        from cassandra import ConsistencyLevel

        read.consistency_level = ConsistencyLevel.SERIAL  # read the Paxos-committed value
        retries = [0]

        def deposit(_: int) -> None:
            while True:
                balance = session.execute(read).one()[0]
                if session.execute(cas, (balance + 10, balance)).was_applied:
                    return
                retries[0] += 1  # someone changed it since we read: read again

        out.step(f"{contenders} clients deposit 10 each with compare-and-set")
        start = time.perf_counter()
        with ThreadPoolExecutor(contenders) as pool:
            list(pool.map(deposit, range(contenders)))
        out.rate("cas_per_s", contenders, time.perf_counter() - start, "deposits")
        balance = session.execute(read).one()[0]
    finally:
        _close(cluster, session, keyspace)
    out.fact("balance", balance, f"balance (expected {contenders * 10})")
    out.fact("cas_retries", retries[0], "compare-and-set conflicts retried")
    out.lesson(
        "LWTs are linearizable but cost Paxos round trips: use them for the few contended decisions"
    )


def pattern_consistency(out: Narrator, operations: int = 300) -> None:
    from cassandra import ConsistencyLevel
    from cassandra.query import SimpleStatement

    cluster, session, keyspace = session_with_keyspace()
    levels = {
        "ONE": ConsistencyLevel.ONE,
        "QUORUM": ConsistencyLevel.QUORUM,
        "ALL": ConsistencyLevel.ALL,
    }
    stale = 0
    try:
        session.execute("CREATE TABLE kv (k int PRIMARY KEY, v int)")
        for name, level in levels.items():
            write = SimpleStatement(
                "INSERT INTO kv (k, v) VALUES (%s, %s)", consistency_level=level
            )
            read = SimpleStatement("SELECT v FROM kv WHERE k = %s", consistency_level=level)
            start = time.perf_counter()
            for i in range(operations):
                session.execute(write, (i, i))
                if session.execute(read, (i,)).one()[0] != i:
                    stale += 1
            out.rate(f"ops_per_s_{name}", 2 * operations, time.perf_counter() - start, "ops")
        replicas = len(cluster.metadata.all_hosts())
    finally:
        _close(cluster, session, keyspace)
    out.fact("nodes", replicas, "nodes in this cluster")
    out.fact("stale_reads", stale)
    if replicas == 1:
        out.warn(
            "a one-node cluster makes every level equivalent: run three nodes to see ONE read stale data"
        )
    out.lesson(
        "choose W and R per request: W + R > RF gives read-your-writes; ONE trades it for latency"
    )
