"""Discover the reference solutions of a challenge and their notes.

``solutions/challengeNN_<slug>/<approach>.py`` is one correct fix; ``NOTES.md`` in the same
folder compares them. Its ``## <approach>`` sections describe each approach; everything
before the first such section (and any other ``##`` section) is the overview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from challenges._registry import Challenge, get_challenge
from usererror import UserError

__all__ = ["Approach", "SolutionSet", "parse_notes", "solution_set"]

_HEADING = re.compile(r"^##\s+`?([\w-]+)`?\s*(?:[—:-].*)?$", re.MULTILINE)


@dataclass(frozen=True)
class Approach:
    """One reference fix."""

    name: str
    path: Path
    notes: str
    """Its section of NOTES.md: how it works and its trade-offs."""

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class SolutionSet:
    """Every approach of one challenge plus the comparison text."""

    challenge: Challenge
    overview: str
    approaches: tuple[Approach, ...]

    def get(self, name: str) -> Approach:
        for approach in self.approaches:
            if approach.name == name:
                return approach
        names = ", ".join(a.name for a in self.approaches)
        raise UserError(f"challenge {self.challenge.number} has no approach '{name}': choose one of {names}")


def parse_notes(text: str, names: set[str]) -> tuple[str, dict[str, str]]:
    """Split NOTES.md into (overview, {approach: section}) by ``## <approach>`` headings."""
    overview: list[str] = []
    sections: dict[str, str] = {}
    matches = list(_HEADING.finditer(text))
    overview.append(text[: matches[0].start()] if matches else text)
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end() : end].strip()
        if match.group(1) in names:
            sections[match.group(1)] = body
        else:
            overview.append(text[match.start() : end])
    return "\n".join(part.strip() for part in overview if part.strip()), sections


def solution_set(number: int) -> SolutionSet:
    """The approaches of challenge ``number``, sorted by name."""
    challenge = get_challenge(number)
    folder = challenge.solutions_dir
    paths = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_")) if folder.is_dir() else []
    if not paths:
        raise UserError(f"challenge {number} has no published solutions yet")
    notes_path = folder / "NOTES.md"
    notes = notes_path.read_text(encoding="utf-8") if notes_path.is_file() else ""
    overview, sections = parse_notes(notes, {p.stem for p in paths})
    approaches = tuple(Approach(p.stem, p, sections.get(p.stem, "")) for p in paths)
    return SolutionSet(challenge, overview, approaches)
