"""Clickstream ingest — solution: a bounded queue that makes callers wait (backpressure).

When the buffer is full, ``submit`` waits for room, so the request handlers (and through them
the clients) slow down to the warehouse's pace. Nothing is refused and nothing is lost.

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

from simworld import Client, Node, Queue

BUFFER_SIZE = 100


class Ingest:
    """Buffers incoming events and stores them in the warehouse."""

    def __init__(self, node: Node, warehouse: Client) -> None:
        self.node = node
        self.warehouse = warehouse
        self.buffer = Queue(maxsize=BUFFER_SIZE)
        self.dropped = 0

    async def submit(self, event: dict[str, Any]) -> bool:
        """Accept one event from a client."""
        await self.buffer.put(event)  # waits while the buffer is full
        return True

    async def run(self) -> None:
        """The worker: store buffered events one by one."""
        while True:
            event = await self.buffer.get()
            await self.warehouse.store(event["id"], event)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(11, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
