"""Redis pub/sub against Redis Streams: who gets a message that arrives while a reader is away.

*Pub/sub* fans each ``PUBLISH`` out to the connections subscribed at that instant, and keeps
nothing: a subscriber that connects late, or drops for a moment, never sees what was published
meanwhile (``PUBLISH`` even returns how many received it). A *stream* is an append-only log
(``XADD``); a *consumer group* remembers how far it has read, so a reader that comes back resumes
where its group stopped. Inside a group, ``XREADGROUP`` hands each entry to one consumer and
keeps it in that consumer's *pending entries list* until ``XACK``; when a consumer dies with
entries unacknowledged, ``XPENDING`` shows them idle and ``XAUTOCLAIM`` gives entries idle longer
than a threshold to a live consumer — at-least-once, so processing must be idempotent.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from practical._faults import cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service

quiet_loggers("redis")  # a lost connection is reported once, by us

TITLE = "Redis pub/sub vs Streams: fan-out that forgets, consumer groups that redeliver"
SERVICE = "redis"
PATTERNS = {
    "pubsub-vs-stream": "a late and a briefly disconnected subscriber: pub/sub loses, a stream group resumes",
    "consumer-group": "XREADGROUP workers, one dies holding entries: XPENDING shows them, XAUTOCLAIM redelivers",
}

END = "end"


def client() -> Any:
    import redis.asyncio as redis

    return redis.from_url(get_service("redis").url, decode_responses=True)


async def _subscribed(r: Any, channel: str) -> Any:
    """A new pub/sub connection on ``channel``, returned once Redis confirmed the subscription."""
    subscriber = r.pubsub()
    await subscriber.subscribe(channel)
    while (await subscriber.get_message(timeout=5.0) or {}).get("type") != "subscribe":
        pass
    return subscriber


async def _drain(subscriber: Any, until: str) -> list[str]:
    """The messages ``subscriber`` received, up to and including ``until``."""
    seen: list[str] = []
    while not seen or seen[-1] != until:
        message = await subscriber.get_message(ignore_subscribe_messages=True, timeout=5.0)
        if message is None:
            raise TimeoutError(f"no message within 5 s while waiting for '{until}'")
        seen.append(message["data"])
    return seen


async def pattern_pubsub_vs_stream(out: Narrator, messages: int = 100) -> None:
    late, away = messages * 3 // 10, messages * 2 // 10  # B joins after 30 and misses 20 while away
    before_away = (messages - late - away) // 2
    channel, stream = unique_name("news"), unique_name("newslog")
    r = client()
    subscribers: list[Any] = []
    sent = 0
    receivers: list[int] = []
    try:
        out.step(
            f"timeline: A listens from the start; B joins after {late} messages, drops for {away}, comes "
            f"back; {messages} messages, each PUBLISHed and XADDed to a stream"
        )
        a = await _subscribed(r, channel)
        subscribers.append(a)
        await r.xgroup_create(
            stream, "reader-b", id="0", mkstream=True
        )  # B's durable position, from the start

        async def send(count: int) -> None:
            nonlocal sent
            for _ in range(count):
                receivers.append(await r.publish(channel, str(sent)))
                await r.xadd(stream, {"n": sent})
                sent += 1

        b_stream: list[str] = []

        async def b_reads_stream() -> None:
            while batch := await r.xreadgroup("reader-b", "b", {stream: ">"}, count=100):
                for entry_id, fields in batch[0][1]:
                    b_stream.append(fields["n"])
                    await r.xack(stream, "reader-b", entry_id)

        await send(late)
        b = await _subscribed(r, channel)
        subscribers.append(b)
        await send(before_away)
        b_pubsub = await _drain(b, str(sent - 1))
        await b_reads_stream()
        out.step(f"B's connection drops; {away} messages are sent while it is away")
        subscribers.remove(b)
        await b.aclose()
        await send(away)
        b = await _subscribed(r, channel)
        subscribers.append(b)
        out.step(
            "B is back: it subscribes again, and reads its stream group from where the group stopped"
        )
        await send(messages - sent)
        await r.publish(channel, END)
        b_pubsub += [m for m in await _drain(b, END) if m != END]
        a_pubsub = [m for m in await _drain(a, END) if m != END]
        await b_reads_stream()
        length = await r.xlen(stream)
    finally:
        steps: list[Any] = [("close a subscriber", s.aclose) for s in subscribers]
        await cleanup(
            out,
            *steps,
            ("delete the stream", lambda: r.delete(stream), "redis"),
            ("close the Redis client", r.aclose),
        )
    away_from = late + before_away
    out.fact(
        "pubsub_a_received", len(a_pubsub), f"pub/sub: A (always connected) received, of {messages}"
    )
    out.fact(
        "pubsub_b_received", len(b_pubsub), f"pub/sub: B (late, then away) received, of {messages}"
    )
    out.fact("pubsub_b_lost", messages - len(b_pubsub), "pub/sub: messages B never saw")
    out.fact(
        "receivers_while_b_away",
        sum(receivers[away_from : away_from + away]),
        f"PUBLISH's own count of receivers for the {away} sent while B was away (A only)",
    )
    out.fact("stream_length", length, "entries the stream kept")
    out.fact("stream_b_received", len(b_stream), f"stream group: B received, of {messages}")
    out.fact(
        "stream_b_in_order",
        b_stream == [str(n) for n in range(messages)],
        "stream group: B saw every entry in order",
    )
    out.lesson(
        "pub/sub is fire-and-forget fan-out: only connections subscribed at PUBLISH time get a message, and "
        "PUBLISH's return value says how few did; a stream keeps the entries and a consumer group keeps each "
        "reader's position, so B catches up on what it missed (a group created at id 0 reads the history "
        "too) — at the cost of memory: trim with XADD MAXLEN"
    )


async def pattern_consumer_group(
    out: Narrator, entries: int = 60, batch: int = 5, idle_ms: int = 200
) -> None:
    stream, group = unique_name("jobs"), "workers"
    done_set = f"{stream}:done"
    r = client()
    processed: dict[str, list[str]] = {}
    try:
        await r.xgroup_create(stream, group, id="$", mkstream=True)
        for n in range(entries):
            await r.xadd(stream, {"job": n})
        out.step(
            f"{entries} jobs in the stream; consumers c1, c2, c3 share them with XREADGROUP (COUNT {batch})"
        )

        applied = 0

        async def process(consumer: str, fields: dict[str, str]) -> None:
            """The job's effect, guarded by a set of done jobs: a redelivered job is not applied twice."""
            nonlocal applied
            processed.setdefault(fields["job"], []).append(consumer)
            added = await r.sadd(done_set, fields["job"])  # not `applied += await ...`: that reads
            applied += added  # `applied` before the await and loses the other consumer's increments

        async def work(consumer: str, crash_after: int | None = None) -> int:
            """Read batches and XACK each job after processing it; ``crash_after``: die before acking."""
            done = 0
            while got := await r.xreadgroup(group, consumer, {stream: ">"}, count=batch):
                for index, (entry_id, fields) in enumerate(got[0][1]):
                    if crash_after is not None and index == crash_after:
                        out.warn(
                            f"{consumer} dies holding {len(got[0][1])} jobs: it processed {index} of them "
                            "but acknowledged none"
                        )
                        return done
                    await process(consumer, fields)
                    if crash_after is None:
                        await r.xack(stream, group, entry_id)
                    done += 1
            return done

        await work("c2", crash_after=2)
        done = await asyncio.gather(work("c1"), work("c3"))
        summary = await r.xpending(stream, group)
        out.fact(
            "pending_after_crash",
            summary["pending"],
            "XPENDING: jobs delivered but never acknowledged",
        )
        out.fact(
            "processed_before_claim",
            len(processed),
            f"distinct jobs processed by c1, c2 and c3 (of {entries})",
        )
        out.step(
            f"without a reaper those jobs stay in c2's pending list forever; c1 runs XAUTOCLAIM for jobs idle > {idle_ms} ms"
        )
        early = await r.xautoclaim(stream, group, "c1", min_idle_time=60_000, start_id="0-0")
        out.fact(
            "claimed_with_a_60s_threshold",
            len(early[1]),
            "claimed right away with a 60 s threshold (c2 might be alive)",
        )
        start = time.monotonic()
        while True:  # the threshold is the point: a consumer is presumed dead only once its entries sat idle long enough
            detail = await r.xpending_range(stream, group, min="-", max="+", count=entries)
            if detail and min(d["time_since_delivered"] for d in detail) >= idle_ms:
                break
            if time.monotonic() - start > 10:
                raise TimeoutError("pending entries did not reach the idle threshold within 10 s")
            await asyncio.sleep(idle_ms / 4000)
        claimed = (await r.xautoclaim(stream, group, "c1", min_idle_time=idle_ms, start_id="0-0"))[
            1
        ]
        redelivery = await r.xpending_range(stream, group, min="-", max="+", count=entries)
        delivered_twice = sum(d["times_delivered"] >= 2 for d in redelivery)
        for entry_id, fields in claimed:
            await process("c1", fields)
            await r.xack(stream, group, entry_id)
        after = await r.xpending(stream, group)
    finally:
        await cleanup(
            out,
            ("delete the stream and the done set", lambda: r.delete(stream, done_set), "redis"),
            ("close the Redis client", r.aclose),
        )
    out.fact("claimed", len(claimed), f"jobs XAUTOCLAIM gave to c1 after {idle_ms} ms idle")
    out.fact(
        "delivered_twice",
        delivered_twice,
        "of them already delivered twice (read by c2, claimed by c1)",
    )
    out.fact("c1_c3_share", f"{done[0]}/{done[1]}", "jobs c1/c3 processed before the claim")
    out.fact("processed", len(processed), f"distinct jobs processed (of {entries})")
    out.fact(
        "processed_twice",
        sum(len(v) > 1 for v in processed.values()),
        "jobs processed twice (by c2 before it died, and by c1 after the claim)",
    )
    out.fact("applied", applied, "jobs applied, the done set skipping the second processing")
    out.fact("pending_at_end", after["pending"], "jobs still unacknowledged")
    out.lesson(
        "a consumer group is at-least-once: an entry stays pending until XACK, so a dead consumer's work "
        "is not lost but waits; XAUTOCLAIM's idle threshold trades redelivery delay against stealing from "
        "a consumer that is only slow — make the processing idempotent either way"
    )
