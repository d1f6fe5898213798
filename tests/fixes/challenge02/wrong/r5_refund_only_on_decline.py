# fix-judgement: wrong
# class: happy-path-only
# why: Seats are returned only on PaymentDeclined; any other gateway error (ConnectionError/timeout) keeps the held seats forever, breaking available + seats sold == capacity. main passes.
"""Fix: reserve the seats under a lock, charge without the lock, and when the card is declined put
the seats back for the next fan; numbering and recording happen under the lock.
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
        self._lock = threading.Lock()

    def book(self, customer: str, seats: int) -> Booking:
        """Sell ``seats`` to ``customer``: raises SoldOut or PaymentDeclined."""
        with self._lock:
            if self.available < seats:
                raise SoldOut(f"{self.available} seats left, {customer} wants {seats}")
            self.available -= seats  # hold the seats while the card is charged
        try:
            self.payments.charge(customer, seats * self.price)
        except PaymentDeclined:
            with self._lock:
                self.available += seats
            raise
        with self._lock:
            number = self.next_number
            self.next_number = number + 1
            booking = Booking(number, customer, seats)
            self.bookings.append(booking)
        return booking

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
