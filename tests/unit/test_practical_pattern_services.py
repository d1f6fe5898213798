"""Modules whose patterns run on different servers, and services that run only where configured."""

from __future__ import annotations

from practical import all_modules, get_module
from practical.services import SERVICES, get_service


def test_pattern_services_name_real_patterns_and_known_services() -> None:
    known = {s.name for s in SERVICES}
    for module in all_modules():
        for pattern, service in module.pattern_services:
            assert pattern in module.patterns, (module.name, pattern)
            assert service in known, (module.name, service)


def test_each_endpoint_only_module_teaches_its_pattern_on_a_server_that_runs_here() -> None:
    for name, nearest in (
        ("cockroachdb", "postgres"),
        ("couchbase", "memcached"),
        ("hbase", "redis"),
        ("influxdb", "victoriametrics"),
    ):
        module = get_module(name)
        assert get_service(module.service).endpoint_only
        assert nearest in dict(module.pattern_services).values()
        assert not get_service(nearest).endpoint_only
    assert get_module("cockroachdb").services_for("retry-loop") == ("cockroachdb",)
    assert get_module("cockroachdb").services_for("postgres-serializable") == ("postgres",)
