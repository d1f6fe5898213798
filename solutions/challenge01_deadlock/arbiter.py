"""Solution (single arbiter thread) — ledger service of a small neobank.

One "teller" thread owns every balance; transfers are requests sent to it through a queue.
Only one thread ever touches balances, so there are no account locks to take in the wrong
order. Callers still notify customers on their own threads, so the slow part stays parallel.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class InsufficientFunds(Exception):
    """The source account cannot cover the transfer."""


@dataclass
class Account:
    owner: str
    balance: int


_STOP = None

Operation = Callable[[], object]


class Bank:
    """Accounts and the transfers between them, applied by one teller thread."""

    def __init__(self, balances: dict[str, int], notify_seconds: float = 0.001) -> None:
        self.accounts = {owner: Account(owner, amount) for owner, amount in balances.items()}
        self.notify_seconds = notify_seconds
        self.completed = 0
        self._requests: queue.Queue[tuple[Operation, queue.Queue[object]] | None] = queue.Queue()
        self._teller = threading.Thread(target=self._serve, name="teller", daemon=True)
        self._teller.start()

    def _serve(self) -> None:
        """The only thread that reads or writes balances: runs operations one at a time."""
        while (request := self._requests.get()) is not _STOP:
            operation, reply = request
            try:
                reply.put(operation())
            except Exception as error:  # handed back to the caller, who re-raises it
                reply.put(error)

    def _ask(self, operation: Operation) -> object:
        """Run ``operation`` on the teller thread and return (or raise) its result."""
        if not self._teller.is_alive():  # closed: no teller, no concurrent writer left
            return operation()
        reply: queue.Queue[object] = queue.Queue(maxsize=1)
        self._requests.put((operation, reply))
        result = reply.get()
        if isinstance(result, Exception):
            raise result
        return result

    def transfer(self, source: str, target: str, amount: int) -> None:
        """Have the teller move ``amount``, then notify both owners on this thread."""
        if source == target:
            raise ValueError("cannot transfer to the same account")
        debit, credit = self.accounts[source], self.accounts[target]

        def move() -> None:
            if debit.balance < amount:
                raise InsufficientFunds(f"{source} has {debit.balance}, needs {amount}")
            debit.balance -= amount
            credit.balance += amount
            self.completed += 1

        self._ask(move)
        self._notify(source, target, amount)

    def _notify(self, source: str, target: str, amount: int) -> None:
        """Push notification to both customers (a network round trip)."""
        time.sleep(self.notify_seconds)

    def balance(self, owner: str) -> int:
        """Reads go through the teller too, so they never see a half-applied transfer."""
        return int(self._ask(lambda: self.accounts[owner].balance))  # type: ignore[call-overload]

    def total(self) -> int:
        """Money in the bank: transfers must never create or destroy any."""
        return int(self._ask(lambda: sum(a.balance for a in self.accounts.values())))  # type: ignore[call-overload]

    def close(self) -> None:
        """Stop the teller thread once it has answered every queued request."""
        self._requests.put(_STOP)
        self._teller.join()


def settle(bank: Bank, transfers: list[tuple[str, str, int]], workers: int = 4) -> None:
    """Replay the day's transfers on ``workers`` threads (each takes every n-th transfer)."""

    def replay(batch: list[tuple[str, str, int]]) -> None:
        for source, target, amount in batch:
            with contextlib.suppress(InsufficientFunds):
                bank.transfer(source, target, amount)

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
    bank.close()
    print(f"settled {bank.completed} transfers in {time.perf_counter() - started:.2f}s")
    print(f"money in the bank: {bank.total()} (expected {1_000 * len(owners)})")


if __name__ == "__main__":
    main()
