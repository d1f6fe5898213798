"""Advice from reading the learner's source (never a FAIL: static analysis only suggests)."""

from __future__ import annotations

import ast
from pathlib import Path

from evaluator.findings import Finding, FindingKind, Severity

__all__ = ["static_hints"]


def _is_call_to(node: ast.AST, module: str, attr: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attr
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == module
    )


def _wall_clock_intervals(tree: ast.AST, name: str) -> list[Finding]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Sub)
            and (_is_call_to(node.left, "time", "time") or _is_call_to(node.right, "time", "time"))
        ):
            found.append(
                Finding(
                    kind=FindingKind.STATIC_HINT,
                    severity=Severity.WARN,
                    title="time.time() used to measure an interval",
                    evidence=(f"{name}:{node.lineno}: {ast.unparse(node)}",),
                    hint="The wall clock can jump (NTP, DST); use time.monotonic() or time.perf_counter() for durations.",
                    location=f"{name}:{node.lineno}",
                    check="static hints",
                )
            )
    return found


def _released_in_finally(body: list[ast.stmt], index: int, target: str) -> bool:
    """Is ``target.release()`` in the ``finally`` of a ``try`` right after statement ``index``?"""
    for stmt in body[index + 1 : index + 2]:
        if isinstance(stmt, ast.Try):
            for final in stmt.finalbody:
                for node in ast.walk(final):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "release"
                        and ast.unparse(node.func.value) == target
                    ):
                        return True
    return False


def _bare_acquires(tree: ast.AST, name: str) -> list[Finding]:
    found = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for index, stmt in enumerate(body):
                if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
                    continue
                func = stmt.value.func
                if not (
                    isinstance(func, ast.Attribute)
                    and func.attr == "acquire"
                    and not stmt.value.args
                    and not stmt.value.keywords
                ):
                    continue
                target = ast.unparse(func.value)
                if not _released_in_finally(body, index, target):
                    found.append(
                        Finding(
                            kind=FindingKind.STATIC_HINT,
                            severity=Severity.WARN,
                            title=f"{target}.acquire() without try/finally",
                            evidence=(f"{name}:{stmt.lineno}: {ast.unparse(stmt)}",),
                            hint=f"If the code after acquire() raises, {target} stays locked forever: use `with {target}:`.",
                            location=f"{name}:{stmt.lineno}",
                            check="static hints",
                        )
                    )
    return found


def static_hints(program: Path) -> list[Finding]:
    """WARN findings about risky patterns in ``program`` (empty if it does not parse)."""
    try:
        tree = ast.parse(program.read_text(encoding="utf-8"), filename=str(program))
    except (SyntaxError, OSError, ValueError):
        return []
    return _wall_clock_intervals(tree, program.name) + _bare_acquires(tree, program.name)
