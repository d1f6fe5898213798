"""# Rate limiting: token bucket and sliding window log

A rate limiter answers one question, fast and under concurrency: *may this request go now?*
You put one in front of an API you serve (protect yourself from a noisy client) and in front
of an API you call (stay under the provider's quota before it answers 429).

Two designs, both allowing **50 requests per second on average** here:

**Token bucket** (`rate` tokens per second, at most `capacity` stored). Each request takes a
token or is denied. An idle client accumulates tokens up to `capacity`, so it may **burst**:
after a pause, `capacity` requests pass at once, then the flow settles at `rate`. State is two
numbers; refill is computed lazily from the elapsed time — no background thread:

```python
tokens = min(capacity, tokens + (now - last) * rate); last = now
if tokens >= 1: tokens -= 1; allow
```

**Sliding window log** (at most `limit` requests in *any* window of `window` seconds). Keep
the timestamps of allowed requests; drop those older than `now - window`; allow if fewer than
`limit` remain. It is exact — no burst above `limit`, even across a boundary — and costs
memory proportional to `limit` per client. (The *fixed* window counter, "100 per calendar
minute", is cheaper but lets 2 × limit through around a minute boundary.)

Three details that bite in production:

- **Use a monotonic clock** (`time.monotonic()`): wall-clock time (`time.time()`) jumps when
  NTP or an operator corrects it. A jump **forward** looks like a long idle pause: the bucket
  refills to `capacity` and the window log empties — one extra burst. A jump **backwards**
  makes the elapsed time negative: the bucket's refill goes negative and the log's entries lie
  "in the future" and never expire, so every request is denied until the clock catches up.
  The lesson replays both jumps on an injected clock.
- **Make the check-and-take atomic.** "Read tokens, compare, decrement" from several threads
  is a check-then-act race that lets extra requests through. One lock around it here; in
  Redis, one Lua script or `INCR` + `EXPIRE` per window.
- **Tell the client when to come back** (`429` + `Retry-After`), or it will retry at once.

The lesson drives each limiter from 4 threads: a burst, an idle pause, another burst. It
shows allowed/denied per 100 ms and checks the strongest property it can measure: the most
requests allowed in any 200 ms window, against the limiter's theoretical bound.

## When not to

- To bound *concurrency* (how many at once): that is a semaphore or capacity limiter
  (lesson 11). A rate limiter happily admits 50 slow requests that all pile up.
- Per-process limits for a fleet: 10 processes each allowing 50/s allow 500/s. Share the
  state (Redis) or divide the quota.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from rich.console import Console

from examples._lesson import HELD, NOT_HERE, TIE, header, hypothesis, run_as_script, try_next

TITLE = "Rate limiting: token bucket and sliding window log"
CONCEPTS = ("rate limiting", "token bucket", "sliding window", "monotonic clock", "thread safety")
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (4,)
HYPOTHESES = {"main": ("14.1", "14.2", "14.3", "14.4", "14.5")}
LIMITERS = ("token-bucket", "sliding-window")

RATE = 50.0
CAPACITY = 10
WINDOW = 0.2
LIMIT = 10
"""Sliding window: LIMIT requests per WINDOW seconds = the same 50/s on average."""
THREADS = 4
REQUEST_EVERY = 0.002
PHASES = (("burst", 0.30), ("idle", 0.20), ("burst", 0.30))
SLOT = 0.1


class Limiter(Protocol):
    def try_acquire(self) -> bool: ...


class TokenBucket:
    """``rate`` tokens per second, at most ``capacity`` stored; thread-safe."""

    def __init__(
        self, rate: float, capacity: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate, self._capacity, self._clock = rate, capacity, clock
        self._tokens = float(capacity)
        self._last = clock()
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False

    @property
    def bound(self) -> int:
        """The most requests it can allow in any WINDOW: a full bucket plus the refill."""
        return int(self._capacity + self._rate * WINDOW)


class SlidingWindowLog:
    """At most ``limit`` allowed requests in any ``window`` seconds; thread-safe."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit, self._window, self._clock = limit, window, clock
        self._log: deque[float] = deque()
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            now = self._clock()
            while self._log and self._log[0] <= now - self._window:
                self._log.popleft()
            if len(self._log) < self._limit:
                self._log.append(now)
                return True
            return False

    @property
    def bound(self) -> int:
        return self._limit


