"""Challenge 2: the concert sold twice (check-then-act and lost update)."""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, PerformanceCheck, ScheduleCheck, expect


def _office(mod: ModuleType, capacity: int, latency: float = 0.0, declined: frozenset[str] = frozenset()) -> object:
    return mod.BoxOffice(capacity=capacity, price=50, payments=mod.PaymentGateway(latency, declined))


def _close(office: object) -> None:
    """Stop helper threads of solutions that have them (a clerk); the original has none."""
    close = getattr(office, "close", None)
    if callable(close):
        close()


def _customers(mod: ModuleType, office: object, wants: list[tuple[str, int]]) -> dict[str, object]:
    """Run one thread per customer; return each customer's booking or exception."""
    outcome: dict[str, object] = {}

    def attempt(name: str, seats: int) -> None:
        try:
            outcome[name] = office.book(name, seats)  # type: ignore[attr-defined]
        except (mod.SoldOut, mod.PaymentDeclined) as error:
            outcome[name] = error

    threads = [threading.Thread(target=attempt, args=want, name=want[0]) for want in wants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def _ledger_consistent(office: object, capacity: int, outcome: dict[str, object], booking_type: type[Any]) -> None:
    sold = sum(b.seats for b in outcome.values() if isinstance(b, booking_type))
    available = office.available  # type: ignore[attr-defined]
    expect(sold <= capacity, f"oversold: {sold} seats sold for a show of {capacity}",
           *(f"{name}: {result}" for name, result in sorted(outcome.items())))
    expect(available >= 0, f"available seats went negative: {available}")
    expect(available + sold == capacity,
           f"seats lost or duplicated: {sold} sold + {available} available != capacity {capacity}")


def last_seats(mod: ModuleType) -> None:
    """Three seats left, two fans want two each: exactly one of them may get them."""
    office = _office(mod, capacity=3)
    outcome = _customers(mod, office, [("ana", 2), ("ben", 2)])
    _close(office)
    _ledger_consistent(office, 3, outcome, mod.Booking)


def booking_numbers(mod: ModuleType) -> None:
    """Bookings made at the same time must get distinct booking numbers."""
    office = _office(mod, capacity=10)
    outcome = _customers(mod, office, [("ana", 1), ("ben", 1), ("cho", 1)])
    _close(office)
    numbers = [b.number for b in outcome.values() if isinstance(b, mod.Booking)]
    expect(len(numbers) == len(set(numbers)), f"two bookings share a number: {sorted(numbers)}",
           "both fans were charged, and the venue's scanner will reject one of the tickets")
    _ledger_consistent(office, 10, outcome, mod.Booking)


def declined_card(mod: ModuleType) -> None:
    """A refused card must give its seats back: afterwards the next fan can book them."""
    office = _office(mod, capacity=2, declined=frozenset({"mallory"}))
    outcome = _customers(mod, office, [("mallory", 2), ("ana", 2)])
    if not isinstance(outcome["ana"], mod.Booking):
        # Refusing ana while mallory's payment was pending is fine; keeping the seats is not.
        outcome.update(_customers(mod, office, [("ana", 2)]))
    _close(office)
    expect(isinstance(outcome["ana"], mod.Booking),
           f"ana could not book the 2 free seats ({outcome['ana']!r}) after mallory's card was declined")
    _ledger_consistent(office, 2, outcome, mod.Booking)


def rush_hour(mod: ModuleType) -> None:
    """Eight fans book at once; payments (4 ms each) must overlap, not queue behind a lock."""
    office = _office(mod, capacity=100, latency=0.004)
    _customers(mod, office, [(f"fan-{i}", 2) for i in range(8)])
    _customers(mod, office, [(f"late-{i}", 2) for i in range(8)])
    _close(office)


SPEC = ChallengeSpec(
    number=2,
    slug="race",
    title="The concert sold twice",
    summary="A box office oversells seats and hands out duplicate booking numbers under load.",
    concepts=("race condition", "check-then-act", "lost update", "critical section"),
    difficulty=2,
    intended=FindingKind.RACE,
    checks=(
        ScheduleCheck("the last seats", last_seats, max_seconds=0.4,
                      hint="Between the seat check and the decrement, another fan can pass the same check."),
        ScheduleCheck("distinct booking numbers", booking_numbers, max_seconds=0.4,
                      hint="Reading next_number and writing it back are two steps; another thread can run in between."),
        ScheduleCheck("a declined card frees its seats", declined_card, max_seconds=0.4,
                      hint="If you reserve before charging, a declined payment must give the seats back."),
        PerformanceCheck("payments overlap", rush_hour, reference="reserve_then_pay",
                         hint="Do not hold a lock while waiting for the payment provider."),
    ),
    hints=(
        "Run `learn check 2` and read the interleaving: which two lines of `book` did the two threads run in between each other?",
        "`if self.available < seats` and `self.available -= seats` are separate steps (check-then-act); so are reading and writing `next_number` (a lost update). Each pair must become one atomic step.",
        "A lock around the whole `book` is correct but serializes every payment. Which part needs protecting, and which part is just slow?",
        "Reserve the seats (check and decrement) under a lock, charge the card with no lock held, give the seats back if the card is declined, then take the booking number and append the booking under the lock.",
    ),
)
