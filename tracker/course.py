"""What the tracker knows of the course: how many challenges and lessons exist, and each
challenge's stars.

The tracker never imports the course (it sits below it), so these facts are written here once;
tests keep them equal to the challenge specs and the lesson files. Achievements and the daily
challenge read them from here, never from a literal of their own.
"""

from __future__ import annotations

__all__ = ["CHALLENGE_COUNT", "DIFFICULTY", "LESSON_COUNT"]

DIFFICULTY: dict[int, int] = {
    1: 2,
    2: 2,
    3: 2,
    4: 3,
    5: 3,
    6: 2,
    7: 3,
    8: 3,
    9: 4,
    10: 3,
    11: 3,
    12: 4,
    13: 4,
    14: 4,
    15: 4,
    16: 5,
}
"""Stars of each challenge, as in its spec.py."""
CHALLENGE_COUNT = len(DIFFICULTY)
"""The product's challenges, numbered 1 to CHALLENGE_COUNT (the daily never depends on which
are installed locally)."""
LESSON_COUNT = 24
"""The product's lessons (``examples/exNN_*.py``), numbered 1 to LESSON_COUNT."""
