# fix-judgement: right
# class: other (design)
# why: Copy-on-write listener tuple, unsubscribe via an ExitStack callback; young and old generation dicts (<=200 each), a hit in old promotes the entry, and a full young generation replaces old; `cache` is a locked snapshot property.
"""Fix: copy-on-write listener tuple, unsubscribe via ExitStack callback;\ntwo-generation cache (young/old dicts) bounds memory while keeping hot symbols."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

Listener = Callable[[str, float], None]


class EventBus:
    """Publish/subscribe for live price updates (copy-on-write listener tuple)."""

    def __init__(self) -> None:
        self._listeners: tuple[Listener, ...] = ()
        self._lock = threading.Lock()

    @property
    def listeners(self) -> tuple[Listener, ...]:
        return self._listeners

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners = (*self._listeners, listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            remaining = list(self._listeners)
            remaining.remove(listener)
            self._listeners = tuple(remaining)

    def publish(self, symbol: str, price: float) -> None:
        for listener in self._listeners:  # an immutable snapshot: no lock needed
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
    GENERATION = 200
    """Prices live in a young and an old generation of at most this many entries each."""

    def __init__(self, feed: ExchangeFeed) -> None:
        self.feed = feed
        self.bus = EventBus()
        self._young: dict[str, float] = {}
        self._old: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def cache(self) -> dict[str, float]:
        """A snapshot of the cached prices (fewer than 2 * GENERATION)."""
        with self._lock:
            return {**self._old, **self._young}

    def _store(self, symbol: str, price: float) -> None:
        """Put ``symbol`` in the young generation; a full young generation becomes the old one."""
        self._young[symbol] = price
        if len(self._young) >= self.GENERATION:
            self._old, self._young = self._young, {}  # the previous old generation is dropped

    def price(self, symbol: str) -> float:
        """The cached price of ``symbol`` (fetched from the exchange on a miss)."""
        with self._lock:
            if symbol in self._young:
                return self._young[symbol]
            if symbol in self._old:
                price = self._old.pop(symbol)
                self._store(symbol, price)  # still in use: promote it
                return price
        price = self.feed.fetch(symbol)  # no lock held during the network call
        with self._lock:
            self._store(symbol, price)
        self.bus.publish(symbol, price)
        return price

    def handle(self, request_id: int, symbols: list[str]) -> float:
        """Total value of one share of each symbol, with live updates while we gather."""
        request = QuoteRequest(request_id, symbols)
        with contextlib.ExitStack() as stack:
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
