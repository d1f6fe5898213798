"""Question selection (due reviews first), answering, scoring and spaced repetition."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from interactive.quiz import MemoryProgress, Question, QuestionKind, QuizSession, select_questions
from usererror import UserError

NOW = datetime(2026, 1, 1, 12, 0)


def _q(qid: str, topic: str = "asyncio") -> Question:
    return Question(qid, topic, QuestionKind.CHOICE, "p?", ("right", "wrong"), 0, "because")


BANK = tuple(_q(f"q-{n}", "asyncio" if n % 2 else "queues") for n in range(10))


class FakeClock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_due_questions_come_first_then_a_seeded_shuffle() -> None:
    picked = select_questions(BANK, due_ids=["q-7", "q-3"], count=4, seed=1)
    assert [q.id for q in picked[:2]] == ["q-7", "q-3"]
    assert picked == select_questions(BANK, due_ids=["q-7", "q-3"], count=4, seed=1)
    assert len({q.id for q in picked}) == 4


def test_topic_filter_and_unknown_topic() -> None:
    picked = select_questions(BANK, due_ids=["q-2"], count=10, topic="asyncio", seed=0)
    assert {q.topic for q in picked} == {"asyncio"} and len(picked) == 5
    with pytest.raises(UserError, match="quiz topic 'gossip' does not exist: choose one of threads-gil"):
        select_questions(BANK, due_ids=[], count=3, topic="gossip")
    with pytest.raises(UserError, match="--count must be at least 1"):
        select_questions(BANK, due_ids=[], count=0)


def test_session_scores_answers_and_awards_xp_only_when_correct() -> None:
    session = QuizSession(BANK[:3], MemoryProgress(clock=lambda: NOW))
    assert session.answer(0).correct
    wrong = session.answer(1)
    assert not wrong.correct and wrong.outcome.xp_gained == 0
    session.answer(0)
    assert session.finished and session.correct_count == 2
    assert session.xp_gained == 20
    assert [q.id for q in session.missed] == [BANK[1].id]
    with pytest.raises(IndexError):
        _ = session.current


def test_out_of_range_choice_is_a_user_error() -> None:
    session = QuizSession(BANK[:1], MemoryProgress())
    with pytest.raises(UserError, match="choose a number from 1 to 2"):
        session.answer(5)


def test_missed_questions_come_back_in_the_next_session_and_learned_ones_wait() -> None:
    clock = FakeClock()
    progress = MemoryProgress(clock=clock)
    first = QuizSession.start(BANK, progress, count=3, seed=4, now=clock.now)
    missed_id = first.current.id
    first.answer(1)  # wrong
    learned_id = first.current.id
    first.answer(0)  # right

    second = QuizSession.start(BANK, progress, count=3, seed=99, now=clock.now)
    assert second.questions[0].id == missed_id
    assert learned_id not in progress.due([q.id for q in BANK], clock.now)
    clock.now += timedelta(days=1)
    assert learned_id in progress.due([q.id for q in BANK], clock.now)


def test_empty_selection_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no quiz questions match"):
        QuizSession((), MemoryProgress())
