"""Challenge 5: the quote service restarted every night (memory leaks)."""

from __future__ import annotations

import threading
import time
import weakref
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.scheduler import unobserved
from evaluator.spec import (
    ChallengeSpec,
    CheckContext,
    MemoryCheck,
    PerformanceCheck,
    PropertyCheck,
    ScheduleCheck,
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
    expect(
        feed.calls <= 2 * len(POPULAR),
        f"{feed.calls} exchange calls for 50 requests of the same 3 symbols: the cache no longer caches",
        kind=FindingKind.TOO_SLOW,
    )


class _ExchangeStandIn:
    """The program's exchange (answering at once) behind a stand-in the scenarios can alter."""

    def __init__(self, mod: ModuleType) -> None:
        self._feed = mod.ExchangeFeed(latency_seconds=0)
        self.latency_seconds = 0

    @property
    def calls(self) -> int:
        return int(self._feed.calls)

    def fetch(self, symbol: str) -> float:
        return float(self._feed.fetch(symbol))


class _FlakyFeed(_ExchangeStandIn):
    """The exchange, except that symbols starting with ``DOWN`` fail (the exchange is down for them)."""

    def fetch(self, symbol: str) -> float:
        if symbol.startswith("DOWN"):
            raise ConnectionError(f"exchange timeout for {symbol}")
        return super().fetch(symbol)


def _listener_count(service: object) -> int | None:
    listeners = getattr(getattr(service, "bus", None), "listeners", None)
    if listeners is not None and hasattr(listeners, "__len__"):
        return len(listeners)
    return None


def requests_release_their_listeners(mod: ModuleType, ctx: CheckContext) -> None:
    """Requests that succeed and requests whose price fetch fails: afterwards the bus holds no
    listener of any finished request, and a failed fetch reaches the caller (no partial total)."""
    import gc

    service = mod.QuoteService(_FlakyFeed(mod))
    failed_quietly: list[str] = []
    sizes: list[int | None] = []
    for batch in range(2):
        for n in range(batch * 20, batch * 20 + 20):
            symbols = [*POPULAR, f"DOWN{n}"] if n % 2 else [*POPULAR, f"OK{n}"]
            try:
                total = service.handle(n, symbols)
            except Exception:
                continue
            if n % 2:
                failed_quietly.append(f"request {n} for {symbols} returned {total}")
        gc.collect()
        sizes.append(_listener_count(service))
    expect(
        not failed_quietly,
        "a request whose price could not be fetched returned a total anyway",
        *failed_quietly[:3],
        "the client is told a wrong value for their portfolio: let the error reach the caller",
        kind=FindingKind.INVARIANT,
    )
    for n in range(40, 80):  # popular symbols only: all cached, nothing new is published
        service.handle(n, POPULAR)
        if n in (59, 79):
            gc.collect()
            sizes.append(_listener_count(service))
    counted = [size for size in sizes if size is not None]
    growth = (
        (0, 1, "finished requests", "(half of them failed)"),
        (2, 3, "finished requests for cached symbols", "(nothing new was published)"),
    )
    for before, after, which, note in growth:
        if len(counted) > after:
            expect(
                counted[after] <= counted[before] or counted[after] < 10,
                f"the event bus grows with every one of the {which}: {counted[before]} entries "
                f"after 20 of them, {counted[after]} after 40 {note}",
                "every request must unsubscribe however it ends (try/finally), and dead weak "
                "references must be removed even when nothing is published, or the bus grows all day",
                kind=FindingKind.MEMORY_LEAK,
            )


LIVE_PRICE = 1_000.0
"""A live tick for ``EARLY`` published while a request still gathers ``LATE``."""


class _TickingFeed(_ExchangeStandIn):
    """The exchange, except that fetching ``LATE`` first publishes live ticks for ``EARLY`` and
    ``NEXT`` on the service's bus: updates that arrive while a request still gathers its prices."""

    def __init__(self, mod: ModuleType) -> None:
        super().__init__(mod)
        self.service: object | None = None

    def fetch(self, symbol: str) -> float:
        if symbol == "LATE" and self.service is not None:
            self.service.bus.publish("EARLY", LIVE_PRICE)  # type: ignore[attr-defined]
            self.service.bus.publish("NEXT", LIVE_PRICE)  # type: ignore[attr-defined]
        return super().fetch(symbol)


def live_updates_reach_open_requests(mod: ModuleType, ctx: CheckContext) -> None:
    """A request for EARLY, LATE and NEXT (NEXT already cached): while LATE is fetched, live ticks
    for EARLY and NEXT are published. The request is still gathering, so its total must use both
    ticks: the listener is how it hears them, and a tick is fresher than the cached NEXT."""
    feed = _TickingFeed(mod)
    service = mod.QuoteService(feed)
    service.handle(0, ["NEXT"])
    feed.service = service
    total = service.handle(1, ["EARLY", "LATE", "NEXT"])
    want = round(2 * LIVE_PRICE + _expected_price("LATE"), 2)
    expect(
        total == want,
        f"a request for EARLY, LATE and NEXT returned {total}, expected {want}",
        f"live ticks EARLY={LIVE_PRICE} and NEXT={LIVE_PRICE} were published while the request "
        "was still fetching LATE, and did not both count (NEXT's cached price is older than its tick)",
        "an open request must keep hearing live updates: drop its listener when it finishes, not "
        "before (a weak reference to a bound method made on the spot dies at once)",
        kind=FindingKind.INVARIANT,
    )


class _SlowDownFeed(_FlakyFeed):
    """The flaky exchange, but a failing fetch takes a while before it fails (a network timeout)."""

    def fetch(self, symbol: str) -> float:
        if symbol.startswith("DOWN"):
            time.sleep(0.01)
        return super().fetch(symbol)


def failed_fetch_reaches_every_request(mod: ModuleType) -> None:
    """Two requests ask for the same symbol at once and its fetch fails (after a 10 ms timeout):
    both must get the error; neither may wait forever for a price that never comes."""
    service = mod.QuoteService(_SlowDownFeed(mod))
    outcomes: dict[str, object] = {}

    def ask(name: str) -> None:
        try:
            outcomes[name] = service.handle(len(outcomes), ["DOWN-X"])
        except Exception as error:
            outcomes[name] = error

    threads = [
        threading.Thread(target=ask, args=(name,), name=name) for name in ("first", "second")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = {name: value for name, value in outcomes.items() if not isinstance(value, Exception)}
    expect(
        not answered,
        f"the fetch of DOWN-X failed (injected ConnectionError), yet {sorted(answered)} got a total: {answered}",
        "a request whose price could not be fetched must get the error",
        kind=FindingKind.INVARIANT,
    )


def _evicted_after(mod: ModuleType, fillers: int) -> bool:
    """Is the first symbol gone (fetched again) after ``fillers`` other symbols were cached?"""
    feed = mod.ExchangeFeed(latency_seconds=0)
    service = mod.QuoteService(feed)
    service.handle(0, ["X"])
    if fillers:
        service.handle(1, [f"F{n}" for n in range(fillers)])
    before = feed.calls
    service.handle(fillers + 1, ["X"])
    return bool(feed.calls > before)


def cache_capacity(mod: ModuleType) -> int | None:
    """How many symbols the learner's cache keeps (None above 1,500: the memory check judges those)."""
    high = 1
    while not _evicted_after(mod, high):
        high *= 2
        if high > 2048:
            return None
    low = high // 2  # not evicted after ``low`` (or low == 0), evicted after ``high``
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if _evicted_after(mod, middle) else (middle, high)
    return high


def hit_while_evicting(mod: ModuleType, prepared: int | None) -> None:
    """The cache is full and symbol X is the next to be evicted: one request reads X while another
    caches a new symbol (evicting X). Neither may fail, and both totals must be right."""
    if prepared is None:
        return
    with unobserved():  # filling the cache is set-up, not the race under test
        service = mod.QuoteService(mod.ExchangeFeed(latency_seconds=0))
        service.handle(0, ["X"])
        if prepared > 1:
            service.handle(1, [f"F{n}" for n in range(prepared - 1)])
    totals: dict[str, float] = {}

    def ask(name: str, symbol: str) -> None:
        totals[name] = service.handle(hash(name) % 1000, [symbol])

    threads = [
        threading.Thread(target=ask, args=("reads-X", "X"), name="reads-X"),
        threading.Thread(target=ask, args=("caches-NEW", "NEW"), name="caches-NEW"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expect(
        totals == {"reads-X": _expected_price("X"), "caches-NEW": _expected_price("NEW")},
        f"wrong totals while the cache evicted: {totals}",
    )


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
        MemoryCheck(
            "memory stays flat over a trading day",
            trading_hour,
            warmup_rounds=2,
            rounds=4,
            hint="Which objects are still reachable after a request has been answered, and from where?",
        ),
        PropertyCheck(
            "finished requests leave nothing behind",
            requests_release_their_listeners,
            kind=FindingKind.MEMORY_LEAK,
            hint="Unsubscribe in a finally block, so failed requests let go of their listener too.",
        ),
        PropertyCheck(
            "live updates reach open requests",
            live_updates_reach_open_requests,
            kind=FindingKind.INVARIANT,
            hint="A request listens until it has its answer: subscribe before gathering, unsubscribe in a finally after.",
        ),
        ScheduleCheck(
            "a failed fetch reaches every waiting request",
            failed_fetch_reaches_every_request,
            max_schedules=30,
            kind=FindingKind.INVARIANT,
            hint="A request waiting for another's fetch must be woken when that fetch fails too (set the event in a finally, or share the exception through a Future).",
        ),
        ScheduleCheck(
            "a cache hit while evicting",
            hit_while_evicting,
            prepare=cache_capacity,
            max_schedules=40,
            strategies=("dfs",),
            kind=FindingKind.RACE,
            hint="Checking that a key is cached and then moving or reading it are two steps: "
            "an eviction can run in between. Do both under the cache's lock.",
        ),
        PropertyCheck(
            "the cache still caches",
            quotes_are_cached_and_right,
            hint="Bound the cache, do not remove it: popular symbols must stay cached.",
        ),
        PerformanceCheck(
            "requests stay fast and concurrent", market_open, reference="lru_unsubscribe"
        ),
    ),
    time_budget_seconds=60.0,
    hints=(
        "`learn check 5` shows the allocation sites that grow every round. Follow the references: what still points to a finished request?",
        "The event bus keeps every listener it was given. A bound method (`request.on_price`) keeps its whole `QuoteRequest` alive, forever.",
        "There are two leaks: the listener list, and a cache keyed by user input that never evicts. A cache needs a bound (size and/or age).",
        "Unsubscribe in a `finally` (or make the bus hold `weakref.WeakMethod`s), and make the cache an LRU with a maximum size (an `OrderedDict` with `move_to_end`/`popitem(last=False)`, under a lock) or a TTL cache with a cap.",
    ),
)
