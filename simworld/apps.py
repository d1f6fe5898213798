"""Small application services the challenges talk to (each keeps a ground-truth record).

* :class:`OrderBook` (challenge 10): ``apply(order, seq, status)`` records an order's status change.
* :class:`Warehouse` (challenge 11): ``store(event_id, event)``, a slow data warehouse.
* :class:`Replica` (challenge 12): one copy of a replicated register store.
* :class:`EventStore` (challenge 13): append-only streams with expected-version checks.
* :class:`BookingService` (challenge 14): flights, hotels and payments of a trip.
* :class:`Database` (challenge 15): a slow product database behind a cache.
* :class:`Dashboard` (challenge 16): per-window counts shown to users.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simworld.network import Rejected, Service

if TYPE_CHECKING:
    from simworld.world import World

__all__ = ["Applied", "EventStore", "OrderBook", "Replica", "Warehouse", "replica_set"]


@dataclass(frozen=True)
class Applied:
    """One status change as the order database applied it."""

    time: int
    order: str
    seq: int
    status: str
    by: str


class OrderBook(Service):
    """The order database: ``await orders.apply(order, seq, status) -> None``;
    ``await orders.status(order) -> str | None``."""

    def __init__(self, world: World, name: str = "orders") -> None:
        super().__init__(world, name)
        self.applied: list[Applied] = []
        self._status: dict[str, str] = {}

    def apply(self, order: str, seq: int, status: str) -> None:
        self.applied.append(Applied(self.world.now, order, seq, status, self.caller))
        self._status[order] = status

    def status(self, order: str) -> str | None:
        return self._status.get(order)


class Warehouse(Service):
    """A slow analytics store: ``await warehouse.store(event_id, event) -> None`` takes
    5-10 ms of work on top of the network delays."""

    def __init__(self, world: World, name: str = "warehouse") -> None:
        super().__init__(world, name)
        self.stored: dict[str, int] = {}
        """Event id -> how many times it was stored."""
        self.quiet = frozenset({"store"})

    def service_time(self, op: str) -> int:
        return self.world.rng.randint(5, 10)

    def store(self, event_id: str, event: object) -> None:
        self.stored[event_id] = self.stored.get(event_id, 0) + 1


class Replica(Service):
    """One replica of the profile store. Values carry a comparable ``version``; a replica keeps
    the highest version it has seen::

        await replica.read(key)                   -> (version, value) or None
        await replica.write(key, version, value)  -> True (applied only if version is newer)

    The first replica of a :func:`replica_set` is the primary: it forwards every write it
    accepts to the others, which apply it after a replication lag of 30-300 ms.
    """

    def __init__(self, world: World, name: str) -> None:
        super().__init__(world, name)
        self.data: dict[str, tuple[object, object]] = {}
        self.followers: list[Replica] = []

    def service_time(self, op: str) -> int:
        return self.world.rng.randint(0, 20)

    def read(self, key: str) -> tuple[object, object] | None:
        return self.data.get(key)

    def write(self, key: str, version: object, value: object) -> bool:
        self._apply(key, version, value)
        for follower in self.followers:
            lag = self.world.rng.randint(30, 300)
            self.world.after(
                lag, functools.partial(follower._apply, key, version, value, replicated=True)
            )
        return True

    def _apply(self, key: str, version: object, value: object, replicated: bool = False) -> None:
        current = self.data.get(key)
        if current is None or current[0] < version:  # type: ignore[operator]
            self.data[key] = (version, value)
            if replicated:
                self.world.history.add(self.name, f"replicated {key}={value!r}", "op")


def replica_set(world: World, n: int = 3) -> list[Replica]:
    """``n`` replicas named replica-1..n; replica-1 is the primary and replicates to the rest."""
    replicas = [Replica(world, f"replica-{i}") for i in range(1, n + 1)]
    replicas[0].followers = replicas[1:]
    return replicas


class EventStore(Service):
    """Append-only event streams (think EventStoreDB). A stream's events have versions 1, 2, ...::

    await events.append(stream, [event, ...], expected_version=None) -> the new last version
        With ``expected_version``, raises Rejected unless the stream's last version is exactly
        that (0 for an empty stream): optimistic concurrency control.
    await events.read(stream, start=1) -> [(version, event), ...] with version >= start
    """

    def __init__(self, world: World, name: str = "events") -> None:
        super().__init__(world, name)
        self.streams: dict[str, list[object]] = {}
        self.appended: list[tuple[int, str, int]] = []
        """(time, stream, new last version) for every append: ground truth for checkers."""
        self.quiet = frozenset({"read"})

    def append(self, stream: str, events: list[object], expected_version: int | None = None) -> int:
        log = self.streams.setdefault(stream, [])
        if expected_version is not None and expected_version != len(log):
            raise Rejected(f"{stream} is at version {len(log)}, not {expected_version}")
        log.extend(events)
        self.appended.append((self.world.now, stream, len(log)))
        return len(log)

    def read(self, stream: str, start: int = 1) -> list[tuple[int, object]]:
        log = self.streams.get(stream, [])
        return [(v, e) for v, e in enumerate(log, 1) if v >= max(start, 1)]

    def version_at(self, stream: str, time: float) -> int:
        """The stream's last version at virtual time ``time`` (for checkers)."""
        return max((v for t, s, v in self.appended if s == stream and t <= time), default=0)


