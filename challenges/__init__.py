"""The 16 broken programs.

Each challenge is a folder ``challenges/challengeNN_<slug>/`` with ``program.py`` (the broken
code the learner fixes), ``spec.py`` (``SPEC = evaluator.spec.ChallengeSpec(...)``) and
``README.md`` (the story). Challenges 9-16 run in the simulated world of ``simworld``.
"""

from __future__ import annotations

from challenges._registry import Challenge, all_challenges, get_challenge
from challenges.grading import grade_challenge

__all__ = ["Challenge", "all_challenges", "get_challenge", "grade_challenge"]
