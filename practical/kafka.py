"""Kafka: the log as the source of truth (aiokafka).

A Kafka topic is an append-only log split into *partitions*; the *key* of a record picks its
partition, so every record of one key stays in order. Consumers in one *group* split the
partitions between them and *rebalance* when one joins or leaves. A consumer *commits* the
offset it has processed: commit after processing and a crash means the records since the last
commit come again (*at-least-once*) — so processing must be *idempotent*. A *compacted* topic
keeps at least the latest record per key: a table as a log (Kafka's cleaner compacts closed
segments in the background; the local tansu broker stores the setting but was not seen to compact). Keeping every event and *replaying*
from an offset rebuilds state (*event sourcing*); counting per time window over the stream is
*stream processing*. *Exactly-once* needs a transactional producer that commits the output and
the consumer's offsets atomically — only where the broker supports transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any

from practical._faults import cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service

quiet_loggers("aiokafka", "kafka")  # reconnect warnings would bury the narration

TITLE = "Kafka: partitions, groups, at-least-once, compaction, replay, windows, transactions"
SERVICE = "kafka"
PATTERNS = {
    "partitions": "keys pick partitions: per-key order, produce throughput",
    "consumer-group": "two consumers in a group split the partitions, then rebalance",
    "at-least-once": "manual commits after processing, a crash, redelivery, idempotent apply",
    "compacted": "a compacted topic read as a table; whether the broker really compacts, measured",
    "event-sourcing": "rebuild account balances by replaying events from an offset",
    "windowed-counts": "tumbling one-minute windows counted from event time",
    "exactly-once": "transactional consume-transform-produce (where the broker supports it)",
}


FAST_GROUP = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500}
"""Short group timeouts so a demo's rebalances take seconds, not tens of seconds."""


def bootstrap() -> str:
    return get_service("kafka").url


async def create_topic(partitions: int = 1, config: dict[str, str] | None = None) -> str:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    name = unique_name("topic")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1, topic_configs=config or {})])
    finally:
        await admin.close()
    return name


async def delete_topics(*names: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap())
    await admin.start()
    try:
        await admin.delete_topics(list(names))
    finally:
        await admin.close()


async def producer(**options: Any) -> Any:
    from aiokafka import AIOKafkaProducer

    started = AIOKafkaProducer(bootstrap_servers=bootstrap(), **options)
    try:
        await started.start()
    except BaseException:
        await started.stop()
        raise
    return started


@contextlib.asynccontextmanager
async def producing(out: Narrator, **options: Any) -> AsyncIterator[Any]:
    """A started producer that is stopped on the way out, also when the broker went away.

    A producer left running when a pattern fails is reported by aiokafka as unclosed (and its
    sender task's error as never retrieved) after the learner's one-line error.
    """
    kafka = await producer(**options)
    try:
        yield kafka
    finally:
        await cleanup(out, ("stop the producer", kafka.stop, "kafka"))


async def read_all(
    topic: str, expected: int, from_offsets: dict[int, int] | None = None
) -> list[Any]:
    """The ``expected`` records of ``topic`` from the start (or from given offsets).

    We count records instead of comparing positions with ``end_offsets()``: tansu's ListOffsets
    answer is not the log end (it counts batches), and counting works on every broker.
    """
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap(), enable_auto_commit=False)
    try:
        await consumer.start()
        partitions = [TopicPartition(topic, p) for p in sorted(await _partitions(consumer, topic))]
        consumer.assign(partitions)
        for tp in partitions:
            if from_offsets and tp.partition in from_offsets:
                consumer.seek(tp, from_offsets[tp.partition])
            else:
                await consumer.seek_to_beginning(tp)
        records: list[Any] = []
        give_up = time.monotonic() + 60
        while len(records) < expected and time.monotonic() < give_up:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def _partitions(consumer: Any, topic: str) -> set[int]:
    for _ in range(50):
        found = consumer.partitions_for_topic(topic)
        if found:
            return set(found)
        await consumer._client.force_metadata_update()  # new topic: metadata may lag a moment
    raise RuntimeError(f"topic {topic} has no partitions")


