# fix-judgement: right
# class: n/a
# idiom: partition key = order id + one long-lived worker task per assigned partition (fetch, apply in order, commit), started by a supervisor loop that watches the assignment
# why: The order's whole life goes to one partition (key=order), and each partition has exactly one worker on the node that applies its records in offset order and commits after applying, while partitions proceed in parallel.
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


async def partition_worker(node: Node, log: Client, orders: Client, partition: int) -> None:
    """Own one partition while it is assigned here: apply its records in order, then commit."""
    workers: set[int] = node.memory["workers"]
    try:
        while partition in await log.assignment(GROUP, TOPIC, node.name):
            offset = await log.committed(GROUP, TOPIC, partition)
            records = await log.fetch(TOPIC, partition, offset)
            for record in records:
                await handle(node, orders, record)
            if records:
                await log.commit(GROUP, TOPIC, partition, records[-1].offset + 1)
            else:
                await node.sleep(POLL_MS)
    finally:
        workers.discard(partition)


async def consumer(node: Node, log: Client, orders: Client) -> None:
    """One fulfillment node: keep one worker task per assigned partition."""
    await log.join(GROUP, TOPIC, node.name)
    workers: set[int] = node.memory.setdefault("workers", set())
    while True:
        for partition in await log.assignment(GROUP, TOPIC, node.name):
            if partition not in workers:
                workers.add(partition)
                node.start(partition_worker, node, log, orders, partition)
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(10, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
