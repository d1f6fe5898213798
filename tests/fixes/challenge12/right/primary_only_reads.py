# fix-judgement: right
# class: n/a
# idiom: single source of truth: every load reads the primary, which applies each write when it arrives (the primary alone is a linearizable register)
# why: The primary has every acknowledged write and never goes back to an older version, so a read there takes effect at one instant inside its call; the followers stay as standbys.
"""User profiles on a replicated store.

Three replicas hold every profile; replica-1 is the primary and ships each write to the others
a little later. To spread the load, profile pages read from any replica. Everything runs in
the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys

from simworld import Client, Node


class ProfileStore:
    """Save and load profile bios on the replica set (``replicas[0]`` is the primary)."""

    def __init__(self, node: Node, replicas: list[Client]) -> None:
        self.node = node
        self.replicas = replicas

    async def save(self, user: str, bio: str) -> None:
        """Store a new bio; versions order the writes (later wins)."""
        version = (self.node.now, self.node.name)
        await self.replicas[0].write(user, version, bio)

    async def load(self, user: str) -> str | None:
        """The user's current bio (None if they never saved one)."""
        item = await self.replicas[0].read(user)  # the primary has every acknowledged write
        return None if item is None else item[1]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
