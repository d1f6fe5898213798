# fix-judgement: right
# class: other (design)
# why: Integer nanosecond credit (one token = ceil(1e9/rate) ns) from an injectable monotonic clock (default time.monotonic_ns looked up per call) under an RLock; no float drift; sleeps outside the lock.
"""Fix: the bucket keeps integer nanoseconds of credit from an injectable monotonic clock
(default time.monotonic_ns), updated under an RLock; acquire() sleeps outside the lock.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Allows ``capacity`` requests at once, refilled at ``rate`` tokens per second.

    State is integer nanoseconds of credit: one token costs ``ceil(1e9 / rate)`` ns, so there is
    no float drift, and the clock is monotonic (injectable for tests; default time.monotonic_ns).
    """

    def __init__(self, rate: float, capacity: int, clock: Callable[[], int] | None = None) -> None:
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._cost = max(1, math.ceil(1e9 / rate))
        self._full = capacity * self._cost
        # A millionth of a token (at most 1 us): absorbs clock rounding and the ceil() above.
        self._slack = min(1_000, self._cost // 1_000_000)
        self._lock = threading.RLock()
        self._credit = self._full
        self._stamp = self._now()

    def _now(self) -> int:
        # Looked up on every call, so a replaced/virtual ``time`` module is honoured too.
        return self._clock() if self._clock is not None else time.monotonic_ns()

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill()
            return self._credit / self._cost

    @tokens.setter
    def tokens(self, value: float) -> None:
        with self._lock:
            self._refill()
            self._credit = max(0, min(self._full, int(value * self._cost)))

    def _refill(self) -> None:
        """Caller holds ``self._lock``."""
        now = self._now()
        elapsed = max(0, now - self._stamp)
        self._stamp = now
        self._credit = min(self._full, self._credit + elapsed)

    def _take(self) -> int:
        """Take a token and return 0, or return the nanoseconds until one is due."""
        with self._lock:
            self._refill()
            if self._credit + self._slack >= self._cost:
                self._credit -= self._cost  # may dip below 0 by the slack: the debt is carried
                return 0
            return self._cost - self._slack - self._credit

    def try_acquire(self) -> bool:
        """Take one token if there is one; never waits."""
        return self._take() == 0

    def acquire(self, timeout: float = 5.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a token; sleeps with the lock released."""
        deadline = self._now() + int(timeout * 1e9)
        while True:
            missing = self._take()
            if missing == 0:
                return True
            remaining = deadline - self._now()
            if remaining <= 0:
                return False
            time.sleep(max(min(missing, remaining), 1_000) / 1e9)


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
