"""The learner's loop without the grader: workspace copies, reset, solutions, hints, watch."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from challenges import get_challenge
from learner.watch import WatchLoop, coalesce, next_challenge
from learner.workspace import (
    code_hash,
    ensure_working_copy,
    program_to_grade,
    reset_program,
    workspace_dir,
)
from solutions._registry import parse_notes, solution_set
from usererror import UserError

LEARNER_CHALLENGES = range(1, 9)


def test_workspace_follows_the_environment(tmp_path: Path) -> None:
    assert workspace_dir() == (tmp_path / "workspace").resolve()


def test_first_use_copies_the_original_and_never_overwrites() -> None:
    first = ensure_working_copy(1)
    assert first.created
    assert first.path.read_text() == get_challenge(1).program_path.read_text()
    first.path.write_text("# my fix in progress\n")
    again = ensure_working_copy(1)
    assert not again.created
    assert again.path.read_text() == "# my fix in progress\n"


def test_reset_restores_the_original_and_backs_up_the_learners_work() -> None:
    copy = ensure_working_copy(2)
    copy.path.write_text("# half-done fix\n")
    backup = reset_program(2)
    assert backup is not None and backup.read_text() == "# half-done fix\n"
    assert copy.path.read_text() == get_challenge(2).program_path.read_text()
    assert reset_program(2) is None  # nothing of the learner's to save any more


def test_grading_without_a_copy_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="run `learn challenge 3` first"):
        program_to_grade(3)
    with pytest.raises(UserError, match="no such file"):
        program_to_grade(3, tmp_path / "missing.py")
    assert program_to_grade(3, get_challenge(3).program_path) == get_challenge(3).program_path


def test_code_hash_changes_with_content(tmp_path: Path) -> None:
    file = tmp_path / "p.py"
    file.write_text("a = 1\n")
    before = code_hash(file)
    file.write_text("a = 2\n")
    assert code_hash(file) != before


@pytest.mark.parametrize("number", LEARNER_CHALLENGES)
def test_each_challenge_is_complete(number: int) -> None:
    challenge = get_challenge(number)
    spec = challenge.spec
    assert spec.number == number and challenge.readme_path.is_file()
    assert 3 <= len(spec.hints) <= 4
    lines = challenge.program_path.read_text().count("\n")
    assert 60 <= lines <= 160, f"program.py has {lines} lines"
    found = solution_set(number)
    assert len(found.approaches) >= 2
    assert all(a.notes for a in found.approaches), "every approach has its NOTES.md section"
    references = {c.reference for c in spec.checks if hasattr(c, "reference")}
    assert references <= {a.name for a in found.approaches}


def test_notes_are_split_per_approach() -> None:
    overview, sections = parse_notes(
        "# T\nintro\n## fast\nF body\n## Other\nx\n## slow — trade-offs\nS\n", {"fast", "slow"}
    )
    assert sections == {"fast": "F body", "slow": "S"}
    assert "intro" in overview and "## Other" in overview


def test_unknown_approach_names_the_available_ones() -> None:
    with pytest.raises(UserError, match="choose one of arbiter, global_order, trylock_backoff"):
        solution_set(1).get("nope")


def test_a_burst_of_saves_is_one_signal() -> None:
    signals: queue.Queue[str] = queue.Queue()
    for _ in range(5):
        signals.put("changed")
    assert coalesce(signals, "changed", settle_seconds=0.01) == "changed"  # type: ignore[arg-type]
    assert signals.empty()
    signals.put("changed")
    signals.put("quit")
    assert coalesce(signals, "rerun", settle_seconds=0.01) == "quit"  # type: ignore[arg-type]


def test_watch_grades_once_per_burst_and_moves_on_after_a_pass() -> None:
    verdicts = {1: [False, True], 2: [False]}
    graded: list[int] = []

    def grade(number: int) -> bool:
        graded.append(number)
        if len(graded) == 2:
            loop.signals.put("changed")  # the learner saves their copy of challenge 2
        if len(graded) == 3:
            loop.signals.put("quit")
        return verdicts[number].pop(0)

    loop = WatchLoop(1, grade, announce=lambda _text: None, settle_seconds=0.01)
    for _ in range(3):  # one burst of saves: one grading
        loop.signals.put("changed")
    loop.on_file_changes({loop.path.parent / "unrelated.txt"})  # other files are ignored
    loop.run()
    assert graded == [1, 1, 2]
    assert loop.number == 2


def test_the_file_watcher_thread_never_creates_a_copy() -> None:
    from learner.workspace import existing_copy

    before = existing_copy(4)
    loop = WatchLoop(4, lambda _n: True, announce=lambda _text: None)
    loop.on_file_changes({Path("/nowhere/program.py")})  # a save event before the loop started
    assert loop.signals.empty()
    assert loop.watched is None
    assert existing_copy(4) == before  # reading the watched path from the watcher created nothing


def test_next_challenge_stops_after_the_last() -> None:
    assert next_challenge(1) == 2
    last = max(c.number for c in __import__("challenges").all_challenges())
    assert next_challenge(last) is None
