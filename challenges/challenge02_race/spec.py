"""Challenge 2: the concert sold twice (check-then-act and lost update)."""

from __future__ import annotations

import threading
from types import ModuleType

from evaluator.contracts import serial_explanation
from evaluator.findings import FindingKind
from evaluator.spec import (
    ChallengeSpec,
    CheckContext,
    PerformanceCheck,
    PropertyCheck,
    ScheduleCheck,
    expect,
)


def _office(
    mod: ModuleType, capacity: int, latency: float = 0.0, declined: frozenset[str] = frozenset()
) -> object:
    return mod.BoxOffice(
        capacity=capacity, price=50, payments=mod.PaymentGateway(latency, declined)
    )


def _close(office: object) -> None:
    """Stop helper threads of solutions that have them (a clerk); the original has none."""
    close = getattr(office, "close", None)
    if callable(close):
        close()


Want = tuple[str, int]
"""A fan and the number of seats they ask for."""


def _customers(mod: ModuleType, office: object, wants: list[Want]) -> dict[str, object]:
    """Run one thread per customer; return each customer's booking or exception."""
    outcome: dict[str, object] = {}

    def attempt(name: str, seats: int) -> None:
        try:
            outcome[name] = office.book(name, seats)  # type: ignore[attr-defined]
        except Exception as error:  # any other error is an outcome the contract rejects
            outcome[name] = error

    threads = [threading.Thread(target=attempt, args=want, name=want[0]) for want in wants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def _observed(mod: ModuleType, result: object) -> tuple[str, object]:
    if isinstance(result, mod.Booking):
        return ("ok", result.seats)
    return ("raised", type(result).__name__)


def _model(declined: frozenset[str]):
    """The README's box office, one booking at a time. A declined card may hold its seats while
    the payment is pending (``hold``) as long as it gives them back (``release``) afterwards."""

    def step(
        state: tuple[int, frozenset[str]], op: tuple[str, str, int]
    ) -> tuple[tuple[int, frozenset[str]], object]:
        available, holds = state
        kind, name, seats = op
        if kind == "hold":
            if available < seats:
                return state, "cannot hold"
            return (available - seats, holds | {name}), "held"
        if kind == "release":
            if name not in holds:
                return state, "release before hold"
            return (available + seats, holds - {name}), "released"
        if available < seats:
            return state, ("raised", "SoldOut")
        if name in declined:
            return state, ("raised", "PaymentDeclined")
        return (available - seats, holds), ("ok", seats)

    return step


def _ledger_consistent(
    mod: ModuleType,
    office: object,
    capacity: int,
    wants: list[Want],
    outcome: dict[str, object],
    declined: frozenset[str] = frozenset(),
) -> None:
    """Every result must be that of *some* serial order of the bookings (a declined card may hold
    seats while its payment is pending); the ledger holds exactly the bookings the fans got."""
    bookings = [b for b in outcome.values() if isinstance(b, mod.Booking)]
    sold = sum(b.seats for b in bookings)
    available = office.available  # type: ignore[attr-defined]
    evidence = [f"{name} asked for {seats}: {outcome.get(name)!r}" for name, seats in wants]
    expect(sold <= capacity, f"oversold: {sold} seats sold for a show of {capacity}", *evidence)
    expect(available >= 0, f"available seats went negative: {available}", *evidence)
    expect(
        available + sold == capacity,
        f"seats lost or duplicated: {sold} sold + {available} available != capacity {capacity}",
        *evidence,
    )
    numbers = [b.number for b in bookings]
    expect(
        len(numbers) == len(set(numbers)),
        f"two bookings share a number: {sorted(numbers)}",
        "both fans were charged, and the venue's scanner will reject one of the tickets",
        *evidence,
    )
    ledger = sorted((b.number, b.customer, b.seats) for b in office.bookings)  # type: ignore[attr-defined]
    given = sorted((b.number, b.customer, b.seats) for b in bookings)
    expect(
        ledger == given,
        "the bookings ledger does not hold exactly the bookings the fans got",
        f"ledger: {ledger}",
        f"bookings returned to fans: {given}",
    )
    ops: list[tuple[str, str, int]] = []
    observed: list[object] = []
    for name, seats in wants:
        result = _observed(mod, outcome[name])
        if name in declined and result == ("raised", "PaymentDeclined"):
            ops += [("hold", name, seats), ("release", name, seats)]
            observed += ["held", "released"]
        else:
            ops.append(("book", name, seats))
            observed.append(result)
    order = serial_explanation(
        (capacity, frozenset()), ops, observed, (available, frozenset()), _model(declined)
    )
    expect(
        order is not None,
        "no serial order of these bookings gives these answers: a fan was refused (or charged) wrongly",
        f"capacity {capacity}" + (f", declined cards: {sorted(declined)}" if declined else ""),
        *evidence,
        f"seats still available afterwards: {available}",
    )


def last_seats(mod: ModuleType) -> None:
    """Two seats left, two fans want two each: exactly one of them gets them (not both, and not
    neither: a fan refused while the seats stay free was refused wrongly)."""
    office = _office(mod, capacity=2)
    wants = [("ana", 2), ("ben", 2)]
    outcome = _customers(mod, office, wants)
    _close(office)
    _ledger_consistent(mod, office, 2, wants, outcome)


def gateway_failure_frees_the_seats(mod: ModuleType, ctx: CheckContext) -> None:
    """The payment network fails for one fan (an injected ConnectionError, not a declined card):
    the error reaches that fan, and the seats stay for the next one."""

    class FailingGateway(mod.PaymentGateway):  # type: ignore[name-defined]
        def charge(self, customer: str, amount: int) -> None:
            if customer == "mallory":
                raise ConnectionError("payment network timeout")
            super().charge(customer, amount)

    office = mod.BoxOffice(capacity=2, price=50, payments=FailingGateway(0.0))
    try:
        result: object = office.book("mallory", 2)
    except Exception as error:
        result = error
    try:
        after: object = office.book("ana", 2)
    except Exception as error:
        after = error
    _close(office)
    expect(
        not isinstance(result, mod.Booking),
        f"mallory's payment failed (injected ConnectionError) and the booking was confirmed: {result!r}",
        "a booking whose payment failed must not be confirmed: let the error reach the caller",
        kind=FindingKind.INVARIANT,
    )
    expect(
        isinstance(after, mod.Booking),
        f"after mallory's payment failed (ConnectionError), ana could not book the 2 free seats: {after!r}",
        f"seats available afterwards: {getattr(office, 'available', '?')}",
        "a booking that fails for any reason, not only PaymentDeclined, must give its seats back "
        "(try/finally, or except BaseException: give back; raise)",
        kind=FindingKind.INVARIANT,
    )


def booking_numbers(mod: ModuleType) -> None:
    """Bookings made at the same time must get distinct booking numbers (and nobody is refused
    while seats are free)."""
    office = _office(mod, capacity=10)
    wants = [("ana", 1), ("ben", 1), ("cho", 1)]
    outcome = _customers(mod, office, wants)
    _close(office)
    _ledger_consistent(mod, office, 10, wants, outcome)


def declined_card(mod: ModuleType) -> None:
    """A refused card must give its seats back: afterwards the next fan can book them."""
    declined = frozenset({"mallory"})
    office = _office(mod, capacity=2, declined=declined)
    outcome = _customers(mod, office, [("mallory", 2), ("ana", 2)])
    wants = [("mallory", 2), ("ana", 2)]
    if not isinstance(outcome["ana"], mod.Booking):
        # Refusing ana while mallory's payment was pending is fine; keeping the seats is not.
        expect(
            isinstance(outcome["ana"], mod.SoldOut), f"ana's booking failed with {outcome['ana']!r}"
        )
        retry = _customers(mod, office, [("ana", 2)])
        outcome["ana (again)"] = retry["ana"]
        wants.append(("ana (again)", 2))
    _close(office)
    last = outcome.get("ana (again)", outcome["ana"])
    expect(
        isinstance(last, mod.Booking),
        f"ana could not book the 2 free seats ({last!r}) after mallory's card was declined",
    )
    _ledger_consistent(mod, office, 2, wants, outcome, declined)


def refund_while_booking(mod: ModuleType) -> None:
    """A declined card gives its seats back while two other fans book: no seat is lost or doubled."""
    declined = frozenset({"mallory"})
    office = _office(mod, capacity=4, declined=declined)
    wants = [("mallory", 2), ("ana", 2), ("ben", 2)]
    outcome = _customers(mod, office, wants)
    _close(office)
    _ledger_consistent(mod, office, 4, wants, outcome, declined)


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
        ScheduleCheck(
            "the last seats",
            last_seats,
            max_schedules=120,
            hint="Between the seat check and the decrement, another fan can pass the same check.",
        ),
        ScheduleCheck(
            "distinct booking numbers",
            booking_numbers,
            max_schedules=120,
            hint="Reading next_number and writing it back are two steps; another thread can run in between.",
        ),
        ScheduleCheck(
            "a declined card frees its seats",
            declined_card,
            max_schedules=100,
            hint="If you reserve before charging, a declined payment must give the seats back.",
        ),
        PropertyCheck(
            "a failed payment frees its seats",
            gateway_failure_frees_the_seats,
            kind=FindingKind.INVARIANT,
            hint="Any error from the payment call, not only PaymentDeclined, must give the seats back.",
        ),
        ScheduleCheck(
            "a refund while others book",
            refund_while_booking,
            max_schedules=120,
            hint="Giving seats back is a write to shared state too: it needs the same lock.",
        ),
        PerformanceCheck(
            "payments overlap",
            rush_hour,
            reference="reserve_then_pay",
            hint="Do not hold a lock while waiting for the payment provider.",
        ),
    ),
    time_budget_seconds=60.0,
    hints=(
        "Run `learn check 2` and read the interleaving: which two lines of `book` did the two threads run in between each other?",
        "`if self.available < seats` and `self.available -= seats` are separate steps (check-then-act); so are reading and writing `next_number` (a lost update). Each pair must become one atomic step.",
        "A lock around the whole `book` is correct but serializes every payment. Which part needs protecting, and which part is just slow?",
        "Reserve the seats (check and decrement) under a lock, charge the card with no lock held, give the seats back if the card is declined, then take the booking number and append the booking under the lock.",
    ),
)
