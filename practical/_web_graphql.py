"""GraphQL subscriptions over WebSockets (strawberry, graphql-transport-ws): one stream, many subscribers.

A :class:`Hub` fans every published event out to each subscriber through that subscriber's own
bounded queue; the subscription resolver drains it onto the subscriber's WebSocket, whose send
waits while the socket's buffers are full (a slow reader's TCP window closes). What happens
when a queue is full is the concurrency decision:

- ``block``: the publisher waits for room. Nothing is lost, but the slowest subscriber paces the
  publisher, and so every other subscriber (head-of-line blocking).
- ``drop-oldest``: the subscriber's oldest undelivered event is discarded and counted. The
  publisher never waits; a slow subscriber loses events (it sees the gap in ``seq`` and in
  ``dropped``) and memory stays bounded at ``maxsize`` events per subscriber.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import strawberry
from strawberry.asgi import GraphQL
from strawberry.types import Info

Policy = Literal["block", "drop-oldest"]
POLICIES: tuple[Policy, ...] = ("block", "drop-oldest")


@dataclass
class Subscriber:
    """One subscription's bounded queue and what it lost."""

    name: str
    queue: asyncio.Queue[tuple[int, str] | None]
    dropped: int = 0
    delivered: int = 0


@dataclass
class Hub:
    """Publish/subscribe in one process: a bounded queue per subscriber, a policy when one is full."""

    maxsize: int = 32
    policy: Policy = "drop-oldest"
    subscribers: list[Subscriber] = field(default_factory=list)
    published: int = 0
    blocked_seconds: float = 0.0
    """Time the publisher spent waiting for room in a full queue (``block`` only)."""
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @contextmanager
    def subscribe(self, name: str) -> Iterator[Subscriber]:
        subscriber = Subscriber(name, asyncio.Queue(self.maxsize))
        self.subscribers.append(subscriber)
        try:
            yield subscriber
        finally:
            self.subscribers.remove(subscriber)
            while (
                not subscriber.queue.empty()
            ):  # a publisher blocked on this queue must not wait forever
                subscriber.queue.get_nowait()

    async def announce(self) -> None:
        """Wake whoever waits in :meth:`wait_for_subscribers`."""
        async with self.changed:
            self.changed.notify_all()

    async def wait_for_subscribers(self, count: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: len(self.subscribers) >= count)

    async def publish(self, payload: str) -> None:
        """Hand one event to every subscriber's queue, as the policy says when a queue is full."""
        event = (self.published, payload)
        self.published += 1
        for subscriber in list(self.subscribers):
            await self._offer(subscriber, event)

    async def close(self) -> None:
        """End every subscription: each stream completes after the events still queued for it."""
        for subscriber in list(self.subscribers):
            await self._offer(subscriber, None)

    async def _offer(self, subscriber: Subscriber, event: tuple[int, str] | None) -> None:
        queue = subscriber.queue
        if self.policy == "block" and queue.full():
            start = time.perf_counter()
            await queue.put(event)
            self.blocked_seconds += time.perf_counter() - start
            return
        if queue.full():
            queue.get_nowait()  # the oldest undelivered event
            subscriber.dropped += 1
        queue.put_nowait(event)


@strawberry.type
class Event:
    seq: int
    payload: str
    dropped: int
    """How many events this subscriber had lost when this one was sent."""


@strawberry.type
class Published:
    published: int
    blocked_ms: float
    dropped: int


def _hub(info: Info) -> Hub:
    hub: Hub = info.context["hub"]
    return hub


@strawberry.type
class Query:
    @strawberry.field
    def subscribers(self, info: Info) -> int:
        return len(_hub(info).subscribers)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def publish(
        self, info: Info, count: int, size: int = 16, close: bool = False
    ) -> Published:
        """Publish ``count`` events of ``size`` bytes; ``close`` then ends every subscription."""
        hub = _hub(info)
        for _ in range(count):
            await hub.publish("x" * size)
            await asyncio.sleep(
                0
            )  # one event at a time, as from a feed: subscribers run between events
        if close:
            await hub.close()
        return Published(
            published=hub.published,
            blocked_ms=hub.blocked_seconds * 1000,
            dropped=sum(s.dropped for s in hub.subscribers),
        )


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self, info: Info, name: str) -> AsyncGenerator[Event, None]:
        hub = _hub(info)
        with hub.subscribe(name) as subscriber:
            await hub.announce()
            while (event := await subscriber.queue.get()) is not None:
                subscriber.delivered += 1
                yield Event(seq=event[0], payload=event[1], dropped=subscriber.dropped)


SCHEMA = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)


class _HubGraphQL(GraphQL[dict[str, Any], None]):
    def __init__(self, hub: Hub) -> None:
        super().__init__(SCHEMA, graphql_ide=None)
        self.hub = hub

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, "hub": self.hub}


def graphql_app(hub: Hub) -> Any:
    """The ASGI app serving queries and mutations over HTTP and subscriptions over WebSockets."""
    return _HubGraphQL(hub)