@dataclass
class Record:
    """Every decision, as (seconds since start, allowed?)."""

    started: float
    decisions: list[tuple[float, bool]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, allowed: bool) -> None:
        at = time.monotonic() - self.started
        with self._lock:
            self.decisions.append((at, allowed))


def _client(limiter: Limiter, record: Record, stop_at: float, quiet: tuple[float, float]) -> None:
    """Send a request every REQUEST_EVERY seconds, except during the quiet interval."""
    while (now := time.monotonic() - record.started) < stop_at:
        if quiet[0] <= now < quiet[1]:
            time.sleep(quiet[1] - now)
            continue
        record.add(limiter.try_acquire())
        time.sleep(REQUEST_EVERY)


def _drive(limiter: Limiter, say: Callable[[str], None]) -> Record:
    quiet = (PHASES[0][1], PHASES[0][1] + PHASES[1][1])
    stop_at = sum(seconds for _, seconds in PHASES)
    record = Record(time.monotonic())
    threads = [
        threading.Thread(target=_client, args=(limiter, record, stop_at, quiet), name=f"client-{i}")
        for i in range(THREADS)
    ]
    say(
        f"{THREADS} threads send a request every {REQUEST_EVERY * 1000:.0f} ms each; quiet from "
        f"{quiet[0] * 1000:.0f} to {quiet[1] * 1000:.0f} ms"
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return record


def _max_in_any_window(allowed_at: list[float]) -> int:
    """The most allowed requests inside any interval of length WINDOW (two pointers)."""
    best, left = 0, 0
    for right, at in enumerate(allowed_at):
        while at - allowed_at[left] >= WINDOW:
            left += 1
        best = max(best, right - left + 1)
    return best


def _report(console: Console, record: Record, bound: int, name: str) -> int:
    decisions = sorted(record.decisions)
    slots = int(sum(seconds for _, seconds in PHASES) / SLOT + 0.5)
    console.print(f"  {'window':>13}  {'allowed':>7} {'denied':>6}")
    for slot in range(slots):
        inside = [ok for at, ok in decisions if slot * SLOT <= at < (slot + 1) * SLOT]
        allowed, denied = sum(inside), len(inside) - sum(inside)
        label = f"{slot * SLOT * 1000:4.0f}-{(slot + 1) * SLOT * 1000:4.0f} ms"
        bar = "[green]" + "█" * allowed + "[/]" if inside else "[dim](quiet)[/]"
        console.print(f"  {label:>13}  {allowed:7d} {denied:6d}  {bar}")
    allowed_at = [at for at, ok in decisions if ok]
    first, burst_end, after = allowed_at[0], allowed_at[LIMIT - 1], allowed_at[LIMIT]
    console.print(
        f"  Burst: allowed requests 1-{LIMIT} came within {(burst_end - first) * 1000:.1f} ms; "
        f"number {LIMIT + 1} had to wait {(after - burst_end) * 1000:.1f} ms more."
    )
    worst = _max_in_any_window(allowed_at)
    console.print(
        f"  {len(decisions)} requests from {THREADS} threads, {len(allowed_at)} allowed "
        f"({len(allowed_at) / sum(s for _, s in PHASES):.0f}/s over the run, quiet time included)."
    )
    hypothesis(
        console,
        "14.1" if name == "token-bucket" else "14.2",
        f"{name} never allows more than its bound ({bound}) in any {WINDOW * 1000:.0f} ms",
        HELD if worst <= bound else NOT_HERE,
        f"most in any window: {worst}",
    )
    return worst


class JumpyClock:
    """A wall clock the lesson moves by hand (real wall clocks jump on NTP corrections)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def clock_jump(limiter_name: str, jump: float) -> int:
    """Exhaust a limiter, move its clock by ``jump`` s, then try 40 requests 10 ms apart; allowed count."""
    clock = JumpyClock()
    limiter: Limiter = (
        TokenBucket(RATE, CAPACITY, clock)
        if limiter_name == "token-bucket"
        else SlidingWindowLog(LIMIT, WINDOW, clock)
    )
    while limiter.try_acquire():
        pass
    clock.now += jump
    allowed = 0
    for _ in range(40):
        allowed += limiter.try_acquire()
        clock.now += 0.010
    return allowed


def demo_clock_jumps(console: Console) -> None:
    console.rule("[bold]a wall clock that jumps (injected clock, exact)")
    console.print(
        "  Each limiter is exhausted, its clock jumps, then 40 requests arrive 10 ms apart "
        "(the 'no jump' column is the normal answer):"
    )
    results = {}
    for name in LIMITERS:
        for jump in (0.0, 60.0, -60.0):
            results[name, jump] = clock_jump(name, jump)
        console.print(
            f"  {name:15} no jump: {results[name, 0.0]:2d}   60 s forward: "
            f"{results[name, 60.0]:2d}   60 s back: {results[name, -60.0]:2d}"
        )
    back = [results[name, -60.0] for name in LIMITERS]
    hypothesis(
        console,
        "14.3",
        "after a backward jump, both limiters deny every request",
        HELD if not any(back) else NOT_HERE,
        f"allowed after the jump back: {back}",
    )
    forward = [results[name, 60.0] - results[name, 0.0] for name in LIMITERS]
    hypothesis(
        console,
        "14.4",
        "a forward jump grants an extra burst",
        HELD if all(extra > 0 for extra in forward) else NOT_HERE,
        f"extra allowed: {forward}",
    )


def _run_limiter(console: Console, name: str) -> int:
    def say(text: str) -> None:
        console.print(f"  [dim]t={(time.monotonic() - started) * 1000:6.1f} ms[/]  {text}")

    limiter: TokenBucket | SlidingWindowLog
    if name == "token-bucket":
        console.rule(f"[bold]Token bucket: {RATE:.0f} tokens/s, capacity {CAPACITY}")
        limiter = TokenBucket(RATE, CAPACITY)
    else:
        console.rule(f"[bold]Sliding window log: {LIMIT} per {WINDOW * 1000:.0f} ms")
        limiter = SlidingWindowLog(LIMIT, WINDOW)
    started = time.monotonic()
    record = _drive(limiter, say)
    return _report(console, record, limiter.bound, name)


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run: both limiters, side by side)."""
    console = Console(highlight=False)
    header(console, 14, "rate limiting: token bucket and sliding window")
    worst = {name: _run_limiter(console, name) for name in LIMITERS}
    bucket, window = worst["token-bucket"], worst["sliding-window"]
    hypothesis(
        console,
        "14.5",
        f"the token bucket is the burstier one (more in its busiest {WINDOW * 1000:.0f} ms)",
        HELD if bucket > window else TIE if bucket == window else NOT_HERE,
        f"token bucket {bucket}, sliding window {window}",
    )
    console.print(
        "  Same average rate, different shape: the token bucket lets a rested client burst "
        f"(up to {CAPACITY} at once plus the refill: bound {CAPACITY + int(RATE * WINDOW)} per "
        f"{WINDOW * 1000:.0f} ms); the sliding window is the smoother one — never more than "
        f"{LIMIT} in any {WINDOW * 1000:.0f} ms."
    )
    demo_clock_jumps(console)
    try_next(
        console,
        __file__,
        "in `TokenBucket.try_acquire`, move `now = self._clock()` and the refill above "
        "`with self._lock:` (read outside, write inside) and rerun: does 14.1 still hold with "
        "4 threads? Then build a limiter on `time.time` and reason about 14.3.",
        [(4, "the API key that got suspended: an atomic token bucket on a monotonic clock")],
    )


if __name__ == "__main__":
    run_as_script(main)
