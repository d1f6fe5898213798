# fix-judgement: wrong
# class: missing-fault
# breaks: "every history of saves and loads is linearizable" (and monotonic reads for other clients)
# scenario: load asks the primary with a 15 ms timeout and falls back to a random follower on RpcTimeout; the primary's service time is 0-20 ms plus 1-10 ms each way, so many reads time out: client-1 saves 'alice v2', its load times out on the primary and falls back to replica-2, which still has 'alice v1'
# why: Correct only while the primary is fast; a slow (not failed) primary silently downgrades reads to stale follower reads.
"""User profiles on a replicated store.

Three replicas hold every profile; replica-1 is the primary and ships each write to the others
a little later. To spread the load, profile pages read from any replica. Everything runs in
the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys

from simworld import Client, Node, RpcTimeout


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
        try:
            item = await self.replicas[0].with_timeout(15).read(user)
        except RpcTimeout:  # the primary is busy: any replica will do
            item = await self.node.rng.choice(self.replicas[1:]).read(user)
        return None if item is None else item[1]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
