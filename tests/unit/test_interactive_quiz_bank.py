"""The quiz banks load, cover every topic, and malformed data is reported with file:line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from interactive.quiz import TOPICS, QuestionKind, QuizDataError, load_bank, load_file

GOOD = '''
[[question]]
id = "t-one"
topic = "asyncio"
kind = "choice"
prompt = "Pick one"
choices = ["a", "b"]
answer = 2
explanation = "b is right"
'''


def _write(tmp_path: Path, text: str, name: str = "bank.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_bank_has_at_least_120_questions_across_every_topic() -> None:
    bank = load_bank()
    assert len(bank) >= 120
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
        ('answer = 2', 'answer = 3', r"bank.toml:2: answer must be the 1-based number of a choice \(1-2\)"),
        ('topic = "asyncio"', 'topic = "gossip"', r"bank.toml:2: topic 'gossip' is unknown"),
        ('kind = "choice"', 'kind = "essay"', r"bank.toml:2: kind 'essay' is unknown"),
        ('explanation = "b is right"\n', "", r"bank.toml:2: question is missing explanation"),
        ('choices = ["a", "b"]', 'choices = ["a", "a"]', r"choices must be distinct"),
        ('id = "t-one"', 'id = "T One"', r"id 'T One' must be lowercase"),
        ('prompt = "Pick one"', 'prompt = "Pick one"\ncolour = "red"', r"unknown field\(s\) colour"),
        ('kind = "choice"', 'kind = "choice"\nrunnable = true', r"runnable/hangs questions need a code snippet"),
        ('kind = "choice"', "kind = \"choice\"\ncode = '''print(('''", r"code does not compile"),
    ],
)
def test_malformed_questions_name_file_line_and_rule(tmp_path: Path, replace: str, with_: str, message: str) -> None:
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
    with pytest.raises(QuizDataError, match=r"b.toml:2: duplicate id 't-one' \(first at a.toml:2\)"):
        load_bank([first, second])
