"""Web module's prometheus pattern against a real Prometheus (Debian's `prometheus`) on a free port.

The test's Prometheus scrapes METRICS_PORT, another free port, every second; the pattern serves
the web app there and reads its rate and P95 back with PromQL.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.services import ManagedServer, free_port, start_local, stop_local

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    if shutil.which("prometheus") is None:
        pytest.skip("needs Prometheus: `apt-get install prometheus` (.ci/run installs it)")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("METRICS_PORT", str(free_port()))  # read by the launcher and by the pattern
    server = start_local("prometheus", workdir=Path(tmp_path_factory.mktemp("prometheus")))
    monkeypatch.setenv("PROMETHEUS_URL", f"http://127.0.0.1:{server.port}")
    try:
        yield server
    finally:
        stop_local(server)
        monkeypatch.undo()


def test_promql_reads_back_every_request_per_endpoint(prometheus: ManagedServer) -> None:
    facts = run_pattern(get_module("webserver"), "prometheus", Narrator(quiet=True))
    # What Prometheus stored equals what the load generator had answered, endpoint by endpoint;
    # every /proxy request made exactly one /upstream request.
    assert facts["work_scraped_total"] == facts["work_sent"] > 0
    assert facts["proxy_scraped_total"] == facts["proxy_sent"] == facts["upstream_scraped_total"]
    for key in ("work", "proxy", "upstream"):
        assert facts[f"{key}_promql_rate"] > 0 and math.isfinite(
            float(facts[f"{key}_promql_p95_ms"])
        )
    # /work awaits 20 ms: its P95 from the histogram cannot be below that bucket's lower edge.
    assert float(facts["work_promql_p95_ms"]) >= 10


def test_a_taken_metrics_port_is_one_line(prometheus: ManagedServer) -> None:
    from usererror import UserError

    with socket.socket() as taken:
        taken.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # the previous test's connections linger
        taken.bind(("127.0.0.1", int(os.environ["METRICS_PORT"])))
        taken.listen()
        with pytest.raises(UserError, match="METRICS_PORT"):
            run_pattern(get_module("webserver"), "prometheus", Narrator(quiet=True))


def test_without_prometheus_the_pattern_says_so_and_runs_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROMETHEUS_URL", f"http://127.0.0.1:{free_port()}")
    facts = run_pattern(get_module("webserver"), "prometheus", Narrator(quiet=True))
    assert facts == {"prometheus_reachable": False}
