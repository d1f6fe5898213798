# fix-judgement: right
# class: other (monotonic_ns integers)
# why: Integer nano-token counter refilled from monotonic_ns under a lock (truncation only under-refills); acquire sleeps the exact ns deficit outside the lock.
"""Fix: the bucket counts integer nano-tokens refilled from time.monotonic_ns() under a lock (no float
drift, immune to wall-clock steps); acquire sleeps the exact ns deficit outside the lock.
"""

from __future__ import annotations

import math
import threading
import time


_UNIT = 1_000_000_000  # nano-tokens per token


class TokenBucket:
    """Allows ``capacity`` requests at once, refilled at ``rate`` tokens per second."""

    def __init__(self, rate: float, capacity: int) -> None:
        self.rate = rate
        self.capacity = capacity
        self._units = capacity * _UNIT
        self._updated_ns = time.monotonic_ns()
        self._lock = threading.Lock()

    @property
    def tokens(self) -> float:
        with self._lock:
            return self._units / _UNIT

    @tokens.setter
    def tokens(self, value: float) -> None:
        with self._lock:
            self._units = int(value * _UNIT)

    def _take_ns(self) -> int:
        """Take a token: 0 on success, else the nanoseconds until one is due."""
        with self._lock:
            now = time.monotonic_ns()
            elapsed = max(0, now - self._updated_ns)
            # truncation only ever under-refills; elapsed*rate ns-seconds == nano-tokens
            self._units = min(self.capacity * _UNIT, self._units + int(elapsed * self.rate))
            self._updated_ns = now
            if self._units >= _UNIT:
                self._units -= _UNIT
                return 0
            return max(1, math.ceil((_UNIT - self._units) / self.rate))

    def try_acquire(self) -> bool:
        """Take one token if there is one; never waits."""
        return self._take_ns() == 0

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a token."""
        deadline = time.monotonic_ns() + int(timeout * _UNIT)
        while True:
            wait = self._take_ns()
            if wait == 0:
                return True
            remaining = deadline - time.monotonic_ns()
            if remaining <= 0:
                return False
            time.sleep(max(1, min(wait, remaining)) / _UNIT)


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
