"""A practical run prints its narration and nothing else: the drivers' own log lines (aiokafka,
neo4j, pymongo, aio-pika, psycopg, redis) stay quiet unless `--verbose` asks for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from practical.services import get_service, probe
from tests.conftest import ROOT
from tests.functional.practical_servers import kafka_server, mongo_server, neo4j_server

pytestmark = pytest.mark.services
__all__ = ["kafka_server", "mongo_server", "neo4j_server"]


def _learn(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COLUMNS": "200",
        "LEARN_HOME": str(tmp_path / "home"),
        "LEARN_WORKSPACE": str(tmp_path / "ws"),
    }
    return subprocess.run(
        [sys.executable, "-c", "import cli; cli.app()", "practical", "run", *args],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=300,
        check=False,
    )


def _quiet_run(tmp_path: Path, module: str, pattern: str) -> str:
    run = _learn(tmp_path, module, "-p", pattern)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", f"driver output on stderr:\n{run.stderr[:2000]}"
    for noise in ("WARNING", "Traceback", "Task exception", "Unclosed"):
        assert noise not in run.stdout, run.stdout
    return run.stdout


@pytest.mark.parametrize(
    ("module", "pattern"),
    [
        ("postgres", "serializable-retry"),
        ("redis", "fenced-lock"),
        ("rabbitmq", "crash-redelivery"),
        ("duckdb", "concurrent-readers"),
    ],
)
def test_machine_service_runs_print_only_the_narration(
    tmp_path: Path, module: str, pattern: str
) -> None:
    from practical import get_module

    for service in (get_module(module).service, *get_module(module).also_needs):
        reach = probe(get_service(service))
        if not reach.reachable:
            pytest.skip(f"{service} not reachable at {reach.address}: {reach.reason}")
    assert "▶" in _quiet_run(tmp_path, module, pattern)


@pytest.mark.slow
@pytest.mark.usefixtures("kafka_server")
def test_kafka_rebalances_print_no_aiokafka_lines_unless_verbose(tmp_path: Path) -> None:
    _quiet_run(tmp_path, "kafka", "consumer-group")
    verbose = _learn(tmp_path, "kafka", "-p", "consumer-group", "--verbose")
    assert verbose.returncode == 0, verbose.stderr
    assert "aiokafka" in verbose.stderr  # the same run, with the driver's log lines let through


@pytest.mark.usefixtures("mongo_server")
def test_mongodb_transactions_print_only_the_narration(tmp_path: Path) -> None:
    _quiet_run(tmp_path, "mongodb", "transactions")


@pytest.mark.slow
@pytest.mark.usefixtures("neo4j_server")
def test_neo4j_retries_print_no_driver_warnings(tmp_path: Path) -> None:
    _quiet_run(tmp_path, "neo4j", "managed-tx")
