# fix-judgement: wrong
# class: new-race
# why: Fullness is checked outside the Condition and the deque has maxlen=max_backlog: two callers that both see len==max-1 both append, the deque silently evicts the oldest event already answered 202 (never processed), and drain()/close() then hang because _unfinished never reaches 0
"""Fix: compare_digest on UTF-8 bytes; events go to a deque(maxlen) ring buffer (hard memory
cap) served by a Condition, and a full buffer is refused early with Overloaded."""

from __future__ import annotations

import hmac
import queue
from collections import deque
import threading
import time
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


def tokens_match(expected: str, presented: str) -> bool:
    """Is ``presented`` the partner's token? (constant time in the position of a mismatch)"""
    if not isinstance(presented, str):
        return False
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"),
                               presented.encode("utf-8", "surrogatepass"))


class WebhookReceiver:
    """Authenticates webhook calls and processes their events on worker threads."""

    def __init__(self, tokens: dict[str, str], workers: int = 4, handle_seconds: float = 0.002,
                 max_backlog: int = 1_000) -> None:
        self.tokens = tokens
        self.handle_seconds = handle_seconds
        self.max_backlog = max_backlog
        self._pending: deque[WebhookEvent] = deque(maxlen=max_backlog)  # hard memory cap
        self._unfinished = 0  # accepted and not processed yet (queued or in a worker's hands)
        self._stopping = False
        self._changed = threading.Condition()
        self.processed = 0
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for worker in self.workers:
            worker.start()

    def authenticate(self, partner: str, token: str) -> None:
        """Raise Unauthorized unless ``token`` is ``partner``'s API token."""
        expected = self.tokens.get(partner)
        if expected is None or not tokens_match(expected, token):
            raise Unauthorized(partner)

    def receive(self, partner: str, token: str, kind: str, payload: bytes) -> int:
        """Handle one HTTP call: returns the HTTP status (202 Accepted once queued)."""
        self.authenticate(partner, token)
        if len(self._pending) >= self.max_backlog:  # cheap early refusal, no lock under a flood
            raise Overloaded(f"{len(self._pending)} events waiting")
        event = WebhookEvent(partner, kind, payload)
        with self._changed:
            self._pending.append(event)
            self._unfinished += 1
            self._changed.notify()
        return 202

    def _work(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._stopping)
                if not self._pending:
                    return  # stopping and nothing left
                self._pending.popleft()
            time.sleep(self.handle_seconds)  # update the ledgers (no lock held)
            with self._changed:
                self.processed += 1
                self._unfinished -= 1
                self._changed.notify_all()

    def backlog(self) -> int:
        """Accepted events not processed yet (the metrics endpoint reports it)."""
        with self._changed:
            return len(self._pending)

    def drain(self) -> None:
        """Wait until every accepted event has been processed."""
        with self._changed:
            self._changed.wait_for(lambda: self._unfinished == 0)

    def close(self) -> None:
        self.drain()
        with self._changed:
            self._stopping = True
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
            try:
                receiver.authenticate("acme", guess)
            except Unauthorized:
                pass
            samples.append(time.perf_counter_ns() - started)
        return statistics.median(samples)

    filler = "x" * (len(secret) - 9)
    print("median time to reject a guess, by how many characters are right:")
    for known in (0, 3, 6, 9):
        guess = secret[:known] + "#" * (9 - known) + filler
        print(f"  {known} right: {time_guess(guess):6.0f} ns")

    print("flooding the receiver with 20,000 events from a valid (stolen) token...")
    refused = 0
    for n in range(20_000):
        try:
            receiver.receive("acme", secret, "junk", b"x" * 1_000)
        except Overloaded:
            refused += 1
    print(f"events waiting in memory: {receiver.backlog()}, {refused} calls refused with 503")
    receiver.close()
    print(f"processed after close: {receiver.processed}")


if __name__ == "__main__":
    main()
