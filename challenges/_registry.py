"""Discover challenges by folder name and load their specs."""

from __future__ import annotations

import ast
import importlib
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
SOLUTIONS_DIR = CHALLENGES_DIR.parent / "solutions"
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
    def solutions_dir(self) -> Path:
        return SOLUTIONS_DIR / self.name

    @property
    def spec(self) -> ChallengeSpec:
        return _load_spec(self.name)

    @property
    def catalogue(self) -> CatalogueEntry:
        """Title, concepts and difficulty read statically from spec.py (fast, for `learn list`)."""
        return _read_catalogue(self.name)


@dataclass(frozen=True)
class CatalogueEntry:
    """What `learn list` shows of a challenge, without importing its spec."""

    title: str
    concepts: tuple[str, ...]
    difficulty: int


_CATALOGUE_FIELDS = ("title", "concepts", "difficulty")


@cache
def _read_catalogue(folder: str) -> CatalogueEntry:
    """Literal ``ChallengeSpec(...)`` keywords from the source; imports the spec only if they are not literals."""
    source = (CHALLENGES_DIR / folder / "spec.py").read_text(encoding="utf-8")
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
                return CatalogueEntry(str(values["title"]), tuple(values["concepts"]), int(values["difficulty"]))
    spec = _load_spec(folder)
    return CatalogueEntry(spec.title, tuple(spec.concepts), spec.difficulty)


@cache
def _load_spec(folder: str) -> ChallengeSpec:
    module = importlib.import_module(f"challenges.{folder}.spec")
    return module.SPEC


@cache
def all_challenges() -> tuple[Challenge, ...]:
    """Every challenge folder that has a spec, ordered by number."""
    found = []
    for directory in sorted(CHALLENGES_DIR.iterdir()):
        match = _DIR_PATTERN.match(directory.name)
        if match and (directory / "spec.py").is_file():
            found.append(Challenge(int(match.group(1)), match.group(2), directory))
    return tuple(found)


def get_challenge(number: int) -> Challenge:
    """The challenge with this number, or a :class:`UserError` that says which exist."""
    for challenge in all_challenges():
        if challenge.number == number:
            return challenge
    numbers = [challenge.number for challenge in all_challenges()]
    raise UserError(f"challenge {number} does not exist: choose {min(numbers)}-{max(numbers)} "
                    "(see `learn list challenges`)")
