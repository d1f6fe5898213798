"""Challenge 1: the bank that froze (lock-ordering deadlock across transfers)."""

from __future__ import annotations

import functools
import threading
from types import ModuleType

from evaluator.contracts import outcome_of, serial_explanation, unexplained_evidence
from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, PerformanceCheck, ScheduleCheck, expect, settles


def _close(bank: object) -> None:
    """Stop helper threads of solutions that have them (an arbiter); the original has none."""
    close = getattr(bank, "close", None)
    if callable(close):
        close()


Transfer = tuple[str, str, int]


def _model(
    balances: dict[str, int], transfer: Transfer
) -> tuple[dict[str, int], tuple[str, object]]:
    """The README's transfer, one at a time: refused when the source cannot pay, else money moves."""
    source, target, amount = transfer
    if balances[source] < amount:
        return balances, ("raised", "InsufficientFunds")
    after = dict(balances)
    after[source] -= amount
    after[target] += amount
    return after, ("ok", None)


def _run_transfers(
    mod: ModuleType,
    balances: dict[str, int],
    transfers: list[Transfer],
    then: list[Transfer] = (),  # type: ignore[assignment]
) -> None:
    """One thread per transfer, all started together (then ``then`` one by one). The outcome must
    be that of *some* serial order: every transfer applied exactly once or refused with
    InsufficientFunds when the money was not there, no money created or destroyed, no balance
    below zero, no other error."""
    bank = mod.Bank(dict(balances), notify_seconds=0)
    outcomes: list[tuple[str, object]] = [("not run", None)] * len(transfers)

    def attempt(index: int, transfer: Transfer) -> None:
        outcomes[index] = outcome_of(functools.partial(bank.transfer, *transfer))

    threads = [
        threading.Thread(target=attempt, args=(i, t), name=f"transfer-{t[0]}-{t[1]}")
        for i, t in enumerate(transfers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes += [outcome_of(functools.partial(bank.transfer, *t)) for t in then]
    final = {owner: bank.balance(owner) for owner in balances}
    _close(bank)
    ops = [*transfers, *then]
    order = serial_explanation(dict(balances), ops, outcomes, final, _model)
    expect(
        order is not None,
        "no serial order of these transfers gives this outcome: money was lost, created, moved twice, "
        "or a transfer was skipped or refused wrongly",
        f"balances before: {balances}",
        *unexplained_evidence(
            ops, outcomes, final, lambda t: f"transfer({t[0]!r}, {t[1]!r}, {t[2]})"
        ),
    )


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


def competing_debits(mod: ModuleType) -> None:
    """Alice has 10 and pays Bob 10 and Carol 10 at once: exactly one payment goes through."""
    _run_transfers(
        mod,
        {"alice": 10, "bob": 0, "carol": 5},
        [("alice", "bob", 10), ("alice", "carol", 10), ("carol", "alice", 5)],
    )


def refused_transfer_frees_accounts(mod: ModuleType) -> None:
    """A refused transfer (InsufficientFunds) must leave both accounts usable afterwards."""
    _run_transfers(
        mod,
        {"alice": 5, "bob": 5},
        [("alice", "bob", 10), ("bob", "alice", 3)],
        then=[("alice", "bob", 8), ("bob", "alice", 1)],
    )


def auditor_sees_no_money_in_flight(mod: ModuleType) -> None:
    """An auditor reading balances while Alice pays Bob never sees the money missing or doubled."""
    bank = mod.Bank({"alice": 100, "bob": 100}, notify_seconds=0)
    seen: dict[str, tuple[int, int]] = {}

    def pay() -> None:
        bank.transfer("alice", "bob", 30)

    def audit_source_first() -> None:
        alice = bank.balance("alice")
        seen["alice, then bob"] = (alice, bank.balance("bob"))

    def audit_target_first() -> None:
        bob = bank.balance("bob")
        seen["bob, then alice"] = (bank.balance("alice"), bob)

    threads = [
        threading.Thread(target=f, name=f.__name__)
        for f in (pay, audit_source_first, audit_target_first)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _close(bank)
    alice, bob = seen["alice, then bob"]
    # Reading the source first, an atomic transfer can only show the old or the new total, or
    # the source before and the target after (more money); less money means money in flight.
    expect(
        alice + bob >= 200 and min(alice, bob) >= 0,
        f"an auditor saw alice={alice}, bob={bob} (total {alice + bob}, the bank holds 200): "
        "money was in flight between the two accounts",
        "the auditor read alice first, then bob: alice was already debited but bob not yet credited",
    )
    alice, bob = seen["bob, then alice"]
    expect(
        alice + bob <= 200 and min(alice, bob) >= 0,
        f"an auditor saw alice={alice}, bob={bob} (total {alice + bob}, the bank holds 200): "
        "money was in flight between the two accounts",
        "the auditor read bob first, then alice: bob was already credited but alice not yet debited",
    )


def audit_during_a_transfer(mod: ModuleType, owners: tuple[str, str]) -> None:
    """An auditor sums the bank (``total()``) while zoe pays adam, in a bank whose accounts were
    opened in the order ``owners``. The check runs with both orders: however ``transfer`` and
    ``total`` take the account locks, neither may wait for the other forever."""
    bank = mod.Bank(dict.fromkeys(owners, 100), notify_seconds=0)
    threads = [
        threading.Thread(target=bank.transfer, args=("zoe", "adam", 10), name="transfer-zoe-adam"),
        threading.Thread(target=bank.total, name="auditor"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expect(bank.total() == 200, f"the bank holds {bank.total()} after the audit, not 200")
    _close(bank)


def notifications_outside_locks(mod: ModuleType) -> None:
    """Two transfers touching the same account, with slow notifications: nobody may wait for a
    lock while its holder sends a notification."""
    bank = mod.Bank({"alice": 100, "bob": 100, "carol": 100}, notify_seconds=0.002)
    threads = [
        threading.Thread(target=bank.transfer, args=t, name=f"transfer-{t[0]}-{t[1]}")
        for t in [("alice", "bob", 10), ("bob", "carol", 10), ("carol", "alice", 10)]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _close(bank)


def unrelated_transfer_passes_a_busy_account(mod: ModuleType) -> None:
    """Alice's account is busy (someone holds its lock: a long audit) while Alice pays Bob and
    Carol pays Dave: Carol's transfer shares no account with Alice's and must complete without
    waiting for Alice's lock, directly or through a bank-wide lock Alice's transfer holds."""
    bank = mod.Bank({"alice": 100, "bob": 100, "carol": 100, "dave": 100}, notify_seconds=0)
    busy = getattr(bank.accounts["alice"], "lock", None)
    if busy is None or not hasattr(
        busy, "acquire"
    ):  # no per-account locks (an arbiter): nothing to hold
        _close(bank)
        return
    finished: list[str] = []

    def pay_dave() -> None:
        bank.transfer("carol", "dave", 10)
        finished.append("carol")

    with busy:
        blocked = threading.Thread(
            target=bank.transfer, args=("alice", "bob", 10), name="transfer-alice-bob"
        )
        unrelated = threading.Thread(target=pay_dave, name="transfer-carol-dave")
        blocked.start()
        unrelated.start()
        done = settles(lambda: bool(finished) or not unrelated.is_alive())
    blocked.join()
    unrelated.join()
    _close(bank)
    expect(
        done,
        "transfer carol->dave waited while alice's account lock was held elsewhere: unrelated transfers "
        "wait for each other",
        "alice's lock was held (a long audit) while alice->bob and carol->dave ran; carol->dave shares no "
        "account with it, yet it could not finish until alice's lock was free",
        "a bank-wide lock held while waiting for (or holding) an account lock makes every transfer wait "
        "for the slowest account",
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
            max_schedules=120,
            kind=FindingKind.INVARIANT,
            hint="Two transfers in opposite directions each hold one account lock and wait for the other.",
        ),
        ScheduleCheck(
            "a ring of three transfers",
            ring_of_transfers,
            max_schedules=120,
            kind=FindingKind.INVARIANT,
            hint="A fix that only handles two accounts can still deadlock with three.",
        ),
        ScheduleCheck(
            "competing payments from one account",
            competing_debits,
            max_schedules=120,
            kind=FindingKind.RACE,
            hint="Check the balance and move the money while holding both account locks, as one step.",
        ),
        ScheduleCheck(
            "a refused transfer frees its accounts",
            refused_transfer_frees_accounts,
            max_schedules=60,
            kind=FindingKind.INVARIANT,
            hint="InsufficientFunds must reach the caller, and every lock taken must be released on that path too.",
        ),
        ScheduleCheck(
            "no money in flight",
            auditor_sees_no_money_in_flight,
            max_schedules=120,
            kind=FindingKind.RACE,
            hint="Debit and credit must happen while both account locks are held, never one after the other.",
        ),
        *(
            ScheduleCheck(
                f"an audit while transfers run (accounts opened {label})",
                functools.partial(audit_during_a_transfer, owners=owners),
                max_schedules=40,
                kind=FindingKind.DEADLOCK,
                hint="Every method that takes several account locks (total() too) must take them "
                "in the same global order.",
            )
            for label, owners in (("a-z", ("adam", "zoe")), ("z-a", ("zoe", "adam")))
        ),
        ScheduleCheck(
            "notifications are sent with no lock held",
            notifications_outside_locks,
            max_schedules=30,
            kind=FindingKind.LOCK_HELD_DURING_IO,
            hint="Release the account locks before the notification: it is a slow network call.",
        ),
        ScheduleCheck(
            "a busy account does not hold up unrelated transfers",
            unrelated_transfer_passes_a_busy_account,
            max_schedules=8,  # the wait is structural: it shows in the first schedule that has it
            kind=FindingKind.SERIALIZED,
            hint="Unrelated transfers must not meet on a shared lock while one of them waits for an account.",
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
    time_budget_seconds=60.0,
)
