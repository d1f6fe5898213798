# fix-judgement: right
# class: other
# idiom: a single arbiter thread owns the seat count and the counter; callers send reserve/release/commit messages through a queue and pay on their own thread
# why: Only the arbiter thread touches available/next_number/bookings, so there is no race; the slow charge stays on the caller's thread, so payments overlap.
"""Box office of a concert venue: sells the seats of one show to customers online.

Each web request runs `BoxOffice.book()` on its own thread. Booking checks that enough seats are
left, charges the customer's card through the payment provider (a slow network call), then
records the booking under a new booking number.
"""

from __future__ import annotations

import queue
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
        self._inbox: queue.Queue[tuple[str, str, int, queue.Queue[object]]] = queue.Queue()
        threading.Thread(target=self._arbiter, name="seat-arbiter", daemon=True).start()

    def _arbiter(self) -> None:
        """The only code that reads or writes the seat count, the counter and the list."""
        while True:
            command, customer, seats, reply = self._inbox.get()
            if command == "reserve":
                if self.available < seats:
                    reply.put(SoldOut(f"{self.available} seats left, {customer} wants {seats}"))
                else:
                    self.available -= seats
                    reply.put(None)
            elif command == "release":
                self.available += seats
                reply.put(None)
            else:  # commit
                booking = Booking(self.next_number, customer, seats)
                self.next_number += 1
                self.bookings.append(booking)
                reply.put(booking)

    def _ask(self, command: str, customer: str, seats: int) -> object:
        reply: queue.Queue[object] = queue.Queue(maxsize=1)
        self._inbox.put((command, customer, seats, reply))
        outcome = reply.get()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def book(self, customer: str, seats: int) -> Booking:
        """Sell ``seats`` to ``customer``: raises SoldOut or PaymentDeclined."""
        self._ask("reserve", customer, seats)
        try:
            self.payments.charge(customer, seats * self.price)
        except BaseException:
            self._ask("release", customer, seats)
            raise
        booking = self._ask("commit", customer, seats)
        assert isinstance(booking, Booking)
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
