# fix-judgement: right
# class: n/a
# idiom: bounded ring buffer (collections.deque) that evicts the OLDEST waiting event when full and counts it in dropped (freshest-data-wins load shedding), with a Future to wake the worker
# why: submit always accepts, but the budget is enforced by evicting the stalest queued event and counting it, which the README allows ('or counted in self.dropped'); the worker waits on a one-shot Future instead of polling.
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

from collections import deque

from simworld import Client, Future, Node, RpcTimeout


MAX_PENDING = 200
"""Accepted events not yet stored that fit in the node's memory."""
STORE_TIMEOUT_MS = 1_000
"""Far beyond any slow-network round trip (delays are bounded): a timeout means a lost message."""


class Ingest:
    """Buffers incoming events and stores them in the warehouse."""

    def __init__(self, node: Node, warehouse: Client) -> None:
        self.node = node
        self.warehouse = warehouse.with_timeout(STORE_TIMEOUT_MS)
        self.buffer: deque[dict[str, Any]] = deque()
        self.dropped = 0
        self.storing = 0
        self._ready: Future | None = None

    async def submit(self, event: dict[str, Any]) -> bool:
        """Accept one event; when memory is full, the oldest waiting event is dropped (and counted)."""
        if len(self.buffer) + self.storing >= MAX_PENDING:
            stale = self.buffer.popleft()
            self.dropped += 1
            self.node.log(f"dropped {stale['id']} to make room")
        self.buffer.append(event)
        if self._ready is not None:
            self._ready.set_result(None)
            self._ready = None
        return True

    async def run(self) -> None:
        """The worker: store buffered events one by one."""
        while True:
            while not self.buffer:
                self._ready = Future()
                await self._ready
            event = self.buffer.popleft()
            self.storing = 1
            try:
                await self.warehouse.store(event["id"], event)
            except RpcTimeout:
                self.dropped += 1
            finally:
                self.storing = 0


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(11, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
