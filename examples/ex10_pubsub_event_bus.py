"""# Pub/sub: an in-process event bus that a slow subscriber cannot stall

**Publish/subscribe** decouples the code that announces something ("order 17 was paid")
from the code that reacts to it (send a receipt, update analytics, write an audit log). The
publisher names a **topic**; every subscriber whose pattern matches gets its own copy.

The naive bus calls each handler inline, in the publisher's thread:

```python
for handler in subscribers[topic]:
    handler(event)      # the publisher waits for every handler
```

One slow subscriber (an analytics call taking 15 ms) now slows every publisher, and one
handler that raises breaks the others. The fix is **isolation**: each subscriber gets its own
**bounded queue** and its own worker (a thread, or an asyncio task). `publish` only does a
non-blocking `put_nowait` into each matching queue, so it costs microseconds whoever listens.

A bounded queue must say what happens when it is full. The choices:

- **drop** the new event (this lesson) or the oldest one, and *count* the drops — right for
  metrics, previews, notifications that can be recomputed;
- **block** the publisher (backpressure) — right when every event matters, but now the
  slowest subscriber sets everyone's pace again;
- **disconnect** the subscriber that cannot keep up and let it resynchronise.

An unbounded queue is not a choice: it moves the problem to memory and hides it until the
process is killed.

**Unsubscribe** removes the subscription *first* (no new events reach it), then sends a
sentinel and waits for the worker to finish what is already queued. "No new events reach it"
must really hold with several publishers: if `publish` picks its targets under the lock but
delivers after releasing it, a second publisher can still be holding the old target list
while `unsubscribe` runs — its event lands in the mailbox *behind the sentinel* and is never
handled, neither delivered nor counted as dropped. Here `publish` routes and delivers under
the bus lock; that is safe because `put_nowait` never blocks (no I/O, no waiting under the
lock), and it makes `remove()` a barrier: once it returns, nothing can arrive after the
sentinel. The threads variant runs two publisher threads and checks the books: for every
subscriber, routed = delivered + dropped, and nothing is left behind its sentinel.

## When not to

- When events must survive a crash or reach another process: use a broker (RabbitMQ, Kafka,
  Redis streams — see the practical modules). An in-process bus forgets everything on exit.
- When the caller needs the result: that is a function call (or RPC), not an event.
- When order across topics matters: each subscriber sees its own queue's order only.
"""

from __future__ import annotations

import asyncio
import fnmatch
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from examples._lesson import HELD, NOT_HERE, header, hypothesis, run_as_script, try_next

TITLE = "Pub/sub event bus with per-subscriber bounded queues"
CONCEPTS = ("pub/sub", "topics", "bounded queue", "isolation", "backpressure")
DIFFICULTY = 3
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (5, 10)
HYPOTHESES = {"threads": ("10.1", "10.2"), "asyncio": ("10.1", "10.2")}

EVENTS = 40
PUBLISH_INTERVAL = 0.003
TOPICS = ("orders.created", "orders.paid", "users.signup")
UNSUBSCRIBE_AFTER = 20
"""The `email` subscriber leaves after this many events were published."""


@dataclass(frozen=True)
class Event:
    number: int
    topic: str
    published_at: float


@dataclass(frozen=True)
class SubscriberSpec:
    name: str
    pattern: str
    work_seconds: float
    queue_size: int


SUBSCRIBERS = (
    SubscriberSpec("audit", "*", 0.0, 64),
    SubscriberSpec("email", "users.*", 0.001, 8),
    SubscriberSpec("analytics", "orders.*", 0.015, 4),
)

_STOP = object()
"""Sentinel that tells a subscriber's worker to finish."""


@dataclass
class Stats:
    """What happened to one subscriber."""

    routed: int = 0
    delivered: int = 0
    dropped: int = 0
    stranded: int = 0
    """Events found behind the sentinel after the worker stopped (must stay 0)."""
    max_depth: int = 0
    max_delay: float = 0.0


@dataclass
class Subscription:
    spec: SubscriberSpec
    mailbox: queue.Queue[object] | asyncio.Queue[object]
    stats: Stats = field(default_factory=Stats)
    worker: threading.Thread | asyncio.Task[None] | None = None


