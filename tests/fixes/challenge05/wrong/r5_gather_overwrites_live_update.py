# fix-judgement: wrong
# class: partial
# why: Gathering does prices[s] = self.price(s) instead of setdefault, so a live price published for a later symbol while the request is fetching an earlier one is overwritten by the stale cached price: "a price published while a request is gathering reaches that request" breaks
"""Fix: unsubscribe in finally; LRU OrderedDict cache (256) with the fetch outside the lock;
gathering stores each price directly."""

from __future__ import annotations

import threading
from collections import OrderedDict
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
    MAX_CACHED = 256

    def __init__(self, feed: ExchangeFeed) -> None:
        self.feed = feed
        self.bus = EventBus()
        self.cache: OrderedDict[str, float] = OrderedDict()  # LRU, at most MAX_CACHED entries
        self._cache_lock = threading.Lock()

    def price(self, symbol: str) -> float:
        """The cached price of ``symbol`` (fetched from the exchange on a miss)."""
        with self._cache_lock:
            if symbol in self.cache:
                self.cache.move_to_end(symbol)
                return self.cache[symbol]
        fetched = self.feed.fetch(symbol)  # no lock held during the network call
        with self._cache_lock:
            self.cache[symbol] = fetched
            self.cache.move_to_end(symbol)
            while len(self.cache) > self.MAX_CACHED:
                self.cache.popitem(last=False)
        self.bus.publish(symbol, fetched)
        return fetched

    def handle(self, request_id: int, symbols: list[str]) -> float:
        """Total value of one share of each symbol, with live updates while we gather."""
        request = QuoteRequest(request_id, symbols)
        self.bus.subscribe(request.on_price)
        try:
            for symbol in symbols:
                request.prices[symbol] = self.price(symbol)
            return round(sum(request.prices.values()), 2)
        finally:
            self.bus.unsubscribe(request.on_price)  # a finished request must not stay reachable


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
