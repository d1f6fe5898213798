"""Metrics module against a real Prometheus (Debian's `prometheus`), started on a free port.

The test's Prometheus scrapes the module's /metrics on another free port every second.
"""

from __future__ import annotations

import shutil
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
    monkeypatch.setenv("METRICS_PORT", str(free_port()))  # read by the launcher and by the module
    server = start_local("prometheus", workdir=Path(tmp_path_factory.mktemp("prometheus")))
    monkeypatch.setenv("PROMETHEUS_URL", f"http://127.0.0.1:{server.port}")
    try:
        yield server
    finally:
        stop_local(server)
        monkeypatch.undo()


def test_promql_reads_back_what_the_pool_did(prometheus: ManagedServer) -> None:
    facts = run_pattern(get_module("metrics"), "worker-pool", Narrator(quiet=True))
    assert facts["scraped_total"] == 400
    assert facts["planned_errors"] == 20 and facts["error_percent"] == pytest.approx(5.0)
    assert 1 <= facts["max_in_progress"] <= 4
    assert facts["promql_rate"] == pytest.approx(facts["local_jobs_per_s"], rel=0.5)
    # 40 slow jobs fill the coarse bucket 50-100 ms: rank 380 of 400 sits halfway through it, so
    # the coarse estimate is ~75 ms whatever the jobs took (more if a loaded machine made a fast
    # job late); the fine buckets, 5 ms wide there, land near the truth.
    assert 74 <= facts["coarse_p95_ms"] <= 80
    assert 52 <= facts["true_p95_ms"] < 70
    assert facts["fine_p95_error_ms"] < facts["coarse_p95_error_ms"] / 2
