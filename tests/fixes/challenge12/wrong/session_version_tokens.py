# fix-judgement: wrong
# class: weak-consistency
# breaks: "the profile store behaves like a single register: every history of saves and loads is linearizable"
# scenario: each session remembers the highest version it has seen per profile and re-reads until a replica is at least that new: client-1 reads its own 'alice v2' fine, but client-2, which has only seen 'alice v1', loads alice from replica-3 after client-1's save of v2 completed and gets 'alice v1' (its token is satisfied): a read after a completed write returns the old value
# why: Session guarantees (read-your-writes, monotonic reads per client) are weaker than linearizability: other clients may still read stale data after a save returned.
"""User profiles on a replicated store.

Three replicas hold every profile; replica-1 is the primary and ships each write to the others
a little later. To spread the load, profile pages read from any replica. Everything runs in
the simulated world (see simworld/README.md).
"""

from __future__ import annotations

import sys

from simworld import Client, Node


RETRIES = 5


class ProfileStore:
    """Save and load profile bios on the replica set (``replicas[0]`` is the primary)."""

    def __init__(self, node: Node, replicas: list[Client]) -> None:
        self.node = node
        self.replicas = replicas

    async def save(self, user: str, bio: str) -> None:
        """Store a new bio; versions order the writes (later wins)."""
        version = (self.node.now, self.node.name)
        await self.replicas[0].write(user, version, bio)
        self._seen()[user] = version

    async def load(self, user: str) -> str | None:
        """The user's current bio (None if they never saved one)."""
        floor = self._seen().get(user)
        for _ in range(RETRIES):
            replica = self.node.rng.choice(self.replicas)
            item = await replica.read(user)
            if item is not None and (floor is None or item[0] >= floor):
                self._seen()[user] = item[0]
                return item[1]
            if item is None and floor is None:
                return None
        item = await self.replicas[0].read(user)  # the primary is never behind our session
        return None if item is None else item[1]

    def _seen(self) -> dict[str, object]:
        """This session's highest version seen per profile (in the node's memory)."""
        seen: dict[str, object] = self.node.memory.setdefault("seen_versions", {})
        return seen


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
