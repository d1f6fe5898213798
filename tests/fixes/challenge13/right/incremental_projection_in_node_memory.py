# fix-judgement: right
# class: other
# idiom: an in-node projection cache (node.memory) of (balance, version) per account, advanced by replaying only newer events from the store on every load, plus expected_version appends
# why: The cache is only ever a correct prefix state (it is updated from the store's events or from our own accepted append), and every decision is fenced by expected_version, so answers equal a replay at the read moment.
"""Bank accounts, event-sourced.

An account is a stream of events in the event store; its balance is the fold of ``apply``
over those events. To load quickly, every few events the state is snapshotted in the KV store
and later loads replay only the events after the snapshot. Tellers on several nodes serve
customers at the same time. Everything runs in the simulated world (see
simworld/README.md).
"""

from __future__ import annotations

import sys
from typing import Any

from simworld import Client, Node, Rejected

SNAPSHOT_EVERY = 4


def apply(balance: int, event: dict[str, Any]) -> int:
    """The balance after one event (this fold defines the account)."""
    if event["type"] == "deposited":
        return balance + event["amount"]
    if event["type"] == "withdrawn":
        return balance - event["amount"]
    raise ValueError(f"unknown event {event['type']!r}")


class Account:
    """Commands and queries on one account stream."""

    def __init__(self, node: Node, events: Client, kv: Client, account_id: str) -> None:
        self.node = node
        self.events = events
        self.kv = kv
        self.id = account_id

    async def load(self) -> tuple[int, int]:
        """(balance, version): start from the newest of our cached projection and the snapshot,
        replay the events after it."""
        cache: dict[str, tuple[int, int]] = self.node.memory.setdefault("projections", {})
        balance, version = cache.get(self.id, (0, 0))
        if self.id not in cache:
            snapshot = await self.kv.get(f"snapshot/{self.id}")
            if snapshot is not None and snapshot.value[1] > version:
                balance, version = snapshot.value
        for version, event in await self.events.read(self.id, version + 1):
            balance = apply(balance, event)
        newest = self.node.memory.setdefault("projections", {}).get(self.id, (0, 0))
        if version > newest[1]:
            self.node.memory["projections"][self.id] = (balance, version)
        return balance, version

    async def _record(self, balance: int, event: dict[str, Any], expected_version: int | None = None) -> None:
        """Append ``event`` on top of ``expected_version``; remember the new state; snapshot now and then."""
        new_version = await self.events.append(self.id, [event], expected_version=expected_version)
        state = apply(balance, event)
        cache = self.node.memory.setdefault("projections", {})
        if new_version > cache.get(self.id, (0, 0))[1]:
            cache[self.id] = (state, new_version)
        if new_version % SNAPSHOT_EVERY == 0:
            await self.kv.put(f"snapshot/{self.id}", (state, new_version))

    async def deposit(self, amount: int) -> None:
        while True:
            balance, version = await self.load()
            try:
                await self._record(balance, {"type": "deposited", "amount": amount}, version)
                return
            except Rejected:
                continue  # someone appended since our load: reload and try again

    async def withdraw(self, amount: int) -> bool:
        """Take money out if the balance covers it; True if it was withdrawn."""
        while True:
            balance, version = await self.load()
            if balance < amount:
                return False
            try:
                await self._record(balance, {"type": "withdrawn", "amount": amount}, version)
                return True
            except Rejected:
                continue  # the balance we checked is stale: reload and decide again

    async def balance(self) -> int:
        return (await self.load())[0]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(13, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
