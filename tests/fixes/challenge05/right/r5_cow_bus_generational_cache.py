# fix-judgement: right
# class: other (copy-on-write + generations)
# why: EventBus keeps an immutable tuple replaced under a lock (publish reads one snapshot); cache = two generations of 200 (hits promoted, old generation dropped wholesale), fetch unlocked; ExitStack.callback unsubscribes
"""Fix: copy-on-write listener tuple, ExitStack guarantees unsubscribe; the cache keeps two
generations of 200 prices (hits are promoted), fetched outside the lock."""

from __future__ import annotations

import threading
from contextlib import ExitStack
import time
from collections.abc import Callable

Listener = Callable[[str, float], None]


class EventBus:
    """Publish/subscribe for live price updates (copy-on-write listener tuple)."""

    def __init__(self) -> None:
        self.listeners: tuple[Listener, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self.listeners = (*self.listeners, listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            remaining = list(self.listeners)
            remaining.remove(listener)
            self.listeners = tuple(remaining)

    def publish(self, symbol: str, price: float) -> None:
        for listener in self.listeners:  # one read of an immutable snapshot
            listener(symbol, price)


class ExchangeFeed:
    """The exchange's price API: every call is a network round trip."""

    def __init__(self, latency_seconds: float = 0.002) -> None:
        self.latency_seconds = latency_seconds
        self.calls = 0

    def fetch(self, symbol: str) -> float:
        if self.latency_seconds:  # 0: the in-process replica used in tests answers at once
            time.sleep(self.latency_seconds)
        self.calls += 1
        return float(sum(map(ord, symbol)) % 500 + 10)


class QuoteRequest:
    """One client's request: the symbols it asked for and the prices gathered so far."""

    def __init__(self, request_id: int, symbols: list[str]) -> None:
        self.request_id = request_id
        self.symbols = symbols
        self.prices: dict[str, float] = {}
        self.log: list[str] = [f"request {request_id} for {len(symbols)} symbols"]

    def on_price(self, symbol: str, price: float) -> None:
        if symbol in self.symbols:
            self.prices[symbol] = price


class QuoteService:
    GENERATION = 200  # the cache holds at most two generations: 400 prices

    def __init__(self, feed: ExchangeFeed) -> None:
        self.feed = feed
        self.bus = EventBus()
        self._young: dict[str, float] = {}
        self._old: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def cache(self) -> dict[str, float]:
        with self._lock:
            return {**self._old, **self._young}

    def _store(self, symbol: str, value: float) -> None:  # caller holds self._lock
        self._young[symbol] = value
        if len(self._young) >= self.GENERATION:
            self._old, self._young = self._young, {}

    def price(self, symbol: str) -> float:
        """The cached price of ``symbol`` (fetched from the exchange on a miss)."""
        with self._lock:
            if symbol in self._young:
                return self._young[symbol]
            if symbol in self._old:
                value = self._old.pop(symbol)
                self._store(symbol, value)  # still popular: promote to the young generation
                return value
        fetched = self.feed.fetch(symbol)  # no lock held while the exchange answers
        with self._lock:
            self._store(symbol, fetched)
        self.bus.publish(symbol, fetched)
        return fetched

    def handle(self, request_id: int, symbols: list[str]) -> float:
        """Total value of one share of each symbol, with live updates while we gather."""
        request = QuoteRequest(request_id, symbols)
        with ExitStack() as stack:
            self.bus.subscribe(request.on_price)
            stack.callback(self.bus.unsubscribe, request.on_price)
            for symbol in symbols:
                request.prices.setdefault(symbol, self.price(symbol))
            return round(sum(request.prices.values()), 2)


def main() -> None:
    import tracemalloc

    tracemalloc.start()
    service = QuoteService(ExchangeFeed(latency_seconds=0))
    request_id = 0
    for hour in range(1, 6):
        for _ in range(2_000):
            request_id += 1
            # Popular stocks, plus a symbol typed by the user (often one nobody asked before).
            service.handle(request_id, ["AAPL", "MSFT", "NVDA", f"USER{request_id}"])
        current, _peak = tracemalloc.get_traced_memory()
        print(f"hour {hour}: {current / 1e6:5.1f} MB traced, {len(service.bus.listeners)} listeners, "
              f"{len(service.cache)} cached prices")


if __name__ == "__main__":
    main()
