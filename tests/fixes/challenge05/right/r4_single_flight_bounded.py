# fix-judgement: right
# class: other (design)
# why: Bus context manager scopes the listener; dict LRU of 300 (pop and re-insert on hit) plus a Future per in-flight symbol, so concurrent misses share one fetch; a fetch error is passed to the waiters and the entry is removed.
"""Fix: listener scoped by a context manager on the bus; bounded LRU dict plus a Future per in-flight symbol so one fetch serves concurrent requests."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future

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

    @contextlib.contextmanager
    def subscribed(self, listener: Listener) -> Iterator[None]:
        """Listen for updates for the duration of a ``with`` block, whatever happens in it."""
        self.subscribe(listener)
        try:
            yield
        finally:
            self.unsubscribe(listener)

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
        self.cache: dict[str, float] = {}
        """symbol -> price, in least- to most-recently used order (at most MAX_CACHED)."""
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[float]] = {}
        """Fetches under way: other requests for the same symbol wait for that one."""

    def price(self, symbol: str) -> float:
        """The cached price of ``symbol`` (fetched from the exchange on a miss)."""
        with self._lock:
            if symbol in self.cache:
                price = self.cache.pop(symbol)
                self.cache[symbol] = price  # re-inserted: now the most recently used
                return price
            pending = self._inflight.get(symbol)
            if pending is None:
                pending = self._inflight[symbol] = Future()
                leader = True
            else:
                leader = False
        if not leader:
            return pending.result()  # someone else is fetching it: share their answer
        try:
            price = self.feed.fetch(symbol)  # no lock held during the network call
        except BaseException as error:
            with self._lock:
                del self._inflight[symbol]
            pending.set_exception(error)
            raise
        with self._lock:
            del self._inflight[symbol]
            self.cache[symbol] = price
            while len(self.cache) > self.MAX_CACHED:
                del self.cache[next(iter(self.cache))]
        pending.set_result(price)
        self.bus.publish(symbol, price)
        return price

    def handle(self, request_id: int, symbols: list[str]) -> float:
        """Total value of one share of each symbol, with live updates while we gather."""
        request = QuoteRequest(request_id, symbols)
        with self.bus.subscribed(request.on_price):
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
