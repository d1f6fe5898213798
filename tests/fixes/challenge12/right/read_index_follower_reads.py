# fix-judgement: right
# class: n/a
# idiom: follower reads with a read index (as in Raft's ReadIndex): ask the primary for the current version, then serve the value from a random follower once that follower has caught up to it (polling briefly), else answer from the primary's reply
# why: The index taken at the primary covers every save completed before the load began, and the follower's answer is at least that version and was on the primary before the follower got it, so the read takes effect inside the call; the followers carry the read traffic whenever they are caught up.
"""User profiles on a replicated store.

Three replicas hold every profile; replica-1 is the primary and ships each write to the others
a little later. To spread the load, profile pages read from any replica. Everything runs in
the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys

from simworld import Client, Node


FOLLOWER_POLLS = 3
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

    async def load(self, user: str) -> str | None:
        """The user's current bio (None if they never saved one)."""
        index = await self.replicas[0].read(user)  # the read index: the primary's version now
        if index is None:
            return None
        follower = self.node.rng.choice(self.replicas[1:])
        for _ in range(FOLLOWER_POLLS):
            item = await follower.read(user)
            if item is not None and item[0] >= index[0]:
                return item[1]
            await self.node.sleep(POLL_MS)
        return index[1]  # the follower lags too much: the primary's answer is linearizable too


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
