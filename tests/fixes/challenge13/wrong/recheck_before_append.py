# fix-judgement: wrong
# class: new-race
# breaks: folding the stream never gives a negative balance
# scenario: Loads, then loads again right before appending and only appends if the balance still covers the amount. Teller-2's second load and teller-3's second load both finish (both see 50) before either append arrives; both append withdrawn 40 -> -30.
# why: Double-checking is still check-then-act across two network round trips; nothing makes the append conditional on what was checked.
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

from simworld import Client, Node

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

    async def _record(self, balance: int, event: dict[str, Any]) -> None:
        """Append ``event`` to the state ``balance`` we loaded; snapshot now and then."""
        new_version = await self.events.append(self.id, [event])
        if new_version % SNAPSHOT_EVERY == 0:
            await self.kv.put(f"snapshot/{self.id}", (apply(balance, event), new_version))

    async def deposit(self, amount: int) -> None:
        balance, _ = await self.load()
        await self._record(balance, {"type": "deposited", "amount": amount})

    async def withdraw(self, amount: int) -> bool:
        """Take money out if the balance covers it; True if it was withdrawn."""
        balance, _ = await self.load()
        if balance < amount:
            return False
        balance, _ = await self.load()  # check again just before writing: someone may have withdrawn
        if balance < amount:
            return False
        await self._record(balance, {"type": "withdrawn", "amount": amount})
        return True

    async def balance(self) -> int:
        return (await self.load())[0]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(13, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
