"""The practical registry and the services catalogue, without any server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from practical import all_modules, get_module, run_practical
from practical.services import SERVICES, get_service, probe
from practical.services._local import free_port
from tests.conftest import ROOT
from usererror import UserError


def test_every_module_declares_a_known_service_and_patterns_it_implements() -> None:
    known = {s.name for s in SERVICES}
    assert len(all_modules()) >= 8
    for module in all_modules():
        assert module.service in known
        assert set(module.also_needs) <= known
        assert module.patterns, module.name
        assert module.lesson, module.name
        source = module.path.read_text(encoding="utf-8")
        for pattern in module.patterns:
            assert f"def pattern_{pattern.replace('-', '_')}(" in source, (module.name, pattern)


def test_unknown_module_and_pattern_are_user_errors() -> None:
    with pytest.raises(UserError, match="practical module 'nope' does not exist: choose one of"):
        get_module("nope")
    with pytest.raises(UserError, match="module 'duckdb' has no pattern 'nope': choose one of"):
        run_practical("duckdb", "nope")


def test_environment_variable_overrides_an_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASSANDRA_HOSTS", "10.0.0.1:9142,10.0.0.2")
    assert get_service("cassandra").host_ports() == [("10.0.0.1", 9142), ("10.0.0.2", 9042)]
    monkeypatch.setenv("MONGODB_URL", "mongodb://user:pw@db.example:27018/")
    assert get_service("mongodb").host_ports() == [("db.example", 27018)]


def test_unreachable_service_exits_2_naming_it_and_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("KAFKA_BOOTSTRAP", f"127.0.0.1:{port}")
    reach = probe(get_service("kafka"))
    assert not reach.reachable and reach.reason == "connection refused"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "practical", "run", "kafka"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    import extras

    if extras.missing("practical"):  # `uv run pytest` without extras: the drivers are missing first
        assert (
            "needs the optional 'practical' packages" in result.stderr
            and "--extra practical" in result.stderr
        )
        return
    assert "Kafka" in result.stderr and "learn services up" in result.stderr
    assert "KAFKA_BOOTSTRAP" in result.stderr


def test_help_imports_no_driver() -> None:
    code = (
        "import sys, cli\n"
        "try:\n    cli.app(args=['practical', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'aio_pika','aiokafka','pymongo','cassandra','neo4j','influxdb_client','duckdb',"
        "'psycopg','redis','nats','uvicorn','starlette'}\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_settings_come_from_env_then_the_managed_server_then_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from practical.services import ManagedServer, setting
    from practical.services._state import load_state, save_state

    monkeypatch.delenv("NEO4J_URL", raising=False)
    monkeypatch.delenv("NEO4J_USER", raising=False)
    assert setting("neo4j", "NEO4J_USER", "neo4j") == "neo4j"
    save_state(
        {"neo4j": ManagedServer("neo4j", 1, "127.0.0.1", 7687, "log", {"NEO4J_USER": "root"})}
    )
    assert load_state()["neo4j"].port == 7687
    assert setting("neo4j", "NEO4J_USER", "neo4j") == "root"
    monkeypatch.setenv("NEO4J_USER", "alice")
    assert setting("neo4j", "NEO4J_USER", "neo4j") == "alice"


def test_status_advises_services_up_only_for_what_it_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rich.console import Console

    from practical.render import render_status
    from practical.services import probe_all

    monkeypatch.setenv("PATH", "")  # no docker client (nor Prometheus): the local launchers decide
    names = ("kafka", "cassandra", "prometheus")
    for name in names:
        monkeypatch.setenv(get_service(name).env_var, f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("KAFKA_BOOTSTRAP", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("CASSANDRA_HOSTS", f"127.0.0.1:{free_port()}")
    console = Console(record=True, width=300)
    render_status(console, probe_all(tuple(get_service(n) for n in names)))
    text = console.export_text()
    from extras import missing

    if not missing(
        "servers"
    ):  # tansu ships in the servers extra; without it `up` cannot start Kafka either
        assert "Start kafka with learn services up." in text
    else:
        assert (
            "kafka: `learn services up` cannot start it here (the tansu Kafka broker is not installed"
            in text
        )
    assert (
        "cassandra: `learn services up` cannot start it here (no local server for it: needs Docker or your own "
        "server); run your own server and point CASSANDRA_HOSTS at it."
    ) in text
    # In the launchers, but its binary is missing: `up` would fail, so `status` must not advise it.
    assert (
        "prometheus: `learn services up` cannot start it here (Prometheus is not installed" in text
    )
    assert "Start kafka, prometheus" not in text


def test_nats_starts_locally_from_the_wheel_else_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from practical.services._local import why_not_local

    if (Path(sys.executable).parent / "nats-server").exists():
        assert why_not_local("nats") is None
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))  # a venv without the wheel
    monkeypatch.setenv("PATH", "")  # nor the system's nats-server
    why = why_not_local("nats")
    assert (
        why is not None
        and why.startswith("nats-server is not installed: run `")
        and "apt-get install nats-server" in why
    )


def test_doctor_advises_services_up_only_where_it_can_start_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from doctor import _services

    monkeypatch.setenv("PATH", "")  # no docker client, no Prometheus binary
    monkeypatch.setenv("CASSANDRA_HOSTS", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("PROMETHEUS_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("KAFKA_BOOTSTRAP", f"127.0.0.1:{free_port()}")
    fixes = {check.name: check.fix for check in _services(0.5)}
    assert (
        fixes["service cassandra"]
        == "run your own server and set CASSANDRA_HOSTS (`learn services up` cannot start it here)"
    )
    assert fixes["service prometheus"].startswith("run your own server and set PROMETHEUS_URL")
    from extras import missing

    if not missing("servers"):  # tansu ships in the servers extra
        assert fixes["service kafka"].startswith("`learn services up`")
