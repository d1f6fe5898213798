# fix-judgement: right
# class: other
# idiom: `from time import monotonic, sleep` with an RLock-guarded helper; acquire sleeps for the exact deficit/rate outside the lock
# why: A single RLock makes the refill+take atomic (the helper re-enters it safely), names imported from time are still monotonic, and acquire() computes how long until the next token instead of polling, never holding the lock while sleeping.
"""Client of a shipping-rates API that allows at most `rate` requests per second.

The partner's contract: bursts up to `capacity` requests, then `rate` per second on average.
Above that the partner answers 429 and, after repeated violations, suspends the API key. The
checkout service calls `RatesClient.quote()` from many request threads at once.
"""

from __future__ import annotations

import threading
import time
from time import monotonic, sleep


class TokenBucket:
    """Allows ``capacity`` requests at once, refilled at ``rate`` tokens per second."""

    def __init__(self, rate: float, capacity: int) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = float(capacity)
        self.updated = monotonic()
        self._lock = threading.RLock()

    def _refill(self) -> None:
        with self._lock:
            now = monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def try_acquire(self) -> bool:
        """Take one token if there is one; never waits."""
        return self._try_take()[0]

    def _try_take(self) -> tuple[bool, float]:
        """(True, 0) with a token taken, or (False, seconds until the next token)."""
        with self._lock:
            self._refill()
            if self.tokens >= 1:
                self.tokens -= 1
                return True, 0.0
            return False, (1 - self.tokens) / self.rate

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a token."""
        deadline = monotonic() + timeout
        while True:
            taken, wait = self._try_take()
            if taken:
                return True
            remaining = deadline - monotonic()
            if remaining <= 0:
                return False
            sleep(max(min(wait, remaining), 1e-6))


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
        bucket.updated = monotonic()  # created just before the clock step (the bucket uses monotonic time)
        bucket.tokens = 0
        time.sleep(1.0)
        print(f"after 1 s at 10 tokens/s, a request is allowed: {bucket.try_acquire()} (expected True)")
    finally:
        time.time = real_time  # type: ignore[assignment]


if __name__ == "__main__":
    main()
