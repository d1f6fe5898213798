"""Progressive hints: each `learn hint N` reveals one more, from a nudge to a near-answer."""

from __future__ import annotations

from dataclasses import dataclass

from challenges._registry import get_challenge

__all__ = ["HintView", "next_hint"]


@dataclass(frozen=True)
class HintView:
    """The hints a learner has unlocked so far for one challenge."""

    challenge: int
    title: str
    shown: tuple[str, ...]
    total: int

    @property
    def exhausted(self) -> bool:
        return len(self.shown) >= self.total


def hints_unlocked(hints: tuple[str, ...], taken: int) -> tuple[str, ...]:
    """The first ``taken`` hints (at least one, never more than exist)."""
    return hints[: max(1, min(taken, len(hints)))]


def next_hint(number: int) -> HintView:
    """Record one more hint taken (progress counts it) and return every hint unlocked so far."""
    import tracker
    from learner import record

    spec = get_challenge(number).spec
    already = tracker.hints_taken(number)
    # Past the last hint, asking again shows them all without costing more XP.
    taken = record.hint(number) if already < len(spec.hints) else already
    return HintView(number, spec.title, hints_unlocked(spec.hints, taken), len(spec.hints))
