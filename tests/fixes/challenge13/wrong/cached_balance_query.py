# fix-judgement: wrong
# class: weak-consistency
# breaks: every balance() answer equals the replayed balance at some moment during that call
# scenario: Commands are fixed with expected_version, but balance() answers from a per-node cache (node.memory) filled by this teller's own loads/appends. Teller-1 caches acct-2 = 78; teller-2 then withdraws 36; teller-1's balance() answers 78 while every replay during the call gives 42.
# why: Read-your-own-writes on one node is weaker than the story's promise: queries must reflect the stream at the time of the call.
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
        """(balance, version): start from the latest snapshot, replay the events after it."""
        snapshot = await self.kv.get(f"snapshot/{self.id}")
        balance, version = snapshot.value if snapshot is not None else (0, 0)
        for version, event in await self.events.read(self.id, version + 1):
            balance = apply(balance, event)
        return balance, version

    async def _record(self, balance: int, event: dict[str, Any], expected_version: int | None = None) -> None:
        """Append ``event`` to the state ``balance`` we loaded at ``expected_version``; snapshot
        now and then. Raises Rejected when another teller appended since that load."""
        new_version = await self.events.append(self.id, [event], expected_version=expected_version)
        if new_version % SNAPSHOT_EVERY == 0:
            await self.kv.put(f"snapshot/{self.id}", (apply(balance, event), new_version))

    async def _load_and_cache(self) -> tuple[int, int]:
        balance, version = await self.load()
        self.node.memory[f"balance/{self.id}"] = balance
        return balance, version

    async def deposit(self, amount: int) -> None:
        while True:
            balance, version = await self._load_and_cache()
            try:
                await self._record(balance, {"type": "deposited", "amount": amount}, version)
                self.node.memory[f"balance/{self.id}"] = balance + amount
                return
            except Rejected:
                continue

    async def withdraw(self, amount: int) -> bool:
        """Take money out if the balance covers it; True if it was withdrawn."""
        while True:
            balance, version = await self._load_and_cache()
            if balance < amount:
                return False
            try:
                await self._record(balance, {"type": "withdrawn", "amount": amount}, version)
                self.node.memory[f"balance/{self.id}"] = balance - amount
                return True
            except Rejected:
                continue

    async def balance(self) -> int:
        cached = self.node.memory.get(f"balance/{self.id}")
        if cached is not None:
            return int(cached)  # no need to hit the event store again
        return (await self._load_and_cache())[0]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(13, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
