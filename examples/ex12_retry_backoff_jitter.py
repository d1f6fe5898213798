"""# Retry with exponential backoff and jitter

Networks drop packets, servers restart, leaders fail over: many errors are **transient**
and the second attempt succeeds. Retrying is right — but *how* you retry decides whether you
help the dependency recover or finish it off.

**Exponential backoff** waits `base · 2^attempt` (capped) between attempts, so a struggling
server sees fewer and fewer retries. Alone, it has a flaw: clients that failed *together*
(the server restarted) retry *together*, after 10, 20, 40 ms… — synchronized waves, a
**thundering herd**. **Jitter** spreads them out (from the AWS Architecture Blog's analysis):

| strategy | delay before retry *n* (`t = min(cap, base·2ⁿ)`) | character |
|---|---|---|
| none | `t` | waves; every client hits at the same instant |
| **full jitter** | `uniform(0, t)` | least total work; sometimes retries almost at once |
| **equal jitter** | `t/2 + uniform(0, t/2)` | never shorter than half the backoff |

Three rules that matter more than the formula:

1. **Only retry what is idempotent** — or make it so with an **idempotency key**: the client
   sends the same key on every attempt, the server stores the result per key and returns it
   for duplicates. A timeout does *not* mean the server did nothing: the lesson's second
   attempt follows a lost response, and without a key the customer is charged twice.
2. **Bound the retries**: a maximum number of attempts per call *and* a **retry budget** across
   calls (e.g. retries ≤ 10 % of requests). During a full outage, 4 retries per call multiply
   the load on the dead service by 5; in the lesson's model a budget keeps it near 1.1.
3. **Retry only retryable errors** (timeouts, 503, connection reset), never a 400, and honour
   `Retry-After` when the server sends it.

The RNG is seeded, so the delays printed below are the same on every run.

## When not to

- Inside several layers at once: 3 retries at each of 3 layers is 64 attempts. Retry at one
  layer (usually the outermost that knows the operation is idempotent).
- When the circuit breaker is open (lesson 9): fail fast instead.
- When a human is waiting and the deadline has passed: a late success is still a failure.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from examples._lesson import HELD, NOT_HERE, TIE, header, hypothesis, run_as_script, try_next

TITLE = "Retry with exponential backoff and jitter"
CONCEPTS = ("retry", "exponential backoff", "jitter", "idempotency key", "retry budget")
DIFFICULTY = 3
VARIANTS = ()
NEXT_CHALLENGES = (14,)
HYPOTHESES = {"main": ("12.1", "12.2", "12.3")}

SEED = 12
BASE = 0.010
CAP = 0.320
MAX_ATTEMPTS = 5

Strategy = Callable[[int, random.Random], float]


def no_jitter(attempt: int, rng: random.Random) -> float:
    return min(CAP, BASE * 2**attempt)


def full_jitter(attempt: int, rng: random.Random) -> float:
    return rng.uniform(0, min(CAP, BASE * 2**attempt))


def equal_jitter(attempt: int, rng: random.Random) -> float:
    ceiling = min(CAP, BASE * 2**attempt)
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


STRATEGIES: dict[str, Strategy] = {
    "none": no_jitter,
    "full jitter": full_jitter,
    "equal jitter": equal_jitter,
}


class TransientError(Exception):
    """A timeout or a 503: worth retrying."""


@dataclass
class PaymentServer:
    """Charges cards; fails transiently on a fixed script of attempts.

    Attempt 1: 503 before doing anything. Attempt 2: charges the card, then the response
    is lost (the client sees a timeout). Attempt 3: succeeds.
    """

    dedupe: bool
    charges: list[str] = field(default_factory=list)
    results: dict[str, str] = field(default_factory=dict)
    calls: int = 0

    def charge(self, key: str, amount: int) -> str:
        self.calls += 1
        if self.calls == 1:
            raise TransientError("503 Service Unavailable")
        if self.dedupe and key in self.results:
            return f"{self.results[key]} (duplicate key: stored result, no new charge)"
        receipt = f"receipt-{len(self.charges) + 1} for {amount} €"
        self.charges.append(receipt)
        self.results[key] = receipt
        if self.calls == 2:
            raise TransientError("timeout: the charge went through, the response was lost")
        return receipt


def call_with_retry(
    operation: Callable[[], str], strategy: Strategy, rng: random.Random, say: Callable[[str], None]
) -> str:
    """Call ``operation`` until it succeeds or MAX_ATTEMPTS is reached, sleeping between tries."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            result = operation()
        except TransientError as error:
            if attempt + 1 == MAX_ATTEMPTS:
                raise
            delay = strategy(attempt, rng)
            say(f"attempt {attempt + 1}: [red]{error}[/] → sleep {delay * 1000:.1f} ms")
            time.sleep(delay)
        else:
            say(f"attempt {attempt + 1}: [green]{result}[/]")
            return result
    raise AssertionError("unreachable")


def _narrator(console: Console) -> Callable[[str], None]:
    started = time.monotonic()

    def say(text: str) -> None:
        console.print(f"  [dim]t={(time.monotonic() - started) * 1000:6.1f} ms[/]  {text}")

    return say


def _idempotency(console: Console) -> None:
    console.rule("[bold]1. One payment, retried with full jitter")
    counts = {}
    for dedupe in (True, False):
        label = "with an idempotency key" if dedupe else "[red]without[/] deduplication"
        console.print(f"  [bold]{label}[/]")
        charges = _pay_with_retries(PaymentServer(dedupe=dedupe), _narrator(console))
        counts[dedupe] = len(charges)
        colour = "green" if len(charges) == 1 else "red"
        console.print(f"  → the customer was charged [{colour}]{len(charges)}×[/]: {charges}\n")
    hypothesis(
        console,
        "12.1",
        "with an idempotency key one charge; without, the lost response charges twice",
        HELD if counts == {True: 1, False: 2} else NOT_HERE,
        f"with key {counts[True]}×, without {counts[False]}×",
    )