class BookingService(Service):
    """Flights, hotels or payments: something a trip books and can cancel::

    await svc.book(trip, key=None) -> booking id; raises Rejected (sold out, card declined)
        Without ``key`` every request that arrives books again. With an idempotency
        ``key``, a repeated request returns the first booking (or the first refusal).
    await svc.cancel(booking_id)   -> True (cancelling twice is harmless)
    await svc.bookings(trip)       -> ids of the trip's bookings that are not cancelled
    """

    def __init__(self, world: World, name: str, refuse: float) -> None:
        super().__init__(world, name)
        self.refuse = refuse
        self.active: dict[str, str] = {}
        """Booking id -> trip, for bookings not cancelled."""
        self._by_key: dict[str, str | None] = {}
        self._count = 0

    def service_time(self, op: str) -> int:
        return self.world.rng.randint(0, 20)

    def book(self, trip: str, key: str | None = None) -> str:
        if key is not None and key in self._by_key:
            known = self._by_key[key]
            if known is None:
                raise Rejected(f"{self.name} refused {trip}")
            return known
        if self.world.rng.random() < self.refuse:
            if key is not None:
                self._by_key[key] = None
            raise Rejected(f"{self.name} refused {trip}")
        self._count += 1
        booking = f"{self.name[:1].upper()}{self._count}"
        self.active[booking] = trip
        if key is not None:
            self._by_key[key] = booking
        return booking

    def cancel(self, booking_id: str) -> bool:
        self.active.pop(booking_id, None)
        return True

    def bookings(self, trip: str) -> list[str]:
        return sorted(b for b, t in self.active.items() if t == trip)


class Database(Service):
    """The product database; reads are slow (40-80 ms of work)::

    await db.read(product_id)         -> (version, price)
    await db.write(product_id, price) -> (version, price), the new version
    """

    def __init__(self, world: World, name: str = "db") -> None:
        super().__init__(world, name)
        self.products: dict[str, tuple[int, int]] = {}
        self.loads: list[tuple[str, int, int]] = []
        """(product, start, end) of every read: ground truth for load checks."""
        self._busy = 0
        self.quiet = frozenset({"read"})

    def service_time(self, op: str) -> int:
        return self._busy if op == "read" else 2

    def read(self, product_id: str) -> tuple[int, int]:
        self._busy = self.world.rng.randint(40, 80)
        self.loads.append((product_id, self.world.now, self.world.now + self._busy))
        return self.products.get(product_id, (0, 100))

    def write(self, product_id: str, price: int) -> tuple[int, int]:
        version = self.products.get(product_id, (0, 100))[0] + 1
        self.products[product_id] = (version, price)
        return version, price

    def peak_concurrent_loads(self, product_id: str) -> tuple[int, int]:
        """(most reads of ``product_id`` in progress at once, when that was first reached)."""
        edges = sorted(
            [(s, 1) for p, s, _ in self.loads if p == product_id]
            + [(e, -1) for p, _, e in self.loads if p == product_id]
        )
        level = peak = when = 0
        for time, step in edges:
            level += step
            if level > peak:
                peak, when = level, time
        return peak, when


class Dashboard(Service):
    """Counts per time window::

    await dashboard.upsert(window_start, count)  sets the window's count
    await dashboard.add(window_start, n)         adds n to the window's count
    await dashboard.counts()                     -> {window_start: count}
    """

    def __init__(self, world: World, name: str = "dashboard") -> None:
        super().__init__(world, name)
        self.windows: dict[int, int] = {}

    def upsert(self, window_start: int, count: int) -> None:
        self.windows[window_start] = count

    def add(self, window_start: int, n: int) -> None:
        self.windows[window_start] = self.windows.get(window_start, 0) + n

    def counts(self) -> dict[int, int]:
        return dict(self.windows)
