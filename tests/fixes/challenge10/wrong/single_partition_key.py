# fix-judgement: wrong
# class: serialized
# breaks: the story's requirement that the consumers process the topic in parallel to keep up (three consumers share the topic); every promise about order holds
# scenario: every event is published with the constant key 'all-orders', so the whole topic lands in one partition: one fulfillment node applies every event one by one and the other two are idle forever; the throughput the story added parallelism for is gone (with more shops or slower applies the backlog at the end of the run grows without bound)
# why: Total order is bought by removing all parallelism: a single partition, a single consumer, strictly sequential applies.
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
    await log.publish(TOPIC, event, key="all-orders")  # one partition: a total order


async def handle(node: Node, orders: Client, record: Record) -> None:
    """Apply one event to the order database (some events take longer than others)."""
    await node.sleep(node.rng.randint(5, 40))
    event = record.value
    await orders.apply(event["order"], event["seq"], event["status"])


async def consumer(node: Node, log: Client, orders: Client) -> None:
    """One fulfillment node: poll its partitions and handle every record."""
    await log.join(GROUP, TOPIC, node.name)
    while True:
        for partition in await log.assignment(GROUP, TOPIC, node.name):
            offset = await log.committed(GROUP, TOPIC, partition)
            records = await log.fetch(TOPIC, partition, offset)
            for record in records:
                await handle(node, orders, record)
            if records:
                await log.commit(GROUP, TOPIC, partition, records[-1].offset + 1)
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(10, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
