"""Solution (GCRA, one timestamp under a lock) — client of a shipping-rates API that allows at most `rate` requests per second.

The partner's contract: bursts up to `capacity` requests, then `rate` per second on average.
Above that the partner answers 429 and, after repeated violations, suspends the API key. The
checkout service calls `RatesClient.quote()` from many request threads at once.
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """GCRA (generic cell rate algorithm): the same contract as a token bucket, one number of state.

    Instead of counting tokens, remember the *theoretical arrival time* (TAT) of the next
    request if requests came exactly at ``rate``. A request is allowed when it would not put the
    TAT more than ``capacity`` intervals ahead of now. Thread-safe, monotonic clock.
    """

    def __init__(self, rate: float, capacity: int) -> None:
        self.rate = rate
        self.capacity = capacity
        self.interval = 1.0 / rate
        self.tolerance = capacity * self.interval
        self.tat = time.monotonic()
        self._lock = threading.Lock()

    def _take(self) -> float:
        """Admit one request (return 0.0) or return how long until it would be admitted; atomic."""
        with self._lock:
            now = time.monotonic()
            tat = max(self.tat, now) + self.interval
            early = tat - now - self.tolerance
            if early > 1e-9:  # slack for float rounding: 0.1 + 0.1 - 0.2 is not exactly 0
                return early
            self.tat = tat
            return 0.0

    def try_acquire(self) -> bool:
        """Admit one request if the rate allows it; never waits."""
        return self._take() == 0.0

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) until admitted; sleeps without holding the lock."""
        deadline = time.monotonic() + timeout
        while (wait := self._take()) > 0.0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(wait, remaining))
        return True


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

    sys.setswitchinterval(1e-6)
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
    bucket = TokenBucket(rate=10, capacity=1)
    bucket.try_acquire()
    real_time = time.time
    time.time = lambda: real_time() - 3600
    try:
        time.sleep(0.2)
        print(f"after a 1-hour clock step back, a request is allowed: {bucket.try_acquire()}")
    finally:
        time.time = real_time


if __name__ == "__main__":
    main()
