"""The classes of bug the grader reports: the one type the grader and the tracker share.

``evaluator.findings`` builds its findings on it; the tracker stores and rewards its values
(achievements per bug class) without importing the grader. Pure data, no imports of the project.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["FindingKind"]


class FindingKind(str, Enum):
    """The class of bug a finding is about. Challenge specs name their intended kind."""

    DEADLOCK = "deadlock"
    LOCK_ORDER = "lock-order-inversion"
    RACE = "race"
    INVARIANT = "invariant"
    THREAD_LEAK = "thread-leak"
    TASK_LEAK = "task-leak"
    FD_LEAK = "fd-leak"
    PROCESS_LEAK = "process-leak"
    MEMORY_LEAK = "memory-leak"
    TIMING_LEAK = "timing-leak"
    UNBOUNDED_QUEUE = "unbounded-queue"
    LOCK_HELD_DURING_IO = "lock-held-during-io"
    SERIALIZED = "serialized"
    TOO_SLOW = "too-slow"
    EVENT_LOOP_BLOCKED = "event-loop-blocked"
    CRASH = "crash"
    TIMEOUT = "timeout"
    RESOURCE_LIMIT = "resource-limit"
    DISTRIBUTED = "distributed"
    """A property of a distributed history was violated (challenges 9-16)."""
    OUTSIDE_WORLD = "outside-world"
    """Challenges 9-16: the program stepped outside the simulated world (imported the checker or
    the world's internals, reached a service or another node without a message, shared memory
    between nodes, used the wall clock or the OS). The title names the learner's line; the
    verdict is FAIL whatever the properties said, because the run no longer proves anything."""
    STATIC_HINT = "static-hint"
