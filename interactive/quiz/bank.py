"""Load and validate quiz banks (TOML), with ``file:line`` errors for malformed data.

A bank file holds ``[[question]]`` tables::

    [[question]]
    id = "gil-01"
    topic = "threads-gil"
    kind = "output"            # choice | output | deadlock
    prompt = "What does this print?"
    code = '''print(1 + 1)'''
    runnable = true            # tests run the snippet and compare its output
    choices = ["2", "11"]
    answer = 1                 # 1-based, as the learner types it
    explanation = "..."
    why = ["", "why choice 2 is wrong"]   # one per choice ("" for the right one); the bank test requires it

Choices are shuffled per session (see ``QuizSession.start``): the file order means nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from interactive.quiz.model import TOPICS, Question, QuestionKind
from usererror import UserError

__all__ = ["DATA_DIR", "QuizDataError", "load_bank", "load_file"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "quiz"
_HEADER = re.compile(r"^\s*\[\[\s*question\s*\]\]\s*(#.*)?$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_REQUIRED = ("id", "topic", "kind", "prompt", "choices", "answer", "explanation")
_KNOWN = {*_REQUIRED, "code", "runnable", "hangs", "why"}


class QuizDataError(UserError):
    """A bank file is malformed; the message names ``file:line`` and the rule broken."""


def _header_lines(text: str) -> list[int]:
    """1-based line numbers of each ``[[question]]`` header, in order."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if _HEADER.match(line)]


def _check(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise QuizDataError(f"{where}: {message}")


def _question(raw: dict[str, Any], where: str) -> Question:
    missing = [key for key in _REQUIRED if key not in raw]
    _check(not missing, where, f"question is missing {', '.join(missing)}: add the field(s)")
    unknown = sorted(set(raw) - _KNOWN)
    _check(
        not unknown,
        where,
        f"unknown field(s) {', '.join(unknown)}: allowed are {', '.join(sorted(_KNOWN))}",
    )
    qid = raw["id"]
    _check(
        isinstance(qid, str) and bool(_ID.match(qid)),
        where,
        f"id {qid!r} must be lowercase words joined by '-'",
    )
    _check(
        raw["topic"] in TOPICS,
        where,
        f"topic {raw['topic']!r} is unknown: use one of {', '.join(TOPICS)}",
    )
    kinds = [k.value for k in QuestionKind]
    _check(
        raw["kind"] in kinds,
        where,
        f"kind {raw['kind']!r} is unknown: use one of {', '.join(kinds)}",
    )
    for key in ("prompt", "explanation"):
        _check(
            isinstance(raw[key], str) and raw[key].strip() != "",
            where,
            f"{key} must be non-empty text",
        )
    choices = raw["choices"]
    _check(
        isinstance(choices, list)
        and 2 <= len(choices) <= 6
        and all(isinstance(c, str) and c for c in choices),
        where,
        "choices must be a list of 2-6 non-empty strings",
    )
    _check(len(set(choices)) == len(choices), where, "choices must be distinct")
    answer = raw["answer"]
    _check(
        isinstance(answer, int) and not isinstance(answer, bool) and 1 <= answer <= len(choices),
        where,
        f"answer must be the 1-based number of a choice (1-{len(choices)}), got {answer!r}",
    )
    why = raw.get("why", [])
    _check(
        isinstance(why, list)
        and all(isinstance(w, str) for w in why)
        and (not why or len(why) == len(choices)),
        where,
        'why must list one explanation per choice ("" for the right one)',
    )
    code = raw.get("code", "")
    _check(isinstance(code, str), where, "code must be text")
    runnable, hangs = raw.get("runnable", False), raw.get("hangs", False)
    _check(
        isinstance(runnable, bool) and isinstance(hangs, bool),
        where,
        "runnable and hangs must be true or false",
    )
    _check(
        not (runnable or hangs) or bool(code.strip()),
        where,
        "runnable/hangs questions need a code snippet",
    )
    _check(not (runnable and hangs), where, "a snippet cannot be both runnable (prints) and hangs")
    if code.strip():
        try:
            compile(code, where, "exec")
        except SyntaxError as error:
            raise QuizDataError(
                f"{where}: code does not compile: {error.msg} (snippet line {error.lineno})"
            ) from None
    return Question(
        id=qid,
        topic=raw["topic"],
        kind=QuestionKind(raw["kind"]),
        prompt=raw["prompt"].strip(),
        choices=tuple(choices),
        answer=answer - 1,
        explanation=raw["explanation"].strip(),
        code=code.strip("\n"),
        runnable=runnable,
        hangs=hangs,
        source=where,
        why=tuple(why),
    )


def load_file(path: Path) -> tuple[Question, ...]:
    """Every question in one bank file; :class:`QuizDataError` names the file and line."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise QuizDataError(f"{path.name}: invalid TOML: {error}") from None
    unknown = sorted(set(data) - {"question"})
    _check(
        not unknown,
        f"{path.name}:1",
        f"unexpected top-level key(s) {', '.join(unknown)}: use [[question]] tables",
    )
    raws = data.get("question", [])
    _check(
        isinstance(raws, list),
        f"{path.name}:1",
        "'question' must be an array of tables ([[question]])",
    )
    lines = _header_lines(text)
    return tuple(
        _question(raw, f"{path.name}:{lines[i] if i < len(lines) else 1}")
        for i, raw in enumerate(raws)
    )


def load_bank(paths: Iterable[Path] | None = None) -> tuple[Question, ...]:
    """All questions from ``paths`` (default: every ``*.toml`` in the shipped data folder).

    Raises:
        QuizDataError: a file is malformed or two questions share an id.
    """
    files = sorted(DATA_DIR.glob("*.toml")) if paths is None else list(paths)
    questions: list[Question] = []
    seen: dict[str, str] = {}
    for path in files:
        for question in load_file(path):
            if question.id in seen:
                raise QuizDataError(
                    f"{question.source}: duplicate id {question.id!r} (first at {seen[question.id]}): ids must be unique"
                )
            seen[question.id] = question.source
            questions.append(question)
    return tuple(questions)
