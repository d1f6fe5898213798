# fix-judgement: right
# class: other (design)
# why: Separate held counter under a lock; available/sold/number change together in one critical section after a successful charge, so available+sold==capacity always; hold released in finally on failure.
"""Fix: keep a separate 'held' counter under a lock: seats are held during the payment and only
moved from available to sold (with a fresh number) in one critical section after it succeeds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


class SoldOut(Exception):
    """Not enough seats left for this booking."""


class PaymentDeclined(Exception):
    """The card was refused."""


@dataclass(frozen=True)
class Booking:
    number: int
    customer: str
    seats: int


class PaymentGateway:
    """The card processor: slow, and refuses cards whose holder is on the decline list."""

    def __init__(self, latency_seconds: float = 0.002, declined: frozenset[str] = frozenset()) -> None:
        self.latency_seconds = latency_seconds
        self.declined = declined

    def charge(self, customer: str, amount: int) -> None:
        time.sleep(self.latency_seconds)
        if customer in self.declined:
            raise PaymentDeclined(customer)


class BoxOffice:
    """Seats of one show and the bookings made so far."""

    def __init__(self, capacity: int, price: int, payments: PaymentGateway) -> None:
        self.capacity = capacity
        self.available = capacity
        self.price = price
        self.payments = payments
        self.bookings: list[Booking] = []
        self.next_number = 1
        self._held = 0  # seats promised to fans whose card is being charged
        self._lock = threading.Lock()

    def book(self, customer: str, seats: int) -> Booking:
        """Sell ``seats`` to ``customer``: raises SoldOut or PaymentDeclined."""
        with self._lock:
            free = self.available - self._held
            if free < seats:
                raise SoldOut(f"{free} seats left, {customer} wants {seats}")
            self._held += seats
        committed = False
        try:
            self.payments.charge(customer, seats * self.price)
            with self._lock:
                self._held -= seats
                self.available -= seats
                number = self.next_number
                self.next_number = number + 1
                booking = Booking(number, customer, seats)
                self.bookings.append(booking)
                committed = True
            return booking
        finally:
            if not committed:
                with self._lock:
                    self._held -= seats  # payment failed: release the hold

    def seats_sold(self) -> int:
        return sum(booking.seats for booking in self.bookings)


def main() -> None:
    office = BoxOffice(capacity=100, price=80, payments=PaymentGateway(latency_seconds=0.01))
    results: list[str] = []

    def customer(name: str) -> None:
        try:
            results.append(f"{name}: booking #{office.book(name, 2).number}")
        except SoldOut:
            results.append(f"{name}: sold out")

    threads = [threading.Thread(target=customer, args=(f"fan-{i}",)) for i in range(80)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = [booking.number for booking in office.bookings]
    print(f"capacity {office.capacity}, seats sold {office.seats_sold()}, left {office.available}")
    print(f"{len(numbers)} bookings, {len(set(numbers))} distinct booking numbers")
    if office.seats_sold() > office.capacity or len(set(numbers)) != len(numbers):
        print("OVERSOLD or duplicate booking numbers: two fans now hold tickets for the same seats!")


if __name__ == "__main__":
    main()
