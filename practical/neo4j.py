"""Graphs under concurrency (the neo4j async driver, over Bolt).

``MERGE`` means "match or create", but two transactions can both find nothing and both create:
MERGE alone is not a uniqueness guarantee. A *uniqueness constraint* makes the database refuse the
second node (``ConstraintError``); re-running the MERGE then *matches* the winner's node.
*Traversals* follow relationships of any depth in one query — friends of friends, shortest paths —
and read sessions run concurrently. *Managed transactions* (``execute_write``) retry the whole
function on transient failures (a deadlock or leader change on Neo4j, an optimistic MVCC conflict
at commit on ArcadeDB, the local server), so the function must be safe to re-run: no side effects outside the transaction.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any

from practical._faults import cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service, setting

quiet_loggers("neo4j")  # the driver's retry warnings would bury the narration

TITLE = "Neo4j: MERGE with constraints, traversals, managed transactions"
SERVICE = "neo4j"
PATTERNS = {
    "merge": "match-then-create duplicates without a constraint; with one, refused writers retry to one node",
    "traversal": "friends-of-friends and shortest paths, many readers at once",
    "managed-tx": "execute_write retries: concurrent increments on one node lose nothing",
}


def driver() -> Any:
    from neo4j import AsyncGraphDatabase

    user = setting("neo4j", "NEO4J_USER", "neo4j")
    password = setting("neo4j", "NEO4J_PASSWORD", "concurrency-lab")
    return AsyncGraphDatabase.driver(get_service("neo4j").url, auth=(user, password))


def database() -> str:
    return setting("neo4j", "NEO4J_DATABASE", "neo4j")


async def _delete_nodes(graph: Any, label: str) -> None:
    await graph.execute_query(f"MATCH (n:{label}) DETACH DELETE n", database_=database())


async def _match_then_create(graph: Any, label: str, racers: int) -> dict[str, int]:
    """``racers`` transactions MATCH a person, see none and CREATE her; ConstraintError losers MERGE again."""
    from neo4j.exceptions import ConstraintError

    everyone_matched = asyncio.Barrier(racers)
    refused = 0

    async def writer() -> None:
        nonlocal refused
        async with graph.session(database=database()) as session:
            tx = (
                await session.begin_transaction()
            )  # an explicit transaction: the driver retries nothing
            try:
                found = await (
                    await tx.run(f"MATCH (p:{label} {{name: 'ada'}}) RETURN count(p) AS n")
                ).single()
                await everyone_matched.wait()
                if found is not None and found["n"] == 0:
                    await tx.run(f"CREATE (:{label} {{name: 'ada'}})")
                await tx.commit()
                return
            except ConstraintError:
                refused += 1  # someone created her first: MERGE now matches that node
            finally:
                await tx.close()
            await session.run(f"MERGE (:{label} {{name: 'ada'}})")

    await asyncio.gather(*(writer() for _ in range(racers)))
    records, _, _ = await graph.execute_query(
        f"MATCH (p:{label} {{name: 'ada'}}) RETURN count(p) AS n", database_=database()
    )
    return {"nodes": int(records[0]["n"]), "refused": refused}


async def pattern_merge(out: Narrator, writers: int = 40, people: int = 5, racers: int = 8) -> None:
    from neo4j.exceptions import ConstraintError

    label = unique_name("Person")
    labels = [label]
    constraint = f"{label}_name_unique"
    graph = driver()
    violations = 0
    try:
        await graph.execute_query(
            f"CREATE CONSTRAINT {constraint} IF NOT EXISTS FOR (p:{label}) REQUIRE p.name IS UNIQUE",
            database_=database(),
        )

        async def befriend(tx: Any, a: str, b: str) -> None:
            await tx.run(
                f"MERGE (a:{label} {{name: $a}}) MERGE (b:{label} {{name: $b}}) MERGE (a)-[:KNOWS]->(b)",
                a=a,
                b=b,
            )

        async def writer(i: int) -> None:
            nonlocal violations
            a, b = f"p{i % people}", f"p{(i + 1) % people}"
            for _ in range(10):
                try:
                    async with graph.session(database=database()) as session:
                        await session.execute_write(befriend, a, b)
                    return
                except ConstraintError:
                    violations += (
                        1  # another writer created the node first: MERGE again to match it
                    )
            raise RuntimeError("MERGE kept violating the constraint")

        out.step(
            f"MERGE spelled out: {racers} writers each MATCH 'ada', find nothing, CREATE her — all MATCH "
            "before any CREATE (a barrier makes the overlap certain); no constraint on this label"
        )
        loose = unique_name("Person")
        labels.append(loose)
        unconstrained = await _match_then_create(graph, loose, racers)
        out.fact(
            "duplicates_without_constraint",
            unconstrained["nodes"],
            "nodes named 'ada' (expected 1)",
        )
        out.step(
            "the same race on the label with the uniqueness constraint; a refused writer retries with MERGE"
        )
        constrained = await _match_then_create(graph, label, racers)
        out.fact(
            "refused_by_constraint",
            constrained["refused"],
            "CREATEs refused with ConstraintError, then retried",
        )
        out.fact("nodes_with_constraint", constrained["nodes"], "nodes named 'ada'")
        await _delete_nodes(graph, label)

        out.step(f"{writers} concurrent writers MERGE friendships among {people} people")
        start = time.perf_counter()
        await asyncio.gather(*(writer(i) for i in range(writers)))
        out.rate("merges_per_s", writers, time.perf_counter() - start, "merges")
        records, _, _ = await graph.execute_query(
            f"MATCH (p:{label}) RETURN count(p) AS nodes, count(DISTINCT p.name) AS names",
            database_=database(),
        )
        out.fact("nodes", records[0]["nodes"], f"nodes (expected {people})")
        out.fact("distinct_names", records[0]["names"])
        out.fact("constraint_retries", violations, "MERGEs refused by the constraint, then retried")
    finally:
        await cleanup(
            out,
            *(
                (f"delete the {name} nodes", partial(_delete_nodes, graph, name), "neo4j")
                for name in labels
            ),
            (
                "drop the constraint",
                lambda: graph.execute_query(
                    f"DROP CONSTRAINT {constraint} IF EXISTS", database_=database()
                ),
                "neo4j",
            ),
            ("close the driver", graph.close, "neo4j"),
        )
    out.lesson(
        "MERGE + a uniqueness constraint + retry on ConstraintError = exactly one node per key"
    )


async def pattern_traversal(out: Narrator, people: int = 30, readers: int = 40) -> None:
    label = unique_name("User")
    graph = driver()
    try:
        out.step(f"a ring of {people} users, each following the next and the one 7 ahead")
        edges = [(i, (i + 1) % people) for i in range(people)] + [
            (i, (i + 7) % people) for i in range(people)
        ]
        await graph.execute_query(
            f"UNWIND range(0, $n - 1) AS i CREATE (:{label} {{id: i}})",
            n=people,
            database_=database(),
        )
        await graph.execute_query(
            f"UNWIND $edges AS e MATCH (a:{label} {{id: e[0]}}), (b:{label} {{id: e[1]}}) CREATE (a)-[:FOLLOWS]->(b)",
            edges=edges,
            database_=database(),
        )

        async def reach(start: int) -> int:
            async with graph.session(database=database()) as session:
                result = await session.run(
                    f"MATCH (a:{label} {{id: $id}})-[:FOLLOWS*1..2]->(b) WHERE b.id <> $id "
                    "RETURN count(DISTINCT b) AS n",
                    id=start,
                )
                record = await result.single()
                return int(record["n"])

        out.step(f"{readers} concurrent sessions: who is within two hops?")
        begin = time.perf_counter()
        within_two = await asyncio.gather(*(reach(i % people) for i in range(readers)))
        out.rate("traversals_per_s", readers, time.perf_counter() - begin, "queries")
        records, _, _ = await graph.execute_query(
            f"MATCH (a:{label} {{id: 0}}), (b:{label} {{id: 15}}), p = shortestPath((a)-[:FOLLOWS*]->(b)) "
            "RETURN length(p) AS hops",
            database_=database(),
        )
    finally:
        await cleanup(
            out,
            ("delete the nodes", lambda: _delete_nodes(graph, label), "neo4j"),
            ("close the driver", graph.close, "neo4j"),
        )
    out.fact("within_two_hops", within_two[0], "users within two hops of user 0")
    out.fact(
        "all_equal", len(set(within_two)) == 1, "every start sees the same count (a symmetric ring)"
    )
    out.fact("shortest_hops", records[0]["hops"] if records else -1, "shortest path 0 → 15 (hops)")
    out.lesson(
        "one query walks any depth; read sessions run such queries side by side (the rate above)"
    )


async def pattern_managed_tx(out: Narrator, increments: int = 50) -> None:
    label = unique_name("Counter")
    graph = driver()
    calls = 0
    try:
        await graph.execute_query(
            f"CREATE (:{label} {{name: 'likes', n: 0}})", database_=database()
        )

        async def increment(tx: Any) -> None:
            nonlocal calls
            calls += 1  # counts attempts: execute_write may call us again after a transient error
            await tx.run(f"MATCH (c:{label} {{name: 'likes'}}) SET c.n = c.n + 1")

        async def one() -> None:
            async with graph.session(database=database()) as session:
                await session.execute_write(increment)

        out.step(f"{increments} concurrent managed transactions SET n = n + 1 on one node")
        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(increments)))
        out.rate("writes_per_s", increments, time.perf_counter() - start, "writes")
        records, _, _ = await graph.execute_query(
            f"MATCH (c:{label} {{name: 'likes'}}) RETURN c.n AS n", database_=database()
        )
    finally:
        await cleanup(
            out,
            ("delete the nodes", lambda: _delete_nodes(graph, label), "neo4j"),
            ("close the driver", graph.close, "neo4j"),
        )
    out.fact("final", records[0]["n"], f"final count (expected {increments})")
    out.fact("attempts", calls, "transaction function calls (retries included)")
    out.lesson(
        "SET n = n + 1 runs inside the database, so no increment is lost; where two writes conflict "
        "(Neo4j: a lock wait or deadlock; ArcadeDB: an optimistic MVCC conflict at commit, which its Bolt "
        "plugin reports with Neo4j's DeadlockDetected code — `--verbose` shows the driver's retry lines) the "
        "driver re-runs the whole function — the attempts above count those re-runs"
    )
