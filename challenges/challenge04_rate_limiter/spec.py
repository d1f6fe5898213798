"""Challenge 4: the API key that got suspended (token bucket: races and a wall clock)."""

from __future__ import annotations

import threading
import time
from types import ModuleType

from challenges.challenge04_rate_limiter.clock import VirtualClock, installed
from evaluator.findings import FindingKind
from evaluator.spec import (
    ChallengeSpec,
    CheckContext,
    PerformanceCheck,
    PropertyCheck,
    ScheduleCheck,
    expect,
)


def _racing_requests(bucket: object, requests: int) -> list[str]:
    """``requests`` threads call ``try_acquire()`` at once; the names of those that got a token."""
    granted: list[str] = []

    def request(name: str) -> None:
        if bucket.try_acquire():  # type: ignore[attr-defined]
            granted.append(name)

    threads = [threading.Thread(target=request, args=(f"request-{i}",)) for i in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return granted


def burst_at_capacity(mod: ModuleType) -> None:
    """Three request threads race for a bucket holding two tokens: at most two may pass."""
    bucket = mod.TokenBucket(rate=0.001, capacity=2)
    granted = _racing_requests(bucket, 3)
    expect(
        len(granted) <= 2,
        f"{len(granted)} requests passed a bucket of capacity 2: {granted}",
        "the partner answers 429 and counts a violation against the API key",
    )


def dripped_token_granted_once(mod: ModuleType) -> None:
    """A drained bucket refills 1.5 tokens (0.15 s at 10/s) while two requests arrive at once: the
    refill must be counted once, so at most one of them passes."""
    bucket = mod.TokenBucket(rate=10, capacity=2)
    for _ in range(10):  # drain it (capacity 2)
        if not bucket.try_acquire():
            break
    time.sleep(0.15)
    granted = _racing_requests(bucket, 2)
    expect(
        len(granted) <= 1,
        f"{len(granted)} requests passed when 1.5 tokens had dripped into an empty bucket",
        "two refills both added the time since the last refill (read before either recorded it): "
        "the same elapsed time was credited twice",
    )


def idle_bucket_holds_its_capacity(mod: ModuleType, ctx: CheckContext) -> None:
    """A full bucket (1 token/s, capacity 1) stays idle for 10 s, then three requests arrive at
    the same instant: a bucket never holds more than its capacity, so one of them passes."""
    with installed(mod, VirtualClock()) as clock:
        bucket = mod.TokenBucket(rate=1, capacity=1)
        clock.advance(10.0)
        granted = sum(bool(bucket.try_acquire()) for _ in range(3))
    expect(
        granted <= 1,
        f"{granted} requests passed at one instant a bucket of capacity 1 that had been idle for 10 s",
        "idle time beyond a full bucket is lost, not saved for later: a refill that skips a full "
        "bucket must still record the time it looked (or cap the tokens at the capacity)",
        kind=FindingKind.INVARIANT,
    )


def clock_stepped_back(mod: ModuleType, ctx: CheckContext) -> None:
    """NTP steps the wall clock back one hour: the limiter must keep refilling at its rate."""
    with installed(mod, VirtualClock()) as clock:
        _survive_steps(mod, clock)


def _survive_steps(mod: ModuleType, clock: VirtualClock) -> None:
    bucket = mod.TokenBucket(rate=10, capacity=1)
    expect(bucket.try_acquire(), "a fresh bucket refused its first request")
    clock.step_wall(-3600)
    clock.advance(0.5)  # five refill intervals of real elapsed time
    expect(
        bucket.try_acquire(),
        "after the wall clock was stepped back 1 hour, the bucket refused requests although "
        "0.5 s had passed at 10 tokens/s",
        "time.time() is wall-clock time: NTP, daylight-saving fixes or an admin can move it "
        "backwards, and elapsed = now - updated turns negative",
        kind=FindingKind.INVARIANT,
    )
    clock.step_wall(+7200)
    granted = sum(bucket.try_acquire() for _ in range(5))
    expect(
        granted <= 1,
        f"after the wall clock jumped forward, {granted} requests passed a bucket of capacity 1",
    )
    clock.advance(0.2)
    expect(bucket.acquire(timeout=1.0), "acquire() gave up although a token was due within 0.1 s")

    burst = mod.TokenBucket(rate=1, capacity=5)
    drained = sum(burst.try_acquire() for _ in range(5))
    clock.step_wall(-3600)
    granted = sum(burst.try_acquire() for _ in range(5))
    expect(
        drained == 5 and granted == 0,
        f"after the wall clock was stepped back, an empty bucket let {granted} requests through at once "
        f"(no time had passed)",
        "a clock correction must not refill the bucket: that is a burst",
        kind=FindingKind.INVARIANT,
    )


def _timed_acquire(
    mod: ModuleType, clock: VirtualClock, timeout: float, wall_step: float
) -> tuple[bool, float]:
    """acquire(timeout) on an empty bucket whose next token is 1 s away, while the wall clock is
    stepped by ``wall_step`` 0.1 s into the wait; returns (result, elapsed seconds)."""
    bucket = mod.TokenBucket(rate=1, capacity=1)
    bucket.try_acquire()
    began = clock.elapsed
    clock.step_wall_in(0.1, wall_step)
    got = bucket.acquire(timeout=timeout)
    return bool(got), clock.elapsed - began


def clock_stepped_during_a_wait(mod: ModuleType, ctx: CheckContext) -> None:
    """NTP steps the wall clock while acquire() waits: its timeout is measured in elapsed time."""
    with installed(mod, VirtualClock()) as clock:
        got, waited = _timed_acquire(mod, clock, timeout=5.0, wall_step=+3600)
        expect(
            got,
            f"acquire(timeout=5) gave up after {waited:.2f} s when the wall clock jumped forward, "
            "although a token was due 1 s into the wait",
            "the timeout must be measured with time.monotonic(), not time.time()",
        )
    with installed(mod, VirtualClock()) as clock:
        got, waited = _timed_acquire(mod, clock, timeout=0.5, wall_step=-3600)
        expect(
            not got and waited < 1.0,
            f"acquire(timeout=0.5) {'returned a token' if got else 'gave up'} after waiting {waited:.2f} s "
            "when the wall clock was stepped back during the wait",
            "a caller asking for at most 0.5 s must get its answer within about 0.5 s",
        )


def waiting_caller_holds_no_lock(mod: ModuleType) -> None:
    """One caller waits in acquire() for the next token while another asks with try_acquire()."""
    bucket = mod.TokenBucket(rate=20, capacity=1)
    bucket.try_acquire()
    answers: list[bool] = []
    waiter = threading.Thread(
        target=lambda: answers.append(bool(bucket.acquire(timeout=1.0))), name="waiting-caller"
    )
    asker = threading.Thread(
        target=lambda: answers.append(bool(bucket.try_acquire())), name="asking-caller"
    )
    waiter.start()
    asker.start()
    waiter.join()
    asker.join()
    expect(
        answers.count(True) >= 1,
        f"nobody got the token due 50 ms later: {answers}",
        kind=FindingKind.INVARIANT,
    )


def checkout_rush(mod: ModuleType) -> None:
    """Eight checkout threads quote five parcels each, well under the rate: calls must overlap."""
    client = mod.RatesClient(mod.TokenBucket(rate=10_000, capacity=100), latency_seconds=0.005)
    threads = [
        threading.Thread(target=lambda i=i: [client.quote(f"parcel-{i}-{n}") for n in range(5)])
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


SPEC = ChallengeSpec(
    number=4,
    slug="rate_limiter",
    title="The API key that got suspended",
    summary="A token bucket lets bursts through under concurrency and stalls when the clock is corrected.",
    concepts=("rate limiting", "token bucket", "atomicity", "monotonic clock"),
    difficulty=3,
    intended=FindingKind.RACE,
    checks=(
        ScheduleCheck(
            "no burst over capacity",
            burst_at_capacity,
            max_schedules=150,
            hint="Two threads can both see one token left before either takes it.",
        ),
        ScheduleCheck(
            "a refill is counted once",
            dripped_token_granted_once,
            max_schedules=60,
            kind=FindingKind.RACE,
            hint="Read the last refill time, add the tokens and record the new time as one step, under the lock.",
        ),
        PropertyCheck(
            "an idle bucket holds at most its capacity",
            idle_bucket_holds_its_capacity,
            kind=FindingKind.INVARIANT,
            hint="However long the bucket idles, it never holds more than capacity tokens.",
        ),
        PropertyCheck(
            "survives clock corrections",
            clock_stepped_back,
            kind=FindingKind.INVARIANT,
            hint="Measure elapsed time with a clock that never goes backwards.",
        ),
        PropertyCheck(
            "timeouts ignore clock corrections",
            clock_stepped_during_a_wait,
            kind=FindingKind.INVARIANT,
            hint="A deadline is elapsed time too: time.monotonic() + timeout.",
        ),
        ScheduleCheck(
            "nobody waits for the lock of a sleeping caller",
            waiting_caller_holds_no_lock,
            max_schedules=20,
            kind=FindingKind.LOCK_HELD_DURING_IO,
            hint="In acquire(), sleep with the limiter's lock released; take it again to retry.",
        ),
        PerformanceCheck(
            "quotes stay concurrent",
            checkout_rush,
            reference="locked_bucket",
            hint="Never sleep or call the partner while holding the limiter's lock.",
        ),
    ),
    time_budget_seconds=60.0,
    hints=(
        "`learn check 4` shows the interleaving that lets a third request through a bucket of two. Which lines ran between one thread's check and its decrement?",
        "`_refill` and the `tokens >= 1` / `tokens -= 1` pair read and write shared state in several steps; they must happen as one atomic step per request.",
        "Which clock should measure *elapsed* time? `time.time()` is the wall clock; look at what the `time` module offers for intervals.",
        "Guard refill-check-take with one `threading.Lock` (but sleep outside it in `acquire`), and use `time.monotonic()` everywhere in the bucket.",
    ),
)
