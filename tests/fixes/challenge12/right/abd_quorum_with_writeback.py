# fix-judgement: right
# class: n/a
# idiom: ABD quorum register: save writes the version to all replicas and waits for a majority (first(2, ...)); load reads a majority, takes the highest version and writes it back to a majority before returning
# why: Any two majorities intersect, so a load sees every completed save; the write-back makes sure no later load can return an older version than one already returned (no new-old inversion). Versions are (time, node) on clocks that agree, so a later save always has a higher version.
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
        await first(self._majority(), [r.write(user, version, bio) for r in self.replicas])

    async def load(self, user: str) -> str | None:
        """The user's current bio (None if they never saved one)."""
        items = await first(self._majority(), [r.read(user) for r in self.replicas])
        found = [item for item in items if item is not None]
        if not found:
            return None
        version, bio = max(found, key=lambda item: item[0])
        # write-back: make this version durable on a majority before anyone can see it from us
        await first(self._majority(), [r.write(user, version, bio) for r in self.replicas])
        return bio

    def _majority(self) -> int:
        return len(self.replicas) // 2 + 1


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(12, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
