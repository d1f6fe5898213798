# fix-judgement: right
# class: n/a
# idiom: read repair on every load: read all replicas (first(len)), take the highest version, write it back to every replica and wait for all acks before returning; saves go to the primary as before
# why: The primary always holds the newest acknowledged version, so the maximum over all replicas includes every completed save; waiting for the repair on all replicas means any later load anywhere sees at least that version.
"""User profiles on a replicated store.

Three replicas hold every profile; replica-1 is the primary and ships each write to the others
a little later. To spread the load, profile pages read from any replica. Everything runs in
the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys

from simworld import Client, Node, first


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
        everyone = len(self.replicas)
        items = await first(everyone, [r.read(user) for r in self.replicas])
        found = [item for item in items if item is not None]
        if not found:
            return None
        version, bio = max(found, key=lambda item: item[0])
        await first(everyone, [r.write(user, version, bio) for r in self.replicas])  # repair
        return bio


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
