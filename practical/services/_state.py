"""Where `learn services up` remembers the background servers it started (under LEARN_HOME)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["ManagedServer", "learn_home", "load_state", "save_state", "services_dir"]


@dataclass
class ManagedServer:
    """A local server process started by us, and how clients reach it."""

    service: str
    pid: int
    host: str
    port: int
    log_path: str
    settings: dict[str, str] = field(default_factory=dict)
    """Connection settings clients need besides the address (e.g. NEO4J_USER)."""


def learn_home() -> Path:
    """LEARN_HOME, or the platform's user data directory for concurrency-lab."""
    if home := os.environ.get("LEARN_HOME"):
        return Path(home)
    from platformdirs import user_data_dir

    return Path(user_data_dir("concurrency-lab"))


def services_dir() -> Path:
    path = learn_home() / "services"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _state_file() -> Path:
    return services_dir() / "managed.json"


def load_state() -> dict[str, ManagedServer]:
    """The managed servers recorded by the last `learn services up` (empty if none)."""
    path = _state_file()
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {name: ManagedServer(**entry) for name, entry in raw.items()}
    except (ValueError, TypeError):
        return {}


def save_state(state: dict[str, ManagedServer]) -> None:
    path = _state_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({k: asdict(v) for k, v in state.items()}, indent=2), encoding="utf-8")
    tmp.replace(path)
