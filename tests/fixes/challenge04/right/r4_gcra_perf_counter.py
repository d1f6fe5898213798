# fix-judgement: right
# class: other (design)
# why: GCRA: one theoretical-arrival-time updated under a Lock on time.perf_counter(); conformance check + update atomic; acquire() sleeps outside the lock until its slot conforms or the deadline passes.
"""Fix: rewrote the bucket as GCRA (a 'theoretical arrival time' updated under a lock) on
time.perf_counter(); acquire() sleeps outside the lock until its slot conforms or the deadline passes.
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Allows ``capacity`` requests at once, refilled at ``rate`` tokens per second.

    Implemented as GCRA: ``_tat`` is the theoretical arrival time of the next request. A request
    at ``now`` conforms when ``max(_tat, now) - now`` is at most ``(capacity - 1) / rate``.
    """

    def __init__(self, rate: float, capacity: int) -> None:
        self.rate = rate
        self.capacity = capacity
        self._interval = 1.0 / rate
        self._tolerance = (capacity - 1) * self._interval
        self._slack = self._interval * 1e-6  # absorbs float rounding only, a millionth of a token
        self._lock = threading.Lock()
        self._tat = time.perf_counter()  # monotonic: wall-clock steps do not move it

    @property
    def tokens(self) -> float:
        """Tokens currently available (informational)."""
        with self._lock:
            now = time.perf_counter()
            return (self._tolerance + self._interval - (max(self._tat, now) - now)) / self._interval

    @tokens.setter
    def tokens(self, value: float) -> None:
        with self._lock:
            self._tat = time.perf_counter() + (self.capacity - value) * self._interval

    def _claim(self) -> float:
        """Claim a slot now and return 0.0, or return the seconds until a slot conforms."""
        with self._lock:
            now = time.perf_counter()
            tat = max(self._tat, now)
            too_early = tat - self._tolerance - now
            if too_early <= self._slack:
                self._tat = tat + self._interval
                return 0.0
            return too_early

    def try_acquire(self) -> bool:
        """Take one token if there is one; never waits."""
        return self._claim() == 0.0

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a token; never sleeps holding the lock."""
        deadline = time.perf_counter() + timeout
        while True:
            wait = self._claim()
            if wait == 0.0:
                return True
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return False
            time.sleep(max(min(wait, remaining), 1e-6))


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
