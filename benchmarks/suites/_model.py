"""What a benchmark suite is: a question, a hypothesis, a lesson, and the cases that answer it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal

Unit = Literal["seconds", "bytes"]
Round = Callable[[], Any]
"""One measured round. For a ``seconds`` case its wall time is measured; a ``bytes`` case
returns the number it measured itself (e.g. resident memory per waiting task)."""
Prepare = Callable[[], AbstractContextManager[Round]]
"""Sets up a case outside the timed region (a pool, a consumer) and yields its round."""


@dataclass(frozen=True)
class Case:
    """One contender in a group, e.g. ``processes`` in ``4 chunks of CPU work``.

    ``prepare`` is a context manager factory that sets up what the case needs (a process
    pool, a consumer thread) outside the timed region and yields the round function.
    """

    name: str
    group: str
    prepare: Prepare
    unit: Unit = "seconds"
    work: int = 1
    """Operations done by one round (items, tasks, increments): gives ops/s and time per op."""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expectation:
    """A hypothesis the suite can check against its own numbers: ``winner`` beats ``loser``."""

    winner: str
    loser: str
    why: str
    """One sentence: the mechanism that makes the winner win (or the reason it may not, here)."""
    group: str = ""
    """Only groups whose name contains this; empty: every group that has both cases."""


@dataclass(frozen=True)
class Plan:
    """The cases of one run and how many rounds each gets."""

    cases: tuple[Case, ...]
    rounds: int
    warmup: int = 1
    note: str = ""
    """Shown above the results, e.g. why a suite has no cases on this checkout."""


@dataclass(frozen=True)
class Suite:
    """A benchmark that answers one question a learner asks."""

    name: str
    question: str
    hypothesis: str
    lesson: str
    baseline: str
    """Case name every other case in a group is compared with."""
    plan: Callable[[bool], Plan]
    """``plan(quick)`` → the cases; quick mode uses small sizes (CI, tests)."""
    expectations: tuple[Expectation, ...] = ()


def simple(round_fn: Round) -> Prepare:
    """A ``prepare`` for a case that needs no set-up."""
    from contextlib import contextmanager

    @contextmanager
    def prepare() -> Iterator[Round]:
        yield round_fn

    return prepare
