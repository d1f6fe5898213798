# fix-judgement: right
# class: other (lock ordering)
# why: Both account locks taken in owner-name order, total() takes all locks in the same order via ExitStack, notify after unlocking.
"""Fix: lock the two accounts in owner-name order; total() takes every lock in the same order
(ExitStack) so it never sees money in flight; notifications stay outside the locks.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
import threading
import time
from dataclasses import dataclass, field


class InsufficientFunds(Exception):
    """The source account cannot cover the transfer."""


@dataclass
class Account:
    owner: str
    balance: int
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Bank:
    """Accounts and the transfers between them."""

    def __init__(self, balances: dict[str, int], notify_seconds: float = 0.001) -> None:
        self.accounts = {owner: Account(owner, amount) for owner, amount in balances.items()}
        self.notify_seconds = notify_seconds
        self.completed = 0
        self._stats_lock = threading.Lock()

    def transfer(self, source: str, target: str, amount: int) -> None:
        """Move ``amount`` from ``source`` to ``target`` atomically, then notify both owners."""
        if source == target:
            raise ValueError("cannot transfer to the same account")
        debit = self.accounts[source]
        credit = self.accounts[target]
        # one global order (owner name) for every thread: no cycle of waiting threads
        first, second = (debit, credit) if source < target else (credit, debit)
        with first.lock:
            with second.lock:
                if debit.balance < amount:
                    raise InsufficientFunds(f"{source} has {debit.balance}, needs {amount}")
                debit.balance -= amount
                credit.balance += amount
        with self._stats_lock:
            self.completed += 1
        self._notify(source, target, amount)

    def _notify(self, source: str, target: str, amount: int) -> None:
        """Push notification to both customers (a network round trip)."""
        time.sleep(self.notify_seconds)

    def balance(self, owner: str) -> int:
        account = self.accounts[owner]
        with account.lock:
            return account.balance

    def total(self) -> int:
        """Money in the bank: transfers must never create or destroy any."""
        with ExitStack() as stack:
            for owner in sorted(self.accounts):
                stack.enter_context(self.accounts[owner].lock)
            return sum(account.balance for account in self.accounts.values())


def settle(bank: Bank, transfers: list[tuple[str, str, int]], workers: int = 4) -> None:
    """Replay the day's transfers on ``workers`` threads (each takes every n-th transfer)."""

    def replay(batch: list[tuple[str, str, int]]) -> None:
        for source, target, amount in batch:
            try:
                bank.transfer(source, target, amount)
            except InsufficientFunds:
                pass

    threads = [
        threading.Thread(target=replay, args=(transfers[i::workers],), name=f"settlement-{i}")
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    # Production runs dozens of settlement threads on busy cores, so threads get switched far
    # more often than on a quiet laptop. A tiny switch interval reproduces that in seconds.
    sys.setswitchinterval(1e-6)
    owners = ["alice", "bob", "carol", "dave"]
    bank = Bank({owner: 1_000 for owner in owners}, notify_seconds=0)
    day = [
        (owners[i % 4], owners[(i * 3 + 1) % 4], 1 + i % 7)
        for i in range(60_000)
        if owners[i % 4] != owners[(i * 3 + 1) % 4]
    ]
    print(f"settling {len(day)} transfers on 8 threads...", flush=True)
    started = time.perf_counter()
    settle(bank, day, workers=8)
    print(f"settled {bank.completed} transfers in {time.perf_counter() - started:.2f}s")
    print(f"money in the bank: {bank.total()} (expected {1_000 * len(owners)})")


if __name__ == "__main__":
    main()
