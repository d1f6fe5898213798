"""The named level progression: a monotonic function of XP."""

from __future__ import annotations

from .models import Level

LEVELS: tuple[Level, ...] = (
    Level(1, "Sequential Novice", 0),
    Level(2, "Thread Spawner", 100),
    Level(3, "Lock Holder", 250),
    Level(4, "Race Spotter", 500),
    Level(5, "Deadlock Breaker", 850),
    Level(6, "Queue Keeper", 1300),
    Level(7, "Event-Loop Tamer", 1900),
    Level(8, "Backpressure Builder", 2700),
    Level(9, "Leak Hunter", 3700),
    Level(10, "Consensus Seeker", 5000),
    Level(11, "Linearizability Sage", 6600),
    Level(12, "Concurrency Master", 8500),
)


def level_for(xp: int) -> Level:
    """The highest level whose threshold ``xp`` reaches."""
    current = LEVELS[0]
    for level in LEVELS:
        if xp >= level.min_xp:
            current = level
    return current


def next_level(level: Level) -> Level | None:
    """The level after ``level``, or None at the top."""
    return LEVELS[level.number] if level.number < len(LEVELS) else None
