"""`learn services up/down`: Docker Compose when Docker runs, else the local PyPI servers."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from practical.services._catalogue import SERVICES, get_service
from practical.services._local import LAUNCHERS, start_local, stop_local, why_not_local
from practical.services._probe import probe, probe_all
from practical.services._state import ManagedServer, load_state, save_state, services_dir
from usererror import UserError

__all__ = ["COMPOSE_FILE", "UpReport", "docker_available", "down", "require", "setting", "up"]

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


@dataclass
class UpReport:
    """What `learn services up` did."""

    mode: str
    """"docker" or "local"."""
    started: list[str] = field(default_factory=list)
    already_running: list[str] = field(default_factory=list)
    unavailable: list[tuple[str, str]] = field(default_factory=list)
    """(service, why) for services nothing could start."""


def docker_available() -> bool:
    """True when a Docker daemon answers (`docker info`)."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _compose(*args: str) -> None:
    command = ["docker", "compose", "-f", str(COMPOSE_FILE), *args]
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise UserError(
            f"`{' '.join(command)}` failed with code {result.returncode}: see its output above"
        )


def up() -> UpReport:
    """Start every service: all of them with Docker, else those that run locally."""
    if docker_available():
        _compose("up", "-d", "--wait")
        return UpReport("docker", started=[s.name for s in SERVICES if not s.embedded])
    report = UpReport("local")
    state = load_state()
    for reach in probe_all(SERVICES):
        name = reach.service.name
        if reach.reachable:
            report.already_running.append(name)
        elif name in LAUNCHERS:
            host, port = reach.service.host_ports()[0]
            try:
                server = start_local(name, host, port, services_dir() / name)
            except UserError as error:  # e.g. Prometheus not installed: the others still start
                report.unavailable.append((name, error.message))
                continue
            state[name] = server
            save_state(state)
            report.started.append(name)
        else:
            report.unavailable.append((name, f"needs Docker or your own server ({reach.reason})"))
    return report


def down() -> list[str]:
    """Stop what `up` started; returns the names of the services stopped."""
    if docker_available():
        _compose("down")
        return [s.name for s in SERVICES if not s.embedded]
    state = load_state()
    for server in state.values():
        stop_local(server)
    save_state({})
    return sorted(state)


def managed() -> dict[str, ManagedServer]:
    """Servers `learn services up` started and left running."""
    return load_state()


def setting(service: str, variable: str, default: str) -> str:
    """A connection setting: the environment, else the managed local server's, else the default.

    The managed server's settings (e.g. its password) apply whenever the service's address points
    at that server, whether the address comes from the default or from the environment.
    """
    if value := os.environ.get(variable):
        return value
    server = load_state().get(service)
    if server is not None and variable in server.settings and _points_at(service, server):
        return server.settings[variable]
    return default


def _points_at(service: str, server: ManagedServer) -> bool:
    loopback = {"127.0.0.1", "localhost", "::1"}

    def same(host: str, port: int) -> bool:
        return port == server.port and (host == server.host or {host, server.host} <= loopback)

    return any(same(host, port) for host, port in get_service(service).host_ports())


def require(service_name: str) -> None:
    """Exit 2 with the service's name and the command that starts it, if it is unreachable."""
    service = get_service(service_name)
    reach = probe(service)
    if not reach.reachable:
        why_not = why_not_local(service_name) if service_name in LAUNCHERS else None
        if why_not is not None:  # `up` has a launcher but not its binary here: say what to install
            how = why_not
        else:
            how = "start it with `learn services up`" + (
                "" if service_name in LAUNCHERS else " (needs Docker for this one)"
            )
        raise UserError(
            f"{service.title} is not reachable at {reach.address} ({reach.reason}): {how}, "
            f"or point {service.env_var} at your own server"
        )
