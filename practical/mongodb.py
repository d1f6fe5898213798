"""MongoDB under concurrency (PyMongo's AsyncMongoClient; Motor is deprecated upstream).

Creating a document "if it is not there yet" is a race: two clients both find nothing and both insert.
Only a *unique index* stops the second (duplicate key error E11000); the loser retries as an update.
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
    "upserts": "concurrent upserts with $inc; the insert race without and with a unique index (E11000, retry)",
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
        await cleanup(
            out,
            ("drop the database", lambda: mongo.drop_database(database.name), "mongodb"),
            ("close the client", mongo.close, "mongodb"),
        )


async def pattern_upserts(
    out: Narrator, clients: int = 200, keys: int = 10, racers: int = 10
) -> None:
    from pymongo.errors import DuplicateKeyError

    async def body(items: Any) -> None:
        retried = 0

        async def hit(i: int) -> None:
            nonlocal retried
            for _ in range(5):
                try:
                    await items.update_one(
                        {"_id": f"page-{i % keys}"}, {"$inc": {"views": 1}}, upsert=True
                    )
                    return
                except (
                    DuplicateKeyError
                ):  # two upserts raced to insert: the loser retries as an update
                    retried += 1
            raise RuntimeError("upsert kept colliding")

        out.step(f"{clients} concurrent upserts with $inc over {keys} page counters")
        start = time.perf_counter()
        await asyncio.gather(*(hit(i) for i in range(clients)))
        out.rate("upserts_per_s", clients, time.perf_counter() - start, "upserts")
        out.fact("documents", await items.count_documents({}))
        total = [
            d
            async for d in await items.aggregate(
                [{"$group": {"_id": None, "n": {"$sum": "$views"}}}]
            )
        ]
        out.fact("total_views", total[0]["n"], f"total views (expected {clients})")
        out.fact("duplicate_key_retries", retried, "upserts refused with E11000 and retried")
        if retried == 0:
            out.warn(
                "no upsert collided on this server; on MongoDB two upserts of one new key can both try to insert "
                "and one fails with E11000 (4.2+ retries that itself only when the filter is just the unique key)"
            )

        users = items.database["users"]
        out.step(
            f"inside an upsert, spelled out: {racers} clients find_one(email), find nothing, insert — all "
            "find before any inserts (a barrier makes the overlap certain); no unique index"
        )
        no_index = await _find_then_insert(users, racers)
        out.fact(
            "duplicates_without_index",
            no_index["documents"],
            "documents for one email (expected 1)",
        )
        await users.delete_many({})
        await users.create_index("email", unique=True)
        out.step(
            "the same race with a unique index on email; a refused insert (E11000) is retried as an update"
        )
        indexed = await _find_then_insert(users, racers)
        out.fact(
            "e11000", indexed["e11000"], "inserts refused with E11000 (duplicate key), then retried"
        )
        out.fact("documents_with_index", indexed["documents"], "documents for one email")
        out.fact("logins", indexed["logins"], f"logins counted (expected {racers})")

    await _with_collection(out, body)
    out.lesson(
        "only a unique index makes 'one document per key' true under concurrency: the database refuses the "
        "second insert (E11000) and the loser retries as an update; keep that retry around upserts too"
    )


async def _find_then_insert(users: Any, racers: int) -> dict[str, int]:
    """``racers`` clients read an email, see no document and insert one; E11000 losers retry as updates."""
    from pymongo.errors import DuplicateKeyError

    everyone_read = asyncio.Barrier(racers)
    refused = 0

    async def login() -> None:
        nonlocal refused
        existing = await users.find_one({"email": "ada@example.com"})
        await everyone_read.wait()
        if existing is None:
            try:
                await users.insert_one({"email": "ada@example.com", "logins": 1})
                return
            except DuplicateKeyError:
                refused += 1  # E11000: someone inserted it first; fall through to the update
        await users.update_one({"email": "ada@example.com"}, {"$inc": {"logins": 1}})

    await asyncio.gather(*(login() for _ in range(racers)))
    documents = [d async for d in users.find({"email": "ada@example.com"})]
    return {
        "documents": len(documents),
        "e11000": refused,
        "logins": sum(d["logins"] for d in documents),
    }


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
        await asyncio.gather(
            *(items.update_one({"_id": "atomic"}, {"$inc": {"n": 1}}) for _ in range(clients))
        )
        racy, atomic = (
            await items.find_one({"_id": "racy"}),
            await items.find_one({"_id": "atomic"}),
        )
        out.fact("racy_final", racy["n"], f"read-modify-write result (expected {clients})")
        out.fact("atomic_final", atomic["n"], f"$inc result (expected {clients})")

    await _with_collection(out, body)
    out.lesson(
        "the server applies an operator atomically; Python in between a read and a write is a race"
    )


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
                    await (
                        first_round.wait()
                    )  # everyone holds the same version: conflicts guaranteed
                tags = [*document["tags"], tag]  # an arbitrary change computed in Python
                result = await items.update_one(
                    {"_id": "doc", "version": document["version"]},
                    {"$set": {"tags": tags}, "$inc": {"version": 1}},
                )
                if result.modified_count == 1:
                    return
                conflicts += 1  # someone wrote since we read: re-read and retry

        out.step(
            f"{clients} clients append a tag computed in Python, conditional on the version they read"
        )
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

        attempts = 0

        async def transfer(i: int) -> None:
            source, target = f"acct-{i % accounts}", f"acct-{(i * 3 + 1) % accounts}"

            async def move(session: Any) -> None:
                nonlocal attempts
                attempts += 1  # with_transaction calls this again after a transient error
                await balances.update_one(
                    {"_id": source}, {"$inc": {"balance": -10}}, session=session
                )
                await balances.update_one(
                    {"_id": target}, {"$inc": {"balance": 10}}, session=session
                )

            async with mongo.start_session() as session:
                await session.with_transaction(move)  # retries TransientTransactionError

        out.step(
            f"{transfers} concurrent transfers of 10 between {accounts} accounts, each a transaction"
        )
        start = time.perf_counter()
        await asyncio.gather(*(transfer(i) for i in range(transfers)))
        out.rate("transactions_per_s", transfers, time.perf_counter() - start, "transactions")
        total = sum([d["balance"] async for d in balances.find()])
        out.fact("total", total, f"money in the system (expected {accounts * 1000})")
        out.fact(
            "transaction_attempts",
            attempts,
            f"transaction bodies run ({transfers} transfers; the rest are retries)",
        )
    finally:
        await cleanup(
            out,
            ("drop the database", lambda: mongo.drop_database(database.name), "mongodb"),
            ("close the client", mongo.close, "mongodb"),
        )
    out.lesson(
        "both updates commit or neither does; with_transaction re-runs the body on a transient error "
        "(a write conflict) — the attempts above count those re-runs"
    )


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

            async with (
                asyncio.TaskGroup() as tasks
            ):  # owns the writer: its error surfaces here, never orphaned
                tasks.create_task(writer())
                async for change in stream:
                    received.append(change["operationType"])
                    if change["operationType"] == "insert":
                        latencies.append(
                            time.perf_counter() - sent_at[change["documentKey"]["_id"]]
                        )
                    if len(received) == inserts + 2:
                        break
    finally:
        await cleanup(
            out,
            ("drop the database", lambda: mongo.drop_database(database.name), "mongodb"),
            ("close the client", mongo.close, "mongodb"),
        )
    out.fact("events", len(received))
    out.fact("last_two", ",".join(received[-2:]), "last two events")
    out.latencies("change_stream", latencies)
    out.lesson("change streams deliver committed changes in order: react to data, don't poll it")
