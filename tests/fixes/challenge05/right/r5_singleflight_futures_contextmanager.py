# fix-judgement: right
# class: other (single-flight Future)
# why: One concurrent.futures.Future per in-flight symbol (waiters get the owner's value or its exception, entry always removed), dict-order LRU capped at 300, subscription via a @contextmanager with finally
"""Fix: requests subscribe through a context manager (always unsubscribed); concurrent misses
share one Future per symbol (fetch outside the lock); cache is a bounded dict-order LRU."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from contextlib import contextmanager
import time
from collections.abc import Callable

Listener = Callable[[str, float], None]


class EventBus:
    """Publish/subscribe for live price updates."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self.listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            self.listeners.remove(listener)

    def publish(self, symbol: str, price: float) -> None:
        with self._lock:
            listeners = list(self.listeners)
        for listener in listeners:
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
    MAX_CACHED = 300

    def __init__(self, feed: ExchangeFeed) -> None:
        self.feed = feed
        self.bus = EventBus()
        self.cache: dict[str, float] = {}  # insertion order == recency order (LRU)
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[float]] = {}

    @contextmanager
    def _listening(self, listener: Listener):
        self.bus.subscribe(listener)
        try:
            yield
        finally:
            self.bus.unsubscribe(listener)

    def price(self, symbol: str) -> float:
        """The cached price of ``symbol`` (fetched once from the exchange on a miss)."""
        with self._lock:
            if symbol in self.cache:
                value = self.cache.pop(symbol)
                self.cache[symbol] = value  # most recently used goes last
                return value
            future = self._inflight.get(symbol)
            owner = future is None
            if owner:
                future = self._inflight[symbol] = Future()
        if not owner:
            return future.result()  # same value (or same error) as the thread fetching it
        try:
            fetched = self.feed.fetch(symbol)  # outside the lock
        except BaseException as error:
            with self._lock:
                del self._inflight[symbol]
            future.set_exception(error)
            raise
        with self._lock:
            self.cache[symbol] = fetched
            while len(self.cache) > self.MAX_CACHED:
                del self.cache[next(iter(self.cache))]
            del self._inflight[symbol]
        future.set_result(fetched)
        self.bus.publish(symbol, fetched)
        return fetched

    def handle(self, request_id: int, symbols: list[str]) -> float:
        """Total value of one share of each symbol, with live updates while we gather."""
        request = QuoteRequest(request_id, symbols)
        with self._listening(request.on_price):
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
