# fix-judgement: right
# class: other (compare_digest + put_nowait)
# why: hmac.compare_digest on UTF-8 (surrogatepass) bytes, non-str tokens refused; Queue(maxsize=max_backlog) with put_nowait -> Overloaded at once; workers, drain, close unchanged
"""Fix: tokens are compared with hmac.compare_digest on their UTF-8 bytes; the queue is bounded
and a full queue refuses the call at once with Overloaded (put_nowait)."""

from __future__ import annotations

import hmac
import queue
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
    # surrogatepass: any str encodes, and distinct strings never encode to the same bytes
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"),
                               presented.encode("utf-8", "surrogatepass"))


class WebhookReceiver:
    """Authenticates webhook calls and processes their events on worker threads."""

    def __init__(self, tokens: dict[str, str], workers: int = 4, handle_seconds: float = 0.002,
                 max_backlog: int = 1_000) -> None:
        self.tokens = tokens
        self.handle_seconds = handle_seconds
        self.events: queue.Queue[WebhookEvent | None] = queue.Queue(maxsize=max_backlog)
        self.processed = 0
        self._count_lock = threading.Lock()
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
        try:
            self.events.put_nowait(WebhookEvent(partner, kind, payload))
        except queue.Full:
            raise Overloaded(f"{self.backlog()} events waiting") from None
        return 202

    def _work(self) -> None:
        while self.events.get() is not None:
            time.sleep(self.handle_seconds)  # update the ledgers
            with self._count_lock:
                self.processed += 1
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
