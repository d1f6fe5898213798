"""The quiz banks load, cover every topic, and malformed data is reported with file:line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from interactive.quiz import TOPICS, Question, QuestionKind, QuizDataError, load_bank, load_file

GOOD = """
[[question]]
id = "t-one"
topic = "asyncio"
kind = "choice"
prompt = "Pick one"
choices = ["a", "b"]
answer = 2
explanation = "b is right"
"""


def _write(tmp_path: Path, text: str, name: str = "bank.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_bank_has_at_least_200_questions_across_every_topic() -> None:
    bank = load_bank()
    assert len(bank) >= 200
    per_topic = Counter(q.topic for q in bank)
    assert set(per_topic) == set(TOPICS)
    assert min(per_topic.values()) >= 6
    kinds = Counter(q.kind for q in bank)
    assert kinds[QuestionKind.OUTPUT] >= 25 and kinds[QuestionKind.DEADLOCK] >= 2


def test_every_shipped_question_has_an_explanation_and_a_plausible_answer() -> None:
    for question in load_bank():
        assert len(question.explanation) > 40, question.source
        assert 0 <= question.answer < len(question.choices)
        if question.kind is QuestionKind.OUTPUT:
            assert question.code and question.runnable, question.source


def test_a_good_file_loads_with_a_zero_based_answer_and_its_source(tmp_path: Path) -> None:
    (question,) = load_file(_write(tmp_path, GOOD))
    assert question.answer == 1 and question.correct_choice == "b"
    assert question.source == "bank.toml:2"


@pytest.mark.parametrize(
    ("replace", "with_", "message"),
    [
        (
            "answer = 2",
            "answer = 3",
            r"bank.toml:2: answer must be the 1-based number of a choice \(1-2\)",
        ),
        ('topic = "asyncio"', 'topic = "gossip"', r"bank.toml:2: topic 'gossip' is unknown"),
        ('kind = "choice"', 'kind = "essay"', r"bank.toml:2: kind 'essay' is unknown"),
        ('explanation = "b is right"\n', "", r"bank.toml:2: question is missing explanation"),
        ('choices = ["a", "b"]', 'choices = ["a", "a"]', r"choices must be distinct"),
        ('id = "t-one"', 'id = "T One"', r"id 'T One' must be lowercase"),
        (
            'prompt = "Pick one"',
            'prompt = "Pick one"\ncolour = "red"',
            r"unknown field\(s\) colour",
        ),
        (
            'kind = "choice"',
            'kind = "choice"\nrunnable = true',
            r"runnable/hangs questions need a code snippet",
        ),
        ('kind = "choice"', "kind = \"choice\"\ncode = '''print(('''", r"code does not compile"),
    ],
)
def test_malformed_questions_name_file_line_and_rule(
    tmp_path: Path, replace: str, with_: str, message: str
) -> None:
    path = _write(tmp_path, GOOD.replace(replace, with_))
    with pytest.raises(QuizDataError, match=message):
        load_file(path)


def test_the_second_question_is_reported_at_its_own_line(tmp_path: Path) -> None:
    second = GOOD.replace('"t-one"', '"t-two"').replace("answer = 2", "answer = 0")
    path = _write(tmp_path, GOOD + "\n" + second)
    with pytest.raises(QuizDataError, match=r"^bank.toml:12: answer must be"):
        load_file(path)


def test_invalid_toml_reports_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "\n[[question]\n")
    with pytest.raises(QuizDataError, match=r"bank.toml: invalid TOML: .*line 11"):
        load_file(path)


def test_duplicate_ids_across_files_are_rejected(tmp_path: Path) -> None:
    first, second = _write(tmp_path, GOOD, "a.toml"), _write(tmp_path, GOOD, "b.toml")
    with pytest.raises(
        QuizDataError, match=r"b.toml:2: duplicate id 't-one' \(first at a.toml:2\)"
    ):
        load_bank([first, second])


def _first_index(choices: tuple[str, ...], pick: object) -> int:
    lengths = [len(c) for c in choices]
    return lengths.index(pick(lengths))  # type: ignore[operator]


@pytest.mark.parametrize("pattern", [max, min], ids=["longest", "shortest"])
def test_no_length_pattern_beats_40_percent(pattern: object) -> None:
    """Picking the longest (or shortest) choice must not be a winning strategy."""
    bank = load_bank()
    hits = sum(_first_index(q.choices, pattern) == q.answer for q in bank)
    assert hits / len(bank) <= 0.40, (
        f"{hits}/{len(bank)} answered by picking the {pattern.__name__} choice"
    )  # type: ignore[attr-defined]


def test_no_answer_position_beats_40_percent_as_the_learner_sees_it() -> None:
    """Choices are shuffled per session: always pressing the same number scores at most 40%."""
    from interactive.quiz import MemoryProgress, QuizSession

    bank = load_bank()
    for seed in range(10):
        session = QuizSession.start(bank, MemoryProgress(), count=len(bank), seed=seed)
        for position in range(6):
            hits = sum(q.answer == position for q in session.questions)
            assert hits / len(bank) <= 0.40, (seed, position, hits)


def test_shuffling_keeps_every_question_answerable_and_explained() -> None:
    from interactive.quiz import MemoryProgress, QuizSession

    bank = {q.id: q for q in load_bank()}
    session = QuizSession.start(tuple(bank.values()), MemoryProgress(), count=len(bank), seed=1)
    for shown in session.questions:
        original = bank[shown.id]
        assert shown.correct_choice == original.correct_choice
        assert sorted(shown.choices) == sorted(original.choices)
        if original.why:
            for index, choice in enumerate(shown.choices):
                if index != shown.answer:
                    assert shown.why_wrong(index) == original.why[original.choices.index(choice)]


def _unexplained(question: Question) -> bool:
    """True unless the right choice has "" and each wrong one its own explanation (>= 20 chars)."""
    why = question.why
    wrong = [w for i, w in enumerate(why) if i != question.answer]
    return (
        len(why) != len(question.choices)
        or why[question.answer] != ""
        or any(len(w) < 20 for w in wrong)
        or len(set(wrong)) != len(wrong)
    )


def test_every_question_explains_why_each_wrong_choice_is_wrong() -> None:
    missing = [q.source for q in load_bank() if _unexplained(q)]
    assert not missing, f"questions without a distinct explanation per wrong choice: {missing}"


@pytest.mark.parametrize(
    "why",
    [None, '["", ""]', '["a is not it", ""]', '["", "a is not it because of reasons"]'],
    ids=["no-why", "empty", "too-short", "right-one-explained"],
)
def test_the_explanation_rule_rejects_incomplete_why_lists(tmp_path: Path, why: str | None) -> None:
    text = GOOD if why is None else GOOD.replace("answer = 2", f"answer = 2\nwhy = {why}")
    (question,) = load_file(_write(tmp_path, text))
    assert _unexplained(question)
    good = GOOD.replace("answer = 2", 'answer = 2\nwhy = ["a is the other letter, not b", ""]')
    (explained,) = load_file(_write(tmp_path, good, "good.toml"))
    assert not _unexplained(explained)
