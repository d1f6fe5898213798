# fix-judgement: right
# class: n/a
# idiom: chain replication: save writes head -> middle -> tail in order and returns after the tail acknowledged; loads are served by the tail only (the primary is relieved of reads)
# why: A version is visible at the tail only once every replica before it has it, and the tail keeps the highest version it saw, so tail reads never go back in time and see every completed save; replicas keep the highest version, so the primary's own asynchronous forwarding cannot roll the tail back.
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
        for replica in self.replicas:  # head first, tail last: done when the tail has it
            await replica.write(user, version, bio)

    async def load(self, user: str) -> str | None:
        """The user's current bio (None if they never saved one)."""
        item = await self.replicas[-1].read(user)  # the tail: only fully replicated versions
        return None if item is None else item[1]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
