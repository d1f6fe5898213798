# fix-judgement: right
# class: other (digests + BoundedSemaphore)
# why: compare_digest on SHA-256 digests (unknown partner compared against a random dummy); a BoundedSemaphore acquired non-blocking per accepted event and released by the worker after processing bounds accepted-but-unprocessed events
"""Fix: compare_digest on SHA-256 digests (unknown partners compared against a dummy); a
BoundedSemaphore counts accepted-but-unprocessed events and refuses with Overloaded when out."""

from __future__ import annotations

import hashlib
import hmac
import queue
import secrets
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


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def tokens_match(expected: str, presented: str) -> bool:
    """Is ``presented`` the partner's token? Fixed-length digests, compared in constant time."""
    if not isinstance(presented, str):
        return False
    return hmac.compare_digest(_digest(expected), _digest(presented))


_NO_PARTNER = secrets.token_hex(16)  # compared against when the partner is unknown


class WebhookReceiver:
    """Authenticates webhook calls and processes their events on worker threads."""

    def __init__(self, tokens: dict[str, str], workers: int = 4, handle_seconds: float = 0.002,
                 max_backlog: int = 1_000) -> None:
        self.tokens = tokens
        self.handle_seconds = handle_seconds
        self.events: queue.Queue[WebhookEvent | None] = queue.Queue()
        self._admission = threading.BoundedSemaphore(max_backlog)  # accepted, not yet processed
        self.processed = 0
        self._count_lock = threading.Lock()
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for worker in self.workers:
            worker.start()

    def authenticate(self, partner: str, token: str) -> None:
        """Raise Unauthorized unless ``token`` is ``partner``'s API token."""
        expected = self.tokens.get(partner)
        matched = tokens_match(_NO_PARTNER if expected is None else expected, token)
        if expected is None or not matched:
            raise Unauthorized(partner)

    def receive(self, partner: str, token: str, kind: str, payload: bytes) -> int:
        """Handle one HTTP call: returns the HTTP status (202 Accepted once queued)."""
        self.authenticate(partner, token)
        if not self._admission.acquire(blocking=False):
            raise Overloaded("too many events waiting, retry later")
        self.events.put(WebhookEvent(partner, kind, payload))
        return 202

    def _work(self) -> None:
        while self.events.get() is not None:
            time.sleep(self.handle_seconds)  # update the ledgers
            with self._count_lock:
                self.processed += 1
            self._admission.release()
            self.events.task_done()
        self.events.task_done()

    def backlog(self) -> int:
        """Accepted events not processed yet (the metrics endpoint reports it)."""
        return self.events.qsize()

    def drain(self) -> None:
        """Wait until every accepted event has been processed."""
        self.events.join()

    def close(self) -> None:
        self.drain()
        for _ in self.workers:
            self.events.put(None)
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
