# fix-judgement: right
# class: n/a
# idiom: bounded sim Queue + a short bounded wait for space (deadline on the virtual clock) before refusing: backpressure first, load shedding after 50 ms
# why: A caller waits at most ADMIT_WAIT_MS for room, then gets False; the check and the put_nowait happen with no await between them, so they are atomic on the node and the bound holds.
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
ADMIT_WAIT_MS = 50
"""How long a caller may wait for room before it is told 503."""
"""Far beyond any slow-network round trip (delays are bounded): a timeout means a lost message."""


class Ingest:
    """Buffers incoming events and stores them in the warehouse."""

    def __init__(self, node: Node, warehouse: Client) -> None:
        self.node = node
        self.warehouse = warehouse.with_timeout(STORE_TIMEOUT_MS)
        self.buffer = Queue(maxsize=MAX_PENDING - 1)  # + the one event the worker is storing
        self.dropped = 0

    async def submit(self, event: dict[str, Any]) -> bool:
        """Accept one event, waiting up to ADMIT_WAIT_MS for room; False means 503, retry later."""
        deadline = self.node.now + ADMIT_WAIT_MS
        while self.buffer.full():
            if self.node.now >= deadline:
                return False
            await self.node.sleep(5)
        self.buffer.put_nowait(event)  # no await since full() was False: cannot raise
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
