"""What a quiz question is: immutable data loaded from the TOML banks."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = ["TOPICS", "Question", "QuestionKind"]

TOPICS: dict[str, str] = {
    "threads-gil": "Threads and the GIL",
    "locks-deadlock": "Locks and deadlock",
    "asyncio": "asyncio and the event loop",
    "cancellation": "Cancellation and timeouts",
    "queues": "Queues and backpressure",
    "multiprocessing": "Multiprocessing",
    "leaks": "Memory and resource leaks",
    "resilience": "Rate limiting and circuit breakers",
    "retries": "Idempotency and retries",
    "brokers": "Message brokers",
    "caching": "Caching strategies and stampedes",
    "distributed-locks": "Distributed locks and fencing",
    "consistency": "Consistency and CAP",
    "sagas": "Sagas and the transactional outbox",
    "event-sourcing": "Event sourcing and CQRS",
    "sync-primitives": "Events, barriers, timers and conditions",
    "futures": "Futures and executors",
    "sync-problems": "Classic synchronization problems",
    "go-patterns": "Go-style patterns in Python",
    "security": "Timing attacks and constant-time code",
    "streaming": "Windows, late data and micro-batching",
    "shutdown": "Graceful shutdown",
}
"""Topic id -> display name. A bank file may only use these ids."""


class QuestionKind(StrEnum):
    """How the question is asked."""

    CHOICE = "choice"
    """Plain multiple choice."""
    OUTPUT = "output"
    """"What does this code print?" — the choices are candidate outputs."""
    DEADLOCK = "deadlock"
    """"Does this code deadlock (or hang)?" — the choices describe the outcome."""


@dataclass(frozen=True)
class Question:
    """One question with its choices and the explanation shown after answering."""

    id: str
    """Stable id (spaced repetition and progress key), e.g. ``gil-03``."""
    topic: str
    kind: QuestionKind
    prompt: str
    choices: tuple[str, ...]
    answer: int
    """0-based index of the correct choice."""
    explanation: str
    code: str = ""
    """A Python snippet shown with the prompt (may be empty)."""
    runnable: bool = False
    """The snippet's real stdout is checked against the correct choice by the test-suite."""
    hangs: bool = False
    """The snippet never finishes (deadlock); the test-suite checks it times out."""
    source: str = ""
    """``file.toml:LINE`` the question was loaded from (for error messages)."""
    why: tuple[str, ...] = ()
    """Per choice, the misconception behind it (shown when that wrong choice is picked); may be empty."""

    def shuffled(self, rng: random.Random) -> Question:
        """The same question with its choices (and their explanations) in ``rng``'s order."""
        order = list(range(len(self.choices)))
        rng.shuffle(order)
        why = tuple(self.why[i] for i in order) if self.why else ()
        return replace(
            self,
            choices=tuple(self.choices[i] for i in order),
            answer=order.index(self.answer),
            why=why,
        )

    def why_wrong(self, chosen: int) -> str:
        """The misconception behind wrong choice ``chosen`` (0-based), or ``""``."""
        return self.why[chosen] if 0 <= chosen < len(self.why) and chosen != self.answer else ""

    @property
    def correct_choice(self) -> str:
        return self.choices[self.answer]

    def is_correct(self, chosen: int) -> bool:
        """Whether the 0-based ``chosen`` index is the right answer."""
        return chosen == self.answer
