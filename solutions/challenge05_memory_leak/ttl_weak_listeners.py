"""Solution (TTL cache with a size cap, weakly held listeners) — quote service of a brokerage app: answers "what are my stocks worth?" requests.

Prices come from an exchange feed (a slow call), so they are cached. Every open request also
listens for live price updates on the service's event bus, so a quote being assembled picks up
a price that changed meanwhile. Request threads call `QuoteService.handle()` concurrently.
The service is restarted every night because its memory grows all day long.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

Listener = Callable[[str, float], None]


class EventBus:
    """Publish/subscribe for live price updates; holds its listeners *weakly*.

    A subscriber that is garbage (its request finished) drops out on its own, so forgetting
    to unsubscribe can no longer keep it alive.
    """

    def __init__(self) -> None:
        self.listeners: list[weakref.WeakMethod[Listener]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self.listeners = [ref for ref in self.listeners if ref() is not None]
            self.listeners.append(weakref.WeakMethod(listener))

    def publish(self, symbol: str, price: float) -> None:
        with self._lock:
            alive = [listener for ref in self.listeners if (listener := ref()) is not None]
        for listener in alive:
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
    def __init__(self, feed: ExchangeFeed, ttl_seconds: float = 5.0, cache_size: int = 256) -> None:
        self.feed = feed
        self.bus = EventBus()
        self.cache: dict[str, tuple[float, float]] = {}
        """symbol -> (price, fetched at); entries expire after ``ttl_seconds``."""
        self.ttl_seconds = ttl_seconds
        self.cache_size = cache_size
        self._cache_lock = threading.Lock()

    def price(self, symbol: str) -> float:
        """The price of ``symbol``, at most ``ttl_seconds`` old."""
        now = time.monotonic()
        with self._cache_lock:
            entry = self.cache.get(symbol)
            if entry is not None and now - entry[1] < self.ttl_seconds:
                return entry[0]
        price = self.feed.fetch(symbol)  # no lock held during the network call
        with self._cache_lock:
            if len(self.cache) >= self.cache_size:
                self._purge(now)
            self.cache[symbol] = (price, now)
        self.bus.publish(symbol, price)
        return price

    def _purge(self, now: float) -> None:
        """Drop expired entries; if all are fresh, drop the oldest half (a size cap as well)."""
        expired = [s for s, (_, at) in self.cache.items() if now - at >= self.ttl_seconds]
        if not expired:
            expired = sorted(self.cache, key=lambda s: self.cache[s][1])[: len(self.cache) // 2]
        for symbol in expired:
            del self.cache[symbol]

    def handle(self, request_id: int, symbols: list[str]) -> float:
        """Total value of one share of each symbol, with live updates while we gather."""
        request = QuoteRequest(request_id, symbols)
        self.bus.subscribe(request.on_price)  # weakly held: gone with `request`
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
