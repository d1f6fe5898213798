# fix-judgement: wrong
# class: escape
# breaks: SIM_GUIDE: nodes share nothing except through services (module-level variables are shared by all simulated nodes); the ordering must come from the log
# scenario: a module-level dict _APPLIED maps order -> last applied seq and every handler waits until its predecessor's seq is there; it works only because all three simulated fulfillment nodes live in one Python process; on real machines each node has its own _APPLIED and a handler waiting for a seq applied on another node waits forever; even in the simulation the dict survives from one seeded world to the next, so in the second world run by main() every handler waits for seqs that were already 'applied' and the run gets stuck (SimStuck)
# why: Coordinates the consumers through a Python global shared across simulated machines instead of through the log's partitioning.
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
_APPLIED: dict[str, int] = {}
"""order -> seq of its last applied event (shared by all consumers)."""


async def publish(node: Node, log: Client, event: dict[str, Any]) -> None:
    """Send one order event (``{"order", "seq", "status"}``) to the broker."""
    await log.publish(TOPIC, event)


async def handle(node: Node, orders: Client, record: Record) -> None:
    """Apply one event to the order database (some events take longer than others)."""
    await node.sleep(node.rng.randint(5, 40))
    event = record.value
    while _APPLIED.get(event["order"], 0) != event["seq"] - 1:
        await node.sleep(2)  # wait for the previous event of this order, whoever handles it
    await orders.apply(event["order"], event["seq"], event["status"])
    _APPLIED[event["order"]] = event["seq"]


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
