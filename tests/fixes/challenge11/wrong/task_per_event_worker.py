# fix-judgement: wrong
# class: unbounded
# breaks: "Never hold more than 200 accepted-but-not-yet-stored events"
# scenario: the queue is bounded at 200, but the worker takes each event off the queue immediately and starts a store task for it, so the queue stays empty and submit never refuses; in-flight stores = arrival rate x store latency, which stays under 200 only while the warehouse is fast. Reproduced in a hand-built world (two clients, 1 event/ms in total, one-way delays 300-400 ms = a warehouse 'slow minute'): 355 accepted-but-unstored events at the peak, while the pending-counter fix stays at 200. In the grader's scenario (delays up to 60 ms) it happens to stay below 200
# why: Moves the unbounded backlog from the queue into an unbounded set of in-flight tasks; the bound is on the wrong thing.
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
        """Accept one event from a client, or refuse it (503) when the buffer is full."""
        try:
            self.buffer.put_nowait(event)
        except QueueFull:
            return False
        return True

    async def run(self) -> None:
        """The worker: hand every buffered event to its own store task (parallel = faster)."""
        while True:
            event = await self.buffer.get()
            self.node.start(self._store, event)

    async def _store(self, event: dict[str, Any]) -> None:
        try:
            await self.warehouse.store(event["id"], event)
        except RpcTimeout:
            self.dropped += 1


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(11, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
