"""The nightly report job — solution: a renewed lease with an ownership check before each write.

A background task renews the lease (a conditional put: only while the key is still ours)
well before it expires. Before every write the holder checks, on its own clock, that the
lease is still valid long enough for the write to arrive: the deadline is counted from when
the last successful acquire/renew was *sent* minus the network's worst-case delay, so it is
never later than the store's real expiry. After a pause the deadline has passed and the node
stops writing. Release deletes the key only if it still holds it.

Three scheduler nodes wake up for every run of the nightly report. Only one of them may write
the report at a time, so they take a lock in the shared key-value store first, write the
report section by section, and release the lock. Everything runs in the simulated world
(see simworld/README.md): ``await`` sim operations only.
"""

from __future__ import annotations

import sys

from simworld import Client, Node

LOCK_KEY = "locks/nightly-report"
LOCK_TTL_MS = 300
"""The lock frees itself this long after it was taken, in case its holder dies."""
RETRY_MS = 20
RENEW_EVERY_MS = 80
MAX_NET_DELAY_MS = 10
"""The simulated network's bound on one message's delay (simworld/README.md)."""


class LeaseLost(Exception):
    """Our lease may have expired: stop acting as the holder."""
SECTIONS = ("sales", "refunds", "inventory")
RUNS = 3


class Lock:
    """A lease in the key-value store, renewed while held, checked before every action."""

    def __init__(self, node: Node, kv: Client, key: str = LOCK_KEY, ttl_ms: int = LOCK_TTL_MS) -> None:
        self.node = node
        self.kv = kv
        self.key = key
        self.ttl_ms = ttl_ms
        self.held = False
        self.valid_until = 0

    def _extend(self, sent_at: int) -> None:
        # the store's expiry is (arrival + ttl) >= (sent_at + ttl); keep room for our next write to arrive
        self.valid_until = sent_at + self.ttl_ms - 2 * MAX_NET_DELAY_MS

    async def acquire(self) -> None:
        """Wait until this node holds the lease, then keep renewing it in the background."""
        while True:
            sent_at = self.node.now
            version = await self.kv.put(self.key, self.node.name, ttl_ms=self.ttl_ms, if_absent=True)
            if version is not None:
                self.held = True
                self._extend(sent_at)
                self.node.start(self._renew, name=f"{self.node.name}/renew")
                return
            await self.node.sleep(RETRY_MS)

    async def _renew(self) -> None:
        while self.held:
            await self.node.sleep(RENEW_EVERY_MS)
            if not self.held:
                return
            sent_at = self.node.now
            version = await self.kv.put(self.key, self.node.name, ttl_ms=self.ttl_ms, if_value=self.node.name)
            if version is None:
                self.held = False  # someone else holds it now (or it expired): we lost it
            elif self.held:
                self._extend(sent_at)

    def check(self) -> None:
        """Raise LeaseLost unless the lease surely outlives a message sent right now."""
        if not self.held or self.node.now >= self.valid_until:
            raise LeaseLost(f"lease not valid at t={self.node.now}ms (valid until t={self.valid_until}ms)")

    async def release(self) -> bool:
        """Stop renewing and free the lease if it is still ours."""
        self.held = False
        return await self.kv.delete(self.key, if_value=self.node.name)


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
                content = await compute_section(node, section, run)
                lock.check()  # no await between the check and sending the write
                await storage.write(f"report/{section}", content)
        except LeaseLost as lost:
            node.log(f"run {run}: {lost}; abandoning this run")
        finally:
            await lock.release()
        await node.sleep(node.rng.randint(50, 150))


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(9, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
