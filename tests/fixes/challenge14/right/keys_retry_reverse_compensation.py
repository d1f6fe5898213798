# fix-judgement: right
# class: other
# idiom: idempotency key per step (trip/step), retry until answered with capped exponential backoff, compensation stack undone in reverse order with retried cancels
# why: A retried or duplicated booking request returns the first booking instead of booking again; every completed step is cancelled (cancel is idempotent and retried) when a later step is refused, and the refusal of the first step returns False.
"""Trip booking: a saga over three services (flights, payments, hotels).

A trip books a flight, charges the card, then books a hotel. Each service can refuse (sold
out, card declined); the network between us and them loses and duplicates messages, so calls
are retried on timeout. When a step is refused, the trip must be undone. Everything runs in
the simulated world (see simworld/README.md).

Contract with the grader: ``book_trip`` returns True when the trip is fully booked, False
when it is not booked at all.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

from simworld import Client, Node, Rejected, RpcTimeout

ATTEMPTS = 5


async def retry(node: Node, call: Callable[[], Awaitable[Any]]) -> Any:
    """Call again on timeouts until the service answers: the network trouble does not last, and
    every call we retry is idempotent (keyed bookings, cancels). Rejected is an answer: raised."""
    pause = 20
    while True:
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(pause)
            pause = min(pause * 2, 160)


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    done: list[tuple[Client, str]] = []
    for step, service in (("flight", flights), ("payment", payments), ("hotel", hotels)):
        key = f"{trip}/{step}"
        try:
            booking = await retry(node, lambda: service.book(trip, key=key))
        except Rejected:
            for booked_at, booking_id in reversed(done):
                await retry(node, lambda: booked_at.cancel(booking_id))
            return False
        done.append((service, booking))
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
