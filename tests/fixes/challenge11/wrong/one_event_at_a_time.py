# fix-judgement: wrong
# class: serialized
# breaks: "Keep working: store at least 100 events"
# scenario: submit refuses whenever anything at all is pending (a budget of one instead of 200): during the ~600 ms flood only the events that arrive while the worker is idle are accepted, about one per store round trip (~40), and after the flood ends nothing is left to store: well under 100 events stored
# why: A semaphore of one is trivially bounded, but it throws away the buffering the budget allows and stores too little.
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
        self.buffer = Queue(maxsize=1)
        self.dropped = 0
        self.busy = False

    async def submit(self, event: dict[str, Any]) -> bool:
        """Accept one event only when nothing else is pending: never any backlog."""
        if self.busy or self.buffer.full():
            return False
        self.buffer.put_nowait(event)
        return True

    async def run(self) -> None:
        """The worker: store buffered events one by one."""
        while True:
            event = await self.buffer.get()
            self.busy = True
            try:
                await self.warehouse.store(event["id"], event)
            except RpcTimeout:
                self.dropped += 1
            finally:
                self.busy = False


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(11, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
