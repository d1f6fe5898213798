"""Bank accounts, event-sourced — solution: decide on replay (the log is the serialization point).

A withdrawal appends a *request* event unconditionally; whether it is granted is decided by
the fold itself: ``apply`` grants it only if the balance at that point in the stream covers
it. Every reader replays the same stream in the same order, so everyone agrees on every
decision; the teller learns the outcome by folding the stream up to its own event. No
conflicts, no retries. Loads replay only the events *after* the snapshot's version.

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
    if event["type"] == "withdrawal-requested":  # granted only if covered, at this point in the stream
        return balance - event["amount"] if balance >= event["amount"] else balance
    raise ValueError(f"unknown event {event['type']!r}")


class Account:
    """Commands and queries on one account stream."""

    def __init__(self, node: Node, events: Client, kv: Client, account_id: str) -> None:
        self.node = node
        self.events = events
        self.kv = kv
        self.id = account_id

    async def load(self, until: int | None = None) -> tuple[int, int]:
        """(balance, version) after the events up to ``until`` (all if None), from a snapshot."""
        snapshot = await self.kv.get(f"snapshot/{self.id}")
        balance, version = snapshot.value if snapshot is not None else (0, 0)
        if until is not None and version > until:
            balance, version = 0, 0  # the snapshot is past the point we need: replay from the start
        for number, event in await self.events.read(self.id, version + 1):
            if until is not None and number > until:
                break
            balance, version = apply(balance, event), number
        if version % SNAPSHOT_EVERY == 0 and version > 0:
            await self.kv.put(f"snapshot/{self.id}", (balance, version))  # correct at any time: the fold is deterministic
        return balance, version

    async def deposit(self, amount: int) -> None:
        await self.events.append(self.id, [{"type": "deposited", "amount": amount}])

    async def withdraw(self, amount: int) -> bool:
        """Request a withdrawal; True if the stream granted it."""
        version = await self.events.append(self.id, [{"type": "withdrawal-requested", "amount": amount}])
        before, _ = await self.load(until=version - 1)
        return before >= amount

    async def balance(self) -> int:
        return (await self.load())[0]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(13, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
