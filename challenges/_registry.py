"""Discover challenges by folder name and load their specs.

The catalogue is every ``challengeNN_<slug>/`` folder with a ``spec.py`` in this package, plus
those under ``$LEARN_EXTRA_CHALLENGES/challenges/`` (a folder laid out like the repository:
``challenges/challengeNN_<slug>/`` and ``solutions/challengeNN_<slug>/``; several folders are
separated by ``os.pathsep``). The override lets a test or a course author try a challenge
without writing into the repository; DEVELOPERS.md ("Adding a challenge") describes both.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from staticmeta import parse_statements
from usererror import UserError

if TYPE_CHECKING:
    from evaluator.spec import ChallengeSpec

CHALLENGES_DIR = Path(__file__).resolve().parent
EXTRA_ENV = "LEARN_EXTRA_CHALLENGES"
"""Folders (``os.pathsep``-separated) whose ``challenges/`` sub-folder adds challenges to the catalogue."""
_DIR_PATTERN = re.compile(r"^challenge(\d{2})_(\w+)$")


@dataclass(frozen=True)
class Challenge:
    """One challenge folder and its spec."""

    number: int
    slug: str
    directory: Path

    @property
    def name(self) -> str:
        """Folder name, e.g. ``challenge01_deadlock``."""
        return self.directory.name

    @property
    def program_path(self) -> Path:
        return self.directory / "program.py"

    @property
    def readme_path(self) -> Path:
        return self.directory / "README.md"

    @property
    def spec_path(self) -> Path:
        return self.directory / "spec.py"

    @property
    def solutions_dir(self) -> Path:
        """``solutions/<folder>/`` beside the ``challenges/`` folder this challenge is in."""
        return self.directory.parent.parent / "solutions" / self.name

    @property
    def builtin(self) -> bool:
        """Shipped in this package (else added by ``LEARN_EXTRA_CHALLENGES``)."""
        return self.directory.parent == CHALLENGES_DIR

    @property
    def spec_ref(self) -> str:
        """What the grader imports: ``challenges.<folder>.spec:SPEC``, or the spec file's path."""
        return f"challenges.{self.name}.spec:SPEC" if self.builtin else f"{self.spec_path}:SPEC"

    @property
    def spec(self) -> ChallengeSpec:
        return _load_spec(self.directory)

    @property
    def catalogue(self) -> CatalogueEntry:
        """Title, concepts and difficulty read statically from spec.py (fast, for `learn list`)."""
        return _read_catalogue(self.directory)


@dataclass(frozen=True)
class CatalogueEntry:
    """What `learn list` shows of a challenge, without importing its spec."""

    title: str
    concepts: tuple[str, ...]
    difficulty: int


_CATALOGUE_FIELDS = ("title", "concepts", "difficulty")


@cache
def _read_catalogue(folder: Path) -> CatalogueEntry:
    """Literal ``ChallengeSpec(...)`` keywords from the source; imports the spec only if they are not literals."""
    source = (folder / "spec.py").read_text(encoding="utf-8")
    spec_statement = r"^\w+\s*(:[^=]*)?=\s*ChallengeSpec\("
    for node in ast.walk(parse_statements(source, spec_statement, spec_statement)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ChallengeSpec":
            values = {}
            for keyword in node.keywords:
                if keyword.arg in _CATALOGUE_FIELDS:
                    try:
                        values[keyword.arg] = ast.literal_eval(keyword.value)
                    except ValueError:
                        break
            if len(values) == len(_CATALOGUE_FIELDS):
                return CatalogueEntry(
                    str(values["title"]), tuple(values["concepts"]), int(values["difficulty"])
                )
    spec = _load_spec(folder)
    return CatalogueEntry(spec.title, tuple(spec.concepts), spec.difficulty)


@cache
def _load_spec(folder: Path) -> ChallengeSpec:
    if folder.parent == CHALLENGES_DIR:
        module = importlib.import_module(f"challenges.{folder.name}.spec")
    else:
        from evaluator.loader import load_program

        module = load_program(folder / "spec.py", name=f"_extra_{folder.name}_spec")
    spec: ChallengeSpec = module.SPEC
    if spec.number != int(folder.name[len("challenge") : len("challenge") + 2]):
        raise UserError(
            f"{folder / 'spec.py'} says number={spec.number}: it must match the folder's number"
        )
    return spec


def all_challenges() -> tuple[Challenge, ...]:
    """Every challenge folder that has a spec (this package's and ``LEARN_EXTRA_CHALLENGES``'), by number."""
    return _discover(os.environ.get(EXTRA_ENV, ""))


@cache
def _discover(extra: str) -> tuple[Challenge, ...]:
    roots = [
        CHALLENGES_DIR,
        *(Path(folder).resolve() / "challenges" for folder in extra.split(os.pathsep) if folder),
    ]
    found: dict[int, Challenge] = {}
    for root in roots:
        for directory in sorted(root.iterdir()) if root.is_dir() else ():
            match = _DIR_PATTERN.match(directory.name)
            if not match or not (directory / "spec.py").is_file():
                continue
            challenge = Challenge(int(match.group(1)), match.group(2), directory)
            if challenge.number in found:
                raise UserError(
                    f"challenge {challenge.number} is defined twice ({found[challenge.number].directory} "
                    f"and {directory}): give the one in {EXTRA_ENV} another number"
                )
            found[challenge.number] = challenge
    return tuple(found[number] for number in sorted(found))


def get_challenge(number: int) -> Challenge:
    """The challenge with this number, or a :class:`UserError` that says which exist."""
    for challenge in all_challenges():
        if challenge.number == number:
            return challenge
    numbers = [challenge.number for challenge in all_challenges()]
    raise UserError(
        f"challenge {number} does not exist: choose {min(numbers)}-{max(numbers)} "
        "(see `learn list challenges`)"
    )