async def pattern_partitions(out: Narrator, messages: int = 3000, keys: int = 12) -> None:
    topic = await create_topic(partitions=3)
    try:
        async with producing(out, linger_ms=5) as kafka:
            out.step(
                f"produce {messages} records over {keys} keys to 3 partitions, futures in flight"
            )
            start = time.perf_counter()
            futures = [
                await kafka.send(topic, key=f"user-{i % keys}".encode(), value=str(i).encode())
                for i in range(messages)
            ]
            metadata = await asyncio.gather(*futures)
            out.rate("produce_per_s", messages, time.perf_counter() - start)
            await kafka.stop()  # flushed and closed before reading back
        partitions_of_key: dict[str, set[int]] = defaultdict(set)
        for i, record in enumerate(metadata):
            partitions_of_key[f"user-{i % keys}"].add(record.partition)
        start = time.perf_counter()
        records = await read_all(topic, messages)
        out.rate("consume_per_s", len(records), time.perf_counter() - start)
    finally:
        await cleanup(out, ("delete the topic", lambda: delete_topics(topic), "kafka"))
    per_key: dict[bytes, list[int]] = defaultdict(list)
    for record in records:
        per_key[record.key].append(int(record.value))
    out.fact("records", len(records))
    out.fact(
        "one_partition_per_key",
        all(len(p) == 1 for p in partitions_of_key.values()),
        "each key on one partition",
    )
    out.fact(
        "per_key_order_kept", all(v == sorted(v) for v in per_key.values()), "per-key order kept"
    )
    counts = Counter(r.partition for r in records)
    out.fact(
        "per_partition",
        ", ".join(f"p{p}={n}" for p, n in sorted(counts.items())),
        "records per partition",
    )
    out.lesson(
        "order is per partition, so per key; scale out by adding partitions, not by breaking keys"
    )


