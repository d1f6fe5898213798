"""RabbitMQ messaging patterns (aio-pika).

A broker decouples producers from consumers in time and in number. The *work queue* spreads
tasks over competing consumers; *prefetch* bounds how many unacknowledged messages each may
hold, and a *manual ack* after the work is done means a crashed worker's messages are redelivered.
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
from typing import Any

from practical._faults import quiet_loggers
from practical._narrate import Narrator, unique_name
from practical.services import get_service

quiet_loggers("aiormq", "aio_pika")  # a lost connection is reported once, by us

TITLE = "RabbitMQ: queues, exchanges, RPC, dead letters, priorities, confirms"
SERVICE = "rabbitmq"
PATTERNS = {
    "work-queue": "competing consumers with prefetch and manual acks",
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


async def pattern_work_queue(out: Narrator, messages: int = 500, workers: int = 3) -> None:
    import aio_pika

    name = unique_name("tasks")
    async with await connect() as connection:
        publisher = await connection.channel()
        queue = await publisher.declare_queue(name, durable=True, arguments=EXPIRES)
        done = asyncio.Event()
        handled: Counter[str] = Counter()
        seen: set[bytes] = set()

        async def worker(worker_id: str) -> None:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=10)  # at most 10 unacked messages in hand
            worker_queue = await channel.declare_queue(name, durable=True, arguments=EXPIRES)

            async def on_message(message: Any) -> None:
                await asyncio.sleep(0)  # the "work"
                seen.add(message.body)
                handled[worker_id] += 1
                await message.ack()  # only now may the broker forget the message
                if sum(handled.values()) == messages:
                    done.set()

            await worker_queue.consume(on_message)

        await asyncio.gather(*(worker(f"worker-{i}") for i in range(workers)))
        out.step(f"{workers} workers (prefetch 10, manual ack) share {messages} persistent tasks")
        start = time.perf_counter()
        for i in range(messages):
            await publisher.default_exchange.publish(
                aio_pika.Message(str(i).encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT), name
            )
        await done.wait()
        out.rate("tasks_per_s", messages, time.perf_counter() - start, "tasks")
        await queue.delete(if_unused=False, if_empty=False)
    out.fact("processed", len(seen))
    out.fact("workers_used", len(handled), "workers that got work")
    out.fact("distribution", ", ".join(f"{k}={v}" for k, v in sorted(handled.items())))
    out.lesson("prefetch keeps one slow worker from hoarding; acks after the work make crashes safe")


async def _collect(queue: Any, into: list[Any], expected: int, done: asyncio.Event) -> None:
    async def on_message(message: Any) -> None:
        await message.ack()
        into.append(message)
        if len(into) == expected:
            done.set()

    await queue.consume(on_message)


async def pattern_pubsub(out: Narrator, messages: int = 100, subscribers: int = 3) -> None:
    import aio_pika

    async with await connect() as connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(unique_name("events"), aio_pika.ExchangeType.FANOUT)
        inboxes: list[list[Any]] = [[] for _ in range(subscribers)]
        events = [asyncio.Event() for _ in range(subscribers)]
        for inbox, event in zip(inboxes, events, strict=True):
            queue = await channel.declare_queue(exclusive=True)  # one private queue per subscriber
            await queue.bind(exchange)
            await _collect(queue, inbox, messages, event)
        out.step(f"publish {messages} events to a fanout exchange with {subscribers} subscribers")
        start = time.perf_counter()
        for i in range(messages):
            await exchange.publish(aio_pika.Message(str(i).encode()), routing_key="")
        await asyncio.gather(*(e.wait() for e in events))
        out.rate("deliveries_per_s", messages * subscribers, time.perf_counter() - start, "deliveries")
        await exchange.delete()
    out.fact("received_each", ",".join(str(len(inbox)) for inbox in inboxes), "received by each")
    out.lesson("fanout copies: each subscriber's own queue gets every message")


async def pattern_topic(out: Narrator) -> None:
    import aio_pika

    bindings = {"all orders": "order.#", "EU orders": "order.*.eu", "refunds": "*.refund.*"}
    keys = ["order.created.eu", "order.created.us", "order.refund.eu", "payment.refund.us", "order.shipped.eu"]
    expected = {
        "all orders": 4, "EU orders": 3, "refunds": 2,
    }
    async with await connect() as connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(unique_name("orders"), aio_pika.ExchangeType.TOPIC)
        received: dict[str, list[Any]] = {}
        events: dict[str, asyncio.Event] = {}
        for label, pattern in bindings.items():
            queue = await channel.declare_queue(exclusive=True)
            await queue.bind(exchange, routing_key=pattern)
            received[label], events[label] = [], asyncio.Event()
            await _collect(queue, received[label], expected[label], events[label])
        for key in keys:
            out.step(f"publish routing key {key}")
            await exchange.publish(aio_pika.Message(key.encode()), routing_key=key)
        await asyncio.gather(*(e.wait() for e in events.values()))
        await exchange.delete()
    for label, pattern in bindings.items():
        got = sorted(m.routing_key for m in received[label])
        out.fact(f"matched_{label.replace(' ', '_')}", len(got), f"{label} ({pattern}): {', '.join(got)}")
    out.lesson("`*` matches exactly one word, `#` zero or more; a message goes to every matching binding")


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

        await rpc_queue.consume(serve)

        client_channel = await connection.channel()
        replies = await client_channel.declare_queue(exclusive=True)  # this client's reply queue
        pending: dict[str, asyncio.Future[int]] = {}

        async def on_reply(message: Any) -> None:
            await message.ack()
            future = pending.pop(message.correlation_id, None)
            if future is not None:  # unknown ids (a late reply after a timeout) are dropped
                future.set_result(int(message.body))

        await replies.consume(on_reply)

        async def call(n: int) -> tuple[int, float]:
            correlation_id = uuid.uuid4().hex
            pending[correlation_id] = asyncio.get_running_loop().create_future()
            started = time.perf_counter()
            await client_channel.default_exchange.publish(
                aio_pika.Message(str(n).encode(), correlation_id=correlation_id, reply_to=replies.name),
                routing_key=rpc_queue_name,
            )
            result = await asyncio.wait_for(pending[correlation_id], 30)
            return result, time.perf_counter() - started

        out.step(f"{calls} concurrent RPC calls square(n); replies matched by correlation id")
        start = time.perf_counter()
        results = await asyncio.gather(*(call(n) for n in range(calls)))
        out.rate("calls_per_s", calls, time.perf_counter() - start, "calls")
    out.fact("all_correct", [r for r, _ in results] == [n * n for n in range(calls)], "every reply matched its call")
    out.latencies("rpc", [seconds for _, seconds in results])
    out.lesson("the correlation id, not arrival order, pairs replies with calls")


async def pattern_dead_letter(out: Narrator, max_attempts: int = 3) -> None:
    import aio_pika

    work, retry, parking = (unique_name(n) for n in ("work", "retry", "parking"))
    async with await connect() as connection:
        channel = await connection.channel()
        work_queue = await channel.declare_queue(
            work, arguments={**EXPIRES, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": retry}
        )
        retry_queue = await channel.declare_queue(
            retry,
            arguments={**EXPIRES, "x-message-ttl": 50, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": work},
        )
        parking_queue = await channel.declare_queue(parking, arguments=EXPIRES)
        attempts: Counter[str] = Counter()
        outcomes: dict[str, str] = {}
        finished = asyncio.Event()

        async def handle(message: Any) -> None:
            body = message.body.decode()
            attempts[body] += 1
            deaths = sum(d["count"] for d in (message.headers or {}).get("x-death", []) if d["queue"] == work)
            failing = body == "poison" or (body == "flaky" and attempts[body] == 1)
            if not failing:
                outcomes[body] = f"processed on attempt {attempts[body]}"
                await message.ack()
            elif deaths + 1 >= max_attempts:
                await channel.default_exchange.publish(aio_pika.Message(message.body), routing_key=parking)
                outcomes[body] = f"parked after {attempts[body]} attempts"
                await message.ack()
            else:
                await message.reject(requeue=False)  # dead-lettered to the retry queue
            if len(outcomes) == 3:
                finished.set()

        consumer_tag = await work_queue.consume(handle)
        out.step(f"publish 'ok', 'flaky' (fails once) and 'poison' (always fails); {max_attempts} attempts max")
        for body in ("ok", "flaky", "poison"):
            await channel.default_exchange.publish(aio_pika.Message(body.encode()), routing_key=work)
        await asyncio.wait_for(finished.wait(), 30)
        await work_queue.cancel(consumer_tag)
        parked = await parking_queue.get(fail=False)
        for queue in (work_queue, retry_queue, parking_queue):
            await queue.delete(if_unused=False, if_empty=False)
    for body in ("ok", "flaky", "poison"):
        out.fact(f"outcome_{body}", outcomes[body], body)
    out.fact("parked_message", parked.body.decode() if parked else "", "in the parking queue")
    out.lesson("reject → DLX → TTL queue → back again: delayed retries with no timer in the consumer")


async def pattern_priority(out: Narrator, messages: int = 60) -> None:
    import aio_pika

    name = unique_name("jobs")
    async with await connect() as connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, arguments={**EXPIRES, "x-max-priority": 9})
        out.step(f"{messages} jobs queued first (priority 0, 5 or 9), then one consumer drains them")
        for i in range(messages):
            priority = (0, 5, 9)[i % 3]
            await channel.default_exchange.publish(
                aio_pika.Message(f"{priority}".encode(), priority=priority), routing_key=name
            )
        order: list[int] = []
        while (message := await queue.get(fail=False)) is not None:
            order.append(int(message.body))
            await message.ack()
        await queue.delete(if_unused=False, if_empty=False)
    third = messages // 3
    out.fact("first_third_priority", ",".join(sorted(set(map(str, order[:third])))), "priorities in first third")
    out.fact("sorted_by_priority", order == sorted(order, reverse=True), "delivered highest priority first")
    out.lesson("priority reorders only what is waiting: an idle consumer sees messages as they come")


async def pattern_confirms(out: Narrator, messages: int = 2000) -> None:
    import aio_pika

    name = unique_name("confirms")
    async with await connect() as connection:
        plain = await connection.channel(publisher_confirms=False)
        queue = await plain.declare_queue(name, arguments=EXPIRES)
        out.step(f"publish {messages} messages with no confirms (fire and forget)")
        start = time.perf_counter()
        for i in range(messages):
            await plain.default_exchange.publish(aio_pika.Message(str(i).encode()), routing_key=name)
        no_confirm = out.rate("no_confirms_per_s", messages, time.perf_counter() - start)

        confirmed = await connection.channel(publisher_confirms=True)
        out.step("the same, awaiting each broker confirm before the next publish")
        start = time.perf_counter()
        for i in range(messages):
            await confirmed.default_exchange.publish(aio_pika.Message(str(i).encode()), routing_key=name)
        one_by_one = out.rate("confirm_each_per_s", messages, time.perf_counter() - start)

        out.step("the same, with 100 publishes in flight and their confirms awaited together")
        start = time.perf_counter()
        for batch in range(0, messages, 100):
            await asyncio.gather(*(
                confirmed.default_exchange.publish(aio_pika.Message(str(i).encode()), routing_key=name)
                for i in range(batch, batch + 100)
            ))
        batched = out.rate("confirm_batched_per_s", messages, time.perf_counter() - start)
        declared = await plain.declare_queue(name, passive=True)
        count = declared.declaration_result.message_count
        await queue.delete(if_unused=False, if_empty=False)
    out.fact("messages_in_queue", count, f"in the queue (expected {3 * messages})")
    out.fact("confirm_cost", no_confirm / one_by_one, "no-confirm / confirm-each throughput")
    out.fact("batching_gain", batched / one_by_one, "batched / confirm-each throughput")
    out.lesson("confirms cost a round trip each; keep many in flight to get the speed back")
