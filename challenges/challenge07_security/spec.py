"""Challenge 7: the token guessed over the network, and the flood (timing leak, unbounded queue)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from evaluator.findings import FindingKind
from evaluator.spec import (
    BackpressureCheck,
    ChallengeSpec,
    CheckContext,
    PerformanceCheck,
    PropertyCheck,
    TimingCheck,
    expect,
)

TOKEN = "tok_live_4f9a1c2e8b7d6a5f0e1d2c3b"


def make_compare(mod: ModuleType, secret: bytes) -> Callable[[bytes], Any]:
    """The function under test: reject (or accept) a presented token for partner acme."""
    receiver = mod.WebhookReceiver({"acme": secret.hex()}, workers=1)

    def present(guess: bytes) -> bool:
        try:
            receiver.authenticate("acme", guess.hex())
        except mod.Unauthorized:
            return False
        return True

    return present


def flood(mod: ModuleType, n_items: int) -> int:
    """One stolen token sends ``n_items`` events as fast as it can; return the peak backlog."""
    receiver = mod.WebhookReceiver({"acme": TOKEN}, workers=2, handle_seconds=0.0002)
    peak = 0
    for _n in range(n_items):
        with contextlib.suppress(mod.Overloaded):
            receiver.receive("acme", TOKEN, "junk", b"x" * 200)
        peak = max(peak, receiver.backlog())
    receiver.close()
    return peak


def nothing_accepted_is_lost(mod: ModuleType, ctx: CheckContext) -> None:
    """Every event answered 202 is processed; bad tokens are refused."""
    receiver = mod.WebhookReceiver({"acme": TOKEN, "globex": TOKEN[::-1]}, workers=2, handle_seconds=0.0005)
    accepted = sum(receiver.receive(p, t, "payment", b"{}") == 202
                   for p, t in [("acme", TOKEN), ("globex", TOKEN[::-1])] * 10)
    for partner, token in [("acme", TOKEN[::-1]), ("globex", TOKEN), ("nobody", TOKEN), ("acme", TOKEN[:-1])]:
        try:
            receiver.receive(partner, token, "payment", b"{}")
        except mod.Unauthorized:
            continue
        expect(False, f"{partner} was accepted with a wrong token", kind=FindingKind.INVARIANT)
    receiver.close()
    expect(receiver.processed == accepted == 20,
           f"{accepted} events accepted, {receiver.processed} processed: accepted events were lost",
           kind=FindingKind.INVARIANT)


def busy_morning(mod: ModuleType) -> None:
    """Two partners send 30 events each from their own threads (2 ms of work per event)."""
    receiver = mod.WebhookReceiver({"acme": TOKEN, "globex": TOKEN[::-1]}, workers=4)

    def partner(name: str, token: str) -> None:
        for _ in range(30):
            receiver.receive(name, token, "payment", b"{}")

    senders = [threading.Thread(target=partner, args=a) for a in [("acme", TOKEN), ("globex", TOKEN[::-1])]]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    receiver.close()


SPEC = ChallengeSpec(
    number=7,
    slug="security",
    title="Guessed over the network, then flooded",
    summary="A webhook receiver leaks its token through timing and buffers floods without limit.",
    concepts=("timing attack", "constant-time compare", "denial of service", "backpressure", "load shedding"),
    difficulty=3,
    intended=FindingKind.TIMING_LEAK,
    checks=(
        TimingCheck("token comparison takes constant time", make_compare, samples=3000,
                    hint="The comparison returns at the first wrong character: a longer right prefix takes longer."),
        BackpressureCheck("a flood is refused, not buffered", flood, sizes=(300, 3000),
                          hint="A queue with no maximum size turns every flood into memory."),
        PropertyCheck("accepted events are never lost", nothing_accepted_is_lost),
        PerformanceCheck("legitimate traffic stays concurrent", busy_morning, reference="compare_digest_shed"),
    ),
    hints=(
        "`learn check 7` reports a t-statistic: rejecting a guess takes measurably longer when its first characters are right. How would an attacker use that, one character at a time?",
        "Any comparison that stops at the first difference leaks the position of that difference. The standard library has a comparison designed not to.",
        "The second finding: `queue.Queue()` without `maxsize` accepts everything. What should a server answer when it cannot keep up — and must that answer wait?",
        "Use `hmac.compare_digest` on the encoded tokens; give the queue a `maxsize` and use `put_nowait`, turning `queue.Full` into `Overloaded` (HTTP 503 with Retry-After).",
    ),
)
