"""Challenge 7: the token guessed over the network, and the flood (timing leak, unbounded queue)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from evaluator.checks.timing import secret_text
from evaluator.findings import FindingKind
from evaluator.scheduler import unobserved
from evaluator.spec import (
    BackpressureCheck,
    ChallengeSpec,
    CheckContext,
    PerformanceCheck,
    PropertyCheck,
    ScheduleCheck,
    TimingCheck,
    expect,
)

TOKEN = "tok_live_4f9a1c2e8b7d6a5f0e1d2c3b"


def make_compare(mod: ModuleType, secret: bytes) -> Callable[[bytes], Any]:
    """The function under test: reject (or accept) a presented token for partner acme."""
    receiver = mod.WebhookReceiver({"acme": secret_text(secret.hex())}, workers=1)

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
    receiver = mod.WebhookReceiver(
        {"acme": TOKEN, "globex": TOKEN[::-1]}, workers=2, handle_seconds=0.0005
    )
    accepted = sum(
        receiver.receive(p, t, "payment", b"{}") == 202
        for p, t in [("acme", TOKEN), ("globex", TOKEN[::-1])] * 10
    )
    for partner, token in [
        ("acme", TOKEN[::-1]),
        ("globex", TOKEN),
        ("nobody", TOKEN),
        ("acme", TOKEN[:-1]),
        ("acme", TOKEN[:-1] + "é"),
    ]:
        try:
            receiver.receive(partner, token, "payment", b"{}")
        except mod.Unauthorized:
            continue
        except Exception as error:
            expect(
                False,
                f"a wrong token for {partner} ({token!r}) crashed the receiver with "
                f"{type(error).__name__}: {error}",
                "every wrong token must be refused with Unauthorized (401)",
                kind=FindingKind.INVARIANT,
            )
        expect(False, f"{partner} was accepted with a wrong token", kind=FindingKind.INVARIANT)
    receiver.close()
    expect(
        receiver.processed == accepted == 20,
        f"{accepted} events accepted, {receiver.processed} processed: accepted events were lost",
        kind=FindingKind.INVARIANT,
    )


def flood_is_refused_at_once(mod: ModuleType) -> None:
    """A flood while the only worker is stuck on a slow event (5 s): every call is answered at once
    (202 or Overloaded), the backlog is bounded, and every event answered 202 is processed."""
    receiver = mod.WebhookReceiver({"acme": TOKEN}, workers=1, handle_seconds=5.0)
    accepted = refused = 0
    slowest = (0.0, -1)
    for n in range(1500):
        began = time.monotonic()
        try:
            if receiver.receive("acme", TOKEN, "junk", b"x") == 202:
                accepted += 1
        except mod.Overloaded:
            refused += 1
        waited = time.monotonic() - began
        slowest = max(slowest, (waited, n))
    expect(
        slowest[0] < 1.0,
        f"call #{slowest[1]} of the flood waited {slowest[0]:.1f} s before it was answered",
        "a full backlog must answer Overloaded (503) at once: a caller that waits for room ties up "
        "a server thread for as long as the slowest event takes",
        kind=FindingKind.UNBOUNDED_QUEUE,
    )
    expect(
        refused > 0,
        f"all {accepted} events of a 1,500-event flood were accepted while the worker was stuck",
        "the backlog must be bounded",
        kind=FindingKind.UNBOUNDED_QUEUE,
    )
    receiver.close()
    expect(
        receiver.processed == accepted,
        f"{accepted} events were answered 202 but {receiver.processed} were processed",
        "an event answered 202 is a promise: it must not be dropped to make room",
        kind=FindingKind.INVARIANT,
    )


def _fill(mod: ModuleType, receiver: Any, calls: int) -> int | None:
    """Send up to ``calls`` events from acme; the number accepted before the first refusal, or
    None when every call was accepted."""
    for n in range(calls):
        try:
            receiver.receive("acme", TOKEN, "junk", b"x")
        except mod.Overloaded:
            return n
    return None


def last_free_slot(mod: ModuleType) -> None:
    """The backlog has one free slot (no worker runs, so queued events stay queued) and two calls
    arrive at once: each is answered at once, 202 or Overloaded. Checking for room and then
    waiting for it is a race: both calls see the one slot, and the loser waits for room forever."""
    with unobserved():  # filling the backlog is set-up, not the race under test
        limit = _fill(mod, mod.WebhookReceiver({"acme": TOKEN}, workers=0), 3_000)
        if not limit:  # unbounded (the flood checks judge that) or no room at all
            return
        receiver = mod.WebhookReceiver({"acme": TOKEN}, workers=0)
        if _fill(mod, receiver, limit - 1) is not None:
            return  # a limit that moves between two empty receivers: nothing to race for
    answers: dict[str, tuple[object, float]] = {}

    def call(name: str) -> None:
        began = time.monotonic()
        answer: object
        try:
            answer = receiver.receive("acme", TOKEN, "payment", b"{}")
        except mod.Overloaded:
            answer = "Overloaded"
        answers[name] = (answer, time.monotonic() - began)

    callers = [
        threading.Thread(target=call, args=(name,), name=name) for name in ("call-1", "call-2")
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    accepted = limit - 1 + sum(answer == 202 for answer, _ in answers.values())
    backlog = receiver.backlog()
    expect(
        backlog == accepted,
        f"{accepted} events were answered 202 and none was processed yet (no worker runs), but the "
        f"backlog holds {backlog}",
        f"answers of the two racing calls: { {name: answer for name, (answer, _) in answers.items()} }",
        "an event answered 202 is a promise: two calls that both found room must both be kept "
        "(a bounded deque silently drops the oldest)",
        kind=FindingKind.INVARIANT,
    )
    slow = {name: round(waited, 3) for name, (_, waited) in answers.items() if waited >= 1.0}
    expect(
        not slow,
        f"with one free slot in a backlog of {limit}, two calls arrived at once and "
        + ", ".join(f"{name} waited {waited} s" for name, waited in slow.items()),
        f"answers: { {name: answer for name, (answer, _) in answers.items()} }",
        "a call that finds no room must be refused at once: check for room and take it in one step "
        "(put_nowait and queue.Full, or a counter under a lock), never check first and then put()",
        kind=FindingKind.UNBOUNDED_QUEUE,
    )


def partners_at_once(mod: ModuleType) -> None:
    """Two partners send three events each at the same time: all are processed, and the backlog
    reads empty afterwards (its count is exact under concurrency)."""
    receiver = mod.WebhookReceiver(
        {"acme": TOKEN, "globex": TOKEN[::-1]}, workers=2, handle_seconds=0.0005
    )
    answers: list[object] = []

    def partner(name: str, token: str) -> None:
        for _ in range(3):
            try:
                answers.append(receiver.receive(name, token, "payment", b"{}"))
            except mod.Overloaded as error:
                answers.append(error)

    senders = [
        threading.Thread(target=partner, args=a, name=a[0])
        for a in [("acme", TOKEN), ("globex", TOKEN[::-1])]
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    receiver.close()
    accepted = answers.count(202)
    expect(
        accepted == 6,
        f"only {accepted} of 6 events were accepted with an empty backlog: {answers}",
        kind=FindingKind.INVARIANT,
    )
    expect(
        receiver.processed == accepted,
        f"{accepted} events accepted, {receiver.processed} processed",
        kind=FindingKind.INVARIANT,
    )
    backlog = receiver.backlog()
    expect(
        backlog == 0,
        f"the backlog reads {backlog} after every event was processed",
        "a counter updated by several threads without a lock loses updates",
        kind=FindingKind.RACE,
    )


def busy_morning(mod: ModuleType) -> None:
    """Two partners send 30 events each from their own threads (2 ms of work per event)."""
    receiver = mod.WebhookReceiver({"acme": TOKEN, "globex": TOKEN[::-1]}, workers=4)

    def partner(name: str, token: str) -> None:
        for _ in range(30):
            receiver.receive(name, token, "payment", b"{}")

    senders = [
        threading.Thread(target=partner, args=a) for a in [("acme", TOKEN), ("globex", TOKEN[::-1])]
    ]
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
    concepts=(
        "timing attack",
        "constant-time compare",
        "denial of service",
        "backpressure",
        "load shedding",
    ),
    difficulty=3,
    intended=FindingKind.TIMING_LEAK,
    checks=(
        TimingCheck(
            "token comparison takes constant time",
            make_compare,
            samples=3000,
            hint="The comparison returns at the first wrong character: a longer right prefix takes longer.",
        ),
        BackpressureCheck(
            "a flood is refused, not buffered",
            flood,
            sizes=(300, 3000, 12000),
            hint="A queue with no maximum size turns every flood into memory.",
        ),
        PropertyCheck("accepted events are never lost", nothing_accepted_is_lost),
        ScheduleCheck(
            "a flood is answered at once",
            flood_is_refused_at_once,
            strategies=("dfs",),
            max_schedules=1,
            kind=FindingKind.UNBOUNDED_QUEUE,
            hint="put_nowait, and turn queue.Full into Overloaded: never wait for room.",
        ),
        ScheduleCheck(
            "two calls race for the last free slot",
            last_free_slot,
            max_schedules=40,
            kind=FindingKind.UNBOUNDED_QUEUE,
            hint="Checking full() and then calling put() is check-then-act: take the slot in one step (put_nowait).",
        ),
        ScheduleCheck(
            "partners at once",
            partners_at_once,
            max_schedules=80,
            kind=FindingKind.RACE,
            hint="Every shared counter needs the lock, on both the receiving and the working side.",
        ),
        PerformanceCheck(
            "legitimate traffic stays concurrent", busy_morning, reference="compare_digest_shed"
        ),
    ),
    time_budget_seconds=60.0,
    hints=(
        "`learn check 7` reports a t-statistic: rejecting a guess takes measurably longer when its first characters are right. How would an attacker use that, one character at a time?",
        "Any comparison that stops at the first difference leaks the position of that difference. The standard library has a comparison designed not to.",
        "The second finding: `queue.Queue()` without `maxsize` accepts everything. What should a server answer when it cannot keep up — and must that answer wait?",
        "Use `hmac.compare_digest` on the encoded tokens; give the queue a `maxsize` and use `put_nowait`, turning `queue.Full` into `Overloaded` (HTTP 503 with Retry-After).",
    ),
)
