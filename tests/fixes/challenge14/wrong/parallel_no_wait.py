# fix-judgement: wrong
# class: new-race
# breaks: False only if the trip holds nothing at all
# scenario: Books the three steps as concurrent tasks (with keys) and, as soon as one task reports a refusal, cancels the steps that have finished so far and returns False. The hotel request is still in flight when the flight refusal arrives; it books H3 5 ms later and nothing ever cancels it.
# why: Compensating before every in-flight step has answered races with those steps.
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


async def _step(node: Node, service: Client, trip: str, key: str) -> str | None:
    try:
        booking: str = await retry(node, lambda: service.book(trip, key=key))
    except Rejected:
        return None
    return booking


async def book_trip(node: Node, trip: str, flights: Client, payments: Client, hotels: Client) -> bool:
    """Book flight, payment and hotel for ``trip``: all of them, or none."""
    services = [flights, payments, hotels]
    tasks = [node.start(_step, node, svc, trip, f"{trip}#{i}") for i, svc in enumerate(services)]
    while True:
        finished = [t for t in tasks if t.finished.done]
        if any(t.finished.result() is None for t in finished):
            for svc, task in zip(services, tasks):  # undo what is booked so far and give up fast
                if task.finished.done and task.finished.result() is not None:
                    await retry(node, lambda: svc.cancel(task.finished.result()))
            return False
        if len(finished) == len(tasks):
            return True
        await node.sleep(1)


def main(seed: int = 1) -> None:
    """Run one seeded simulation of the grader's scenario and print its timeline."""
    from challenges.demo import run_demo

    run_demo(14, globals(), seed)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
