# fix-judgement: right
# class: other
# idiom: EventBus holds bound-method listeners through weakref.WeakMethod whose death callback removes the entry; OrderedDict LRU
# why: A finished request is no longer referenced by the bus, so it dies at once and its callback deletes the dead entry (listeners stay at 0 between requests); plain function listeners are still held strongly; the cache is a 256-entry LRU.
"""Quote service of a brokerage app: answers "what are my stocks worth?" requests.

Prices come from an exchange feed (a slow call), so they are cached. Every open request also
listens for live price updates on the service's event bus, so a quote being assembled picks up
a price that changed meanwhile. Request threads call `QuoteService.handle()` concurrently.
The service is restarted every night because its memory grows all day long.
"""

from __future__ import annotations

import threading
import time
import types
import weakref
from collections import OrderedDict
from collections.abc import Callable

CACHE_LIMIT = 256
"""Most prices kept in the cache (least recently used ones are evicted)."""

Listener = Callable[[str, float], None]


class EventBus:
    """Publish/subscribe for live price updates."""

    def __init__(self) -> None:
        self.listeners: list[Listener | weakref.WeakMethod[Listener]] = []
        """Bound methods are held weakly: a listener object that dies unsubscribes itself."""
        self._lock = threading.RLock()  # the death callback may fire while this thread holds it

    def subscribe(self, listener: Listener) -> None:
        entry: Listener | weakref.WeakMethod[Listener] = listener
        if isinstance(listener, types.MethodType):
            entry = weakref.WeakMethod(listener, self._forget)
        with self._lock:
            self.listeners.append(entry)

    def _forget(self, dead: weakref.WeakMethod[Listener]) -> None:
        with self._lock:
            self.listeners = [entry for entry in self.listeners if entry is not dead]

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            for position, entry in enumerate(self.listeners):
                live = entry() if isinstance(entry, weakref.WeakMethod) else entry
                if live == listener:
                    del self.listeners[position]
                    return
            raise ValueError("listener not subscribed")

    def publish(self, symbol: str, price: float) -> None:
        with self._lock:
            entries = list(self.listeners)
        for entry in entries:
            listener = entry() if isinstance(entry, weakref.WeakMethod) else entry
            if listener is not None:
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
    def __init__(self, feed: ExchangeFeed) -> None:
        self.feed = feed
        self.bus = EventBus()
        self.cache: OrderedDict[str, float] = OrderedDict()
        self._cache_lock = threading.Lock()

    def price(self, symbol: str) -> float:
        """The cached price of ``symbol`` (fetched from the exchange on a miss)."""
        with self._cache_lock:
            if symbol in self.cache:
                self.cache.move_to_end(symbol)
                return self.cache[symbol]
        price = self.feed.fetch(symbol)  # the slow call: never under the lock
        with self._cache_lock:
            self.cache[symbol] = price
            self.cache.move_to_end(symbol)
            while len(self.cache) > CACHE_LIMIT:
                self.cache.popitem(last=False)
        self.bus.publish(symbol, price)
        return price

    def handle(self, request_id: int, symbols: list[str]) -> float:
        """Total value of one share of each symbol, with live updates while we gather."""
        request = QuoteRequest(request_id, symbols)
        self.bus.subscribe(request.on_price)
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
