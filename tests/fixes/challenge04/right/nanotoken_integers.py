# fix-judgement: right
# class: other
# idiom: integer token accounting in nano-tokens on time.monotonic_ns() under a lock (no float drift), exact wait for the missing fraction
# why: State is an integer count of 1e-9 tokens updated atomically under a lock from a monotonic nanosecond clock, capped at capacity; acquire() sleeps exactly until the next whole token (bounded by the timeout) without the lock.
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
        self._one = 1_000_000_000  # one token, in nano-tokens
        self._nanotokens = capacity * self._one
        self._last_ns = time.monotonic_ns()

    def _refill(self) -> None:
        """Credit the nano-tokens earned since the last refill (caller holds the lock)."""
        now_ns = time.monotonic_ns()
        earned = int((now_ns - self._last_ns) * self.rate)
        self._nanotokens = min(self.capacity * self._one, self._nanotokens + earned)
        self._last_ns = now_ns
        self.tokens = self._nanotokens / self._one
        self.updated = now_ns / 1e9

    def try_acquire(self) -> bool:
        """Take one token if there is one; never waits."""
        return self._take_or_wait_time() == 0.0

    def _take_or_wait_time(self) -> float:
        """Take a token and return 0.0, or return the seconds until one will be there."""
        with self._lock:
            self._refill()
            if self._nanotokens >= self._one:
                self._nanotokens -= self._one
                self.tokens = self._nanotokens / self._one
                return 0.0
            return (self._one - self._nanotokens) / self._one / self.rate

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a token."""
        deadline = time.monotonic() + timeout
        while (wait := self._take_or_wait_time()) > 0.0:
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
        bucket._last_ns = time.monotonic_ns()  # created just before the clock step
        bucket._nanotokens = 0
        time.sleep(1.0)
        print(f"after 1 s at 10 tokens/s, a request is allowed: {bucket.try_acquire()} (expected True)")
    finally:
        time.time = real_time  # type: ignore[assignment]


if __name__ == "__main__":
    main()
