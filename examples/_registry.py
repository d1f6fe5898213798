"""Discover lessons by file name and read their metadata without importing them."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from staticmeta import module_constant, parse_statements
from usererror import UserError

EXAMPLES_DIR = Path(__file__).resolve().parent
_FILE_PATTERN = re.compile(r"^ex(\d{2})_(\w+)\.py$")


@dataclass(frozen=True)
class Example:
    """Metadata of one lesson, read statically from its source file."""

    number: int
    slug: str
    path: Path
    title: str
    concepts: tuple[str, ...]
    difficulty: int
    variants: tuple[str, ...]
    next_challenges: tuple[int, ...]
    """The challenges this lesson prepares for, the first one to take next."""
    lesson: str
    """The module docstring: the lesson text."""

    @property
    def module_name(self) -> str:
        return f"examples.{self.path.stem}"


def _read(path: Path, number: int, slug: str) -> Example:
    try:
        return _parse(path, number, slug)
    except (SyntaxError, ValueError, TypeError) as error:
        reason = f"{error.msg} at line {error.lineno}" if isinstance(error, SyntaxError) else error
        raise UserError(
            f"examples/{path.name} cannot be read ({reason}): "
            f"restore it with `git checkout examples/{path.name}`"
        ) from None


_CONSTANTS = r"^(TITLE|CONCEPTS|DIFFICULTY|VARIANTS|NEXT_CHALLENGES)\b"


def _parse(path: Path, number: int, slug: str) -> Example:
    tree = parse_statements(path.read_text(encoding="utf-8"), r"\A", _CONSTANTS, str(path))
    return Example(
        number=number,
        slug=slug,
        path=path,
        title=str(module_constant(tree, "TITLE", slug.replace("_", " ").title())),
        concepts=tuple(module_constant(tree, "CONCEPTS", ())),
        difficulty=int(module_constant(tree, "DIFFICULTY", 1)),
        variants=tuple(module_constant(tree, "VARIANTS", ())),
        next_challenges=tuple(int(n) for n in module_constant(tree, "NEXT_CHALLENGES", ())),
        lesson=ast.get_docstring(tree) or "",
    )


@cache
def all_examples() -> tuple[Example, ...]:
    """Every lesson, ordered by number."""
    found = []
    for path in sorted(EXAMPLES_DIR.glob("ex[0-9][0-9]_*.py")):
        match = _FILE_PATTERN.match(path.name)
        if match:
            found.append(_read(path, int(match.group(1)), match.group(2)))
    return tuple(found)


def get_example(number: int) -> Example:
    """The lesson with this number, or a :class:`UserError` that says which exist."""
    examples = all_examples()
    for example in examples:
        if example.number == number:
            return example
    if not examples:
        raise UserError("no examples are installed: is this a complete checkout?")
    low, high = examples[0].number, examples[-1].number
    raise UserError(
        f"example {number} does not exist: choose {low}-{high} (see `learn list examples`)"
    )


def load_module(example: Example) -> ModuleType:
    """Import the lesson's module (only when it is about to run)."""
    return importlib.import_module(example.module_name)


def run_example(
    number: int, variant: str | None = None, *, copies_to: Callable[[], Path] | None = None
) -> None:
    """Run lesson ``number`` (optionally one of its variants) in this process.

    ``copies_to`` gives the folder "try next" copies the lesson into (the learner's workspace);
    None makes no copy.
    """
    example = get_example(number)
    if variant is not None and variant not in example.variants:
        if example.variants:
            choices = ", ".join(example.variants)
            raise UserError(f"example {number} has no variant '{variant}': choose one of {choices}")
        raise UserError(f"example {number} has a single way to run: drop '--variant {variant}'")
    module = load_module(example)
    from examples import _lesson

    _lesson.COPIES_TO = copies_to
    try:
        module.main(variant)
    finally:
        _lesson.COPIES_TO = None
