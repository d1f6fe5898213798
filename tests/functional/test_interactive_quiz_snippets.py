"""Every runnable quiz snippet really prints its stated answer; every 'hangs' snippet hangs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from interactive.quiz import Question, load_bank

BANK = load_bank()
RUNNABLE = [q for q in BANK if q.runnable]
HANGING = [q for q in BANK if q.hangs]
HANG_SECONDS = 3.0


def _run(question: Question, tmp_path: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    script = tmp_path / f"{question.id.replace('-', '_')}.py"
    script.write_text(question.code + "\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=timeout, cwd=tmp_path
    )


def test_the_bank_has_many_runnable_snippets() -> None:
    assert len(RUNNABLE) >= 30
    assert len(HANGING) >= 2


@pytest.mark.parametrize("question", RUNNABLE, ids=lambda q: q.id)
def test_runnable_snippet_prints_the_correct_choice(question: Question, tmp_path: Path) -> None:
    completed = _run(question, tmp_path, timeout=30)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.rstrip("\n") == question.correct_choice, question.source
    wrong = [c for i, c in enumerate(question.choices) if i != question.answer]
    assert completed.stdout.rstrip("\n") not in wrong


@pytest.mark.parametrize("question", HANGING, ids=lambda q: q.id)
def test_hanging_snippet_really_hangs(question: Question, tmp_path: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        _run(question, tmp_path, timeout=HANG_SECONDS)
