# fix-judgement: wrong
# class: drops-work
# breaks: False only if every completed step was compensated
# scenario: Keys and retried bookings, but each compensation is a single cancel wrapped in contextlib.suppress(RpcTimeout). In the loss window the cancel request for F8 is lost; the timeout is swallowed and book_trip returns False while flights still holds F8.
# why: A swallowed timeout silently drops the compensation; the undo must be retried like everything else (cancel is idempotent).
"""Trip booking: a saga over three services (flights, payments, hotels).

A trip books a flight, charges the card, then books a hotel. Each service can refuse (sold
out, card declined); the network between us and them loses and duplicates messages, so calls
are retried on timeout. When a step is refused, the trip must be undone. Everything runs in
the simulated world (see simworld/README.md).

Contract with the grader: ``book_trip`` returns True when the trip is fully booked, False
when it is not booked at all.
"""

from __future__ import annotations

import contextlib
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
    done: list[tuple[Client, str]] = []
    try:
        for step, service in (("flight", flights), ("payment", payments), ("hotel", hotels)):
            done.append((service, await retry(node, lambda: service.book(trip, key=f"{trip}/{step}"))))
    except Rejected:
        for service, booking in reversed(done):
            with contextlib.suppress(RpcTimeout):  # best effort: do not fail the agent on a flaky cancel
                await service.cancel(booking)
        return False
    return True


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