async def pattern_consumer_group(out: Narrator, messages: int = 600) -> None:
    from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener

    topic, group = await create_topic(partitions=4), unique_name("group")
    consumed: dict[str, list[int]] = defaultdict(list)
    assignments: dict[str, list[int]] = {}

    class Narrate(ConsumerRebalanceListener):
        def __init__(self, name: str) -> None:
            self.name = name

        async def on_partitions_revoked(self, revoked: Any) -> None:
            if revoked:
                out.step(f"{self.name}: rebalance revokes {sorted(tp.partition for tp in revoked)}")

        async def on_partitions_assigned(self, assigned: Any) -> None:
            assignments[self.name] = sorted(tp.partition for tp in assigned)
            out.step(f"{self.name}: assigned partitions {assignments[self.name]}")

    async def member(name: str, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap(),
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **FAST_GROUP,
        )
        consumer.subscribe([topic], listener=Narrate(name))
        try:  # a consumer whose start() failed must be stopped too, or aiokafka reports it unclosed
            await consumer.start()
            while not stop.is_set():
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    consumed[name].extend(int(r.value) for r in batch)
                await consumer.commit()
        finally:  # leaving the group triggers a rebalance for the others
            await cleanup(out, (f"stop {name}", consumer.stop, "kafka"))

    stop_first, stop_rest = asyncio.Event(), asyncio.Event()
    try:
        # The task group owns the members: when one fails (its broker went away), the others and
        # this body are cancelled and its error is raised here, never left in an orphaned task.
        async with producing(out) as kafka, asyncio.TaskGroup() as members:
            out.step("consumer-a joins the group alone")
            members.create_task(member("consumer-a", stop_first))
            for i in range(messages // 2):
                await kafka.send(topic, key=str(i).encode(), value=str(i).encode())
            await kafka.flush()
            await _until(lambda: len(consumed["consumer-a"]) >= messages // 2)
            out.step("consumer-b joins: the group rebalances and splits the partitions")
            members.create_task(member("consumer-b", stop_rest))
            await _until(
                lambda: (
                    len(assignments.get("consumer-b", [])) > 0
                    and len(assignments["consumer-a"]) < 4
                )
            )
            for i in range(messages // 2, messages):
                await kafka.send(topic, key=str(i).encode(), value=str(i).encode())
            await kafka.flush()
            await _until(lambda: sum(map(len, consumed.values())) >= messages)
            stop_first.set()
            stop_rest.set()
    finally:
        await cleanup(out, ("delete the topic", lambda: delete_topics(topic), "kafka"))
    every = [v for values in consumed.values() for v in values]
    out.fact("consumed", len(every))
    out.fact("distinct", len(set(every)))
    out.fact(
        "split",
        " / ".join(f"{n}: {assignments[n]}" for n in sorted(assignments)),
        "final assignment",
    )
    out.fact(
        "both_consumed",
        all(consumed[n] for n in ("consumer-a", "consumer-b")),
        "both members got records",
    )
    out.lesson(
        "a partition belongs to one member of a group at a time; membership changes move partitions"
    )


async def _until(condition: Any, deadline: float = 60.0) -> None:
    """Poll a condition that remote brokers make true (there is no event to wait on)."""
    give_up = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > give_up:
            raise TimeoutError("the broker did not get there within 60 s")
        await asyncio.sleep(0.05)


async def pattern_at_least_once(out: Narrator, messages: int = 100, crash_after: int = 60) -> None:
    from aiokafka import AIOKafkaConsumer

    topic, group = await create_topic(), unique_name("group")
    balance = 0
    applied: set[str] = set()  # the idempotency keys the "database" has seen
    deliveries = 0

    def apply(record: Any) -> None:
        nonlocal balance, deliveries
        deliveries += 1
        payment_id = record.key.decode()
        if payment_id in applied:
            return  # a redelivery: already applied, do nothing
        applied.add(payment_id)
        balance += int(record.value)

    async def consume(limit: int | None) -> None:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap(),
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            max_poll_records=25,
            **FAST_GROUP,
        )
        handled = 0
        try:
            await consumer.start()
            while handled < (limit or messages):
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    for record in batch:
                        apply(record)
                        handled += 1
                if limit is not None and handled >= limit:
                    out.warn(
                        f"crash after processing {handled} records, before committing the last batch"
                    )
                    return
                await consumer.commit()  # only after the work is done
                if limit is None and len(applied) == messages:
                    return
        finally:
            await cleanup(out, ("stop the consumer", consumer.stop, "kafka"))

    try:
        async with producing(out) as kafka:
            for i in range(messages):
                await kafka.send(topic, key=f"payment-{i}".encode(), value=b"10")
            await kafka.flush()
            out.step(f"{messages} payments of 10; consumer commits after each processed batch")
            await consume(limit=crash_after)
            out.step("a new consumer in the same group resumes from the last committed offset")
            await consume(limit=None)
    finally:
        await cleanup(out, ("delete the topic", lambda: delete_topics(topic), "kafka"))
    out.fact("deliveries", deliveries, "deliveries (some twice)")
    out.fact("redelivered", deliveries - len(applied))
    out.fact("balance", balance, f"balance (expected {messages * 10})")
    out.lesson("at-least-once + an idempotency key = effectively once")


COMPACT_NOW = {
    "cleanup.policy": "compact",
    "segment.ms": "100",
    "min.cleanable.dirty.ratio": "0.01",
}
"""Ask for compaction as eagerly as Kafka allows: roll segments every 100 ms, clean at 1% dirty."""


async def pattern_compacted(out: Narrator, wait: float = 3.0) -> None:
    topic = await create_topic(config=COMPACT_NOW)
    updates = [
        ("alice", "10"),
        ("bob", "5"),
        ("alice", "12"),
        ("carol", "7"),
        ("bob", None),
        ("alice", "15"),
    ]
    try:
        policy = await _topic_config(topic, "cleanup.policy")
        out.fact(
            "policy_stored", policy or "(none)", "cleanup.policy the broker reports for the topic"
        )
        async with producing(out) as kafka:
            for key, value in updates:
                out.step(f"{key} = {value if value is not None else 'tombstone (delete)'}")
                await kafka.send_and_wait(
                    topic, key=key.encode(), value=None if value is None else value.encode()
                )
            await kafka.stop()  # flushed and closed before reading back
        records = await read_all(topic, len(updates))
        out.step(
            f"wait {wait:g} s for the broker's log cleaner (segments roll every 100 ms), then read the log again"
        )
        await asyncio.sleep(wait)  # the time a background cleaner gets, not a synchronisation
        later = await _read_until_idle(topic)
    finally:
        await cleanup(out, ("delete the topic", lambda: delete_topics(topic), "kafka"))
    table: dict[str, str] = {}
    for record in records:  # fold the log: the last value per key wins, a tombstone deletes
        if record.value is None:
            table.pop(record.key.decode(), None)
        else:
            table[record.key.decode()] = record.value.decode()
    latest = len({key for key, _ in updates})
    out.fact(
        "table",
        ", ".join(f"{k}={v}" for k, v in sorted(table.items())),
        "table rebuilt from the topic",
    )
    out.fact(
        "log_records",
        len(later),
        f"records in the log after {wait:g} s (of {len(updates)} written)",
    )
    out.fact(
        "latest_per_key",
        latest,
        "records a compacted log keeps at least (the latest per key, tombstones too)",
    )
    out.fact("compacted", len(later) < len(updates), "the broker compacted the log")
    if len(later) == len(updates):
        out.warn(
            f"this broker kept all {len(updates)} records for {wait:g} s although the topic says "
            f"cleanup.policy={policy or '?'}: it did not compact (tansu, the local broker, stores the setting "
            "and keeps every record). Apache Kafka's cleaner rewrites only closed segments, in the background, "
            "so even there a reader may see old values: fold the log to the last value per key, as above"
        )
    out.lesson(
        "read a compacted topic as a table: the last record per key wins and a null value (tombstone) "
        "deletes the key; compaction only saves space, it never changes that answer"
    )


async def _topic_config(topic: str, name: str) -> str | None:
    """The value the broker reports for one of ``topic``'s configs (None if it reports none)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap())
    await admin.start()
    try:
        answers = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    for answer in answers:
        for resource in answer.resources:
            for entry in resource[4]:  # (error_code, error_message, type, name, config_entries)
                if entry[0] == name:
                    return str(entry[1])
    return None


async def _read_until_idle(topic: str, idle_ms: int = 1000) -> list[Any]:
    """Every record of ``topic`` from the start, however many: reads until a poll of ``idle_ms`` is empty."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap(), enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(await _partitions(consumer, topic))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        while batches := await consumer.getmany(timeout_ms=idle_ms):
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def pattern_event_sourcing(out: Narrator, accounts: int = 5, events: int = 500) -> None:
    topic = await create_topic()
    try:
        async with producing(out) as kafka:
            out.step(f"append {events} deposit/withdraw events for {accounts} accounts")
            expected: Counter[str] = Counter()
            for i in range(events):
                account, amount = f"acct-{i % accounts}", (i % 7) * (1 if i % 3 else -1)
                expected[account] += amount
                await kafka.send(topic, key=account.encode(), value=str(amount).encode())
            await kafka.flush()
            await kafka.stop()  # flushed and closed before reading back
        start = time.perf_counter()
        history = await read_all(topic, events)
        out.rate("replay_per_s", len(history), time.perf_counter() - start, "events")
        snapshot_offset = len(history) // 2
        snapshot: Counter[str] = Counter()
        for record in history[:snapshot_offset]:
            snapshot[record.key.decode()] += int(record.value)
        out.step(f"snapshot state at offset {snapshot_offset}, then replay only the rest")
        rest = await read_all(topic, events - snapshot_offset, from_offsets={0: snapshot_offset})
        for record in rest:
            snapshot[record.key.decode()] += int(record.value)
    finally:
        await cleanup(out, ("delete the topic", lambda: delete_topics(topic), "kafka"))
    full: Counter[str] = Counter()
    for record in history:
        full[record.key.decode()] += int(record.value)
    out.fact("replayed_matches", dict(full) == dict(expected), "full replay equals the truth")
    out.fact(
        "snapshot_matches", dict(snapshot) == dict(expected), "snapshot + tail equals the truth"
    )
    out.fact("tail_events", len(rest), "events replayed after the snapshot")
    out.lesson("state is a fold over events; snapshots bound how far back a replay must go")


async def pattern_windowed_counts(out: Narrator, events: int = 600) -> None:
    topic = await create_topic(partitions=2)
    base = 1_700_000_040_000  # event time in ms on a minute boundary, fixed so windows are reproducible
    expected: Counter[tuple[int, str]] = Counter()
    try:
        async with producing(out) as kafka:
            out.step(f"{events} page views with event timestamps over 5 minutes, in 2 partitions")
            for i in range(events):
                timestamp, page = base + (i * 7919 % 300_000), ("home", "cart", "pay")[i % 3]
                expected[(timestamp // 60_000, page)] += 1
                await kafka.send(topic, key=page.encode(), value=b"view", timestamp_ms=timestamp)
            await kafka.flush()
            await kafka.stop()  # flushed and closed before reading back
        start = time.perf_counter()
        counts: Counter[tuple[int, str]] = Counter()
        for record in await read_all(topic, events):
            counts[(record.timestamp // 60_000, record.key.decode())] += 1  # tumbling 1-min window
        out.rate("stream_per_s", events, time.perf_counter() - start, "events")
    finally:
        await cleanup(out, ("delete the topic", lambda: delete_topics(topic), "kafka"))
    for (window, page), n in sorted(counts.items())[:6]:
        out.step(f"window {window - base // 60_000} {page}: {n}")
    out.fact("windows", len(counts), "(window, page) counts")
    out.fact("counts_match", counts == expected, "counts match event time (not arrival order)")
    out.lesson(
        "window by the event's timestamp, not arrival: out-of-order events land in the right window"
    )


async def pattern_exactly_once(out: Narrator, messages: int = 50) -> None:
    from aiokafka.errors import KafkaError

    source, sink = await create_topic(), await create_topic()
    try:
        try:
            transactional = await asyncio.wait_for(producer(transactional_id=unique_name("tx")), 20)
        except (KafkaError, TimeoutError) as error:
            out.warn(
                f"this broker refuses transactional producers ({type(error).__name__}): "
                "exactly-once is NOT available here. Apache Kafka supports it; tansu "
                "(the local broker) does not. Use at-least-once with idempotent processing."
            )
            out.fact("transactions_supported", False)
            return
        await _transform_exactly_once(out, transactional, source, sink, messages)
    finally:
        await cleanup(out, ("delete the topics", lambda: delete_topics(source, sink), "kafka"))


async def _transform_exactly_once(
    out: Narrator, transactional: Any, source: str, sink: str, messages: int
) -> None:
    """Consume, transform and produce, committing output and offsets in one transaction."""
    from aiokafka import AIOKafkaConsumer

    group = unique_name("group")
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap(),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    done = 0
    try:
        async with producing(out) as plain:
            for i in range(messages):
                await plain.send(source, value=str(i).encode())
            await plain.stop()  # flushed before the consumer reads
        await consumer.start()
        while done < messages:
            batches = await consumer.getmany(timeout_ms=500)
            if not batches:
                continue
            async with transactional.transaction():
                offsets = {}
                for tp, records in batches.items():
                    for record in records:
                        await transactional.send(sink, value=str(int(record.value) * 2).encode())
                    offsets[tp] = records[-1].offset + 1
                    done += len(records)
                await transactional.send_offsets_to_transaction(offsets, group)
    finally:
        await cleanup(
            out,
            ("stop the consumer", consumer.stop, "kafka"),
            ("stop the producer", transactional.stop, "kafka"),
        )
    output = await read_all(sink, messages)
    out.fact("transactions_supported", True)
    out.fact("outputs", len(output), f"outputs (expected {messages})")
    out.lesson("output records and consumed offsets commit atomically: no duplicates after a crash")
