# fix-judgement: right
# class: n/a
# idiom: partition key = order id + a chain of one-shot Futures per order in node.memory: every record gets its own task, but it awaits the Future of the same order's previous record before applying
# why: The order's whole life goes to one partition (key=order), and records of different orders overlap freely, while each record's task waits for its predecessor's apply to be acknowledged, so one order's applies are issued in publish order; the batch is committed after all its tasks finished.
"""Order fulfillment: order events go through a partitioned log to a pool of consumers.

The shop publishes each order's events in order: ``created``, then ``paid``, then ``shipped``.
Three fulfillment nodes share the topic as one consumer group and apply every event to the
order database. Everything runs in the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys
from typing import Any

from simworld import Client, Future, Node
from simworld.log import Record

TOPIC = "order-events"
GROUP = "fulfillment"
POLL_MS = 20


async def publish(node: Node, log: Client, event: dict[str, Any]) -> None:
    """Send one order event (``{"order", "seq", "status"}``) to the broker."""
    await log.publish(TOPIC, event, key=event["order"])  # one order -> one partition


async def handle(node: Node, orders: Client, record: Record) -> None:
    """Apply one event to the order database (some events take longer than others)."""
    await node.sleep(node.rng.randint(5, 40))
    event = record.value
    await orders.apply(event["order"], event["seq"], event["status"])


async def handle_after(node: Node, orders: Client, record: Record, previous: Future | None,
                       done: Future) -> None:
    """Apply ``record`` once the same order's previous record was applied; then signal ``done``."""
    try:
        if previous is not None:
            await previous
        await handle(node, orders, record)
    except BaseException as exc:
        done.set_error(exc)  # the order's later events must not overtake a failed one
        raise
    done.set_result(None)


async def consumer(node: Node, log: Client, orders: Client) -> None:
    """One fulfillment node: poll its partitions and handle every record."""
    await log.join(GROUP, TOPIC, node.name)
    while True:
        for partition in await log.assignment(GROUP, TOPIC, node.name):
            offset = await log.committed(GROUP, TOPIC, partition)
            records = await log.fetch(TOPIC, partition, offset)
            tails: dict[str, Future] = node.memory.setdefault("tails", {})
            tasks = []
            for record in records:
                order = record.value["order"]
                done = Future()
                tasks.append(node.start(handle_after, node, orders, record, tails.get(order), done))
                tails[order] = done
            for task in tasks:
                await task.finished
            if records:
                await log.commit(GROUP, TOPIC, partition, records[-1].offset + 1)
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(10, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
