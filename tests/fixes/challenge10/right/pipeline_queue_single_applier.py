# fix-judgement: right
# class: n/a
# idiom: partition key = order id + a pipeline: the poller pushes fetched records into a bounded sim Queue, one applier task drains it in FIFO order and commits each record's offset after applying it
# why: The order's whole life goes to one partition (key=order), and fetching overlaps with applying, but a single FIFO applier keeps every partition's records in offset order; offsets are committed only after the apply came back, and the poller tracks its own read position so nothing is fetched twice.
"""Order fulfillment: order events go through a partitioned log to a pool of consumers.

The shop publishes each order's events in order: ``created``, then ``paid``, then ``shipped``.
Three fulfillment nodes share the topic as one consumer group and apply every event to the
order database. Everything runs in the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys
from typing import Any

from simworld import Client, Node, Queue
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


async def applier(node: Node, log: Client, orders: Client, inbox: Queue) -> None:
    """Apply records strictly in the order they were queued; commit each one after applying."""
    while True:
        record = await inbox.get()
        await handle(node, orders, record)
        await log.commit(GROUP, TOPIC, record.partition, record.offset + 1)


async def consumer(node: Node, log: Client, orders: Client) -> None:
    """One fulfillment node: fetch its partitions into a queue that one applier drains."""
    await log.join(GROUP, TOPIC, node.name)
    inbox = Queue(maxsize=50)
    node.start(applier, node, log, orders, inbox)
    next_offset: dict[int, int] = {}
    while True:
        for partition in await log.assignment(GROUP, TOPIC, node.name):
            if partition not in next_offset:
                next_offset[partition] = await log.committed(GROUP, TOPIC, partition)
            records = await log.fetch(TOPIC, partition, next_offset[partition])
            for record in records:
                await inbox.put(record)  # waits while the applier is 50 records behind
            if records:
                next_offset[partition] = records[-1].offset + 1
        await node.sleep(POLL_MS)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(10, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
