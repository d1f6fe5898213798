# fix-judgement: wrong
# class: partial
# breaks: False only if the trip holds nothing at all (every completed step was compensated)
# scenario: Handles the flight refusal and cancels the flight when the payment is refused, but when the hotel is refused it still cancels only the flight: trip-104 returns False while payments holds ['P8'] (the card stays charged).
# why: Fixes the first missing compensation but not the second one.
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
    """Call again on timeouts (the network loses messages)."""
    for _ in range(ATTEMPTS - 1):
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(20)
    return await call()


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    try:
        flight = await retry(node, lambda: flights.book(trip))
    except Rejected:
        return False
    try:
        await retry(node, lambda: payments.book(trip))
    except Rejected:
        await retry(node, lambda: flights.cancel(flight))
        return False
    try:
        await retry(node, lambda: hotels.book(trip))
    except Rejected:
        await retry(node, lambda: flights.cancel(flight))
        return False
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
