"""Solution (a single booking clerk thread owns the seats) — box office of a concert venue: sells the seats of one show to customers online.

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


Request = tuple[str, str, int]
"""(action, customer, seats) with action one of reserve, release, confirm."""


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
        self._requests: queue.Queue[tuple[Request, queue.Queue[object]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._clerk, name="booking-clerk", daemon=True)
        self._thread.start()

    def book(self, customer: str, seats: int) -> Booking:
        """Sell ``seats`` to ``customer``: raises SoldOut or PaymentDeclined."""
        self._ask(("reserve", customer, seats))
        try:
            self.payments.charge(customer, seats * self.price)  # on the caller's thread
        except BaseException:  # declined, or the payment network failed: never keep the seats
            self._ask(("release", customer, seats))
            raise
        booking = self._ask(("confirm", customer, seats))
        assert isinstance(booking, Booking)
        return booking

    def _ask(self, request: Request) -> object:
        """Send one request to the clerk and wait for the answer (re-raising its error)."""
        reply: queue.Queue[object] = queue.Queue(maxsize=1)
        self._requests.put((request, reply))
        answer = reply.get()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def _clerk(self) -> None:
        """The only thread that reads or writes the seats and the bookings."""
        while (item := self._requests.get()) is not None:
            (action, customer, seats), reply = item
            if action == "reserve" and self.available < seats:
                reply.put(SoldOut(f"{self.available} seats left, {customer} wants {seats}"))
            elif action == "reserve":
                self.available -= seats
                reply.put(None)
            elif action == "release":
                self.available += seats
                reply.put(None)
            else:
                booking = Booking(self.next_number, customer, seats)
                self.next_number += 1
                self.bookings.append(booking)
                reply.put(booking)

    def close(self) -> None:
        """Stop the clerk once it has answered every queued request."""
        self._requests.put(None)
        self._thread.join()

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
    office.close()
    numbers = [booking.number for booking in office.bookings]
    print(f"capacity {office.capacity}, seats sold {office.seats_sold()}, left {office.available}")
    print(f"{len(numbers)} bookings, {len(set(numbers))} distinct booking numbers")
    if office.seats_sold() > office.capacity or len(set(numbers)) != len(numbers):
        print("OVERSOLD or duplicate booking numbers: two fans now hold tickets for the same seats!")


if __name__ == "__main__":
    main()
