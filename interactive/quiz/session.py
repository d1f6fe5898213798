"""A quiz session: which questions to ask (spaced repetition first), answers and score."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from interactive.quiz.model import TOPICS, Question
from interactive.quiz.progress import Outcome, QuizProgress
from usererror import UserError

__all__ = ["AnswerResult", "QuizSession", "select_questions"]


def select_questions(
    bank: Sequence[Question],
    *,
    due_ids: Sequence[str],
    count: int,
    topic: str | None = None,
    seed: int | None = None,
    seen_ids: Collection[str] = (),
) -> tuple[Question, ...]:
    """Pick ``count`` questions: due reviews first (in the order given), then never-seen ones,
    then the rest (learned, not yet due) — each of the last two groups shuffled by ``seed``.

    Raises:
        UserError: unknown topic, or ``count`` < 1.
    """
    if topic is not None and topic not in TOPICS:
        raise UserError(f"quiz topic '{topic}' does not exist: choose one of {', '.join(TOPICS)}")
    if count < 1:
        raise UserError(f"--count must be at least 1, got {count}")
    pool = [q for q in bank if topic is None or q.topic == topic]
    by_id = {q.id: q for q in pool}
    due = [by_id[qid] for qid in dict.fromkeys(due_ids) if qid in by_id]
    due_set = {q.id for q in due}
    rng = random.Random(seed)
    unseen = [q for q in pool if q.id not in due_set and q.id not in seen_ids]
    learned = [q for q in pool if q.id not in due_set and q.id in seen_ids]
    rng.shuffle(unseen)
    rng.shuffle(learned)
    return tuple((due + unseen + learned)[:count])


@dataclass(frozen=True)
class AnswerResult:
    """The verdict on one answer, with what it earned."""

    question: Question
    chosen: int
    correct: bool
    outcome: Outcome


class QuizSession:
    """Ask questions one at a time; answers are recorded in ``progress`` as they come.

    A missed question comes back once at the end of the same session (a review), so the
    promise "it will come back" holds even before spaced repetition makes it due again.
    """

    def __init__(
        self,
        questions: Sequence[Question],
        progress: QuizProgress,
        *,
        seed: int = 0,
        review_missed: bool = True,
    ) -> None:
        if not questions:
            raise UserError("no quiz questions match: try another --topic")
        self.questions: tuple[Question, ...] = tuple(questions)
        self.progress = progress
        self.results: list[AnswerResult] = []
        self.seed = seed
        """Replays this session's questions and choice order (``learn quiz --seed``)."""
        self.review_missed = review_missed
        self._rng = random.Random(seed ^ 0x5EED)
        self._reviewed: set[str] = set()

    @classmethod
    def start(
        cls,
        bank: Sequence[Question],
        progress: QuizProgress,
        *,
        count: int = 10,
        topic: str | None = None,
        seed: int | None = None,
        now: datetime | None = None,
    ) -> QuizSession:
        """Select questions with due reviews first, shuffle each one's choices, and open a session.

        ``now`` defaults to the progress clock (``LEARN_NOW`` pins it), never the wall clock alone.
        The seed (random when None) fixes both the questions and the choice order.
        """
        if seed is None:
            seed = random.SystemRandom().randrange(1_000_000)
        pool_ids = [q.id for q in bank if topic is None or q.topic == topic]
        clock = getattr(progress, "now", None)
        when = now or (clock() if callable(clock) else datetime.now(UTC))
        due = progress.due(pool_ids, when)
        chosen = select_questions(
            bank, due_ids=due, count=count, topic=topic, seed=seed, seen_ids=progress.seen()
        )
        rng = random.Random(seed)
        return cls(tuple(q.shuffled(rng) for q in chosen), progress, seed=seed)

    @property
    def finished(self) -> bool:
        return len(self.results) >= len(self.questions)

    @property
    def current(self) -> Question:
        """The question waiting for an answer."""
        if self.finished:
            raise IndexError("the quiz is over")
        return self.questions[len(self.results)]

    def answer(self, chosen: int) -> AnswerResult:
        """Answer the current question with the 0-based choice index ``chosen``."""
        question = self.current
        if not 0 <= chosen < len(question.choices):
            raise UserError(f"choose a number from 1 to {len(question.choices)}")
        correct = question.is_correct(chosen)
        result = AnswerResult(question, chosen, correct, self.progress.record(question.id, correct))
        self.results.append(result)
        if not correct and self.review_missed and question.id not in self._reviewed:
            self._reviewed.add(question.id)
            self.questions = (*self.questions, question.shuffled(self._rng))
        return result

    @property
    def correct_count(self) -> int:
        return sum(r.correct for r in self.results)

    @property
    def xp_gained(self) -> int:
        return sum(r.outcome.xp_gained for r in self.results)

    @property
    def missed(self) -> tuple[Question, ...]:
        """Questions whose last answer in this session was wrong (spaced repetition brings them back)."""
        last = {r.question.id: r for r in self.results}
        return tuple(r.question for r in last.values() if not r.correct)
