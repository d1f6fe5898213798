# fix-judgement: wrong
# class: new-race
# breaks: "Every order's events are applied to the order database exactly in the order the shop published them"
# scenario: order-9's 'created', 'paid' and 'shipped' tasks start together; 'created' takes the busy flag; 'paid' and 'shipped' both poll every 5 ms; when 'created' clears the flag, whichever waiter's 5 ms poll timer fires first wins; 'shipped' (its random handle sleep was shorter, so its poll phase is earlier) takes the flag before 'paid' and is applied first (seed 1 of main(): order-103 'created' applied after 'paid')
# why: A per-order mutex (flag + sleep-poll) gives mutual exclusion but not FIFO: waiters are admitted in timer order, not publish order.
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
    busy: set[str] = node.memory.setdefault("busy", set())
    while event["order"] in busy:  # another event of this order is being applied: wait
        await node.sleep(5)
    busy.add(event["order"])
    try:
        await orders.apply(event["order"], event["seq"], event["status"])
    finally:
        busy.discard(event["order"])


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
