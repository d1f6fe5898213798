# fix-judgement: right
# class: n/a
# idiom: lease renewal (compare-and-set put with if_version) before each section; the renewal's new version is the fence; release with delete(if_value=node.name)
# why: Each renewal either extends our own grant (returning a newer, still-ours fencing token) or tells us we lost the lock; storage rejects any write fenced by a grant older than a newer holder's, and the value-conditional delete only removes a key we own.
"""The nightly report job.

Three scheduler nodes wake up for every run of the nightly report. Only one of them may write
the report at a time, so they take a lock in the shared key-value store first, write the
report section by section, and release the lock. Everything runs in the simulated world
(see simworld/README.md): ``await`` sim operations only.
"""

from __future__ import annotations

import sys

from simworld import Client, Node, Rejected

LOCK_KEY = "locks/nightly-report"
LOCK_TTL_MS = 300
"""The lock frees itself this long after it was taken, in case its holder dies."""
RETRY_MS = 20
SECTIONS = ("sales", "refunds", "inventory")
RUNS = 3


class Lock:
    """A lock in the key-value store: the key exists while someone holds it."""

    def __init__(self, node: Node, kv: Client, key: str = LOCK_KEY, ttl_ms: int = LOCK_TTL_MS) -> None:
        self.node = node
        self.kv = kv
        self.key = key
        self.ttl_ms = ttl_ms
        self.version: int | None = None
        """The version (fencing token) of our current grant, None when we hold nothing."""

    async def acquire(self) -> int:
        """Wait until this node holds the lock; return the version of the lock key."""
        while True:
            version = await self.kv.put(self.key, self.node.name, ttl_ms=self.ttl_ms, if_absent=True)
            if version is not None:
                self.version = version
                return version
            await self.node.sleep(RETRY_MS)

    async def release(self) -> bool:
        """Free the lock; True if it was released (only if the key still names this node)."""
        self.version = None
        return await self.kv.delete(self.key, if_value=self.node.name)

    async def renew(self) -> int | None:
        """Extend our lease; the new version (a fresh fencing token), or None if we lost the lock."""
        if self.version is None:
            return None
        self.version = await self.kv.put(self.key, self.node.name, ttl_ms=self.ttl_ms, if_version=self.version)
        return self.version


async def compute_section(node: Node, section: str, run: int) -> str:
    """Crunch the numbers for one section (takes a while)."""
    await node.sleep(node.rng.randint(40, 80))
    return f"run {run} {section} by {node.name}"


async def scheduler(node: Node, kv: Client, storage: Client) -> None:
    """One scheduler node: for each run, take the lock and write the report."""
    lock = Lock(node, kv)
    for run in range(1, RUNS + 1):
        await lock.acquire()
        node.log(f"run {run}: got the lock")
        try:
            for section in SECTIONS:
                token = await lock.renew()
                if token is None:
                    node.log(f"run {run}: lost the lock before {section}; stopping")
                    break
                content = await compute_section(node, section, run)
                try:
                    await storage.write(f"report/{section}", content, fence=token)
                except Rejected:
                    node.log(f"run {run}: storage refused fence {token}; a newer holder is writing")
                    break
        finally:
            await lock.release()
        await node.sleep(node.rng.randint(50, 150))


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(9, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
