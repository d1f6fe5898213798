"""Read a module's metadata from its source without importing it.

Registries (lessons, practical modules) list dozens of files on every `learn list`; parsing
their top-level constants is far cheaper than importing them and their dependencies.
"""

from __future__ import annotations

import ast
from typing import Any

__all__ = ["module_constant"]


def module_constant(tree: ast.Module, name: str, default: Any) -> Any:
    """The literal value assigned to top-level ``name`` in ``tree``, or ``default``."""
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value:
                return ast.literal_eval(node.value)
    return default
