"""`learn services up` starts NATS with JetStream when nothing answers at NATS_URL, `status` then
shows it reachable, and `down` stops it (the other services left out of this test)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from practical.services import down, free_port, get_service, probe, up
from practical.services._local import why_not_local

pytestmark = pytest.mark.services


def _jetstream_streams(url: str) -> int:
    import nats

    async def count() -> int:
        broker = await nats.connect(url)
        try:
            return (await broker.jetstream().account_info()).streams
        finally:
            await broker.close()

    return asyncio.run(count())


def test_up_starts_nats_with_jetstream_and_down_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import practical.services._manage as manage
    from practical.render import render_status

    if why_not_local("nats") is not None:
        pytest.skip(f"no local NATS here: {why_not_local('nats')}")
    port = free_port()
    monkeypatch.setenv("NATS_URL", f"nats://127.0.0.1:{port}")
    monkeypatch.setattr(manage, "SERVICES", (get_service("nats"),))
    monkeypatch.setattr(manage, "docker_available", lambda: False)
    monkeypatch.setattr("practical.services.docker_available", lambda: False)
    report = up()
    try:
        assert (report.mode, report.started, report.unavailable) == ("local", ["nats"], [])
        assert probe(get_service("nats")).reachable
        assert _jetstream_streams(f"nats://127.0.0.1:{port}") == 0  # JetStream is on, and empty
        from rich.console import Console

        console = Console(record=True, width=300)
        render_status(console, [probe(get_service("nats"))])
        text = console.export_text()
        assert "reachable" in text and "learn services up" not in text
        assert up().already_running == ["nats"]
    finally:
        assert down() == ["nats"]
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
