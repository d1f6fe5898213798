# fix-judgement: right
# class: n/a
# idiom: an async context manager (__aenter__/__aexit__) that yields the fencing token and always releases its own grant with delete(if_version=...); Rejected is suppressed by __aexit__
# why: Release is tied to the exact grant taken in __aenter__, so it can never free a newer holder's lock, and every write carries that grant's version as a fence.
"""The nightly report job.

Three scheduler nodes wake up for every run of the nightly report. Only one of them may write
the report at a time, so they take a lock in the shared key-value store first, write the
report section by section, and release the lock. Everything runs in the simulated world
(see simworld/README.md): ``await`` sim operations only.
"""

from __future__ import annotations

import sys

from types import TracebackType

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

    async def acquire(self) -> int:
        """Wait until this node holds the lock; return the version of the lock key."""
        while True:
            version = await self.kv.put(self.key, self.node.name, ttl_ms=self.ttl_ms, if_absent=True)
            if version is not None:
                return version
            await self.node.sleep(RETRY_MS)

    async def release(self) -> bool:
        """Free the lock; True if it was released."""
        return await self.kv.delete(self.key, if_value=self.node.name)

    def held(self) -> _Holding:
        """``async with lock.held() as token:`` hold the lock for the block; token is the fence."""
        return _Holding(self)


class _Holding:
    """One grant of a :class:`Lock`, released on exit whatever happened inside."""

    def __init__(self, lock: Lock) -> None:
        self.lock = lock
        self.token = 0

    async def __aenter__(self) -> int:
        self.token = await self.lock.acquire()
        return self.token

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> bool:
        await self.lock.kv.delete(self.lock.key, if_version=self.token)
        if exc_type is not None and issubclass(exc_type, Rejected):
            self.lock.node.log(f"grant {self.token} was superseded; its remaining writes were refused")
            return True
        return False


async def compute_section(node: Node, section: str, run: int) -> str:
    """Crunch the numbers for one section (takes a while)."""
    await node.sleep(node.rng.randint(40, 80))
    return f"run {run} {section} by {node.name}"


async def scheduler(node: Node, kv: Client, storage: Client) -> None:
    """One scheduler node: for each run, take the lock and write the report."""
    lock = Lock(node, kv)
    for run in range(1, RUNS + 1):
        async with lock.held() as token:
            node.log(f"run {run}: got the lock (token {token})")
            for section in SECTIONS:
                content = await compute_section(node, section, run)
                await storage.write(f"report/{section}", content, fence=token)
        await node.sleep(node.rng.randint(50, 150))


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(9, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
