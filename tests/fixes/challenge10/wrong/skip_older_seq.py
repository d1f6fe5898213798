# fix-judgement: wrong
# class: drops-work
# breaks: "every published event is applied by the end of the run"
# scenario: with key=order and parallel tasks, order-3 'shipped' (seq 3) draws a shorter sleep than 'paid' (seq 2); 'shipped' is applied and recorded as last=3, then 'paid' arrives at the check, seq 2 <= 3, and is silently skipped: 'paid' never reaches the database (and two applies checked in order can still be reordered by the 1-10 ms network)
# why: Discarding events that arrive 'too late' hides the reordering by dropping work instead of applying events in order.
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
    last: dict[str, int] = node.memory.setdefault("last_seq", {})
    if event["seq"] <= last.get(event["order"], 0):
        node.log(f"skipping stale {event['order']} seq {event['seq']}")
        return
    last[event["order"]] = event["seq"]
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
