"""MongoDB under concurrency (PyMongo's AsyncMongoClient; Motor is deprecated upstream).

A single-document update is atomic on the server: ``$inc`` applied by fifty clients at once adds
fifty. Reading a document, changing it in Python and writing it back is not — two clients read the
same value and one overwrites the other (a *lost update*). When the change cannot be expressed as
an update operator, *optimistic concurrency* makes the write conditional on a ``version`` field the
writer read: a stale writer matches nothing and retries. Changes spanning documents need a
*multi-document transaction* (``with_transaction`` retries transient errors for you). *Change
streams* push every committed change to a watcher, in order, instead of polling.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from practical._faults import cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service

quiet_loggers("pymongo")  # a lost connection is reported once, by us

TITLE = "MongoDB: upserts, atomic operators vs races, versions, transactions, change streams"
SERVICE = "mongodb"
PATTERNS = {
    "upserts": "many clients upsert the same keys concurrently with $inc",
    "lost-update": "read-modify-write loses updates; the atomic $inc does not",
    "optimistic": "a version field makes stale writers retry instead of overwriting",
    "transactions": "concurrent transfers in multi-document transactions conserve money",
    "change-streams": "a watcher receives every insert/update/delete as it commits",
}


def client() -> Any:
    from pymongo import AsyncMongoClient

    return AsyncMongoClient(get_service("mongodb").url, serverSelectionTimeoutMS=5000)


async def _with_collection(out: Narrator, body: Any) -> None:
    """Run ``body(collection)`` on a fresh uniquely named database, dropped afterwards."""
    mongo = client()
    database = mongo[unique_name("lab")]
    try:
        await body(database["items"])
    finally:
        await cleanup(out, ("drop the database", lambda: mongo.drop_database(database.name), "mongodb"),
                      ("close the client", mongo.close, "mongodb"))


async def pattern_upserts(out: Narrator, clients: int = 200, keys: int = 10) -> None:
    from pymongo.errors import DuplicateKeyError

    async def body(items: Any) -> None:
        retried = 0

        async def hit(i: int) -> None:
            nonlocal retried
            for _ in range(5):
                try:
                    await items.update_one({"_id": f"page-{i % keys}"}, {"$inc": {"views": 1}}, upsert=True)
                    return
                except DuplicateKeyError:  # two upserts raced to insert: the loser retries as an update
                    retried += 1
            raise RuntimeError("upsert kept colliding")

        out.step(f"{clients} concurrent upserts with $inc over {keys} page counters")
        start = time.perf_counter()
        await asyncio.gather(*(hit(i) for i in range(clients)))
        out.rate("upserts_per_s", clients, time.perf_counter() - start, "upserts")
        out.fact("documents", await items.count_documents({}))
        total = [d async for d in await items.aggregate([{"$group": {"_id": None, "n": {"$sum": "$views"}}}])]
        out.fact("total_views", total[0]["n"], f"total views (expected {clients})")
        out.fact("duplicate_key_retries", retried)

    await _with_collection(out, body)
    out.lesson("upsert + $inc creates or updates atomically; a racing insert of one _id is retried")


async def pattern_lost_update(out: Narrator, clients: int = 20) -> None:
    async def body(items: Any) -> None:
        await items.insert_many([{"_id": "racy", "n": 0}, {"_id": "atomic", "n": 0}])
        everyone_read = asyncio.Barrier(clients)

        async def read_modify_write() -> None:
            document = await items.find_one({"_id": "racy"})
            await everyone_read.wait()  # make the race certain: all read before anyone writes
            await items.replace_one({"_id": "racy"}, {"n": document["n"] + 1})

        out.step(f"{clients} clients: find_one, add 1 in Python, replace_one")
        await asyncio.gather(*(read_modify_write() for _ in range(clients)))
        out.step(f"{clients} clients: update_one with $inc")
        await asyncio.gather(*(items.update_one({"_id": "atomic"}, {"$inc": {"n": 1}}) for _ in range(clients)))
        racy, atomic = await items.find_one({"_id": "racy"}), await items.find_one({"_id": "atomic"})
        out.fact("racy_final", racy["n"], f"read-modify-write result (expected {clients})")
        out.fact("atomic_final", atomic["n"], f"$inc result (expected {clients})")

    await _with_collection(out, body)
    out.lesson("the server applies an operator atomically; Python in between a read and a write is a race")


async def pattern_optimistic(out: Narrator, clients: int = 20) -> None:
    async def body(items: Any) -> None:
        await items.insert_one({"_id": "doc", "tags": [], "version": 0})
        first_round = asyncio.Barrier(clients)
        conflicts = 0

        async def add_tag(tag: str) -> None:
            nonlocal conflicts
            first = True
            while True:
                document = await items.find_one({"_id": "doc"})
                if first:
                    first = False
                    await first_round.wait()  # everyone holds the same version: conflicts guaranteed
                tags = [*document["tags"], tag]  # an arbitrary change computed in Python
                result = await items.update_one(
                    {"_id": "doc", "version": document["version"]},
                    {"$set": {"tags": tags}, "$inc": {"version": 1}},
                )
                if result.modified_count == 1:
                    return
                conflicts += 1  # someone wrote since we read: re-read and retry

        out.step(f"{clients} clients append a tag computed in Python, conditional on the version they read")
        await asyncio.gather(*(add_tag(f"t{i}") for i in range(clients)))
        final = await items.find_one({"_id": "doc"})
        out.fact("tags", len(final["tags"]), f"tags kept (expected {clients})")
        out.fact("version", final["version"])
        out.fact("conflicts", conflicts, "stale writes detected and retried")

    await _with_collection(out, body)
    out.lesson("compare-and-set on a version: no locks held, conflicts cost a retry")


async def pattern_transactions(out: Narrator, accounts: int = 5, transfers: int = 40) -> None:
    mongo = client()
    database = mongo[unique_name("bank")]
    balances = database["accounts"]
    try:
        await balances.insert_many([{"_id": f"acct-{i}", "balance": 1000} for i in range(accounts)])

        async def transfer(i: int) -> None:
            source, target = f"acct-{i % accounts}", f"acct-{(i * 3 + 1) % accounts}"

            async def move(session: Any) -> None:
                await balances.update_one({"_id": source}, {"$inc": {"balance": -10}}, session=session)
                await balances.update_one({"_id": target}, {"$inc": {"balance": 10}}, session=session)

            async with mongo.start_session() as session:
                await session.with_transaction(move)  # retries TransientTransactionError

        out.step(f"{transfers} concurrent transfers of 10 between {accounts} accounts, each a transaction")
        start = time.perf_counter()
        await asyncio.gather(*(transfer(i) for i in range(transfers)))
        out.rate("transactions_per_s", transfers, time.perf_counter() - start, "transactions")
        total = sum([d["balance"] async for d in balances.find()])
        out.fact("total", total, f"money in the system (expected {accounts * 1000})")
    finally:
        await cleanup(out, ("drop the database", lambda: mongo.drop_database(database.name), "mongodb"),
                      ("close the client", mongo.close, "mongodb"))
    out.lesson("both updates commit or neither does; with_transaction retries write conflicts")


async def pattern_change_streams(out: Narrator, inserts: int = 50) -> None:
    mongo = client()
    database = mongo[unique_name("feed")]
    items = database["items"]
    try:
        await database.create_collection("items")
        received: list[str] = []
        latencies: list[float] = []
        sent_at: dict[int, float] = {}
        async with await items.watch(full_document="updateLookup") as stream:
            out.step(f"watching; a writer inserts {inserts} documents, updates one and deletes one")

            async def writer() -> None:
                for i in range(inserts):
                    sent_at[i] = time.perf_counter()
                    await items.insert_one({"_id": i, "state": "new"})
                await items.update_one({"_id": 0}, {"$set": {"state": "paid"}})
                await items.delete_one({"_id": 1})

            async with asyncio.TaskGroup() as tasks:  # owns the writer: its error surfaces here, never orphaned
                tasks.create_task(writer())
                async for change in stream:
                    received.append(change["operationType"])
                    if change["operationType"] == "insert":
                        latencies.append(time.perf_counter() - sent_at[change["documentKey"]["_id"]])
                    if len(received) == inserts + 2:
                        break
    finally:
        await cleanup(out, ("drop the database", lambda: mongo.drop_database(database.name), "mongodb"),
                      ("close the client", mongo.close, "mongodb"))
    out.fact("events", len(received))
    out.fact("last_two", ",".join(received[-2:]), "last two events")
    out.latencies("change_stream", latencies)
    out.lesson("change streams deliver committed changes in order: react to data, don't poll it")
