"""User profiles on a replicated store — solution: quorum reads and writes (R + W > N) with write-back.

Every save goes to all N=3 replicas and returns once W=2 acknowledged it; every load asks all
replicas, waits for R=2 answers and takes the newest version. Since R + W > N, every read
quorum overlaps the last completed write's quorum, so a load sees it (read-your-writes).
Before returning, a load writes the newest value back to a quorum, so no later load can
return anything older (monotonic reads, and linearizability: the ABD algorithm).

Three replicas hold every profile; replica-1 is the primary and ships each write to the others
a little later. To spread the load, profile pages read from any replica. Everything runs in
the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys

from simworld import Client, Node, first

W = 2
R = 2


class ProfileStore:
    """Save and load profile bios on the replica set (``replicas[0]`` is the primary)."""

    def __init__(self, node: Node, replicas: list[Client]) -> None:
        self.node = node
        self.replicas = replicas

    async def save(self, user: str, bio: str) -> None:
        """Store a new bio; versions order the writes (later wins)."""
        version = (self.node.now, self.node.name)
        await first(W, [replica.write(user, version, bio) for replica in self.replicas])

    async def load(self, user: str) -> str | None:
        """The user's current bio (None if they never saved one)."""
        replies = await first(R, [replica.read(user) for replica in self.replicas])
        found = [item for item in replies if item is not None]
        if not found:
            return None
        version, bio = max(found, key=lambda item: item[0])
        await first(W, [replica.write(user, version, bio) for replica in self.replicas])  # write-back
        return bio


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
