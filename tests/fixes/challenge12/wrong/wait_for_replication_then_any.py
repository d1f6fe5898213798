# fix-judgement: wrong
# class: weak-consistency
# breaks: "every history of saves and loads is linearizable" (and monotonic reads for other clients)
# scenario: save returns only after both followers show the new version, so the saving user reads their write; but while client-1's save of 'alice v2' is still waiting for replica-3 (replication lag 30-300 ms), client-2 loads alice from replica-2 ('alice v2', already replicated) and then from replica-3 ('alice v1'): client-2 sees the bio go back in time
# why: Waiting for full replication before acknowledging fixes read-your-writes for the writer, but random-replica reads during the replication window still show new-then-old to everybody else.
"""User profiles on a replicated store.

Three replicas hold every profile; replica-1 is the primary and ships each write to the others
a little later. To spread the load, profile pages read from any replica. Everything runs in
the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys

from simworld import Client, Node


POLL_MS = 10


class ProfileStore:
    """Save and load profile bios on the replica set (``replicas[0]`` is the primary)."""

    def __init__(self, node: Node, replicas: list[Client]) -> None:
        self.node = node
        self.replicas = replicas

    async def save(self, user: str, bio: str) -> None:
        """Store a new bio; versions order the writes (later wins)."""
        version = (self.node.now, self.node.name)
        await self.replicas[0].write(user, version, bio)
        for follower in self.replicas[1:]:  # acknowledge only once everyone has it
            while True:
                item = await follower.read(user)
                if item is not None and item[0] >= version:
                    break
                await self.node.sleep(POLL_MS)

    async def load(self, user: str) -> str | None:
        """The user's current bio (None if they never saved one)."""
        replica = self.node.rng.choice(self.replicas)
        item = await replica.read(user)
        return None if item is None else item[1]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
