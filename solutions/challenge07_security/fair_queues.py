"""Solution (hashed tokens, fair bounded per-partner backlogs) — webhook receiver of a payments platform: accepts signed events from partners.

Partners send events (payment succeeded, refund issued...) with an API token in the
Authorization header. The receiver checks the token, queues the event, and a few worker threads
process the queue (each event updates ledgers: a few milliseconds of I/O). One morning an
attacker guessed the token of a partner within hours; a week later a flood of junk events took
the receiver down (out of memory) while legitimate partners' events waited for minutes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass


class Unauthorized(Exception):
    """Wrong or missing API token (HTTP 401)."""


class Overloaded(Exception):
    """The receiver is saturated: try again later (HTTP 503 with Retry-After)."""


@dataclass(frozen=True)
class WebhookEvent:
    partner: str
    kind: str
    payload: bytes


def token_digest(token: str) -> bytes:
    """What we store and compare: a SHA-256 digest, never the token itself."""
    return hashlib.sha256(token.encode()).digest()


class WebhookReceiver:
    """Authenticates webhook calls and processes their events fairly across partners.

    Each partner has its own bounded backlog, and workers serve partners round-robin, so a
    flood from one partner (or one stolen token) is refused with 503 without delaying the others.
    """

    def __init__(
        self,
        tokens: dict[str, str],
        workers: int = 4,
        handle_seconds: float = 0.002,
        max_backlog_per_partner: int = 50,
    ) -> None:
        self.digests = {partner: token_digest(token) for partner, token in tokens.items()}
        self.handle_seconds = handle_seconds
        self.max_backlog = max_backlog_per_partner
        self.pending: dict[str, deque[WebhookEvent]] = {partner: deque() for partner in tokens}
        self._turns = itertools.cycle(list(tokens))
        self._in_flight = 0
        self._closing = False
        self._changed = threading.Condition()
        self.processed = 0
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for worker in self.workers:
            worker.start()

    def authenticate(self, partner: str, token: str) -> None:
        """Raise Unauthorized unless ``token`` is ``partner``'s API token (constant time)."""
        expected = self.digests.get(partner, b"\0" * 32)
        # Digests have a fixed length, and compare_digest does not stop at the first difference.
        if not hmac.compare_digest(expected, token_digest(token)) or partner not in self.digests:
            raise Unauthorized(partner)

    def receive(self, partner: str, token: str, kind: str, payload: bytes) -> int:
        """Handle one HTTP call: 202 once queued; Overloaded (503) when the partner's backlog is full."""
        self.authenticate(partner, token)
        with self._changed:
            backlog = self.pending[partner]
            if len(backlog) >= self.max_backlog:
                raise Overloaded(f"{partner}: backlog full, retry after 1 s")
            backlog.append(WebhookEvent(partner, kind, payload))
            self._changed.notify()
        return 202

    def _next_event(self) -> WebhookEvent | None:
        """The oldest event of the next partner with work (round-robin); None when closing."""
        with self._changed:
            while True:
                for _ in range(len(self.pending)):
                    backlog = self.pending[next(self._turns)]
                    if backlog:
                        self._in_flight += 1
                        return backlog.popleft()
                if self._closing:
                    return None
                self._changed.wait()

    def _work(self) -> None:
        while self._next_event() is not None:
            time.sleep(self.handle_seconds)  # update the ledgers
            with self._changed:
                self._in_flight -= 1
                self.processed += 1
                self._changed.notify_all()

    def backlog(self) -> int:
        """Accepted events not processed yet (the metrics endpoint reports it)."""
        with self._changed:
            return sum(len(b) for b in self.pending.values()) + self._in_flight

    def drain(self) -> None:
        """Wait until every accepted event has been processed."""
        with self._changed:
            self._changed.wait_for(lambda: self.backlog() == 0)

    def close(self) -> None:
        self.drain()
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        for worker in self.workers:
            worker.join()


def main() -> None:
    import statistics

    secret = "tok_live_4f9a1c2e8b7d6a5f"
    receiver = WebhookReceiver({"acme": secret}, workers=2)

    def time_guess(guess: str) -> float:
        samples = []
        for _ in range(2_000):
            started = time.perf_counter_ns()
            with contextlib.suppress(Unauthorized):
                receiver.authenticate("acme", guess)
            samples.append(time.perf_counter_ns() - started)
        return statistics.median(samples)

    filler = "x" * (len(secret) - 9)
    print("median time to reject a guess, by how many characters are right:")
    for known in (0, 3, 6, 9):
        guess = secret[:known] + "#" * (9 - known) + filler
        print(f"  {known} right: {time_guess(guess):6.0f} ns")

    print("flooding the receiver with 20,000 events from a valid (stolen) token...")
    shed = 0
    for _n in range(20_000):
        try:
            receiver.receive("acme", secret, "junk", b"x" * 1_000)
        except Overloaded:
            shed += 1
    print(f"{shed} calls refused with 503")
    print(f"events waiting in memory: {receiver.backlog()} (bounded per partner)")


if __name__ == "__main__":
    main()
