# fix-judgement: wrong
# class: new-race
# why: Seats are grabbed one Semaphore permit at a time; with 2 seats left two 2-seat fans each get 1 permit, both fail the 2nd try_acquire and raise SoldOut although one could be served. main passes.
"""Fix: one Semaphore permit per seat; a booking grabs its permits without blocking (giving them back
if it cannot get them all), so overselling is impossible; the card is charged with no lock held.
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
        self._seats = threading.Semaphore(capacity)
        self._lock = threading.Lock()

    def book(self, customer: str, seats: int) -> Booking:
        """Sell ``seats`` to ``customer``: raises SoldOut or PaymentDeclined."""
        got = 0
        while got < seats and self._seats.acquire(blocking=False):
            got += 1
        if got < seats:
            for _ in range(got):
                self._seats.release()
            raise SoldOut(f"not enough seats left, {customer} wants {seats}")
        with self._lock:
            self.available -= seats
        try:
            self.payments.charge(customer, seats * self.price)
        except BaseException:
            with self._lock:
                self.available += seats
            for _ in range(seats):
                self._seats.release()
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
