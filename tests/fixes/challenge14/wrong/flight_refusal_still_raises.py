# fix-judgement: wrong
# class: partial
# breaks: book_trip always returns True or False
# scenario: Idempotency keys and full compensation for payment/hotel refusals, but the flight booking is outside any try: when flights refuses trip-200, Rejected escapes book_trip (the agent sees an exception, not False).
# why: The first step's refusal is a normal outcome of the saga, but this fix only handles refusals of the later steps.
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
    flight = await retry(node, lambda: flights.book(trip, key=f"{trip}/flight"))
    try:
        payment = await retry(node, lambda: payments.book(trip, key=f"{trip}/payment"))
    except Rejected:
        await retry(node, lambda: flights.cancel(flight))
        return False
    try:
        await retry(node, lambda: hotels.book(trip, key=f"{trip}/hotel"))
    except Rejected:
        await retry(node, lambda: payments.cancel(payment))
        await retry(node, lambda: flights.cancel(flight))
        return False
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
