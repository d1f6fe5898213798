"""Cassandra and InfluxDB modules: run when CASSANDRA_HOSTS / INFLUXDB_URL point at a server."""

from __future__ import annotations

import os

import pytest

from practical import Narrator, get_module, run_practical
from practical._registry import run_pattern
from practical.services import free_port
from usererror import UserError

pytestmark = pytest.mark.services

needs_cassandra = pytest.mark.skipif(
    not os.environ.get("CASSANDRA_HOSTS"),
    reason="CASSANDRA_HOSTS is not set (no Cassandra server here)",
)
needs_influxdb = pytest.mark.skipif(
    not os.environ.get("INFLUXDB_URL"), reason="INFLUXDB_URL is not set (no InfluxDB server here)"
)


def _run(module: str, pattern: str) -> dict:
    return run_pattern(get_module(module), pattern, Narrator(quiet=True))


@needs_cassandra
def test_bounded_async_writes_store_every_row() -> None:
    facts = _run("cassandra", "bounded-writes")
    assert facts["rows"] == 5000 and facts["errors"] == 0


@needs_cassandra
def test_lightweight_transactions_pick_one_winner_and_lose_no_deposit() -> None:
    facts = _run("cassandra", "lwt")
    assert facts["claims_applied"] == 1 and facts["balance"] == 200


@needs_cassandra
def test_consistency_levels_read_back_what_was_written() -> None:
    assert _run("cassandra", "consistency")["stale_reads"] == 0


@needs_influxdb
def test_batched_writes_store_every_point() -> None:
    assert _run("influxdb", "batched-writes")["stored"] == 16000


@needs_influxdb
def test_flux_windows_per_minute() -> None:
    facts = _run("influxdb", "flux-windows")
    assert facts["windows"] == 20 and facts["all_means_29_5"] is True


@pytest.mark.parametrize(
    ("module", "variable", "title"),
    [
        ("cassandra", "CASSANDRA_HOSTS", "Apache Cassandra 5"),
        ("influxdb", "INFLUXDB_URL", "InfluxDB 2"),
    ],
)
def test_an_unconfigured_server_is_refused_in_one_line(
    module: str, variable: str, title: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing configured and nothing at the default address: exit 2 with the variable to set."""
    import practical.services._catalogue as catalogue

    monkeypatch.delenv(variable, raising=False)
    nowhere = (
        f"127.0.0.1:{free_port()}" if module == "cassandra" else f"http://127.0.0.1:{free_port()}"
    )
    monkeypatch.setattr(
        catalogue,
        "SERVICES",
        tuple(
            catalogue.Service(s.name, s.title, s.env_var, nowhere, endpoint_only=True)
            if s.name == module
            else s
            for s in catalogue.SERVICES
        ),
    )
    pattern = "lwt" if module == "cassandra" else "batched-writes"
    with pytest.raises(UserError) as caught:
        run_practical(module, pattern, Narrator(quiet=True))
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith(
        f"{title} is not configured: set {variable} to a running server"
    )
