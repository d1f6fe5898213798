# fix-judgement: wrong
# class: other (burst)
# why: A full bucket skips refill without advancing `updated`; after an idle period the first take leaves 0 tokens and the next refill credits the whole idle time: capacity 1 grants 2 back-to-back requests. main passes.
"""Fix: refill and take under one lock with time.monotonic(); a full bucket skips the refill math;
acquire sleeps until the next token is due (capped by its deadline) without holding the lock.
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
        self.updated = time.monotonic()  # wall-clock steps must not move the bucket
        self._lock = threading.Lock()

    def _refill(self) -> None:
        """Caller holds ``_lock``."""
        if self.tokens >= self.capacity:
            return  # already full: nothing to add
        now = time.monotonic()
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def _take(self) -> float:
        """Take a token if there is one: 0.0 on success, else the seconds until one is due."""
        with self._lock:
            self._refill()
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate

    def try_acquire(self) -> bool:
        """Take one token if there is one; never waits."""
        return self._take() == 0.0

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a token."""
        deadline = time.monotonic() + timeout
        while True:
            wait = self._take()
            if wait == 0.0:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(max(1e-6, min(wait, remaining)))  # the lock is not held while sleeping


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
