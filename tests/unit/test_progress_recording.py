"""Progress is recorded in one place: only ``learner/record.py`` calls the tracker's ``record_*``."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PRODUCT = (
    "cli.py",
    "cli_commands.py",
    "cli_render.py",
    "challenges",
    "solutions",
    "examples",
    "practical",
    "simworld",
    "learner",
    "interactive",
    "evaluator",
)
THE_PLACE = ROOT / "learner" / "record.py"


def _product_files() -> list[Path]:
    files: list[Path] = []
    for member in PRODUCT:
        path = ROOT / member
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def _records(tree: ast.AST) -> list[int]:
    """Lines that name a tracker ``record_*`` function (imported or called as ``tracker.record_*``)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tracker":
            lines += [node.lineno for alias in node.names if alias.name.startswith("record_")]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("record_")
            and isinstance(node.value, ast.Name)
            and node.value.id == "tracker"
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_learner_loop_records_progress() -> None:
    files = _product_files()
    assert THE_PLACE in files and len(files) > 100
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        if path != THE_PLACE
        for line in _records(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert found == set(), "record progress through learner.record"
    assert len(_records(ast.parse(THE_PLACE.read_text(encoding="utf-8")))) == 6
