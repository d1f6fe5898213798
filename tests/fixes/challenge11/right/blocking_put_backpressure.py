# fix-judgement: right
# class: n/a
# idiom: pure backpressure: a bounded sim Queue and `await queue.put(event)`, so a caller is accepted only when there is room and waits (a bounded time, as long as the worker drains) otherwise
# why: Accepted-but-unstored events never exceed 199 queued + 1 in flight; callers are slowed down to the warehouse's pace instead of being refused, and the worker cannot die on a slow reply, so every wait ends.
"""Clickstream ingest: accept events from the web tier, store them in the data warehouse.

Request handlers call ``submit`` for every incoming event; a background worker writes the
buffered events to the (slow) warehouse. Everything runs in the simulated world (see
simworld/README.md).

Contract with the grader:
* ``submit(event)`` returns True when the event is accepted (it will be stored) or False when
  it is refused (the client is told "503, retry later");
* an accepted event that the service gives up on must be counted in ``self.dropped``.
"""

from __future__ import annotations

import sys
from typing import Any

from simworld import Client, Node, Queue, QueueFull, RpcTimeout


MAX_PENDING = 200
"""Accepted events not yet stored that fit in the node's memory."""
STORE_TIMEOUT_MS = 1_000
"""Far beyond any slow-network round trip (delays are bounded): a timeout means a lost message."""


class Ingest:
    """Buffers incoming events and stores them in the warehouse."""

    def __init__(self, node: Node, warehouse: Client) -> None:
        self.node = node
        self.warehouse = warehouse.with_timeout(STORE_TIMEOUT_MS)
        self.buffer = Queue(maxsize=MAX_PENDING - 1)  # + the one event the worker is storing
        self.dropped = 0

    async def submit(self, event: dict[str, Any]) -> bool:
        """Accept one event, waiting while the buffer is full (backpressure on the caller)."""
        await self.buffer.put(event)
        return True

    async def run(self) -> None:
        """The worker: store buffered events one by one."""
        while True:
            event = await self.buffer.get()
            try:
                await self.warehouse.store(event["id"], event)
            except RpcTimeout:
                self.dropped += 1  # a lost message: give up on it, but say so
                self.node.log(f"gave up on {event['id']} (no reply from the warehouse)")


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(11, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
