# fix-judgement: right
# class: other
# idiom: GCRA (generic cell rate algorithm): one theoretical-arrival-time value on the monotonic clock, updated under a lock
# why: A request is allowed iff now >= TAT - (capacity-1)/rate, which admits exactly capacity at once and then rate per second; the single TAT float is read and written in one critical section, and monotonic time ignores NTP steps.
"""Client of a shipping-rates API that allows at most `rate` requests per second.

The partner's contract: bursts up to `capacity` requests, then `rate` per second on average.
Above that the partner answers 429 and, after repeated violations, suspends the API key. The
checkout service calls `RatesClient.quote()` from many request threads at once.
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Allows ``capacity`` requests at once, refilled at ``rate`` tokens per second."""

    def __init__(self, rate: float, capacity: int) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = float(capacity)
        self.updated = time.monotonic()
        self._lock = threading.Lock()
        self._interval = 1.0 / rate  # emission interval: one token every interval
        self._tolerance = (capacity - 1) * self._interval  # how far ahead a burst may run
        self._tat = self.updated  # theoretical arrival time of the next conforming request

    def _refill(self) -> None:
        """Recompute the visible token count from the arrival time (caller holds the lock)."""
        now = time.monotonic()
        backlog = max(0.0, self._tat - now)
        self.tokens = max(0.0, self.capacity - backlog / self._interval)
        self.updated = now

    def try_acquire(self) -> bool:
        """Take one token if there is one; never waits."""
        return self._admit() == 0.0

    def _admit(self) -> float:
        """Admit one request and return 0.0, or return the seconds until one would conform."""
        with self._lock:
            now = time.monotonic()
            allowed_at = self._tat - self._tolerance
            if now < allowed_at - 1e-9:  # tolerate float rounding of the sums of intervals
                return allowed_at - now
            self._tat = max(self._tat, now) + self._interval
            self._refill()
            return 0.0

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a token."""
        deadline = time.monotonic() + timeout
        while (wait := self._admit()) > 0.0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(max(min(wait, remaining), 1e-6))
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
    real_time = time.time
    time.time = lambda: real_time() - 3600  # type: ignore[assignment]
    try:
        bucket = TokenBucket(rate=10, capacity=1)
        bucket.try_acquire()  # created just before the clock step; its only token is spent
        time.sleep(1.0)
        print(f"after 1 s at 10 tokens/s, a request is allowed: {bucket.try_acquire()} (expected True)")
    finally:
        time.time = real_time  # type: ignore[assignment]


if __name__ == "__main__":
    main()
