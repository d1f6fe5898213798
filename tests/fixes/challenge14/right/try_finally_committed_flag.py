# fix-judgement: right
# class: other
# idiom: try/finally with a committed flag: a dict of completed steps is compensated in the finally block unless the saga committed; idempotency keys derived from the trip; itertools.count-driven backoff
# why: Whatever way the body leaves (refusal, or any other exception), the steps done are undone before book_trip answers; keys make retried and duplicated requests book once.
"""Trip booking: a saga over three services (flights, payments, hotels).

A trip books a flight, charges the card, then books a hotel. Each service can refuse (sold
out, card declined); the network between us and them loses and duplicates messages, so calls
are retried on timeout. When a step is refused, the trip must be undone. Everything runs in
the simulated world (see simworld/README.md).

Contract with the grader: ``book_trip`` returns True when the trip is fully booked, False
when it is not booked at all.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from simworld import Client, Node, Rejected, RpcTimeout

ATTEMPTS = 5


async def retry(node: Node, call: Callable[[], Awaitable[Any]]) -> Any:
    """Call again on timeouts until answered (calls here are idempotent); Rejected is raised."""
    for attempt in itertools.count():
        try:
            return await call()
        except RpcTimeout:
            await node.sleep(min(10 * 2 ** attempt, 200))
    raise AssertionError("unreachable")


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    booked: dict[str, tuple[Client, str]] = {}
    committed = False
    try:
        for step, service in (("flight", flights), ("payment", payments), ("hotel", hotels)):
            booked[step] = (service, await retry(node, lambda: service.book(trip, key=f"{trip}|{step}")))
        committed = True
        return True
    except Rejected:
        return False
    finally:
        if not committed:
            for service, booking in reversed(list(booked.values())):
                await retry(node, lambda: service.cancel(booking))


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
