# fix-judgement: wrong
# class: other
# breaks: "Never hold more than 200 accepted-but-not-yet-stored events"
# scenario: submit refuses only while the last store took more than 50 ms; in the first 575 ms the warehouse answers in ~15 ms, so nothing is refused while events arrive at ~1/ms and are stored at ~1/15 ms: the backlog passes 200 at about t=210 ms, long before any store is slow
# why: A breaker keyed on latency limits the wrong signal: the backlog (the thing with a budget) grows while every individual store is fast.
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
        self.buffer = Queue()
        self.dropped = 0
        self.last_latency = 0

    async def submit(self, event: dict[str, Any]) -> bool:
        """Accept one event unless the warehouse is currently slow (circuit breaker)."""
        if self.last_latency > 50:
            return False
        self.buffer.put_nowait(event)
        return True

    async def run(self) -> None:
        """The worker: store buffered events one by one."""
        while True:
            event = await self.buffer.get()
            started = self.node.now
            try:
                await self.warehouse.store(event["id"], event)
            except RpcTimeout:
                self.dropped += 1
            self.last_latency = self.node.now - started


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(11, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
