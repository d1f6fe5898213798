# fix-judgement: right
# class: n/a
# idiom: client-side lease deadline measured from when the acquire request was SENT (minus a safety margin) as an early stop, plus the fencing token on every write and delete(if_version=...)
# why: The local deadline is conservative (the lease started no earlier than the send time), so the node stops before its lease ends in the normal case; a pause that defeats the deadline check is still caught by storage's fence check.
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
SAFETY_MS = 60
"""Stop writing this long before our lease could have run out."""
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
        self.deadline = 0
        """The version (fencing token) of our current grant, None when we hold nothing."""

    async def acquire(self) -> int:
        """Wait until this node holds the lock; return the version of the lock key."""
        while True:
            sent = self.node.now
            version = await self.kv.put(self.key, self.node.name, ttl_ms=self.ttl_ms, if_absent=True)
            if version is not None:
                self.version = version
                self.deadline = sent + self.ttl_ms - SAFETY_MS
                return version
            await self.node.sleep(RETRY_MS)

    def still_valid(self) -> bool:
        """False once our lease may have expired (judged from the send time, never the reply)."""
        return self.version is not None and self.node.now < self.deadline

    async def release(self) -> bool:
        """Free the lock; True if it was released (only the grant we hold, never a newer one)."""
        if self.version is None:
            return False
        version, self.version = self.version, None
        return await self.kv.delete(self.key, if_version=version)


async def compute_section(node: Node, section: str, run: int) -> str:
    """Crunch the numbers for one section (takes a while)."""
    await node.sleep(node.rng.randint(40, 80))
    return f"run {run} {section} by {node.name}"


async def scheduler(node: Node, kv: Client, storage: Client) -> None:
    """One scheduler node: for each run, take the lock and write the report."""
    lock = Lock(node, kv)
    for run in range(1, RUNS + 1):
        token = await lock.acquire()
        node.log(f"run {run}: got the lock (token {token})")
        try:
            for section in SECTIONS:
                content = await compute_section(node, section, run)
                if not lock.still_valid():
                    node.log(f"run {run}: lease about to run out; leaving the rest to the next holder")
                    break
                await storage.write(f"report/{section}", content, fence=token)
        except Rejected:
            node.log(f"run {run}: storage refused token {token}; a newer holder exists")
        finally:
            await lock.release()
        await node.sleep(node.rng.randint(50, 150))


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(9, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
