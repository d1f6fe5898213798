"""The servers practical modules talk to: catalogue, reachability probes, local launchers."""

from __future__ import annotations

from practical.services._catalogue import SERVICES, Service, get_service
from practical.services._local import free_port, serving_locally, start_local, stop_local
from practical.services._manage import (
    COMPOSE_FILE,
    UpReport,
    docker_available,
    down,
    managed,
    require,
    setting,
    up,
)
from practical.services._probe import Reachability, probe, probe_all
from practical.services._state import ManagedServer

__all__ = [
    "COMPOSE_FILE",
    "SERVICES",
    "ManagedServer",
    "Reachability",
    "Service",
    "UpReport",
    "docker_available",
    "down",
    "free_port",
    "get_service",
    "managed",
    "probe",
    "probe_all",
    "require",
    "serving_locally",
    "setting",
    "start_local",
    "stop_local",
    "up",
]
