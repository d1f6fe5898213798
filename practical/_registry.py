"""Discover practical modules by file name and read their metadata without importing them.

A module ``practical/<name>.py`` declares ``SERVICE`` (a name from the services catalogue),
``TITLE`` and ``PATTERNS`` (pattern name -> one-line description), and defines one function
``pattern_<name>(out: Narrator)`` per pattern (async or not). Heavy drivers are imported only
when a module runs. ``PATTERN_SERVICES`` (pattern -> service) names the patterns that run against
another server than ``SERVICE`` (e.g. CockroachDB's retry loop taught on PostgreSQL).

A pattern whose service is *endpoint-only* (no server for it installs here) runs only when it is
configured (its variable is set, or its default address answers); otherwise a whole-module run
skips it with a one-line reason, and asking for it by name is a :class:`UserError`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from practical._narrate import Facts, Narrator
from staticmeta import module_constant
from usererror import UserError

__all__ = ["PracticalModule", "all_modules", "get_module", "pattern_function", "run_practical"]

PRACTICAL_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PracticalModule:
    """Metadata of one practical module, read statically."""

    name: str
    path: Path
    title: str
    service: str
    patterns: dict[str, str]
    lesson: str
    also_needs: tuple[str, ...] = ()
    """Further services the module talks to (e.g. Redis caching in front of PostgreSQL)."""
    pattern_services: tuple[tuple[str, str], ...] = ()
    """(pattern, service) for patterns that run against another server than ``service``."""

    @property
    def module_name(self) -> str:
        return f"practical.{self.name}"

    def services_for(self, pattern: str) -> tuple[str, ...]:
        """The services ``pattern`` talks to: its own (or the module's) and ``also_needs``."""
        return (dict(self.pattern_services).get(pattern, self.service), *self.also_needs)


@cache
def all_modules() -> tuple[PracticalModule, ...]:
    """Every practical module, in file-name order."""
    found = []
    for path in sorted(PRACTICAL_DIR.glob("[a-z]*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        service = module_constant(tree, "SERVICE", None)
        if service is None:
            continue
        found.append(
            PracticalModule(
                name=path.stem,
                path=path,
                title=str(module_constant(tree, "TITLE", path.stem)),
                service=str(service),
                patterns=dict(module_constant(tree, "PATTERNS", {})),
                lesson=ast.get_docstring(tree) or "",
                also_needs=tuple(module_constant(tree, "ALSO_NEEDS", ())),
                pattern_services=tuple(dict(module_constant(tree, "PATTERN_SERVICES", {})).items()),
            )
        )
    return tuple(found)


def get_module(name: str) -> PracticalModule:
    """The module called ``name`` or a :class:`UserError` that lists the others."""
    for module in all_modules():
        if module.name == name:
            return module
    known = ", ".join(m.name for m in all_modules())
    raise UserError(
        f"practical module '{name}' does not exist: choose one of {known} (see `learn practical list`)"
    )


def pattern_function(module: PracticalModule, pattern: str) -> Callable[[Narrator], Any]:
    """Import the module and return the function that runs ``pattern``."""
    loaded = importlib.import_module(module.module_name)
    return getattr(loaded, "pattern_" + pattern.replace("-", "_"))


def run_pattern(module: PracticalModule, pattern: str, out: Narrator) -> Facts:
    """Run one pattern to completion (its own event loop when it is async).

    Raises:
        ServiceLost: a service stopped answering or dropped the connection (exit 2, one line);
            an async pattern is cancelled within seconds of its server going away.
    """
    from practical._faults import ServiceLost, explain_failure, run_async, watched
    from practical.services import get_service

    function = pattern_function(module, pattern)
    services = tuple(s for s in map(get_service, module.services_for(pattern)) if not s.embedded)
    out.facts = {}
    try:
        if inspect.iscoroutinefunction(function):
            run_async(watched(function(out), services, module.name, pattern))
        else:
            function(out)
    except Exception as error:
        lost = (
            error
            if isinstance(error, ServiceLost)
            else explain_failure(error, services, module.name, pattern)
        )
        if lost is None:
            raise
        # Clients of a dead server cannot close cleanly; asyncio's "Unclosed ..." and "Task
        # exception was never retrieved" lines about them would only repeat the one line below.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        if lost is error:
            raise
        raise lost from None
    return dict(out.facts)


def run_practical(
    name: str, pattern: str | None = None, out: Narrator | None = None, verbose: bool = False
) -> dict[str, Facts]:
    """Run every pattern of module ``name`` (or just ``pattern``) against its real service.

    ``verbose`` lets the drivers' own loggers print (quiet otherwise, so they never bury the narration).

    Raises:
        UserError: unknown module or pattern, or the service is unreachable (exit 2).
    """
    from practical._faults import set_verbose
    from practical.services import require

    set_verbose(verbose)

    module = get_module(name)
    if pattern is not None and pattern not in module.patterns:
        raise UserError(
            f"module '{name}' has no pattern '{pattern}': choose one of {', '.join(module.patterns)}"
        )
    chosen_patterns = [pattern] if pattern else list(module.patterns)
    skipped = {p: why for p in chosen_patterns if (why := unconfigured(module.services_for(p)))}
    runnable = [p for p in chosen_patterns if p not in skipped]
    if not runnable:
        raise UserError(next(iter(skipped.values())))
    for service in dict.fromkeys(s for p in runnable for s in module.services_for(p)):
        require(service)
    out = out or Narrator()
    results: dict[str, Facts] = {}
    for chosen in chosen_patterns:
        out.heading(f"{module.title}: {chosen} — {module.patterns[chosen]}")
        if chosen in skipped:
            out.warn(f"skipped: {skipped[chosen]}")
            continue
        results[chosen] = run_pattern(module, chosen, out)
    return results


def unconfigured(services: tuple[str, ...]) -> str | None:
    """Why a pattern cannot run here: an endpoint-only service neither configured nor answering."""
    import os

    from practical.services import get_service, probe

    for service in map(get_service, services):
        if (
            service.endpoint_only
            and not os.environ.get(service.env_var)
            and not probe(service).reachable
        ):
            return (
                f"{service.title} is not configured: set {service.env_var} to a running server "
                f"(it does not install from PyPI or Debian; with Docker, `learn services up` starts one at {service.default})"
            )
    return None
