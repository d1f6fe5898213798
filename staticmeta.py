"""Read a module's metadata from its source without importing it.

Registries (lessons, practical modules) list dozens of files on every `learn list`; parsing
their top-level constants is far cheaper than importing them and their dependencies.
"""

from __future__ import annotations

import ast
import re
from typing import Any

__all__ = ["module_constant", "parse_statements"]

_STATEMENT_START = re.compile(r"^[A-Za-z_@]", re.MULTILINE)
"""A line that begins a new top-level statement (column 0, a name, keyword or decorator)."""


def module_constant(tree: ast.Module, name: str, default: Any) -> Any:
    """The literal value assigned to top-level ``name`` in ``tree``, or ``default``."""
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value:
                return ast.literal_eval(node.value)
    return default


def parse_statements(source: str, first: str, last: str, filename: str = "<unknown>") -> ast.Module:
    """Parse only the top-level statements of ``source`` from the one on the first line
    matching ``first`` to the one on the last line matching ``last`` (both regexes, ``^``
    anchored per line); the whole file when they do not match or the cut does not parse.

    Lessons and specs are long; the constants `learn list` needs sit in a few statements, and
    parsing only those is several times faster. A cut can only land on a line that starts a
    statement, so a part that parses holds exactly those statements; a cut inside a string or
    bracket does not parse and falls back to the whole file (whose errors are then raised).
    """
    starts = [m.start() for m in re.finditer(first, source, re.MULTILINE)]
    ends = [m.start() for m in re.finditer(last, source, re.MULTILINE)]
    if starts and ends and ends[-1] >= starts[0]:
        line_end = source.find("\n", ends[-1])
        after = _STATEMENT_START.search(source, line_end + 1) if line_end != -1 else None
        part = source[starts[0] : after.start() if after else len(source)]
        try:
            return ast.parse(part, filename=filename)
        except SyntaxError:
            pass
    return ast.parse(source, filename=filename)
