"""Question selection (due reviews first), answering, scoring and spaced repetition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
    with pytest.raises(
        UserError, match="quiz topic 'gossip' does not exist: choose one of threads-gil"
    ):
        select_questions(BANK, due_ids=[], count=3, topic="gossip")
    with pytest.raises(UserError, match="--count must be at least 1"):
        select_questions(BANK, due_ids=[], count=0)


def test_session_scores_answers_and_awards_xp_only_when_correct() -> None:
    session = QuizSession(BANK[:3], MemoryProgress(clock=lambda: NOW), review_missed=False)
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
    first.answer(1 - first.current.answer)  # wrong
    learned_id = first.current.id
    first.answer(first.current.answer)  # right

    second = QuizSession.start(BANK, progress, count=3, seed=99, now=clock.now)
    assert second.questions[0].id == missed_id
    assert learned_id not in progress.due([q.id for q in BANK], clock.now)
    clock.now += timedelta(days=1)
    assert learned_id in progress.due([q.id for q in BANK], clock.now)


def test_empty_selection_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no quiz questions match"):
        QuizSession((), MemoryProgress())


def test_a_missed_question_comes_back_at_the_end_of_the_same_session_once() -> None:
    session = QuizSession(BANK[:2], MemoryProgress(clock=lambda: NOW), seed=3)
    first = session.current
    session.answer(1 - first.answer)  # wrong: it is queued again
    session.answer(session.current.answer)
    assert not session.finished and session.current.id == first.id
    session.answer(1 - session.current.answer)  # wrong again: not queued a third time
    assert session.finished and [q.id for q in session.missed] == [first.id]


def test_sessions_use_the_progress_clock_so_a_pinned_now_brings_missed_questions_back() -> None:
    pinned = datetime(
        2031, 5, 1, 12, 0, tzinfo=UTC
    )  # later than the wall clock: LEARN_NOW in a demo
    progress = MemoryProgress(clock=lambda: pinned)
    first = QuizSession.start(BANK, progress, count=2, seed=1)
    missed_id = first.current.id
    first.answer(1 - first.current.answer)
    second = QuizSession.start(
        BANK, progress, count=2, seed=2
    )  # no explicit now: the progress clock
    assert second.questions[0].id == missed_id


def test_choices_are_shuffled_per_session_and_replayable_by_seed() -> None:
    bank = tuple(
        Question(
            f"s-{n}",
            "asyncio",
            QuestionKind.CHOICE,
            "p?",
            ("a", "b", "c", "d"),
            0,
            "a.",
            why=("", "why b", "why c", "why d"),
        )
        for n in range(40)
    )
    one = QuizSession.start(bank, MemoryProgress(clock=lambda: NOW), count=40, seed=7)
    again = QuizSession.start(bank, MemoryProgress(clock=lambda: NOW), count=40, seed=7)
    assert [(q.id, q.choices) for q in one.questions] == [
        (q.id, q.choices) for q in again.questions
    ]
    positions = [q.answer for q in one.questions]
    assert (
        max(positions.count(p) for p in range(4)) <= 16
    )  # not all first: spread over the four slots
    for question in one.questions:
        assert question.correct_choice == "a"
        for index, choice in enumerate(question.choices):
            assert question.why_wrong(index) == ("" if choice == "a" else f"why {choice}")
