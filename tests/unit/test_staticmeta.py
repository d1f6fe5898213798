"""Reading module constants from source: only the statements that hold them are parsed."""

from __future__ import annotations

import ast

import pytest

from staticmeta import module_constant, parse_statements

NAMES = r"^(TITLE|LEVEL)\b"


def test_only_the_statements_from_first_to_last_are_parsed() -> None:
    source = (
        '"""Doc."""\nimport os\nTITLE = (\n    "A"\n)\nLEVEL = 2\n\ndef main():\n    return 1 +\n'
    )
    tree = parse_statements(source, r"\A", NAMES)
    assert ast.get_docstring(tree) == "Doc." and len(tree.body) == 4
    assert (module_constant(tree, "TITLE", None), module_constant(tree, "LEVEL", None)) == ("A", 2)


def test_a_cut_inside_a_string_falls_back_to_the_whole_file() -> None:
    source = 'TITLE = """x\nLEVEL = 1\nstill the string"""\nimport os\n'
    tree = parse_statements(source, r"\A", r"^LEVEL\b")  # the cut would end at "still"
    assert module_constant(tree, "TITLE", None) == "x\nLEVEL = 1\nstill the string"
    assert len(tree.body) == 2
    spec = "X = 1\nSPEC = Spec(\n    a=1,\n)\nY = 2\n"
    assert len(parse_statements(spec, r"^SPEC = Spec\(", r"^SPEC = Spec\(").body) == 1


def test_no_match_or_a_broken_part_parses_the_whole_file() -> None:
    assert len(parse_statements("A = 1\nB = 2\n", r"\A", NAMES).body) == 2
    with pytest.raises(SyntaxError):
        parse_statements('"""Lesson."""\nTITLE = (\n', r"\A", NAMES)
