"""A server that dies mid-run: one line naming it and the fix (exit 2, within 5 s), and cleanup that
goes on past the first failing step, so nothing is left on the servers that survive.

Each fault lands at a known point: the test's narrator kills the test's own server (or cuts the
TCP proxy in front of a machine service) when the pattern narrates a chosen step.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from practical import _faults as faults
from practical import get_module
from practical._registry import run_pattern
from practical.services import get_service, probe, start_local, stop_local
from practical.services._state import ManagedServer, save_state
from tests.conftest import ROOT
from tests.functional._fault_tools import FaultAt, Proxy, own_server
from usererror import UserError

pytestmark = pytest.mark.services

LIMIT = 5.0
"""Seconds from the fault to the one-line error (the issue's promise)."""


def _needs(*names: str) -> None:
    for name in names:
        reach = probe(get_service(name))
        if not reach.reachable:
            pytest.skip(f"{name} not reachable at {reach.address}: {reach.reason}")


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every name the practical modules generate during the test (tables, keys, streams)."""
    import practical._narrate

    names: list[str] = []
    original = practical._narrate.unique_name

    def recording(prefix: str) -> str:
        names.append(original(prefix))
        return names[-1]

    for module in (
        "practical.redis",
        "practical.event_driven",
        "practical.postgres",
        "practical.kafka",
        "practical.mongodb",
        "practical.neo4j",
        "practical.rabbitmq",
    ):
        monkeypatch.setattr(f"{module}.unique_name", recording)
    yield names


def _tables_left(names: list[str]) -> list[str]:
    import psycopg

    with psycopg.connect(get_service("postgres").url, autocommit=True) as conn:
        left = [
            n
            for n in names
            if conn.execute("SELECT to_regclass(%s)", (n,)).fetchone()[0] is not None
        ]  # type: ignore[index]
        left += [
            row[0]
            for n in names
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE %s", (n + "\\_%",)
            ).fetchall()
        ]
        for table in left:  # a failed test must not leave them for the next one either
            conn.execute(f"DROP TABLE IF EXISTS {table}")
    return left


def _expect_lost(module: str, pattern: str, narrator: FaultAt, service: str) -> UserError:
    with pytest.raises(UserError) as caught:
        run_pattern(get_module(module), pattern, narrator)
    assert narrator.fault_at is not None, (
        "the fault never happened: the marker step was not narrated"
    )
    elapsed = time.monotonic() - narrator.fault_at
    message = caught.value.message
    assert caught.value.exit_code == 2
    assert "\n" not in message
    assert (
        message.startswith(f"{get_service(service).title} at 127.0.0.1:")
        and f"during '{pattern}'" in message
    ), message
    assert f"`learn practical run {module}`" in message, message
    assert elapsed <= LIMIT, f"{elapsed:.1f} s from the fault to the error"
    return caught.value


# --- cleanup on its own ------------------------------------------------------------------------


def test_cleanup_tries_every_step_past_a_failing_and_a_hanging_one() -> None:
    ran: list[str] = []

    async def fails() -> None:
        ran.append("fails")
        raise ConnectionRefusedError("refused")

    async def hangs() -> None:
        ran.append("hangs")
        await asyncio.Event().wait()

    async def works() -> None:
        ran.append("works")

    out = FaultAt("never", lambda: None)
    failed = asyncio.run(
        faults.cleanup(out, ("fail", fails), ("hang", hangs), ("work", works), limit=0.2)
    )
    assert ran == ["fails", "hangs", "works"]
    assert failed == ["fail", "hang"]
    assert out.warnings[0] == "cleanup: could not fail (ConnectionRefusedError: refused)"


def test_cleanup_gives_a_step_on_a_service_found_gone_only_a_moment() -> None:
    async def retries_for_a_minute() -> None:
        await asyncio.Event().wait()

    ran: list[str] = []

    async def drop() -> None:
        ran.append("drop")

    faults._LOST.add("nats")
    try:
        out = FaultAt("never", lambda: None)
        start = time.monotonic()
        failed = asyncio.run(
            faults.cleanup(
                out,
                ("delete the stream", retries_for_a_minute, "nats"),
                ("drop", drop, "postgres"),
                limit=30,
            )
        )
    finally:
        faults._LOST.clear()
    assert time.monotonic() - start < 5
    assert failed == ["delete the stream"] and ran == ["drop"]
    assert out.warnings == ["cleanup: could not delete the stream (nats is down)"]


def test_a_bug_in_a_pattern_is_not_passed_off_as_a_lost_server() -> None:
    assert faults.explain_failure(KeyError("x"), (), "redis", "cache-aside") is None


# --- machine services: a server of the test's own, killed; or a proxy, cut ---------------------


def test_redis_killed_mid_run_names_redis_and_still_drops_the_postgres_table(
    monkeypatch: pytest.MonkeyPatch, created: list[str]
) -> None:
    _needs("postgres")
    command = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--port"]
    with own_server(lambda port: [*command, str(port)]) as (port, kill):
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
        narrator = FaultAt("reads over", kill)
        _expect_lost("redis", "cache-aside", narrator, "redis")
    assert any("delete the cached keys" in w for w in narrator.warnings)
    assert _tables_left(created) == []


def test_nats_killed_mid_run_still_drops_the_four_postgres_tables(
    monkeypatch: pytest.MonkeyPatch, created: list[str], tmp_path: Path
) -> None:
    _needs("postgres")
    store = tmp_path / "jetstream"
    with own_server(
        lambda port: ["nats-server", "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
    ) as (port, kill):
        monkeypatch.setenv("NATS_URL", f"nats://127.0.0.1:{port}")
        narrator = FaultAt("relay 2 starts", kill)
        _expect_lost("event_driven", "order-flow", narrator, "nats")
    assert _tables_left(created) == []


def test_postgres_gone_mid_run_names_postgres(
    monkeypatch: pytest.MonkeyPatch, created: list[str]
) -> None:
    _needs("postgres")
    host, port = get_service("postgres").host_ports()[0]
    real = get_service("postgres").url
    proxy = Proxy((host, port))
    monkeypatch.setenv("POSTGRES_URL", real.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}"))
    try:
        _expect_lost(
            "postgres", "outbox", FaultAt("relays drain the outbox", proxy.cut), "postgres"
        )
    finally:
        proxy.cut()
        monkeypatch.setenv("POSTGRES_URL", real)
        _tables_left(created)  # the server lives on: remove what the cut-off run could not


def test_rabbitmq_gone_mid_run_names_rabbitmq(monkeypatch: pytest.MonkeyPatch) -> None:
    _needs("rabbitmq")
    host, port = get_service("rabbitmq").host_ports()[0]
    real = get_service("rabbitmq").url
    proxy = Proxy((host, port))
    monkeypatch.setenv("RABBITMQ_URL", real.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}"))
    try:
        _expect_lost(
            "rabbitmq", "confirms", FaultAt("awaiting each broker confirm", proxy.cut), "rabbitmq"
        )
    finally:
        proxy.cut()


def test_postgres_gone_mid_redis_run_still_deletes_the_redis_keys(
    monkeypatch: pytest.MonkeyPatch, created: list[str]
) -> None:
    _needs("postgres", "redis")
    import redis

    host, port = get_service("postgres").host_ports()[0]
    real = get_service("postgres").url
    proxy = Proxy((host, port))
    monkeypatch.setenv("POSTGRES_URL", real.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}"))
    try:
        # by the write-through step the cached price is in Redis and the table in PostgreSQL
        _expect_lost(
            "redis", "write-through", FaultAt("price updates; after each", proxy.cut), "postgres"
        )
    finally:
        proxy.cut()
        monkeypatch.setenv("POSTGRES_URL", real)
        _tables_left(created)  # the cut-off run could not drop its table; the server lives on
    keys = [name for name in created if name.startswith("price_")]
    assert keys, "the pattern made no cache key"
    with redis.Redis.from_url(get_service("redis").url) as r:
        assert r.exists(*keys) == 0


def test_rabbitmq_gone_with_live_consumers_names_rabbitmq(monkeypatch: pytest.MonkeyPatch) -> None:
    _needs("rabbitmq")
    host, port = get_service("rabbitmq").host_ports()[0]
    real = get_service("rabbitmq").url
    proxy = Proxy((host, port))
    monkeypatch.setenv("RABBITMQ_URL", real.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}"))
    try:  # two consumers hold the queue when the broker goes: cleanup must not wait on them
        _expect_lost("rabbitmq", "work-queue", FaultAt("prefetch unlimited", proxy.cut), "rabbitmq")
    finally:
        proxy.cut()


@pytest.mark.parametrize(
    ("module", "variable", "address"),
    [
        ("postgres", "POSTGRES_URL", "postgresql://postgres@127.0.0.1:{port}/postgres"),
        ("redis", "REDIS_URL", "redis://127.0.0.1:{port}/0"),
        ("rabbitmq", "RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:{port}/"),
        ("kafka", "KAFKA_BOOTSTRAP", "127.0.0.1:{port}"),
        ("mongodb", "MONGODB_URL", "mongodb://127.0.0.1:{port}/"),
        ("neo4j", "NEO4J_URL", "bolt://127.0.0.1:{port}"),
    ],
)
def test_a_module_pointed_at_a_closed_port_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, module: str, variable: str, address: str
) -> None:
    from practical import run_practical
    from practical.services import free_port

    monkeypatch.setenv(variable, address.format(port=free_port()))
    start = time.monotonic()
    with pytest.raises(UserError) as caught:
        run_practical(module, out=FaultAt("never", lambda: None))
    message = caught.value.message
    assert caught.value.exit_code == 2 and "\n" not in message
    assert message.startswith(f"{get_service(module).title} is not reachable at 127.0.0.1:"), (
        message
    )
    assert variable in message and "connection refused" in message
    assert time.monotonic() - start <= LIMIT


# --- servers `learn services up` manages: killed for real --------------------------------------


def _kill(server: ManagedServer) -> Callable[[], None]:
    def kill() -> None:
        os.killpg(server.pid, signal.SIGKILL)

    return kill


@pytest.mark.parametrize(
    ("service", "variable", "address", "module", "pattern", "marker", "lost"),
    [
        (
            "kafka",
            "KAFKA_BOOTSTRAP",
            "127.0.0.1:{port}",
            "kafka",
            "consumer-group",
            "consumer-b joins",
            "kafka",
        ),
        (
            "mongodb",
            "MONGODB_URL",
            "mongodb://127.0.0.1:{port}/",
            "mongodb",
            "lost-update",
            "update_one with $inc",
            "mongodb",
        ),
        (
            "aws",
            "AWS_ENDPOINT_URL",
            "http://127.0.0.1:{port}",
            "aws",
            "sqs-redelivery",
            "consumers B and C",
            "aws",
        ),
        (
            "memcached",
            "MEMCACHED_ADDRESS",
            "127.0.0.1:{port}",
            "memcached",
            "cas",
            "the same race with gets",
            "memcached",
        ),
        pytest.param(
            "neo4j",
            "NEO4J_URL",
            "bolt://127.0.0.1:{port}",
            "neo4j",
            "traversal",
            "concurrent sessions",
            "neo4j",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_managed_server_killed_mid_run(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    service: str,
    variable: str,
    address: str,
    module: str,
    pattern: str,
    marker: str,
    lost: str,
) -> None:
    from extras import missing

    if missing("servers"):
        pytest.skip("needs the optional 'servers' extra: run `uv sync --inexact --all-extras`")
    if service == "memcached" and shutil.which("memcached") is None:
        pytest.skip("needs memcached: `apt-get install memcached` (.ci/run installs it)")
    server = start_local(service, workdir=tmp_path)
    try:
        monkeypatch.setenv(variable, address.format(port=server.port))
        for name, value in server.settings.items():
            monkeypatch.setenv(name, value)
        narrator = FaultAt(marker, _kill(server))
        _expect_lost(module, pattern, narrator, lost)
    finally:
        stop_local(server, grace=0)
    assert not any("Traceback" in w for w in narrator.warnings)


# --- the command a learner types ---------------------------------------------------------------


def _learn_until(
    args: list[str], env: dict[str, str], marker: str, kill: Callable[[], None], tmp_path: Path
) -> tuple[int, str, float]:
    """Run `learn ARGS`, kill the server when the narration prints ``marker``; (code, stderr, s)."""
    env = {
        **os.environ,
        **env,
        "COLUMNS": "400",
        "LEARN_HOME": str(tmp_path / "home"),
        "LEARN_WORKSPACE": str(tmp_path / "ws"),
    }
    learn = subprocess.Popen(
        [sys.executable, "-c", "import cli; cli.app()", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert learn.stdout is not None
    for line in learn.stdout:  # the narration, as the learner reads it
        if marker in line:
            kill()
            killed_at = time.monotonic()
            break
    else:
        pytest.fail(f"the run ended before the step to kill at: {learn.communicate(timeout=30)}")
    _, stderr = learn.communicate(timeout=30)
    return learn.returncode, stderr, time.monotonic() - killed_at


def test_cli_exits_2_with_one_line_and_no_traceback_when_redis_dies_mid_run(tmp_path: Path) -> None:
    _needs("postgres")
    command = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--port"]
    with own_server(lambda port: [*command, str(port)]) as (port, kill):
        code, stderr, elapsed = _learn_until(
            ["practical", "run", "redis", "-p", "fenced-lock"],
            {"REDIS_URL": f"redis://127.0.0.1:{port}/0"},
            "workers increment a counter",
            kill,
            tmp_path,
        )
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert (
        "Redis 7 at 127.0.0.1:" in stderr
        and "stopped answering during 'fenced-lock'" in " ".join(stderr.split())
    )
    assert elapsed <= LIMIT + 2  # + starting the interpreter's exit


def test_cli_kafka_killed_mid_run_prints_no_driver_noise(tmp_path: Path) -> None:
    from extras import missing

    if missing("servers"):
        pytest.skip("needs the optional 'servers' extra: run `uv sync --inexact --all-extras`")
    server = start_local("kafka", workdir=tmp_path / "tansu")
    try:
        code, stderr, elapsed = _learn_until(
            ["practical", "run", "kafka", "-p", "consumer-group"],
            {"KAFKA_BOOTSTRAP": f"127.0.0.1:{server.port}"},
            "consumer-b joins",
            _kill(server),
            tmp_path,
        )
    finally:
        stop_local(server, grace=0)
    assert code == 2, stderr
    assert (
        "Traceback" not in stderr and "Task exception" not in stderr and "Unclosed" not in stderr
    ), stderr
    assert "stopped answering during 'consumer-group'" in " ".join(stderr.split())
    assert elapsed <= LIMIT + 2


# --- credentials and driver noise --------------------------------------------------------------


def test_neo4j_uses_the_managed_servers_password_when_neo4j_url_points_at_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from practical.services import setting

    save_state(
        {
            "neo4j": ManagedServer(
                "neo4j", 1, "127.0.0.1", 7999, "log", {"NEO4J_PASSWORD": "managed"}
            )
        }
    )
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.setenv("NEO4J_URL", "bolt://localhost:7999")
    assert setting("neo4j", "NEO4J_PASSWORD", "default") == "managed"
    monkeypatch.setenv("NEO4J_URL", "bolt://127.0.0.1:7687")  # someone else's server
    assert setting("neo4j", "NEO4J_PASSWORD", "default") == "default"
    monkeypatch.setenv("NEO4J_PASSWORD", "mine")
    assert setting("neo4j", "NEO4J_PASSWORD", "default") == "mine"


def test_refused_neo4j_credentials_say_which_variables_to_set() -> None:
    pytest.importorskip("neo4j")
    from neo4j.exceptions import AuthError

    explained = faults.explain_failure(
        AuthError("unauthorized"), (get_service("neo4j"),), "neo4j", "merge"
    )
    assert explained is not None and "NEO4J_USER and NEO4J_PASSWORD" in explained.message


def test_kafka_and_neo4j_driver_warnings_are_silenced() -> None:
    pytest.importorskip("aiokafka")
    pytest.importorskip("neo4j")
    import practical.kafka
    import practical.neo4j  # noqa: F401

    assert logging.getLogger("aiokafka").getEffectiveLevel() == logging.CRITICAL
    assert logging.getLogger("neo4j").getEffectiveLevel() == logging.CRITICAL
