# fix-judgement: wrong
# class: partial
# breaks: "Read-your-writes" and "Monotonic reads"
# scenario: load retries on another replica only when the answer is None: after client-1 saved 'alice v2' (alice v1 already everywhere), its load hits replica-3, which still has 'alice v1' (not None), and returns the old bio
# why: Treats the symptom seen first (a profile that is missing right after its first save) but not stale non-empty values.
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
        for replica in self.node.rng.sample(self.replicas, len(self.replicas)):
            item = await replica.read(user)
            if item is not None:  # not replicated there yet: try another replica
                return item[1]
        return None


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
