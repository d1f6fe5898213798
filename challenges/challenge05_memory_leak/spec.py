"""Challenge 5: the quote service restarted every night (memory leaks)."""

from __future__ import annotations

import threading
import weakref
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.spec import (
    ChallengeSpec,
    CheckContext,
    MemoryCheck,
    PerformanceCheck,
    PropertyCheck,
    expect,
)

POPULAR = ["AAPL", "MSFT", "NVDA"]
_services: weakref.WeakKeyDictionary[ModuleType, object] = weakref.WeakKeyDictionary()


def _expected_price(symbol: str) -> float:
    return float(sum(map(ord, symbol)) % 500 + 10)


NEW_SYMBOLS_PER_REQUEST = 10
"""Symbols typed by users that nobody asked for before: 200 a round, ~2,000 over the check.
A cache bounded at a few hundred (or a thousand) entries is full after a few rounds and then
stays flat; an unbounded one grows by ~30 KB in every round."""


def trading_hour(mod: ModuleType, round_number: int) -> None:
    """One long-lived service; each round serves 20 requests, each with never-seen symbols."""
    service = _services.get(mod)
    if service is None:
        service = _services[mod] = mod.QuoteService(mod.ExchangeFeed(latency_seconds=0))
    for n in range(20):
        request_id = round_number * 1_000 + n
        typed = [f"USER{request_id}-{k}" for k in range(NEW_SYMBOLS_PER_REQUEST)]
        service.handle(request_id, [*POPULAR, *typed])  # type: ignore[attr-defined]


def quotes_are_cached_and_right(mod: ModuleType, ctx: CheckContext) -> None:
    """The cache must still work: popular symbols are fetched once, totals are correct."""
    feed = mod.ExchangeFeed(latency_seconds=0)
    service = mod.QuoteService(feed)
    want = round(sum(_expected_price(s) for s in POPULAR), 2)
    for request_id in range(50):
        total = service.handle(request_id, POPULAR)
        expect(total == want, f"request {request_id} got total {total}, expected {want}")
    expect(feed.calls <= 2 * len(POPULAR),
           f"{feed.calls} exchange calls for 50 requests of the same 3 symbols: the cache no longer caches",
           kind=FindingKind.TOO_SLOW)


def market_open(mod: ModuleType) -> None:
    """Eight request threads ask for the popular symbols 20 times each (the feed takes 3 ms)."""
    service = mod.QuoteService(mod.ExchangeFeed(latency_seconds=0.003))

    def client(index: int) -> None:
        for n in range(20):
            service.handle(index * 100 + n, POPULAR)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


SPEC = ChallengeSpec(
    number=5,
    slug="memory_leak",
    title="The service restarted every night",
    summary="A quote service grows all day: listeners never unsubscribed and a cache that never forgets.",
    concepts=("memory leak", "observer pattern", "bounded cache", "weak references", "tracemalloc"),
    difficulty=3,
    intended=FindingKind.MEMORY_LEAK,
    checks=(
        MemoryCheck("memory stays flat over a trading day", trading_hour, warmup_rounds=2, rounds=4,
                    hint="Which objects are still reachable after a request has been answered, and from where?"),
        PropertyCheck("the cache still caches", quotes_are_cached_and_right,
                      hint="Bound the cache, do not remove it: popular symbols must stay cached."),
        PerformanceCheck("requests stay fast and concurrent", market_open, reference="lru_unsubscribe"),
    ),
    hints=(
        "`learn check 5` shows the allocation sites that grow every round. Follow the references: what still points to a finished request?",
        "The event bus keeps every listener it was given. A bound method (`request.on_price`) keeps its whole `QuoteRequest` alive, forever.",
        "There are two leaks: the listener list, and a cache keyed by user input that never evicts. A cache needs a bound (size and/or age).",
        "Unsubscribe in a `finally` (or make the bus hold `weakref.WeakMethod`s), and make the cache an LRU with a maximum size (an `OrderedDict` with `move_to_end`/`popitem(last=False)`, under a lock) or a TTL cache with a cap.",
    ),
)
