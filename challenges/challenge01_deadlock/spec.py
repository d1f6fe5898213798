"""Challenge 1: the bank that froze (lock-ordering deadlock across transfers)."""

from __future__ import annotations

import threading
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, PerformanceCheck, ScheduleCheck, expect


def _close(bank: object) -> None:
    """Stop helper threads of solutions that have them (an arbiter); the original has none."""
    close = getattr(bank, "close", None)
    if callable(close):
        close()


def _run_transfers(mod: ModuleType, balances: dict[str, int], transfers: list[tuple[str, str, int]]) -> None:
    """One thread per transfer, all started together; money must be conserved."""
    bank = mod.Bank(balances, notify_seconds=0)
    threads = [
        threading.Thread(target=bank.transfer, args=t, name=f"transfer-{t[0]}-{t[1]}") for t in transfers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = sum(balances.values())
    total = bank.total()
    _close(bank)
    expect(total == expected, f"money was created or destroyed: total={total}, expected {expected}")


def opposite_transfers(mod: ModuleType) -> None:
    """Alice pays Bob while Bob pays Alice."""
    _run_transfers(mod, {"alice": 100, "bob": 100}, [("alice", "bob", 10), ("bob", "alice", 20)])


def ring_of_transfers(mod: ModuleType) -> None:
    """Alice pays Bob, Bob pays Carol, Carol pays Alice: a three-way cycle."""
    _run_transfers(
        mod,
        {"alice": 50, "bob": 50, "carol": 50},
        [("alice", "bob", 5), ("bob", "carol", 5), ("carol", "alice", 5)],
    )


def parallel_settlement(mod: ModuleType) -> None:
    """8 tellers, each paying between its own two customers: unrelated transfers must overlap."""
    owners = [f"customer-{i}" for i in range(16)]
    bank = mod.Bank(dict.fromkeys(owners, 1_000), notify_seconds=0.004)

    def teller(index: int) -> None:
        source, target = owners[2 * index], owners[2 * index + 1]
        for _ in range(5):
            bank.transfer(source, target, 1)

    threads = [threading.Thread(target=teller, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _close(bank)


SPEC = ChallengeSpec(
    number=1,
    slug="deadlock",
    title="The bank that froze",
    summary="A neobank's settlement job hangs at night: transfers lock two accounts and wait forever.",
    concepts=("locks", "deadlock", "lock ordering", "hold and wait"),
    difficulty=2,
    intended=FindingKind.DEADLOCK,
    checks=(
        ScheduleCheck(
            "opposite transfers",
            opposite_transfers,
            max_seconds=0.6,
            kind=FindingKind.INVARIANT,
            hint="Two transfers in opposite directions each hold one account lock and wait for the other.",
        ),
        ScheduleCheck(
            "a ring of three transfers",
            ring_of_transfers,
            max_seconds=0.6,
            kind=FindingKind.INVARIANT,
            hint="A fix that only handles two accounts can still deadlock with three.",
        ),
        PerformanceCheck(
            "unrelated transfers stay parallel",
            parallel_settlement,
            reference="global_order",
            hint="Do not make the whole bank one critical section: unrelated accounts must not wait for each other.",
        ),
    ),
    hints=(
        "Run `learn run challenge 1` and read where each stuck thread is waiting: which lock does it hold, which does it want?",
        "A deadlock needs a cycle: thread 1 holds alice and waits for bob while thread 2 holds bob and waits for alice. Break any one of the four deadlock conditions.",
        "If every thread took the two account locks in the same order, could a cycle ever form? What order do all transfers agree on, whatever their direction?",
        "Sort the two accounts by a stable key (the owner's name) and lock them in that order; keep the balance check and the move inside both locks, and the notification outside.",
    ),
    time_budget_seconds=8.0,
)
