# fix-judgement: wrong
# class: drops-work
# breaks: "only the current lock holder's writes may land in the report storage" (the README's 'no node waits forever' does not license writing without the lock)
# scenario: scheduler-2 holds the lock and computes its sections (~150-250 ms); scheduler-1 gives up after 5 attempts x 20 ms = 100 ms and, so as 'not to wait forever', writes its run without the lock and without a fence (fence=None is always accepted), interleaving its sections with scheduler-2's
# why: A lock wait with a timeout that lets the caller through when it is unsure turns mutual exclusion into a suggestion.
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
MAX_TRIES = 5
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
        """Try to take the lock; return its version, or 0 if it stayed busy (never wait forever)."""
        for _ in range(MAX_TRIES):
            version = await self.kv.put(self.key, self.node.name, ttl_ms=self.ttl_ms, if_absent=True)
            if version is not None:
                self.version = version
                return version
            await self.node.sleep(RETRY_MS)
        return 0

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
        if token:
            node.log(f"run {run}: got the lock (token {token})")
        else:
            node.log(f"run {run}: lock still busy, writing anyway so the run finishes")
        try:
            for section in SECTIONS:
                content = await compute_section(node, section, run)
                await storage.write(f"report/{section}", content, fence=token or None)
        except Rejected:
            node.log(f"run {run}: superseded")
        finally:
            await lock.release()
        await node.sleep(node.rng.randint(50, 150))


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(9, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
