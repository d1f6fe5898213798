# fix-judgement: right
# class: n/a
# idiom: partition key = order id + fan-out per order: each batch is grouped by order, one task per order applies its events sequentially, the batch is committed after every task finished
# why: The order's whole life goes to one partition (key=order), and different orders still run in parallel (one task each) while one order's events are applied strictly in sequence; the commit waits for all of them.
"""Order fulfillment: order events go through a partitioned log to a pool of consumers.

The shop publishes each order's events in order: ``created``, then ``paid``, then ``shipped``.
Three fulfillment nodes share the topic as one consumer group and apply every event to the
order database. Everything runs in the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys
from typing import Any

from simworld import Client, Node
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


async def handle_in_sequence(node: Node, orders: Client, batch: list[Record]) -> None:
    """Apply one order's records of a batch, one after the other."""
    for record in batch:
        await handle(node, orders, record)


async def consumer(node: Node, log: Client, orders: Client) -> None:
    """One fulfillment node: poll its partitions and handle every record."""
    await log.join(GROUP, TOPIC, node.name)
    while True:
        for partition in await log.assignment(GROUP, TOPIC, node.name):
            offset = await log.committed(GROUP, TOPIC, partition)
            records = await log.fetch(TOPIC, partition, offset)
            by_order: dict[str, list[Record]] = {}
            for record in records:
                by_order.setdefault(record.value["order"], []).append(record)
            tasks = [node.start(handle_in_sequence, node, orders, batch) for batch in by_order.values()]
            for task in tasks:  # parallel across orders, sequential within one
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
