"""The nearest-server lessons of cockroachdb, couchbase and hbase when their server goes away
mid-run: one line naming it (exit 2, within 5 s), and what they created on a live server removed."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from practical import get_module
from practical._registry import run_pattern
from practical.services import get_service, probe, serving_locally
from tests.functional._fault_tools import FaultAt, Proxy, own_server
from usererror import UserError

pytestmark = pytest.mark.services


def _expect_lost(module: str, pattern: str, narrator: FaultAt, service: str) -> str:
    with pytest.raises(UserError) as caught:
        run_pattern(get_module(module), pattern, narrator)
    assert narrator.fault_at is not None, "the marker step was never narrated"
    assert time.monotonic() - narrator.fault_at <= 5.0
    message = caught.value.message
    assert caught.value.exit_code == 2 and "\n" not in message
    assert message.startswith(f"{get_service(service).title} at 127.0.0.1:"), message
    assert (
        f"stopped answering during '{pattern}'" in message
        and f"`learn practical run {module}`" in message
    )
    return message


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    import practical._narrate

    names: list[str] = []
    original = practical._narrate.unique_name

    def recording(prefix: str) -> str:
        names.append(original(prefix))
        return names[-1]

    monkeypatch.setattr("practical.cockroachdb.unique_name", recording)
    yield names


def test_postgres_gone_mid_retry_loop_names_postgres_and_the_table_can_be_dropped_after(
    monkeypatch: pytest.MonkeyPatch, created: list[str]
) -> None:
    reach = probe(get_service("postgres"))
    if not reach.reachable:
        pytest.skip(f"postgres not reachable at {reach.address}: {reach.reason}")
    import psycopg

    host, port = get_service("postgres").host_ports()[0]
    real = get_service("postgres").url
    proxy = Proxy((host, port))
    monkeypatch.setenv("POSTGRES_URL", real.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}"))
    narrator = FaultAt("SERIALIZABLE with a retry loop", proxy.cut)
    try:
        _expect_lost("cockroachdb", "postgres-serializable", narrator, "postgres")
        assert any(w.startswith("cleanup: could not drop the table") for w in narrator.warnings)
    finally:
        proxy.cut()
        with psycopg.connect(real, autocommit=True) as conn:
            for table in created:  # the server lives on: what the cut-off run could not drop
                conn.execute(f"DROP TABLE IF EXISTS {table}")


def test_memcached_killed_mid_cas_race_names_memcached(tmp_path: Path) -> None:
    if shutil.which("memcached") is None:
        pytest.skip("needs memcached: `apt-get install memcached` (.ci/run installs it)")
    with serving_locally(
        "memcached", "MEMCACHED_ADDRESS", "127.0.0.1:{port}", workdir=tmp_path
    ) as server:
        narrator = FaultAt("the same race with gets", lambda: os.killpg(server.pid, signal.SIGKILL))
        _expect_lost("couchbase", "memcached-cas", narrator, "memcached")


def test_redis_killed_mid_claims_names_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    command = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--port"]
    with own_server(lambda port: [*command, str(port)]) as (port, kill):
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
        _expect_lost("hbase", "redis-check-and-put", FaultAt("a Lua check-and-put", kill), "redis")
