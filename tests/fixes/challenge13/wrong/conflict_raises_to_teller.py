# fix-judgement: wrong
# class: happy-path-only
# breaks: every teller finishes its work
# scenario: Adds expected_version but no retry: when teller-1 and teller-3 both append at version 5, one append raises Rejected, which escapes deposit()/withdraw() and kills that teller's task ('task teller-3/main crashed: Rejected'); its remaining customers are never served.
# why: Only the no-conflict path works; an optimistic-concurrency conflict is an expected outcome that must be retried, not an error for the caller.
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

    async def _record(self, balance: int, event: dict[str, Any], expected_version: int | None = None) -> None:
        """Append ``event`` to the state ``balance`` we loaded at ``expected_version``; snapshot
        now and then. Raises Rejected when another teller appended since that load."""
        new_version = await self.events.append(self.id, [event], expected_version=expected_version)
        if new_version % SNAPSHOT_EVERY == 0:
            await self.kv.put(f"snapshot/{self.id}", (apply(balance, event), new_version))

    async def deposit(self, amount: int) -> None:
        balance, version = await self.load()
        await self._record(balance, {"type": "deposited", "amount": amount}, version)

    async def withdraw(self, amount: int) -> bool:
        """Take money out if the balance covers it; True if it was withdrawn."""
        balance, version = await self.load()
        if balance < amount:
            return False
        await self._record(balance, {"type": "withdrawn", "amount": amount}, version)
        return True

    async def balance(self) -> int:
        return (await self.load())[0]


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(13, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