def _pay_with_retries(server: PaymentServer, say: Callable[[str], None]) -> list[str]:
    key = "order-1042"  # generated once per logical operation, reused by every attempt
    call_with_retry(lambda: server.charge(key, 30), full_jitter, random.Random(SEED), say)
    return server.charges


def _arrivals(strategy: Strategy, clients: int, rng: random.Random) -> list[float]:
    """Virtual times of every retry when ``clients`` all failed at t=0 and keep failing."""
    times = []
    for _ in range(clients):
        now = 0.0
        for attempt in range(MAX_ATTEMPTS - 1):
            now += strategy(attempt, rng)
            times.append(now)
    return times


def _sparkline(counts: list[int]) -> str:
    blocks = " ▁▂▃▄▅▆▇█"
    top = max(counts) or 1
    return "".join(blocks[round(c / top * (len(blocks) - 1))] for c in counts)


def _herd(console: Console) -> None:
    clients, bucket, horizon = 100, 0.004, 0.240
    console.rule(f"[bold]2. Thundering herd: {clients} clients fail at t=0 (virtual time)")
    console.print(
        f"  Each client keeps failing and retries {MAX_ATTEMPTS - 1} times. One column = "
        f"{bucket * 1000:.0f} ms, height = retries arriving in it, first {horizon * 1000:.0f} ms:\n"
    )
    peaks, waits = {}, {}
    for name, strategy in STRATEGIES.items():
        arrivals = _arrivals(strategy, clients, random.Random(SEED))
        per_bucket = Counter(int(t / bucket) for t in arrivals if t < horizon)
        counts = [per_bucket.get(i, 0) for i in range(int(horizon / bucket))]
        mean_wait = sum(arrivals) / len(arrivals)
        peaks[name], waits[name] = max(counts), mean_wait
        console.print(
            f"  [bold]{name:<13}[/] peak [bold]{max(counts):3d}[/] retries in one {bucket * 1000:.0f} ms "
            f"slot · mean time to a retry {mean_wait * 1000:3.0f} ms"
        )
        console.print(f"  [cyan]{_sparkline(counts)}[/]")
    console.print(
        "\n  Without jitter the whole herd lands on the server in the same instant, wave after "
        "wave (10, 30, 70, 150 ms). Jitter sends the same number of retries as a spread-out "
        "load."
    )
    best_peak = min(peaks, key=peaks.__getitem__)
    best_wait = min(waits, key=waits.__getitem__)
    hypothesis(
        console,
        "12.2",
        "full jitter gives the lowest peak and the shortest mean wait (seeded model)",
        HELD
        if best_peak == best_wait == "full jitter"
        else TIE
        if "full jitter" in (best_peak, best_wait)
        else NOT_HERE,
        "; ".join(f"{n}: peak {peaks[n]}, mean {waits[n] * 1000:.0f} ms" for n in STRATEGIES),
    )
    console.print()


def _budget(console: Console) -> None:
    requests, ratio, initial_tokens = 1000, 0.1, 10
    console.rule(
        f"[bold]3. Full outage: {requests} requests, up to {MAX_ATTEMPTS - 1} retries each"
    )
    table = Table(title="a model: counted, not timed", title_justify="left")
    load: dict[bool, float] = {}
    for column in ("policy", "calls made", "load ×", "retries refused"):
        table.add_column(column, justify="left" if column == "policy" else "right")
    for budgeted in (False, True):
        tokens, calls, refused = float(initial_tokens), 0, 0
        for _ in range(requests):
            calls += 1  # the first attempt is always allowed
            tokens = min(tokens + ratio, requests * ratio)
            for _retry in range(MAX_ATTEMPTS - 1):
                if budgeted and tokens < 1:
                    refused += 1
                    break
                tokens -= 1
                calls += 1
        policy = f"retry budget {ratio:.0%}" if budgeted else "per-call limit only"
        table.add_row(policy, str(calls), f"{calls / requests:.2f}×", str(refused))
        load[budgeted] = calls / requests
    console.print(table)
    hypothesis(
        console,
        "12.3",
        "during a full outage a 10% retry budget keeps the load under 1.2× (model)",
        HELD if load[True] < 1.2 else NOT_HERE,
        f"{load[True]:.2f}× with the budget, {load[False]:.2f}× without",
    )
    console.print(
        "  The budget is a token bucket: each request earns 0.1 retry token, each retry spends one. "
        "When most calls fail, retries stop helping — the budget notices before the dependency does.\n"
    )


def main(variant: str | None = None) -> None:
    """Run the lesson (it has a single way to run)."""
    console = Console(highlight=False)
    header(console, 12, "retry with exponential backoff and jitter")
    console.print(
        f"  [dim]base {BASE * 1000:.0f} ms, cap {CAP * 1000:.0f} ms, {MAX_ATTEMPTS} attempts, seed {SEED}[/]"
    )
    _idempotency(console)
    _herd(console)
    _budget(console)
    try_next(
        console,
        __file__,
        "in `_pay_with_retries`, generate the key inside the lambda (`lambda: server.charge("
        "str(uuid.uuid4()), 30)`) — a fresh key per attempt — and watch 12.1: a key only "
        "deduplicates if every attempt reuses it. Then change SEED and see whether 12.2 holds.",
        [(14, "the trip that charged for nothing: idempotency keys, retries and compensation")],
    )


if __name__ == "__main__":
    run_as_script(main)
