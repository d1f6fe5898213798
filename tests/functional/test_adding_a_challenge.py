"""DEVELOPERS.md "Adding a challenge", followed step by step in a temporary folder.

The throwaway challenge 90 lives under ``LEARN_EXTRA_CHALLENGES`` (the documented discovery
override), never in the repository; with no other edit, the catalogue lists it, the grader fails
the original with the intended finding and passes the reference solution, the tracker records
both checks, and the TUI's challenge list shows it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NUMBER = 90
FOLDER = "challenge90_hit_counter"
TITLE = "The hit counter that forgets"

PROGRAM = '''\
"""A page-hit counter that several request threads bump at once."""

hits = 0


def record_hits(n: int) -> None:
    global hits
    for _ in range(n):
        hits = hits + 1


def reset() -> None:
    global hits
    hits = 0


def main() -> None:
    reset()
    record_hits(3)
    print(f"hits: {hits}")
'''

SOLUTION = '''\
"""The counter with its read-modify-write under one lock."""

import threading

hits = 0
_lock = threading.Lock()


def record_hits(n: int) -> None:
    global hits
    for _ in range(n):
        with _lock:
            hits = hits + 1


def reset() -> None:
    global hits
    hits = 0


def main() -> None:
    reset()
    record_hits(3)
    print(f"hits: {hits}")
'''

SPEC = f'''\
"""Challenge {NUMBER}: the hit counter that forgets (a lost update)."""

from __future__ import annotations

import threading
from types import ModuleType

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def three_requests(program: ModuleType) -> None:
    program.reset()
    threads = [threading.Thread(target=program.record_hits, args=(3,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expect(program.hits == 9, f"3 requests x 3 hits should count 9, got {{program.hits}}")


SPEC = ChallengeSpec(
    number={NUMBER},
    slug="hit-counter",
    title="{TITLE}",
    summary="three request threads bump one global counter",
    concepts=("race", "locks"),
    difficulty=1,
    intended=FindingKind.RACE,
    checks=(ScheduleCheck("three requests", three_requests),),
    hints=("hits = hits + 1 is a read, an add and a write", "one lock around the read-modify-write"),
)
'''


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The page's steps 1-3 under a temporary root, and the override that adds it."""
    root = tmp_path / "course"
    folder = root / "challenges" / FOLDER
    folder.mkdir(parents=True)
    (folder / "program.py").write_text(PROGRAM, encoding="utf-8")
    (folder / "spec.py").write_text(SPEC, encoding="utf-8")
    (folder / "README.md").write_text(
        f"# {TITLE}\n\nThe counter shows fewer hits than requests.\n", encoding="utf-8"
    )
    solutions = root / "solutions" / FOLDER
    solutions.mkdir(parents=True)
    (solutions / "one_lock.py").write_text(SOLUTION, encoding="utf-8")
    (solutions / "NOTES.md").write_text(
        "## one_lock\n\nOne lock around the read-modify-write.\n", encoding="utf-8"
    )
    monkeypatch.setenv("LEARN_EXTRA_CHALLENGES", str(root))
    return root


def test_the_catalogue_lists_it_next_to_the_shipped_ones(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import cli
    from challenges import all_challenges, get_challenge

    numbers = [c.number for c in all_challenges()]
    assert NUMBER in numbers and 1 in numbers and numbers == sorted(numbers)
    challenge = get_challenge(NUMBER)
    assert not challenge.builtin and challenge.catalogue.title == TITLE
    assert (
        challenge.spec.intended.value == "race"
        and challenge.solutions_dir == course / "solutions" / FOLDER
    )
    with pytest.raises(SystemExit) as done:
        cli.app(args=["list", "challenges"])
    assert done.value.code in (0, None)
    ours = next(
        line for line in capsys.readouterr().out.splitlines() if line.startswith(f"│ {NUMBER} │")
    )
    assert "The hit counter" in ours and "race, locks" in ours


def test_the_grader_fails_the_original_and_the_tracker_records_both_checks(course: Path) -> None:
    import tracker
    from learner.loop import check
    from learner.workspace import ensure_working_copy

    copy = ensure_working_copy(NUMBER)  # `learn challenge 90`
    assert copy.path.read_text(encoding="utf-8") == PROGRAM
    first = check(NUMBER, seed=1)  # `learn check 90`
    assert not first.result.internal_errors, first.result.internal_errors
    assert not first.result.passed
    assert any(f.kind.value == "race" for f in first.result.failures)
    assert tracker.challenge_statuses()[NUMBER] == "attempted"
    fixed = check(NUMBER, course / "solutions" / FOLDER / "one_lock.py", seed=1)
    assert fixed.result.passed, [f.title for f in fixed.result.failures]
    assert tracker.challenge_statuses()[NUMBER] == "passed"
    assert fixed.outcome is not None and fixed.outcome.xp_gained > 0


@pytest.mark.anyio
async def test_the_tui_challenge_list_shows_it(course: Path) -> None:
    from textual.widgets import DataTable

    from interactive.app import LearnTui
    from interactive.screens.challenges import ChallengesScreen
    from interactive.services import default_services

    app = LearnTui(default_services())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChallengesScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        ours = [row for row in rows if row[0].strip() == str(NUMBER)]
        assert ours and TITLE in ours[0][1], rows[-3:]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_a_folder_whose_spec_number_differs_is_refused(course: Path) -> None:
    from challenges import get_challenge
    from usererror import UserError

    spec = course / "challenges" / FOLDER / "spec.py"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(f"number={NUMBER}", "number=91"), encoding="utf-8"
    )
    with pytest.raises(UserError, match="must match the folder's number"):
        get_challenge(NUMBER).spec  # noqa: B018 (loading the spec is what is refused)
