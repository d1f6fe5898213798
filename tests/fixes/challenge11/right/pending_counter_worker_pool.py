# fix-judgement: right
# class: n/a
# idiom: explicit admission counter (pending <= 200) + a pool of four worker tasks sharing one queue, started from run() with node.start; the counter drops only when a store finished or was given up
# why: The bound is on accepted-but-unstored events (queued plus in flight), not on the queue alone, and four concurrent stores keep the warehouse busy so more events are stored than with one worker.
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
WORKERS = 4
"""Far beyond any slow-network round trip (delays are bounded): a timeout means a lost message."""


class Ingest:
    """Buffers incoming events and stores them in the warehouse."""

    def __init__(self, node: Node, warehouse: Client) -> None:
        self.node = node
        self.warehouse = warehouse.with_timeout(STORE_TIMEOUT_MS)
        self.buffer = Queue()
        self.dropped = 0
        self.pending = 0
        """Accepted events not yet stored or dropped (queued or being stored)."""

    async def submit(self, event: dict[str, Any]) -> bool:
        """Accept one event if the memory budget allows it; False means 503, retry later."""
        if self.pending >= MAX_PENDING:
            return False
        self.pending += 1
        self.buffer.put_nowait(event)  # cannot fail: the queue itself is unbounded
        return True

    async def run(self) -> None:
        """The workers: WORKERS tasks store buffered events concurrently."""
        for _ in range(WORKERS - 1):
            self.node.start(self._work)
        await self._work()

    async def _work(self) -> None:
        while True:
            event = await self.buffer.get()
            try:
                await self.warehouse.store(event["id"], event)
            except RpcTimeout:
                self.dropped += 1
            finally:
                self.pending -= 1


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(11, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
