# fix-judgement: wrong
# class: sleep-hides-race
# breaks: True only if the trip holds exactly one of each (no duplicate bookings)
# scenario: Compensation is complete; the learner blames double bookings on retrying 'too fast' and waits 300 ms before each retry instead of using keys. A lost *reply* still means the booking was made, so the retry (however late) books a second hotel; duplicated requests double-book without any retry.
# why: Waiting longer does not make a non-idempotent retry idempotent.
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
    """Call again on timeouts, after giving the network time to settle."""
    for _ in range(ATTEMPTS - 1):
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(300)  # let the first request land before asking again
    return await call()


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    done: list[tuple[Client, str]] = []
    try:
        for service in (flights, payments, hotels):
            done.append((service, await retry(node, lambda: service.book(trip))))
    except Rejected:
        for service, booking in reversed(done):
            await retry(node, lambda: service.cancel(booking))
        return False
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
