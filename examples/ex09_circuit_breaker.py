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
- **Every admitted call must end in exactly one record**, whatever it raises. Wrap it
  (`breaker.call(fn)` / `await breaker.acall(fn)`) so that success records success, any
  `Exception` — not only the one you expected — records a failure, and a cancellation
  (`CancelledError` from the caller's `asyncio.timeout`, a `BaseException`) just frees the
  trial slot. Miss one path and the breaker stays half-open with a "trial in flight" forever,
  rejecting every call.
- Guard the state with a lock, and never hold the lock across the call itself — nor across
  the transition callback (logging, metrics): collect the transitions under the lock and
  announce them after releasing it. The lesson checks this rule on itself.
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

from rich.console import Console
from rich.table import Table

from examples._lesson import (
    HELD,
    NOT_HERE,
    Spread,
    header,
    hypothesis,
    lower,
    run_as_script,
    try_next,
)

TITLE = "Circuit breaker: closed, open, half-open"
CONCEPTS = ("circuit breaker", "fail fast", "half-open", "resilience")
DIFFICULTY = 3
VARIANTS = ("threads", "asyncio")
NEXT_CHALLENGES = (14, 7)
HYPOTHESES = {"threads": ("9.1", "9.2", "9.3", "9.4"), "asyncio": ("9.1", "9.2", "9.5", "9.4")}

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


T = TypeVar("T")


@dataclass
class CircuitBreaker:
    """A thread-safe closed/open/half-open state machine, independent of how calls are made.

    Every admitted call must end in exactly one of :meth:`record_success`,
    :meth:`record_failure` or :meth:`release` — :meth:`call` and :meth:`acall` guarantee it,
    whatever the call raises, including cancellation.
    """

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
        moves: list[tuple[State, State]] = []
        try:
            with self._lock:
                if (
                    self.state is State.OPEN
                    and self.clock() - self._opened_at >= self.reset_timeout
                ):
                    moves.append(self._move(State.HALF_OPEN))
                if self.state is State.OPEN:
                    raise CircuitOpenError("open")
                if self.state is State.HALF_OPEN:
                    if self._trial_in_flight:
                        raise CircuitOpenError("half-open: a trial call is already in flight")
                    self._trial_in_flight = True
        finally:
            self._announce(moves)  # outside the lock: the callback may be slow or re-enter

    def record_success(self) -> None:
        moves: list[tuple[State, State]] = []
        with self._lock:
            self._failures = 0
            self._trial_in_flight = False
            if self.state is State.HALF_OPEN:
                moves.append(self._move(State.CLOSED))
        self._announce(moves)

    def record_failure(self) -> None:
        moves: list[tuple[State, State]] = []
        with self._lock:
            self._failures += 1
            self._trial_in_flight = False
            if self.state is State.HALF_OPEN or self._failures >= self.failure_threshold:
                self._opened_at = self.clock()
                if self.state is not State.OPEN:
                    moves.append(self._move(State.OPEN))
        self._announce(moves)

    def release(self) -> None:
        """The call ended without telling us anything (cancelled): free the trial slot."""
        with self._lock:
            self._trial_in_flight = False

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` through the breaker (threads)."""
        self.allow()
        try:
            result = fn()
        except Exception:
            self.record_failure()  # DependencyError or anything unexpected: not a success
            raise
        except BaseException:
            self.release()  # KeyboardInterrupt, SystemExit: we learned nothing
            raise
        self.record_success()
        return result

    async def acall(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Await ``fn()`` through the breaker (asyncio); a cancelled trial frees its slot."""
        self.allow()
        try:
            result = await fn()
        except Exception:
            self.record_failure()
            raise
        except BaseException:
            self.release()  # CancelledError, e.g. the caller's asyncio.timeout fired
            raise
        self.record_success()
        return result

    def _move(self, new: State) -> tuple[State, State]:
        old, self.state = self.state, new
        return old, new

    def _announce(self, moves: list[tuple[State, State]]) -> None:
        for old, new in moves:
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


_COLOURS = {State.CLOSED: "green", State.OPEN: "red", State.HALF_OPEN: "yellow"}


def _make_breaker(
    console: Console,
    started: float,
    held_during_callback: list[bool],
    clock: Callable[[], float] = time.monotonic,
) -> CircuitBreaker:
    breaker: CircuitBreaker

    def narrate(old: State, new: State) -> None:
        held_during_callback.append(breaker._lock.locked())  # the lesson checks its own rule
        at = clock() - started
        console.print(
            f"  [dim]t={_ms(at)}[/]  [{_COLOURS[old]}]{old.value}[/] → "
            f"[bold {_COLOURS[new]}]{new.value}[/]  [dim]({_WHY.get((old, new), '')})[/]"
        )

    breaker = CircuitBreaker(FAILURE_THRESHOLD, RESET_TIMEOUT, clock=clock, on_transition=narrate)
    return breaker


class FakeClock:
    """A clock the demonstration moves by hand, so the trial scenarios are exact."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _open_then_wait(breaker: CircuitBreaker, clock: FakeClock) -> None:
    for _ in range(breaker.failure_threshold):
        breaker.allow()
        breaker.record_failure()
    clock.now += breaker.reset_timeout


def unexpected_trial_error(breaker: CircuitBreaker, clock: FakeClock) -> list[str]:
    """Open the breaker, let the trial raise ``ValueError``, then try again: the steps seen."""
    _open_then_wait(breaker, clock)
    steps = []

    def broken() -> str:
        raise ValueError("a bug in the client library, not a DependencyError")

    try:
        breaker.call(broken)
    except ValueError:
        steps.append(f"trial raised ValueError → {breaker.state.value}")
    clock.now += breaker.reset_timeout
    try:
        steps.append(f"next trial: {breaker.call(lambda: 'ok')} → {breaker.state.value}")
    except CircuitOpenError as error:
        steps.append(f"next trial rejected ({error}) → jammed {breaker.state.value}")
    return steps


async def cancelled_trial(breaker: CircuitBreaker, clock: FakeClock) -> list[str]:
    """Open the breaker, let the caller's ``asyncio.timeout`` cancel the trial, try again."""
    _open_then_wait(breaker, clock)
    steps = []
    hang = asyncio.Event()
    try:
        async with asyncio.timeout(0.01):
            await breaker.acall(hang.wait)  # the dependency never answers
    except TimeoutError:
        steps.append(f"trial cancelled by asyncio.timeout → still {breaker.state.value}")

    async def healthy() -> str:
        return "ok"

    try:
        steps.append(f"next trial: {await breaker.acall(healthy)} → {breaker.state.value}")
    except CircuitOpenError as error:
        steps.append(f"next trial rejected ({error}) → jammed {breaker.state.value}")
    return steps


def _classify(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    return "rejected" if isinstance(error, CircuitOpenError) else "failed"


def _call_through(breaker: CircuitBreaker, dependency: FlakyDependency) -> BaseException | None:
    try:
        breaker.call(dependency.call)
    except (CircuitOpenError, DependencyError) as error:
        return error
    return None


async def _acall_through(
    breaker: CircuitBreaker, dependency: FlakyDependency
) -> BaseException | None:
    try:
        await breaker.acall(dependency.acall)
    except (CircuitOpenError, DependencyError) as error:
        return error
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


async def _run_asyncio(
    breaker: CircuitBreaker, dependency: FlakyDependency, outcomes: Outcomes
) -> None:
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
    console.print(
        "\n  One symbol per call ([green]✓[/] ok, [red]✗[/] dependency failed, · rejected by the breaker):"
    )
    for name, symbols in sorted(outcomes.timelines.items()):
        console.print(f"  {name}  {''.join(symbols)}")
    table = Table(title="Latency by outcome", title_justify="left")
    for column in ("outcome", "calls", "mean", "max"):
        table.add_column(column, justify="right" if column != "outcome" else "left")
    counts = Counter({kind: len(values) for kind, values in outcomes.latencies.items()})
    for kind in ("ok", "failed", "rejected"):
        values = outcomes.latencies.get(kind, [])
        if values:
            table.add_row(
                kind, str(counts[kind]), _short(sum(values) / len(values)), _short(max(values))
            )
    console.print(table)
    failed, rejected = counts["failed"], counts["rejected"]
    console.print(
        f"  During the outage only [red]{failed}[/] calls waited for the dead dependency; "
        f"[bold]{rejected}[/] were turned away in microseconds instead of each waiting "
        f"{TIMEOUT_LATENCY * 1000:.0f} ms."
    )


def _trial_scenario(console: Console, variant: str, held: list[bool]) -> None:
    clock = FakeClock()
    breaker = _make_breaker(console, 0.0, held, clock)
    if variant == "threads":
        console.print(
            "\n  [bold]When the trial call raises something unexpected[/] (virtual clock):"
        )
        steps = unexpected_trial_error(breaker, clock)
        claim = (
            "9.3",
            "a trial that raises an unexpected error re-opens, and the next trial closes",
        )
    else:
        console.print(
            "\n  [bold]When the caller's timeout cancels the trial call[/] (virtual clock):"
        )
        steps = asyncio.run(cancelled_trial(breaker, clock))
        claim = ("9.5", "a cancelled trial frees its slot, and the next trial closes the breaker")
    for step in steps:
        console.print(f"    {step}")
    hypothesis(
        console,
        *claim,
        HELD if breaker.state is State.CLOSED else NOT_HERE,
        f"final state {breaker.state.value}",
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
    held: list[bool] = []
    breaker = _make_breaker(console, started, held)
    outcomes = Outcomes()
    if variant == "threads":
        _run_threads(breaker, dependency, outcomes)
    else:
        asyncio.run(_run_asyncio(breaker, dependency, outcomes))
    _report(console, outcomes)
    console.print(f"  Final state: [bold]{breaker.state.value}[/]")
    failed = outcomes.latencies.get("failed", [])
    rejected = outcomes.latencies.get("rejected", [])
    if failed and rejected:
        hypothesis(
            console,
            "9.1",
            "every rejected call returned faster than any failed call",
            lower(Spread.of(rejected), Spread.of(failed)),
            f"rejected {Spread.of(rejected).show(_short, 'calls')}; "
            f"failed {Spread.of(failed).show(_short, 'calls')}",
        )
    else:
        hypothesis(
            console,
            "9.1",
            "every rejected call returned faster than any failed call",
            NOT_HERE,
            "this run had no rejected or no failed calls to compare",
        )
    hypothesis(
        console,
        "9.2",
        "the breaker is closed again after the outage",
        HELD if breaker.state is State.CLOSED else NOT_HERE,
        f"final state {breaker.state.value}",
    )
    _trial_scenario(console, variant, held)
    hypothesis(
        console,
        "9.4",
        "no transition callback ran while the breaker's lock was held",
        HELD if not any(held) else NOT_HERE,
        f"{sum(held)} of {len(held)} callbacks under the lock",
    )
    console.print()


def main(variant: str | None = None) -> None:
    """Run the lesson: every variant in turn, or only ``variant``."""
    console = Console(highlight=False)
    header(console, 9, "circuit breaker: closed, open, half-open")
    for name in VARIANTS if variant is None else (variant,):
        _run_variant(console, name)
    try_next(
        console,
        __file__,
        "in `CircuitBreaker.acall`, delete the `except BaseException` branch and run "
        "`asyncio`: the next trial is rejected and hypothesis 9.5 turns to 'not here' — the "
        "breaker is jammed half-open. Then narrow `call`'s `except Exception` to "
        "`except DependencyError` and watch 9.3 in `threads`.",
        [
            (14, "timeouts and retries across services: a saga that must not charge twice"),
            (7, "load shedding: fail fast instead of queueing for a dead dependency"),
        ],
    )


if __name__ == "__main__":
    run_as_script(main)
