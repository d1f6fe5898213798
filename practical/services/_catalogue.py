"""The services the practical modules talk to: where each one is, and how to override it.

Every address has a default that matches ``docker-compose.yml`` and an environment variable
that overrides it, so a learner with their own broker (or a test with a server on a free port)
points a module elsewhere without editing code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from usererror import UserError

__all__ = ["SERVICES", "Service", "get_service"]


@dataclass(frozen=True)
class Service:
    """One server a practical module needs."""

    name: str
    title: str
    env_var: str
    """Environment variable that overrides the default address."""
    default: str
    """Default URL (or host:port list) — the port docker-compose.yml publishes."""
    local_launcher: str | None = None
    """Name of the PyPI-shipped server `learn services up` can start without Docker."""
    embedded: bool = False
    """True when no server is needed (the database runs inside the Python process)."""
    endpoint_only: bool = False
    """True when no server for it installs here: its patterns run only against one you configure."""

    @property
    def url(self) -> str:
        """The address modules use: the environment variable if set, else the default."""
        return os.environ.get(self.env_var) or self.default

    def host_ports(self) -> list[tuple[str, int]]:
        """Every (host, port) the URL names; used by the reachability probe."""
        url = self.url
        if "://" not in url:
            url = f"tcp://{url}"
        netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
        result = []
        for part in netloc.split(","):
            host, _, port = part.strip().rpartition(":")
            if not host:
                host, port = port, ""
            result.append(
                (host.strip("[]") or "127.0.0.1", int(port) if port else _DEFAULT_PORTS[self.name])
            )
        return result


_DEFAULT_PORTS = {
    "rabbitmq": 5672,
    "kafka": 9092,
    "mongodb": 27017,
    "cassandra": 9042,
    "neo4j": 7687,
    "influxdb": 8086,
    "postgres": 5432,
    "redis": 6379,
    "nats": 4222,
    "duckdb": 0,
    "uvicorn": 0,
    "aws": 4566,
    "prometheus": 9090,
    "memcached": 11211,
    "cockroachdb": 26257,
    "couchbase": 11210,
    "hbase": 8080,
    "victoriametrics": 8428,
}

SERVICES: tuple[Service, ...] = (
    Service(
        "postgres", "PostgreSQL 17", "POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    ),
    Service("redis", "Redis 7", "REDIS_URL", "redis://127.0.0.1:6379/0"),
    Service("rabbitmq", "RabbitMQ 4", "RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
    Service("nats", "NATS 2 (JetStream)", "NATS_URL", "nats://127.0.0.1:4222", "nats-server"),
    Service(
        "kafka", "Kafka (Apache Kafka 3.9 or tansu)", "KAFKA_BOOTSTRAP", "127.0.0.1:9092", "tansu"
    ),
    Service(
        "mongodb",
        "MongoDB 8 (or SecantusDB)",
        "MONGODB_URL",
        "mongodb://127.0.0.1:27017/?directConnection=true",
        "secantusdb",
    ),
    Service(
        "neo4j", "Neo4j 5 Bolt (or ArcadeDB)", "NEO4J_URL", "bolt://127.0.0.1:7687", "arcadedb"
    ),
    Service(
        "aws",
        "AWS APIs: S3, SQS, DynamoDB (LocalStack or moto)",
        "AWS_ENDPOINT_URL",
        "http://127.0.0.1:4566",
        "moto",
    ),
    Service("prometheus", "Prometheus 2", "PROMETHEUS_URL", "http://127.0.0.1:9090", "prometheus"),
    Service("memcached", "memcached 1.6", "MEMCACHED_ADDRESS", "127.0.0.1:11211", "memcached"),
    Service(
        "cassandra", "Apache Cassandra 5", "CASSANDRA_HOSTS", "127.0.0.1:9042", endpoint_only=True
    ),
    Service("influxdb", "InfluxDB 2", "INFLUXDB_URL", "http://127.0.0.1:8086", endpoint_only=True),
    Service(
        "victoriametrics",
        "VictoriaMetrics (Influx line protocol; not InfluxDB)",
        "VICTORIAMETRICS_URL",
        "http://127.0.0.1:8428",
        "victoria-metrics",
    ),
    Service(
        "cockroachdb",
        "CockroachDB 24",
        "COCKROACH_URL",
        "postgresql://root@127.0.0.1:26257/defaultdb?sslmode=disable",
        endpoint_only=True,
    ),
    Service(
        "couchbase",
        "Couchbase Server 7",
        "COUCHBASE_URL",
        "couchbase://127.0.0.1",
        endpoint_only=True,
    ),
    Service(
        "hbase",
        "Apache HBase 2 (REST gateway)",
        "HBASE_URL",
        "http://127.0.0.1:8080",
        endpoint_only=True,
    ),
    Service("duckdb", "DuckDB (embedded)", "DUCKDB_PATH", ":memory:", embedded=True),
    Service(
        "uvicorn",
        "ASGI app on uvicorn (started by the module)",
        "WEB_HOST",
        "127.0.0.1",
        embedded=True,
    ),
)


def get_service(name: str) -> Service:
    """The service called ``name`` or a :class:`UserError` listing the known ones."""
    for service in SERVICES:
        if service.name == name:
            return service
    known = ", ".join(s.name for s in SERVICES)
    raise UserError(f"unknown service '{name}': choose one of {known}")
