# fix-judgement: right
# class: other (Condition actor queue)
# why: Keyed-HMAC digests compared with compare_digest; own deque + Condition work queue: capacity check and append in one critical section, workers wait_for events, _unfinished counter for drain(), stop flag after drain in close()
"""Fix: tokens compared as keyed HMAC digests with compare_digest; events go to a deque guarded
by a Condition, refused with Overloaded past max_backlog, drained before workers stop."""

from __future__ import annotations

import hmac
import queue
import secrets
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


_KEY = secrets.token_bytes(32)  # per-process key: digests reveal nothing about the tokens


def tokens_match(expected: str, presented: str) -> bool:
    """Is ``presented`` the partner's token? HMACs of both, compared with compare_digest."""
    if not isinstance(presented, str):
        return False
    mine = hmac.new(_KEY, expected.encode("utf-8", "surrogatepass"), "sha256").digest()
    theirs = hmac.new(_KEY, presented.encode("utf-8", "surrogatepass"), "sha256").digest()
    return hmac.compare_digest(mine, theirs)


class WebhookReceiver:
    """Authenticates webhook calls and processes their events on worker threads."""

    def __init__(self, tokens: dict[str, str], workers: int = 4, handle_seconds: float = 0.002,
                 max_backlog: int = 1_000) -> None:
        self.tokens = tokens
        self.handle_seconds = handle_seconds
        self.max_backlog = max_backlog
        self._pending: deque[WebhookEvent] = deque()
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
        event = WebhookEvent(partner, kind, payload)
        with self._changed:
            if len(self._pending) >= self.max_backlog:
                raise Overloaded(f"{len(self._pending)} events waiting")
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
