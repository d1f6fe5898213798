"""Event-driven architecture end to end: orders over NATS JetStream into PostgreSQL.

The order service writes the order *and* an ``OrderPlaced`` event to an outbox table in one
PostgreSQL transaction — it never publishes directly, because "commit then publish" loses the
event when the process dies in between. A relay publishes outbox rows to JetStream with the event
id as ``Nats-Msg-Id``, and marks them sent only after the server's acknowledgement; if the relay
dies in between, the next relay publishes again and JetStream's de-duplication window drops the
copy. The inventory service pulls events, applies each in a transaction that also records the
event id (``ON CONFLICT DO NOTHING``), and acknowledges after commit: a redelivery is harmless.
Every hop is at-least-once; idempotency at each end makes the whole flow effectively-once.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from practical._faults import cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service

quiet_loggers("nats")  # a lost connection is reported once, by us

TITLE = "Event-driven: order flow over NATS JetStream into PostgreSQL with an outbox"
SERVICE = "nats"
ALSO_NEEDS = ("postgres",)
PATTERNS = {
    "order-flow": "outbox → relay → JetStream → idempotent consumer, with a relay crash and a lost ack",
}


async def _schema(conn: Any, prefix: str) -> None:
    await conn.execute(f"CREATE TABLE {prefix}_orders (id int PRIMARY KEY, sku text, qty int)")
    await conn.execute(
        f"CREATE TABLE {prefix}_outbox (event_id text PRIMARY KEY, payload jsonb, created double precision, "
        "sent boolean NOT NULL DEFAULT false)"
    )
    await conn.execute(f"CREATE TABLE {prefix}_stock (sku text PRIMARY KEY, qty int NOT NULL)")
    await conn.execute(f"CREATE TABLE {prefix}_processed (event_id text PRIMARY KEY)")
    await conn.execute(f"INSERT INTO {prefix}_stock VALUES ('apple', 1000), ('pear', 1000)")


async def pattern_order_flow(out: Narrator, orders: int = 100) -> None:
    import nats
    from nats.js.api import StreamConfig

    from practical.postgres import connect

    prefix = unique_name("shop")
    subject = f"{prefix}.orders.placed"
    broker = await nats.connect(get_service("nats").url)
    jetstream = broker.jetstream()
    try:
        await jetstream.add_stream(StreamConfig(name=prefix, subjects=[f"{prefix}.>"]))
        async with await connect() as admin:
            await _schema(admin, prefix)
        out.step(
            f"the order service places {orders} orders: order row + outbox event, one transaction each"
        )
        for n in range(orders):
            async with await connect(autocommit=False) as conn, conn.transaction():
                sku, qty = ("apple", "pear")[n % 2], 1 + n % 3
                await conn.execute(
                    f"INSERT INTO {prefix}_orders VALUES (%s, %s, %s)", (n, sku, qty)
                )
                payload = json.dumps({"order": n, "sku": sku, "qty": qty})
                await conn.execute(
                    f"INSERT INTO {prefix}_outbox (event_id, payload, created) VALUES (%s, %s, %s)",
                    (f"order-{n}", payload, time.time()),
                )

        deduplicated = 0

        async def relay(crash_before_marking: bool = False) -> int:
            """Publish unsent outbox rows; mark them sent only after JetStream acknowledged."""
            nonlocal deduplicated
            published = 0
            async with await connect(autocommit=False) as conn:
                while True:
                    async with conn.transaction():
                        cur = await conn.execute(
                            f"SELECT event_id, payload FROM {prefix}_outbox WHERE NOT sent "
                            "ORDER BY event_id LIMIT 25 FOR UPDATE SKIP LOCKED"
                        )
                        batch = await cur.fetchall()
                        if not batch:
                            return published
                        for event_id, payload in batch:
                            ack = await jetstream.publish(
                                subject,
                                json.dumps(payload).encode(),
                                headers={"Nats-Msg-Id": event_id},
                            )
                            deduplicated += bool(ack.duplicate)
                            published += 1
                        if crash_before_marking:
                            out.warn(
                                f"relay 1 crashes after publishing {len(batch)} events, before marking them sent"
                            )
                            raise ConnectionAbortedError("relay crashed")
                        await conn.execute(
                            f"UPDATE {prefix}_outbox SET sent = true WHERE event_id = ANY(%s)",
                            ([event_id for event_id, _ in batch],),
                        )

        with contextlib.suppress(ConnectionAbortedError):
            await relay(crash_before_marking=True)
        out.step(
            "relay 2 starts and publishes everything not marked sent (the crashed batch again)"
        )
        start = time.perf_counter()
        republished = await relay()
        out.rate("relay_per_s", republished, time.perf_counter() - start, "events")

        applied = redelivered = 0
        latencies: list[float] = []
        lose_one_ack = True
        subscription = await jetstream.pull_subscribe(
            subject, durable=f"{prefix}_inventory", stream=prefix
        )
        out.step("the inventory service pulls events and applies each exactly once")
        async with await connect(autocommit=False) as conn:
            while applied < orders or redelivered < 1:  # until the lost ack's redelivery arrived
                for message in await subscription.fetch(25, timeout=5):
                    event = json.loads(message.data)
                    event_id = (message.headers or {})["Nats-Msg-Id"]
                    async with conn.transaction():
                        cur = await conn.execute(
                            f"INSERT INTO {prefix}_processed VALUES (%s) ON CONFLICT DO NOTHING",
                            (event_id,),
                        )
                        if cur.rowcount == 1:
                            await conn.execute(
                                f"UPDATE {prefix}_stock SET qty = qty - %s WHERE sku = %s",
                                (event["qty"], event["sku"]),
                            )
                            applied += 1
                        else:
                            redelivered += 1
                        created = await (
                            await conn.execute(
                                f"SELECT created FROM {prefix}_outbox WHERE event_id = %s",
                                (event_id,),
                            )
                        ).fetchone()
                    latencies.append(time.time() - created[0])
                    if lose_one_ack:
                        lose_one_ack = False
                        out.warn(f"the ack for {event_id} is lost: JetStream delivers it again")
                        await message.nak()
                    else:
                        await message.ack()
            cur = await conn.execute(f"SELECT sku, qty FROM {prefix}_stock ORDER BY sku")
            stock = dict(await cur.fetchall())
            await conn.commit()
        info = await jetstream.stream_info(prefix)
    finally:

        async def drop_tables() -> None:
            async with await connect() as admin:
                await admin.execute(
                    f"DROP TABLE IF EXISTS {prefix}_orders, {prefix}_outbox, {prefix}_stock, {prefix}_processed"
                )

        await cleanup(
            out,
            ("delete the JetStream stream", lambda: jetstream.delete_stream(prefix), "nats"),
            ("close the NATS connection", broker.close, "nats"),
            ("drop the tables", drop_tables, "postgres"),
        )
    expected = {"apple": 1000, "pear": 1000}
    for n in range(orders):
        expected[("apple", "pear")[n % 2]] -= 1 + n % 3
    out.fact(
        "events_in_stream", info.state.messages, f"events stored by JetStream (of {orders} orders)"
    )
    out.fact(
        "broker_deduplicated", deduplicated, "republished events JetStream dropped as duplicates"
    )
    out.fact("applied", applied, "events applied to stock")
    out.fact("redelivered_skipped", redelivered, "redeliveries skipped by the idempotency table")
    out.fact("stock_correct", stock == expected, f"stock {stock}")
    out.latencies("order_to_stock", latencies)
    out.lesson(
        "outbox + broker de-duplication + idempotent consumer: at-least-once hops, effectively-once result"
    )