class EventBus:
    """Topic routing and drop-on-full delivery, shared by both variants."""

    def __init__(self) -> None:
        self._subscriptions: dict[str, Subscription] = {}
        self._lock = threading.Lock()

    def add(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions[subscription.spec.name] = subscription

    def remove(self, name: str) -> Subscription:
        with self._lock:
            return self._subscriptions.pop(name)

    def publish(self, event: Event) -> list[Subscription]:
        """Never blocks: each matching subscriber gets the event or a counted drop.

        Returns the subscriptions that had to drop it.
        """
        dropped_by = []
        # Route AND deliver under the lock: put_nowait never blocks, and remove() can then
        # never interleave between choosing a subscriber and queueing for it.
        with self._lock:
            for subscription in self._subscriptions.values():
                if not fnmatch.fnmatch(event.topic, subscription.spec.pattern):
                    continue
                subscription.stats.routed += 1
                try:
                    subscription.mailbox.put_nowait(event)
                except (queue.Full, asyncio.QueueFull):
                    subscription.stats.dropped += 1
                    dropped_by.append(subscription)
                else:
                    depth = subscription.mailbox.qsize()
                    subscription.stats.max_depth = max(subscription.stats.max_depth, depth)
        return dropped_by


def _handle(subscription: Subscription, event: Event) -> None:
    stats = subscription.stats
    stats.delivered += 1
    stats.max_delay = max(stats.max_delay, time.monotonic() - event.published_at)


def _thread_worker(subscription: Subscription) -> None:
    mailbox = subscription.mailbox
    assert isinstance(mailbox, queue.Queue)
    while (item := mailbox.get()) is not _STOP:
        assert isinstance(item, Event)
        time.sleep(subscription.spec.work_seconds)
        _handle(subscription, item)


async def _task_worker(subscription: Subscription) -> None:
    mailbox = subscription.mailbox
    assert isinstance(mailbox, asyncio.Queue)
    while (item := await mailbox.get()) is not _STOP:
        assert isinstance(item, Event)
        await asyncio.sleep(subscription.spec.work_seconds)
        _handle(subscription, item)


def _narrate_first_drops(
    dropped_by: list[Subscription], number: int, narrate: Callable[[str], None]
) -> None:
    for subscription in dropped_by:
        if subscription.stats.dropped == 1:
            size = subscription.spec.queue_size
            narrate(
                f"[red]{subscription.spec.name}[/]'s queue is full ({size}/{size}) at event "
                f"#{number}: dropping it; the publisher does not wait"
            )


def _event(number: int) -> Event:
    return Event(number, TOPICS[number % len(TOPICS)], time.monotonic())


Result = tuple[list[float], dict[str, Stats]]
"""How long each publish() took, and each subscriber's stats."""


def _run_threads(bus: EventBus, narrate: Callable[[str], None]) -> Result:
    subscriptions = []
    for spec in SUBSCRIBERS:
        subscription = Subscription(spec, queue.Queue(maxsize=spec.queue_size))
        subscription.worker = threading.Thread(
            target=_thread_worker, args=(subscription,), name=spec.name
        )
        subscription.worker.start()
        bus.add(subscription)
        subscriptions.append(subscription)
    publish_costs: list[float] = []
    costs_lock = threading.Lock()

    def publisher(numbers: range) -> None:
        for number in numbers:
            t0 = time.perf_counter()
            dropped_by = bus.publish(_event(number))
            with costs_lock:
                publish_costs.append(time.perf_counter() - t0)
            _narrate_first_drops(dropped_by, number, narrate)
            if number == UNSUBSCRIBE_AFTER:  # while the other publisher keeps publishing
                _unsubscribe_thread(bus, "email", narrate)
            time.sleep(PUBLISH_INTERVAL * 2)

    publishers = [
        threading.Thread(
            target=publisher, args=(range(start, EVENTS + 1, 2),), name=f"publisher-{start}"
        )
        for start in (1, 2)
    ]
    for thread in publishers:
        thread.start()
    for thread in publishers:
        thread.join()
    for subscription in subscriptions:
        if subscription.spec.name != "email":
            _unsubscribe_thread(bus, subscription.spec.name, narrate)
    return publish_costs, {s.spec.name: s.stats for s in subscriptions}


def _unsubscribe_thread(bus: EventBus, name: str, narrate: Callable[[str], None]) -> None:
    subscription = bus.remove(name)
    t0 = time.perf_counter()
    assert isinstance(subscription.mailbox, queue.Queue)
    subscription.mailbox.put(_STOP)  # blocks while the queue is full: fine, the worker drains it
    assert isinstance(subscription.worker, threading.Thread)
    subscription.worker.join()
    subscription.stats.stranded = subscription.mailbox.qsize()
    narrate(
        f"unsubscribed [bold]{name}[/]: drained its queue and joined its thread in {_ms(time.perf_counter() - t0)}"
    )


async def _run_asyncio(bus: EventBus, narrate: Callable[[str], None]) -> Result:
    subscriptions = []
    for spec in SUBSCRIBERS:
        subscription = Subscription(spec, asyncio.Queue(maxsize=spec.queue_size))
        subscription.worker = asyncio.create_task(_task_worker(subscription), name=spec.name)
        bus.add(subscription)
        subscriptions.append(subscription)
    publish_costs = []
    for number in range(1, EVENTS + 1):
        t0 = time.perf_counter()
        dropped_by = bus.publish(_event(number))
        publish_costs.append(time.perf_counter() - t0)
        _narrate_first_drops(dropped_by, number, narrate)
        if number == UNSUBSCRIBE_AFTER:
            await _unsubscribe_task(bus, "email", narrate)
        await asyncio.sleep(PUBLISH_INTERVAL)
    for subscription in subscriptions:
        if subscription.spec.name != "email":
            await _unsubscribe_task(bus, subscription.spec.name, narrate)
    return publish_costs, {s.spec.name: s.stats for s in subscriptions}


async def _unsubscribe_task(bus: EventBus, name: str, narrate: Callable[[str], None]) -> None:
    subscription = bus.remove(name)
    t0 = time.perf_counter()
    assert isinstance(subscription.mailbox, asyncio.Queue)
    await subscription.mailbox.put(_STOP)
    assert isinstance(subscription.worker, asyncio.Task)
    await subscription.worker
    subscription.stats.stranded = subscription.mailbox.qsize()
    narrate(
        f"unsubscribed [bold]{name}[/]: drained its queue and awaited its task in {_ms(time.perf_counter() - t0)}"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _expected(spec: SubscriberSpec, last_event: int) -> int:
    return sum(
        1
        for n in range(1, last_event + 1)
        if fnmatch.fnmatch(TOPICS[n % len(TOPICS)], spec.pattern)
    )


def _report(console: Console, bus_stats: dict[str, Stats], publish_costs: list[float]) -> None:
    table = Table(title="Per subscriber (while subscribed)", title_justify="left")
    for column in (
        "subscriber",
        "routed",
        "delivered",
        "dropped",
        "stranded",
        "max queue depth",
        "max delay",
    ):
        table.add_column(column, justify="left" if column == "subscriber" else "right")
    for spec in SUBSCRIBERS:
        stats = bus_stats[spec.name]
        table.add_row(
            spec.name,
            str(stats.routed),
            str(stats.delivered),
            str(stats.dropped),
            str(stats.stranded),
            f"{stats.max_depth}/{spec.queue_size}",
            _ms(stats.max_delay),
        )
    console.print(table)
    email = bus_stats["email"]
    console.print(
        f"  email left at event #{UNSUBSCRIBE_AFTER}: {_expected(SUBSCRIBERS[1], EVENTS) - email.routed} "
        "later users.* events were not routed to it (removed before its worker was stopped)."
    )
    balanced = all(
        st.routed == st.delivered + st.dropped and st.stranded == 0 for st in bus_stats.values()
    )
    hypothesis(
        console,
        "10.1",
        "every routed event was delivered or counted as dropped, none stranded",
        HELD if balanced else NOT_HERE,
        "; ".join(
            f"{n}: {st.routed}={st.delivered}+{st.dropped}, {st.stranded} stranded"
            for n, st in bus_stats.items()
        ),
    )
    analytics = bus_stats["analytics"]
    hypothesis(
        console,
        "10.2",
        "the slow subscriber drops events instead of slowing the publisher",
        HELD
        if analytics.dropped and max(publish_costs) < SUBSCRIBERS[2].work_seconds
        else NOT_HERE,
        f"analytics dropped {analytics.dropped}; slowest publish() {max(publish_costs) * 1e6:.0f} µs "
        f"vs {SUBSCRIBERS[2].work_seconds * 1000:.0f} ms of work per event",
    )
    costs = sorted(publish_costs)
    console.print(
        f"  publish() took [bold]{costs[len(costs) // 2] * 1e6:.0f} µs[/] (median), "
        f"{costs[-1] * 1e6:.0f} µs (max) over {EVENTS} events, although "
        f"analytics needs {SUBSCRIBERS[2].work_seconds * 1000:.0f} ms per event: the slow "
        "subscriber lost events, nobody else waited."
    )
    inline = sum(
        SUBSCRIBERS[2].work_seconds
        for n in range(1, EVENTS + 1)
        if TOPICS[n % 3].startswith("orders")
    )
    console.print(
        f"  [dim]Calling handlers inline would have made the publisher spend ≥ {_ms(inline)} "
        "inside analytics alone.[/]\n"
    )


def _run_variant(console: Console, variant: str) -> None:
    console.rule(f"[bold]Pub/sub event bus — {variant}")
    started = time.monotonic()

    def narrate(text: str) -> None:
        console.print(f"  [dim]t={_ms(time.monotonic() - started):>9}[/]  {text}")

    names = ", ".join(f"{s.name} ({s.pattern}, queue {s.queue_size})" for s in SUBSCRIBERS)
    narrate(f"subscribers: {names}; publishing {EVENTS} events every {_ms(PUBLISH_INTERVAL)}")
    bus = EventBus()
    if variant == "threads":
        costs, stats = _run_threads(bus, narrate)
    else:
        costs, stats = asyncio.run(_run_asyncio(bus, narrate))
    _report(console, stats, costs)


def main(variant: str | None = None) -> None:
    """Run the lesson: every variant in turn, or only ``variant``."""
    console = Console(highlight=False)
    header(console, 10, "pub/sub event bus with per-subscriber bounded queues")
    for name in VARIANTS if variant is None else (variant,):
        _run_variant(console, name)
    try_next(
        console,
        __file__,
        "in `EventBus.publish`, copy the matching subscriptions into a list under the lock and "
        "deliver after releasing it (the tempting 'shorter critical section'), then run "
        "`threads` several times: watch 10.1's stranded count — the race is rare, which is "
        "exactly why it survives code review.",
        [
            (5, "listeners that are never removed: unsubscribe for real"),
            (10, "orders shipped before they were paid: per-key ordering across consumers"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
