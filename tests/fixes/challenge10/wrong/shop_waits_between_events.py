# fix-judgement: wrong
# class: missing-fault
# breaks: "Every order's events are applied to the order database exactly in the order the shop published them"
# scenario: the shop now waits 150 ms after each publish, which is longer than any handle() in a healthy world; but the nemesis pauses fulfillment-1 for 300 ms right after it fetched order-4's 'created' (partition 0), while fulfillment-2 fetches and applies 'paid' (partition 1) 150 ms later, before fulfillment-1 wakes up
# why: Relies on consumers being prompt; a paused consumer (or a slow poll) breaks the assumed timing, and keyless publishing still spreads one order over several consumers.
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
    await log.publish(TOPIC, event)
    await node.sleep(150)  # give the consumers time to apply it before the next status


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
                node.start(handle, node, orders, record)  # in parallel, for throughput
            if records:
                await log.commit(GROUP, TOPIC, partition, records[-1].offset + 1)
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(10, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
