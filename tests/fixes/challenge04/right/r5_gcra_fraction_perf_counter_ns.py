# fix-judgement: right
# class: other (GCRA)
# why: Generic cell rate algorithm: exact Fraction theoretical arrival time on perf_counter_ns, conformance check under a lock, delay slept unlocked, equivalent to the token bucket.
"""Fix: rewrite the bucket as GCRA: a theoretical arrival time kept as an exact Fraction of
perf_counter_ns nanoseconds, updated under a lock; acquire sleeps the computed delay unlocked.
"""

from __future__ import annotations

import math
import threading
from fractions import Fraction
import time


class TokenBucket:
    """Allows ``capacity`` requests at once, refilled at ``rate`` tokens per second."""

    def __init__(self, rate: float, capacity: int) -> None:
        self.rate = rate
        self.capacity = capacity
        self._interval = Fraction(1_000_000_000) / Fraction(rate)  # ns per token, exact
        self._burst = capacity * self._interval
        self._tat = Fraction(time.perf_counter_ns())  # theoretical arrival time; full bucket
        self._lock = threading.Lock()

    @property
    def tokens(self) -> float:
        with self._lock:
            now = time.perf_counter_ns()
            return float((self._burst - max(self._tat - now, 0)) / self._interval)

    @tokens.setter
    def tokens(self, value: float) -> None:
        with self._lock:
            self._tat = Fraction(time.perf_counter_ns()) + (self.capacity - Fraction(value)) * self._interval

    def _take_ns(self) -> int:
        """Conform one request: 0 if allowed now, else the nanoseconds until it would be."""
        with self._lock:
            now = time.perf_counter_ns()
            tat = max(self._tat, Fraction(now)) + self._interval
            if tat - now <= self._burst:
                self._tat = tat
                return 0
            return max(1, math.ceil(tat - now - self._burst))

    def try_acquire(self) -> bool:
        """Take one token if there is one; never waits."""
        return self._take_ns() == 0

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a token."""
        deadline = time.perf_counter_ns() + int(timeout * 1_000_000_000)
        while True:
            wait = self._take_ns()
            if wait == 0:
                return True
            remaining = deadline - time.perf_counter_ns()
            if remaining <= 0:
                return False
            time.sleep(max(1, min(wait, remaining)) / 1_000_000_000)


class RatesClient:
    """Calls the partner API, never faster than its rate limit allows."""

    def __init__(self, bucket: TokenBucket, latency_seconds: float = 0.005) -> None:
        self.bucket = bucket
        self.latency_seconds = latency_seconds
        self.sent = 0
        self._count_lock = threading.Lock()

    def quote(self, parcel: str) -> str:
        if not self.bucket.acquire():
            raise TimeoutError("rate limiter: no token within the timeout")
        with self._count_lock:
            self.sent += 1
        time.sleep(self.latency_seconds)  # the HTTP round trip
        return f"{parcel}: 4.90 EUR"


def main() -> None:
    import sys

    sys.setswitchinterval(1e-6)  # many busy request threads, as in production
    bucket = TokenBucket(rate=0.01, capacity=100)
    granted = [0] * 8

    def request_thread(index: int) -> None:
        for _ in range(2_000):
            if bucket.try_acquire():
                granted[index] += 1

    threads = [threading.Thread(target=request_thread, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"8 threads hammering a bucket of 100 tokens: {sum(granted)} requests let through")

    print("the host's clock is stepped back 1 hour by NTP (simulated)...")
    bucket = TokenBucket(rate=10, capacity=1)
    bucket.try_acquire()  # the bucket is empty now
    real_time = time.time
    time.time = lambda: real_time() - 3600  # type: ignore[assignment]
    try:
        time.sleep(1.0)
        print(f"after 1 s at 10 tokens/s, a request is allowed: {bucket.try_acquire()} (expected True)")
    finally:
        time.time = real_time  # type: ignore[assignment]


if __name__ == "__main__":
    main()
