"""RabbitMQ messaging patterns (aio-pika).

A broker decouples producers from consumers in time and in number. The *work queue* spreads
tasks over competing consumers; *prefetch* bounds how many unacknowledged messages each may
hold (with no bound, a slow consumer hoards its round-robin share), and a *manual ack* after the
work is done means a crashed worker's messages are redelivered (with auto-ack they are lost).
*Exchanges* route: fanout copies every message to every bound queue (publish/subscribe), topic
matches routing keys against patterns (``*`` one word, ``#`` any). *RPC* pairs a request with its
reply through a ``reply_to`` queue and a ``correlation_id``. A *dead-letter exchange* catches
rejected messages: routed through a queue with a TTL, they come back later — retries with a delay
— and after too many attempts they are parked for a human. *Priority queues* deliver urgent
messages first. *Publisher confirms* make the broker acknowledge each publish: safe, but slower
unless confirms are awaited in batches.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from functools import partial
from itertools import pairwise
from typing import Any

from practical._faults import Step, cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service

quiet_loggers("aiormq", "aio_pika")  # a lost connection is reported once, by us

TITLE = "RabbitMQ: queues, exchanges, RPC, dead letters, priorities, confirms"
SERVICE = "rabbitmq"
PATTERNS = {
    "work-queue": "a fast and a slow consumer: unlimited prefetch lets the slow one hoard, prefetch 1 does not",
    "crash-redelivery": "a consumer dies mid-task: auto-ack loses its tasks, manual ack redelivers them",
    "pubsub": "fanout exchange: every subscriber gets every message",
    "topic": "topic exchange: routing keys matched against patterns",
    "rpc": "request/reply with reply_to queues and correlation ids",
    "dead-letter": "retries with delay through a dead-letter exchange, then parking",
    "priority": "a priority queue delivers urgent messages first",
    "confirms": "publish throughput with and without publisher confirms",
}


EXPIRES = {"x-expires": 60_000}
"""The broker deletes a queue unused for 60 s: nothing is left behind when a run dies midway
(a durable queue would otherwise outlive even a broker restart)."""


async def connect() -> Any:
    import aio_pika

    return await aio_pika.connect(get_service("rabbitmq").url)


Consumer = tuple[Any, Any]
"""``(queue, consumer_tag)``: a live consumer, cancelled before its queue is deleted."""


def _teardown(
    consumers: list[Consumer], queues: list[Any], exchanges: Sequence[Any] = ()
) -> list[Step]:
    """Cleanup steps in a safe order: stop every consumer, then delete the queues and exchanges.

    Deleting a queue under a live consumer makes the broker cancel it (aio-pika then reports the
    consumer "cancelled by the broker"); stopping consumers first leaves nothing to cancel.
    """
    steps: list[Step] = [
        (f"stop a consumer of {queue.name}", partial(queue.cancel, tag), "rabbitmq")
        for queue, tag in consumers
    ]
    steps += [
        (
            f"delete the queue {queue.name}",
            partial(queue.delete, if_unused=False, if_empty=False),
            "rabbitmq",
        )
        for queue in queues
    ]
    steps += [
        (f"delete the exchange {exchange.name}", exchange.delete, "rabbitmq")
        for exchange in exchanges
    ]
    return steps


async def _fast_and_slow(
    connection: Any, out: Narrator, prefetch: int, messages: int, slow_work: float, story: str
) -> tuple[Counter[str], float]:
    """A fast and a slow consumer share ``messages`` tasks; (tasks each handled, seconds to drain)."""
    import aio_pika

    name = unique_name("tasks")
    publisher = await connection.channel()
    queue = await publisher.declare_queue(name, durable=True, arguments=EXPIRES)
    consumers: list[Consumer] = []
    handled: Counter[str] = Counter()
    done = asyncio.Event()
    try:
        for worker, work in (("fast", 0.0), ("slow", slow_work)):
            channel = await connection.channel()
            await channel.set_qos(
                prefetch_count=prefetch
            )  # 0: no limit on unacked messages in hand
            worker_queue = await channel.declare_queue(name, durable=True, arguments=EXPIRES)
            one_at_a_time = asyncio.Lock()  # a worker does one task at a time, like a single thread

            async def on_message(
                message: Any,
                worker: str = worker,
                work: float = work,
                lock: asyncio.Lock = one_at_a_time,
            ) -> None:
                async with lock:
                    await asyncio.sleep(
                        work
                    )  # the work itself (simulated: the slow one takes longer)
                    await message.ack()  # only now may the broker forget the message
                    handled[worker] += 1
                    if sum(handled.values()) == messages:
                        done.set()

            consumers.append((worker_queue, await worker_queue.consume(on_message)))
        out.step(story)  # both consumers are listening now
        start = time.perf_counter()
        for i in range(messages):
            await publisher.default_exchange.publish(
                aio_pika.Message(str(i).encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                name,
            )
        await asyncio.wait_for(done.wait(), 60)
        return handled, time.perf_counter() - start
    finally:
        await cleanup(out, *_teardown(consumers, [queue]))


async def pattern_work_queue(out: Narrator, messages: int = 30, slow_work: float = 0.08) -> None:
    async with await connect() as connection:
        results = {}
        for prefetch, label in ((0, "unlimited"), (1, "1")):
            story = (
                f"a fast and a slow consumer ({slow_work * 1000:.0f} ms a task), prefetch {label}, "
                f"share {messages} tasks"
            )
            handled, seconds = await _fast_and_slow(
                connection, out, prefetch, messages, slow_work, story
            )
            results[prefetch] = handled
            key = "unlimited" if prefetch == 0 else "prefetch1"
            out.fact(f"slow_{key}", handled["slow"], "tasks the slow consumer took")
            out.fact(f"fast_{key}", handled["fast"], "tasks the fast consumer took")
            out.fact(f"seconds_{key}", seconds, "seconds until every task was done")
    out.fact(
        "processed", sum(results[1].values()), f"tasks processed with prefetch 1 (of {messages})"
    )
    out.lesson(
        "with no prefetch limit the broker pushes tasks round-robin, so the slow consumer hoards half of them "
        "while the fast one idles; prefetch 1 hands a task only to a consumer that has acked its last one"
    )


async def pattern_crash_redelivery(out: Narrator, messages: int = 20, crash_at: int = 4) -> None:
    async with await connect() as connection:
        out.step(
            f"auto-ack: a consumer takes {messages} tasks, finishes {crash_at - 1} and crashes on task {crash_at}"
        )
        auto = await _crash_midway(connection, out, messages, crash_at, manual_ack=False)
        out.fact(
            "auto_ack_lost",
            auto["lost"],
            "tasks lost: delivered, counted done by the broker, never worked on",
        )
        out.step(
            f"manual ack after the work: the same crash on task {crash_at}; a second consumer takes over"
        )
        manual = await _crash_midway(connection, out, messages, crash_at, manual_ack=True)
        out.fact("manual_ack_lost", manual["lost"], "tasks lost")
        out.fact(
            "redelivered",
            manual["redelivered"],
            "tasks redelivered (the broker sets `redelivered`)",
        )
        out.fact(
            "crashed_task_redelivered",
            manual["crashed_task_redelivered"],
            "the task the crash interrupted came again",
        )
        out.fact("done_once_or_more", manual["done"], f"distinct tasks done (of {messages})")
    out.lesson(
        "an unacked message goes back to the queue when its consumer's connection dies; the task in progress "
        "runs again, so the work must be idempotent. Auto-ack forgets a task the moment it is sent"
    )


async def _crash_midway(
    connection: Any, out: Narrator, messages: int, crash_at: int, manual_ack: bool
) -> dict[str, Any]:
    """A consumer crashes (its connection dies) while working on task ``crash_at``; who does the rest?"""
    import aio_pika

    name = unique_name("tasks")
    channel = await connection.channel()
    queue = await channel.declare_queue(name, arguments=EXPIRES)
    consumers: list[Consumer] = []
    done: set[str] = set()
    redelivered: set[str] = set()
    crashed_on: list[str] = []
    try:
        for i in range(messages):
            await channel.default_exchange.publish(
                aio_pika.Message(f"task-{i}".encode()), routing_key=name
            )
        crasher = await connect()
        crashed = asyncio.Event()
        try:
            crasher_channel = await crasher.channel()
            await crasher_channel.set_qos(prefetch_count=5)
            crasher_queue = await crasher_channel.declare_queue(name, arguments=EXPIRES)
            one_at_a_time = asyncio.Lock()

            async def crashing(message: Any) -> None:
                async with one_at_a_time:
                    if crashed.is_set():
                        return  # the process is gone: buffered messages are never looked at
                    body = message.body.decode()
                    if len(done) + 1 == crash_at:
                        crashed_on.append(body)
                        crashed.set()  # dies mid-task: no ack
                        return
                    await asyncio.sleep(0.01)  # the work
                    done.add(body)
                    if manual_ack:
                        await message.ack()

            await crasher_queue.consume(crashing, no_ack=not manual_ack)
            await asyncio.wait_for(crashed.wait(), 30)
        finally:
            await crasher.close()  # the crash: the broker sees the connection go
        survivor_done = asyncio.Event()
        remaining = messages - len(done)
        taken: list[str] = []

        async def survivor(message: Any) -> None:
            body = message.body.decode()
            if message.redelivered:
                redelivered.add(body)
            taken.append(body)
            done.add(body)
            await message.ack()
            if len(taken) == remaining:
                survivor_done.set()

        if manual_ack:
            consumers.append((queue, await queue.consume(survivor)))
            await asyncio.wait_for(survivor_done.wait(), 30)
        else:
            while (message := await queue.get(fail=False)) is not None:
                await survivor(message)
    finally:
        await cleanup(out, *_teardown(consumers, [queue]))
    return {
        "lost": messages - len(done),
        "redelivered": len(redelivered),
        "done": len(done),
        "crashed_task_redelivered": bool(crashed_on) and crashed_on[0] in redelivered,
    }


async def _collect(queue: Any, into: list[Any], expected: int, done: asyncio.Event) -> Consumer:
    async def on_message(message: Any) -> None:
        await message.ack()
        into.append(message)
        if len(into) == expected:
            done.set()

    return queue, await queue.consume(on_message)


async def pattern_pubsub(out: Narrator, messages: int = 100, subscribers: int = 3) -> None:
    import aio_pika

    async with await connect() as connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            unique_name("events"), aio_pika.ExchangeType.FANOUT, auto_delete=True
        )
        inboxes: list[list[Any]] = [[] for _ in range(subscribers)]
        events = [asyncio.Event() for _ in range(subscribers)]
        consumers: list[Consumer] = []
        try:
            for inbox, event in zip(inboxes, events, strict=True):
                queue = await channel.declare_queue(
                    exclusive=True
                )  # one private queue per subscriber
                await queue.bind(exchange)
                consumers.append(await _collect(queue, inbox, messages, event))
            out.step(
                f"publish {messages} events to a fanout exchange with {subscribers} subscribers"
            )
            start = time.perf_counter()
            for i in range(messages):
                await exchange.publish(aio_pika.Message(str(i).encode()), routing_key="")
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 60)
            out.rate(
                "deliveries_per_s",
                messages * subscribers,
                time.perf_counter() - start,
                "deliveries",
            )
        finally:
            await cleanup(out, *_teardown(consumers, [q for q, _ in consumers], [exchange]))
    out.fact("received_each", ",".join(str(len(inbox)) for inbox in inboxes), "received by each")
    out.lesson("fanout copies: each subscriber's own queue gets every message")


async def pattern_topic(out: Narrator) -> None:
    import aio_pika

    bindings = {"all orders": "order.#", "EU orders": "order.*.eu", "refunds": "*.refund.*"}
    keys = [
        "order.created.eu",
        "order.created.us",
        "order.refund.eu",
        "payment.refund.us",
        "order.shipped.eu",
    ]
    expected = {
        "all orders": 4,
        "EU orders": 3,
        "refunds": 2,
    }
    async with await connect() as connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            unique_name("orders"), aio_pika.ExchangeType.TOPIC, auto_delete=True
        )
        received: dict[str, list[Any]] = {}
        events: dict[str, asyncio.Event] = {}
        consumers: list[Consumer] = []
        try:
            for label, pattern in bindings.items():
                queue = await channel.declare_queue(exclusive=True)
                await queue.bind(exchange, routing_key=pattern)
                received[label], events[label] = [], asyncio.Event()
                consumers.append(
                    await _collect(queue, received[label], expected[label], events[label])
                )
            for key in keys:
                out.step(f"publish routing key {key}")
                await exchange.publish(aio_pika.Message(key.encode()), routing_key=key)
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events.values())), 60)
        finally:
            await cleanup(out, *_teardown(consumers, [q for q, _ in consumers], [exchange]))
    for label, pattern in bindings.items():
        got = sorted(m.routing_key for m in received[label])
        out.fact(
            f"matched_{label.replace(' ', '_')}", len(got), f"{label} ({pattern}): {', '.join(got)}"
        )
    out.lesson(
        "`*` matches exactly one word, `#` zero or more; a message goes to every matching binding"
    )


async def pattern_rpc(out: Narrator, calls: int = 200) -> None:
    import aio_pika

    rpc_queue_name = unique_name("rpc_square")
    async with await connect() as connection:
        server_channel = await connection.channel()
        rpc_queue = await server_channel.declare_queue(rpc_queue_name, auto_delete=True)

        async def serve(request: Any) -> None:
            async with request.process():
                answer = str(int(request.body) ** 2).encode()
                reply = aio_pika.Message(answer, correlation_id=request.correlation_id)
                await server_channel.default_exchange.publish(reply, routing_key=request.reply_to)

        consumers: list[Consumer] = [(rpc_queue, await rpc_queue.consume(serve))]

        client_channel = await connection.channel()
        replies = await client_channel.declare_queue(exclusive=True)  # this client's reply queue
        pending: dict[str, asyncio.Future[int]] = {}

        async def on_reply(message: Any) -> None:
            await message.ack()
            future = pending.pop(message.correlation_id, None)
            if future is not None:  # unknown ids (a late reply after a timeout) are dropped
                future.set_result(int(message.body))

        consumers.append((replies, await replies.consume(on_reply)))

        async def call(n: int) -> tuple[int, float]:
            correlation_id = uuid.uuid4().hex
            pending[correlation_id] = asyncio.get_running_loop().create_future()
            started = time.perf_counter()
            await client_channel.default_exchange.publish(
                aio_pika.Message(
                    str(n).encode(), correlation_id=correlation_id, reply_to=replies.name
                ),
                routing_key=rpc_queue_name,
            )
            result = await asyncio.wait_for(pending[correlation_id], 30)
            return result, time.perf_counter() - started

        try:
            out.step(f"{calls} concurrent RPC calls square(n); replies matched by correlation id")
            start = time.perf_counter()
            results = await asyncio.gather(*(call(n) for n in range(calls)))
            out.rate("calls_per_s", calls, time.perf_counter() - start, "calls")
        finally:
            await cleanup(out, *_teardown(consumers, [rpc_queue, replies]))
    out.fact(
        "all_correct",
        [r for r, _ in results] == [n * n for n in range(calls)],
        "every reply matched its call",
    )
    out.latencies("rpc", [seconds for _, seconds in results])
    out.lesson("the correlation id, not arrival order, pairs replies with calls")


async def pattern_dead_letter(out: Narrator, max_attempts: int = 3) -> None:
    import aio_pika

    work, retry, parking = (unique_name(n) for n in ("work", "retry", "parking"))
    async with await connect() as connection:
        channel = await connection.channel()
        work_queue = await channel.declare_queue(
            work,
            arguments={**EXPIRES, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": retry},
        )
        retry_queue = await channel.declare_queue(
            retry,
            arguments={
                **EXPIRES,
                "x-message-ttl": 50,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": work,
            },
        )
        parking_queue = await channel.declare_queue(parking, arguments=EXPIRES)
        attempts: Counter[str] = Counter()
        outcomes: dict[str, str] = {}
        seen_at: dict[str, list[float]] = {}
        finished = asyncio.Event()
        consumers: list[Consumer] = []

        async def handle(message: Any) -> None:
            body = message.body.decode()
            attempts[body] += 1
            seen_at.setdefault(body, []).append(time.perf_counter())
            deaths = sum(
                d["count"] for d in (message.headers or {}).get("x-death", []) if d["queue"] == work
            )
            failing = body == "poison" or (body == "flaky" and attempts[body] == 1)
            if not failing:
                outcomes[body] = f"processed on attempt {attempts[body]}"
                await message.ack()
            elif deaths + 1 >= max_attempts:
                await channel.default_exchange.publish(
                    aio_pika.Message(message.body), routing_key=parking
                )
                outcomes[body] = f"parked after {attempts[body]} attempts"
                await message.ack()
            else:
                await message.reject(requeue=False)  # dead-lettered to the retry queue
            if len(outcomes) == 3:
                finished.set()

        try:
            consumers.append((work_queue, await work_queue.consume(handle)))
            out.step(
                f"publish 'ok', 'flaky' (fails once) and 'poison' (always fails); {max_attempts} attempts max, "
                "a retry waits 50 ms in the retry queue"
            )
            for body in ("ok", "flaky", "poison"):
                await channel.default_exchange.publish(
                    aio_pika.Message(body.encode()), routing_key=work
                )
            await asyncio.wait_for(finished.wait(), 30)
            await cleanup(out, *_teardown(consumers, []))
            consumers.clear()
            parked = await parking_queue.get(fail=False)
        finally:
            await cleanup(out, *_teardown(consumers, [work_queue, retry_queue, parking_queue]))
    for body in ("ok", "flaky", "poison"):
        out.fact(f"outcome_{body}", outcomes[body], body)
    out.fact("parked_message", parked.body.decode() if parked else "", "in the parking queue")
    gaps = [later - earlier for times in seen_at.values() for earlier, later in pairwise(times)]
    out.fact(
        "min_retry_delay_ms",
        min(gaps) * 1000,
        "shortest gap between two attempts (ms; the TTL is 50)",
    )
    out.lesson(
        "reject → DLX → TTL queue → back again: delayed retries with no timer in the consumer"
    )


async def pattern_priority(out: Narrator, messages: int = 60) -> None:
    import aio_pika

    name = unique_name("jobs")
    async with await connect() as connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, arguments={**EXPIRES, "x-max-priority": 9})
        out.step(
            f"{messages} jobs queued first (priority 0, 5 or 9), then one consumer drains them"
        )
        for i in range(messages):
            priority = (0, 5, 9)[i % 3]
            await channel.default_exchange.publish(
                aio_pika.Message(f"{priority}".encode(), priority=priority), routing_key=name
            )
        order: list[int] = []
        try:
            while (message := await queue.get(fail=False)) is not None:
                order.append(int(message.body))
                await message.ack()
        finally:
            await cleanup(out, *_teardown([], [queue]))
    third = messages // 3
    out.fact(
        "first_third_priority",
        ",".join(sorted(set(map(str, order[:third])))),
        "priorities in first third",
    )
    out.fact(
        "sorted_by_priority",
        order == sorted(order, reverse=True),
        "delivered highest priority first",
    )
    out.lesson(
        f"priority reorders the messages waiting in the queue (here all {messages} were queued before the "
        "consumer started): it cannot reorder what a consumer already took"
    )


async def pattern_confirms(out: Narrator, messages: int = 2000) -> None:
    import aio_pika

    name = unique_name("confirms")
    async with await connect() as connection:
        plain = await connection.channel(publisher_confirms=False)
        queue = await plain.declare_queue(name, arguments=EXPIRES)
        try:
            out.step(f"publish {messages} messages with no confirms (fire and forget)")
            start = time.perf_counter()
            for i in range(messages):
                await plain.default_exchange.publish(
                    aio_pika.Message(str(i).encode()), routing_key=name
                )
            no_confirm = out.rate("no_confirms_per_s", messages, time.perf_counter() - start)

            confirmed = await connection.channel(publisher_confirms=True)
            out.step("the same, awaiting each broker confirm before the next publish")
            start = time.perf_counter()
            for i in range(messages):
                await confirmed.default_exchange.publish(
                    aio_pika.Message(str(i).encode()), routing_key=name
                )
            one_by_one = out.rate("confirm_each_per_s", messages, time.perf_counter() - start)

            out.step("the same, with 100 publishes in flight and their confirms awaited together")
            start = time.perf_counter()
            for batch in range(0, messages, 100):
                await asyncio.gather(
                    *(
                        confirmed.default_exchange.publish(
                            aio_pika.Message(str(i).encode()), routing_key=name
                        )
                        for i in range(batch, batch + 100)
                    )
                )
            batched = out.rate("confirm_batched_per_s", messages, time.perf_counter() - start)
            declared = await plain.declare_queue(name, passive=True)
            count = declared.declaration_result.message_count
        finally:
            await cleanup(out, *_teardown([], [queue]))
    out.fact("messages_in_queue", count, f"in the queue (expected {3 * messages})")
    out.fact("confirm_cost", no_confirm / one_by_one, "no-confirm / confirm-each throughput")
    out.fact("batching_gain", batched / one_by_one, "batched / confirm-each throughput")
    out.lesson("confirms cost a round trip each; keep many in flight to get the speed back")
