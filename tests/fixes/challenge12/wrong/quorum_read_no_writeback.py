# fix-judgement: wrong
# class: weak-consistency
# breaks: "every history of saves and loads is linearizable" (and monotonic reads for other clients)
# scenario: (reproduced with a scripted but legal delay schedule, all delays within 1-10 ms, replica service time 0) client-1 saves 'alice v2' at t=300; the write reaches replica-1 at t=301 and replica-2/3 at t=310; reader A loads at t=301, its first two replies are replica-1 (v2) and replica-2 (v1), so it returns 'alice v2' at t=303; reader B starts at t=304, after A returned, its read to replica-1 is slow, so its first two replies come from replica-2 and replica-3 and it returns 'alice v1' at t=306: a load that starts after another load returned v2 returns v1. The ABD fix (with write-back) returns v2 to B in the same schedule. The window is a few ms wide, so main() did not hit it in 800 seeds
# why: Majority writes + majority reads give read-your-writes, but without writing back what it read, a load can return a version that a later load does not see (new-old inversion): not linearizable.
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
        await first(2, [r.write(user, version, bio) for r in self.replicas])  # a majority has it

    async def load(self, user: str) -> str | None:
        """The user's current bio (None if they never saved one)."""
        items = await first(2, [r.read(user) for r in self.replicas])  # majorities intersect
        found = [item for item in items if item is not None]
        return max(found, key=lambda item: item[0])[1] if found else None


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
