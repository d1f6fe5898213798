"""# Circuit breaker: stop calling a dependency that is down

When a dependency (a database, a payment API) starts failing, every caller that keeps
calling it pays the full timeout, holds a thread or a connection while it waits, and adds load
to a service that is trying to recover. Failures cascade: your pool fills with callers waiting
on a dead service, and now *you* are down too.

A **circuit breaker** sits in front of the call and keeps a small state machine:

| state | what happens to a call | leaves the state when |
|---|---|---|
| **closed** | goes through; failures are counted | `failure_threshold` failures in a row → **open** |
| **open** | rejected *at once* (no network, no timeout) | `reset_timeout` has passed → **half-open** |
| **half-open** | *one* trial call goes through, others are rejected | trial succeeds → **closed**; fails → **open** |

What this lesson shows, measured: a fake dependency that goes down for a while, three callers,
each transition with its timestamp, the latency of calls that hit the dead service (slow)
versus calls rejected by the open breaker (microseconds), and the recovery through half-open.

## How to write one

- Keep the state machine **separate from the call**: `allow()` before, `record_success()` /
  `record_failure()` after. The same breaker then serves threads and asyncio (the variants of
  this lesson share it). Time comes from an injected monotonic clock, so a test can drive it.
- Guard the state with a lock, and never hold the lock across the call itself.
- In half-open, admit a limited number of trial calls (here one). If every waiting caller went
  through at once, the recovering service would get the full load again.
- Count what you would alert on: transitions, rejections, trial outcomes.

## When not to

- For errors that are the caller's fault (400, validation): they say nothing about the
  dependency's health; don't count them.
- As a replacement for timeouts: a breaker only learns from calls that *end*. Every call still
  needs a timeout.
- With one breaker for a whole cluster when only one replica is bad: keep one per destination.
- Pair it with retries carefully (lesson 12): retries inside a closed breaker are fine; retrying
  a call the open breaker rejected just spins.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from rich.console import Console
from rich.table import Table

TITLE = "Circuit breaker: closed, open, half-open"
CONCEPTS = ("circuit breaker", "fail fast", "half-open", "resilience")
DIFFICULTY = 3
VARIANTS = ("threads", "asyncio")

FAILURE_THRESHOLD = 3
RESET_TIMEOUT = 0.12
OUTAGE = (0.10, 0.45)
"""The dependency fails between these seconds after the start."""
RUN_FOR = 0.70
CALL_INTERVAL = 0.01
HEALTHY_LATENCY = 0.005
TIMEOUT_LATENCY = 0.03
CALLERS = 3


class State(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitOpenError(Exception):
    """Raised instead of calling the dependency while the breaker is open."""


class DependencyError(Exception):
    """The fake dependency timed out."""


@dataclass
class CircuitBreaker:
    """A thread-safe closed/open/half-open state machine, independent of how calls are made."""

    failure_threshold: int
    reset_timeout: float
    clock: Callable[[], float] = time.monotonic
    on_transition: Callable[[State, State], None] = lambda old, new: None
    state: State = State.CLOSED
    _failures: int = 0
    _opened_at: float = 0.0
    _trial_in_flight: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self) -> None:
        """Admit a call or raise :class:`CircuitOpenError` (this is the fast failure)."""
        with self._lock:
            if self.state is State.OPEN and self.clock() - self._opened_at >= self.reset_timeout:
                self._move(State.HALF_OPEN)
            if self.state is State.OPEN:
                raise CircuitOpenError("open")
            if self.state is State.HALF_OPEN:
                if self._trial_in_flight:
                    raise CircuitOpenError("half-open: a trial call is already in flight")
                self._trial_in_flight = True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._trial_in_flight = False
            if self.state is State.HALF_OPEN:
                self._move(State.CLOSED)

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            self._trial_in_flight = False
            if self.state is State.HALF_OPEN or self._failures >= self.failure_threshold:
                self._opened_at = self.clock()
                if self.state is not State.OPEN:
                    self._move(State.OPEN)

    def _move(self, new: State) -> None:
        old, self.state = self.state, new
        self.on_transition(old, new)


@dataclass
class FlakyDependency:
    """Answers in 5 ms, except during the outage window, when it times out after 30 ms."""

    started: float

    def is_down(self) -> bool:
        elapsed = time.monotonic() - self.started
        return OUTAGE[0] <= elapsed < OUTAGE[1]

    def call(self) -> str:
        down = self.is_down()
        time.sleep(TIMEOUT_LATENCY if down else HEALTHY_LATENCY)
        if down:
            raise DependencyError("timeout")
        return "ok"

    async def acall(self) -> str:
        down = self.is_down()
        await asyncio.sleep(TIMEOUT_LATENCY if down else HEALTHY_LATENCY)
        if down:
            raise DependencyError("timeout")
        return "ok"


@dataclass
class Outcomes:
    """What the callers saw: one symbol per call and the latency of each kind of outcome."""

    timelines: dict[str, list[str]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, caller: str, kind: str, seconds: float) -> None:
        symbol = {"ok": "✓", "failed": "✗", "rejected": "·"}[kind]
        with self._lock:
            self.timelines.setdefault(caller, []).append(symbol)
            self.latencies.setdefault(kind, []).append(seconds)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _short(seconds: float) -> str:
    """Milliseconds, or microseconds when that is the honest unit."""
    return f"{seconds * 1e6:6.0f} µs" if seconds < 0.001 else _ms(seconds)


_WHY = {
    (State.CLOSED, State.OPEN): f"{FAILURE_THRESHOLD} failures in a row",
    (State.OPEN, State.HALF_OPEN): "reset timeout elapsed: admit one trial call",
    (State.HALF_OPEN, State.OPEN): "the trial call failed: wait again",
    (State.HALF_OPEN, State.CLOSED): "the trial call succeeded",
}


def _make_breaker(console: Console, started: float) -> CircuitBreaker:
    colours = {State.CLOSED: "green", State.OPEN: "red", State.HALF_OPEN: "yellow"}

    def narrate(old: State, new: State) -> None:
        at = time.monotonic() - started
        console.print(
            f"  [dim]t={_ms(at)}[/]  [{colours[old]}]{old.value}[/] → "
            f"[bold {colours[new]}]{new.value}[/]  [dim]({_WHY[old, new]})[/]"
        )

    return CircuitBreaker(FAILURE_THRESHOLD, RESET_TIMEOUT, on_transition=narrate)


def _classify(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    return "rejected" if isinstance(error, CircuitOpenError) else "failed"


def _call_through(breaker: CircuitBreaker, dependency: FlakyDependency) -> BaseException | None:
    try:
        breaker.allow()
    except CircuitOpenError as error:
        return error
    try:
        dependency.call()
    except DependencyError as error:
        breaker.record_failure()
        return error
    breaker.record_success()
    return None


async def _acall_through(breaker: CircuitBreaker, dependency: FlakyDependency) -> BaseException | None:
    try:
        breaker.allow()
    except CircuitOpenError as error:
        return error
    try:
        await dependency.acall()
    except DependencyError as error:
        breaker.record_failure()
        return error
    breaker.record_success()
    return None


def _run_threads(breaker: CircuitBreaker, dependency: FlakyDependency, outcomes: Outcomes) -> None:
    def caller(name: str) -> None:
        while time.monotonic() - dependency.started < RUN_FOR:
            t0 = time.perf_counter()
            error = _call_through(breaker, dependency)
            outcomes.add(name, _classify(error), time.perf_counter() - t0)
            time.sleep(CALL_INTERVAL)

    threads = [threading.Thread(target=caller, args=(f"caller-{i}",)) for i in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


async def _run_asyncio(breaker: CircuitBreaker, dependency: FlakyDependency, outcomes: Outcomes) -> None:
    async def caller(name: str) -> None:
        while time.monotonic() - dependency.started < RUN_FOR:
            t0 = time.perf_counter()
            error = await _acall_through(breaker, dependency)
            outcomes.add(name, _classify(error), time.perf_counter() - t0)
            await asyncio.sleep(CALL_INTERVAL)

    async with asyncio.TaskGroup() as group:
        for i in range(CALLERS):
            group.create_task(caller(f"caller-{i}"))


def _report(console: Console, outcomes: Outcomes) -> None:
    console.print("\n  One symbol per call ([green]✓[/] ok, [red]✗[/] dependency failed, · rejected by the breaker):")
    for name, symbols in sorted(outcomes.timelines.items()):
        console.print(f"  {name}  {''.join(symbols)}")
    table = Table(title="Latency by outcome", title_justify="left")
    for column in ("outcome", "calls", "mean", "max"):
        table.add_column(column, justify="right" if column != "outcome" else "left")
    counts = Counter({kind: len(values) for kind, values in outcomes.latencies.items()})
    for kind in ("ok", "failed", "rejected"):
        values = outcomes.latencies.get(kind, [])
        if values:
            table.add_row(kind, str(counts[kind]), _short(sum(values) / len(values)), _short(max(values)))
    console.print(table)
    failed, rejected = counts["failed"], counts["rejected"]
    console.print(
        f"  During the outage only [red]{failed}[/] calls waited for the dead dependency; "
        f"[bold]{rejected}[/] were turned away in microseconds instead of each waiting "
        f"{TIMEOUT_LATENCY * 1000:.0f} ms."
    )


def _run_variant(console: Console, variant: str) -> None:
    console.rule(f"[bold]Circuit breaker — {variant}")
    console.print(
        f"  {CALLERS} callers call every {CALL_INTERVAL * 1000:.0f} ms; the dependency is down from "
        f"{OUTAGE[0] * 1000:.0f} to {OUTAGE[1] * 1000:.0f} ms; breaker opens after "
        f"{FAILURE_THRESHOLD} failures and tries again after {RESET_TIMEOUT * 1000:.0f} ms."
    )
    started = time.monotonic()
    dependency = FlakyDependency(started)
    breaker = _make_breaker(console, started)
    outcomes = Outcomes()
    if variant == "threads":
        _run_threads(breaker, dependency, outcomes)
    else:
        asyncio.run(_run_asyncio(breaker, dependency, outcomes))
    _report(console, outcomes)
    console.print(f"  Final state: [bold]{breaker.state.value}[/]\n")


def main(variant: str | None = None) -> None:
    """Run the lesson: every variant in turn, or only ``variant``."""
    console = Console(highlight=False)
    for name in VARIANTS if variant is None else (variant,):
        _run_variant(console, name)


if __name__ == "__main__":
    main()
