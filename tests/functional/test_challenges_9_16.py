"""Challenges 9-16: originals fail with their intended finding, every solution passes, and a
failing seed replays to the identical evidence.

One base seed per program (``SEED``); the seed sweep is a benchmark:
``uv run python -m benchmarks.sim_challenge_matrix --seeds 5`` grades every program with base
seeds 0-4, as this file used to.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType

import pytest

from challenges._registry import Challenge, get_challenge
from evaluator.findings import Finding, Severity
from evaluator.loader import load_program
from evaluator.spec import CheckContext
from simworld.check import SimCheck

NUMBERS = range(9, 17)
SEED = 3
"""The base seed of every grading here (one of the former sweep's 0-4, and the one the replay
test always used, so the original's grading is shared by both tests)."""


def _load(path: Path) -> ModuleType:
    return load_program(path, name=f"test_{path.parent.name}_{path.stem}")


def _grade(
    challenge: Challenge, path: Path, seed: int, *, quick: bool = False, replay: int | None = None
) -> list[Finding]:
    module = _load(path)
    ctx = CheckContext(
        seed=seed,
        program_path=path,
        challenge_dir=challenge.directory,
        solutions_dir=challenge.solutions_dir,
        quick=quick,
        replay=replay,
    )
    return [f for check in challenge.spec.checks for f in check.run(module, ctx)]


@functools.cache
def _original_findings(number: int) -> tuple[Finding, ...]:
    """The findings of challenge ``number``'s original at ``SEED`` (graded once per session)."""
    challenge = get_challenge(number)
    return tuple(_grade(challenge, challenge.program_path, SEED))


def _solutions() -> list[tuple[int, Path]]:
    return [(n, p) for n in NUMBERS for p in sorted(get_challenge(n).solutions_dir.glob("*.py"))]


@pytest.mark.parametrize("number", NUMBERS)
def test_spec_is_complete(number: int) -> None:
    challenge = get_challenge(number)
    spec = challenge.spec
    assert spec.number == number and spec.slug == challenge.slug
    assert spec.checks and all(isinstance(c, SimCheck) for c in spec.checks)
    assert 3 <= len(spec.hints) <= 4
    assert challenge.readme_path.is_file()
    assert (challenge.solutions_dir / "NOTES.md").is_file()
    assert len(list(challenge.solutions_dir.glob("*.py"))) >= 2


@pytest.mark.parametrize("number", NUMBERS)
def test_original_fails_with_the_intended_finding(number: int) -> None:
    challenge = get_challenge(number)
    findings = _original_findings(number)
    assert findings, f"challenge {number} original passed with base seed {SEED}"
    first = findings[0]
    assert first.kind is challenge.spec.intended
    assert first.severity is Severity.FAIL
    assert first.seed is not None and first.data["seeds_tried"] >= 1
    assert any(line.startswith("t=") for line in first.evidence), "evidence shows the timeline"
    assert f"learn check {number} --replay {first.seed}" in first.evidence[0]


@pytest.mark.parametrize(("number", "path"), _solutions(), ids=lambda v: getattr(v, "stem", str(v)))
def test_solution_passes(number: int, path: Path) -> None:
    challenge = get_challenge(number)
    findings = _grade(challenge, path, SEED, quick=True)
    assert findings == [], (
        f"{path.name} failed with base seed {SEED}: {findings[0].title if findings else ''}"
    )


@pytest.mark.parametrize("number", NUMBERS)
def test_replaying_a_failing_seed_reproduces_the_identical_evidence(number: int) -> None:
    challenge = get_challenge(number)
    found = _original_findings(number)[0]
    replayed = _grade(challenge, challenge.program_path, 999, replay=found.seed)
    assert replayed[0].seed == found.seed
    assert replayed[0].title == found.title
    assert (
        replayed[0].evidence[1:] == found.evidence[1:]
    )  # line 0 differs only in "found after N seeds"


def test_learn_run_shows_the_timeline_and_the_broken_property(
    capsys: pytest.CaptureFixture[str],
) -> None:
    module = _load(get_challenge(9).program_path)
    module.main(seed=3)
    out = capsys.readouterr().out
    assert "NEMESIS" in out and "PROPERTY BROKEN" in out
