# fix-judgement: wrong
# class: drops-work
# breaks: "Account for every event: it is stored exactly once, or refused (submit returns False), or counted in self.dropped. Nothing vanishes."
# scenario: from ~t=200 ms the buffer is full; every further event gets True (the client thinks it was accepted) but is discarded without incrementing self.dropped: by the end accepted - stored - dropped is ~370 events that vanished
# why: The memory bound holds, but shed events are reported as accepted and never counted, exactly the 'nobody told' loss of the story.
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
        """Accept one event from a client (when we are overloaded, the event is shed)."""
        if not self.buffer.full():
            self.buffer.put_nowait(event)
        return True  # don't make the web tier retry: it would only add load

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
