"""docker-compose.yml is valid against the Compose Specification schema and covers every service.

The schema is vendored from the docker-compose 1.29.2 wheel on PyPI
(compose/config/compose_spec.json, Apache-2.0): Docker itself does not run here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from practical.services import COMPOSE_FILE, SERVICES

SCHEMA = Path(__file__).resolve().parents[2] / "practical" / "services" / "compose_spec.json"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # The file declares draft 2019-09 (with a "$schema" URL jsonschema does not recognise verbatim).
    validator = jsonschema.Draft201909Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    assert _errors(_compose()) == []


def test_the_schema_rejects_a_broken_file() -> None:
    broken = copy.deepcopy(_compose())
    broken["services"]["redis"]["healthcheck"]["every"] = "5s"
    broken["services"]["postgres"]["ports"] = "5432"
    assert len(_errors(broken)) == 2


@pytest.mark.parametrize("service", [s for s in SERVICES if not s.embedded], ids=lambda s: s.name)
def test_every_service_is_pinned_healthchecked_and_published_on_its_default_port(
    service: Any,
) -> None:
    spec = _compose()["services"][service.name]
    _, _, tag = spec["image"].partition(":")
    assert tag and tag != "latest" and any(c.isdigit() for c in tag), spec["image"]
    assert spec["healthcheck"]["test"]
    published = [p.split(":")[-2].split("-")[-1].rstrip("}") for p in spec["ports"]]
    default_port = str(service.host_ports()[0][1])
    assert default_port in published and f":{default_port}" in spec["ports"][0]


@pytest.mark.parametrize("name", sorted(_compose()["services"]))
def test_every_compose_service_is_pinned_healthchecked_and_published_on_loopback_only(
    name: str,
) -> None:
    spec = _compose()["services"][name]
    _, _, tag = spec["image"].partition(":")
    assert tag and tag != "latest" and any(c.isdigit() for c in tag), spec["image"]
    assert spec["healthcheck"]["test"]
    assert spec["ports"] and all(port.startswith("127.0.0.1:") for port in spec["ports"]), spec[
        "ports"
    ]


def test_the_stack_the_course_needs_is_in_the_compose_file_and_its_data_is_said_to_be_ephemeral() -> (
    None
):
    assert {"minio", "aws", "prometheus", "grafana", "jaeger"} <= set(_compose()["services"])
    header = COMPOSE_FILE.read_text(encoding="utf-8").split("services:")[0]
    assert "ephemeral" in header.lower()
    mounted = [v for spec in _compose()["services"].values() for v in spec.get("volumes", [])]
    assert all(v.endswith(":ro") for v in mounted), "only read-only configuration is mounted"
    for volume in mounted:  # the configuration files a service mounts exist
        assert (COMPOSE_FILE.parent / volume.split(":")[0]).is_file(), volume
