"""InfluxDB line protocol against VictoriaMetrics (Debian's victoria-metrics, an Influx-compatible
server, not InfluxDB), started on a free port and stopped."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.services import ManagedServer, serving_locally, stop_local
from tests.functional._fault_tools import FaultAt
from usererror import UserError

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def victoriametrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    if shutil.which("victoria-metrics") is None:
        pytest.skip(
            "needs VictoriaMetrics: `apt-get install victoria-metrics` (.ci/run installs it)"
        )
    workdir = Path(tmp_path_factory.mktemp("victoriametrics"))
    with serving_locally(
        "victoriametrics", "VICTORIAMETRICS_URL", "http://127.0.0.1:{port}", workdir=workdir
    ) as server:
        yield server


def test_concurrent_batched_writers_store_every_point_and_a_retried_batch_is_stored_twice(
    victoriametrics: ManagedServer,
) -> None:
    facts = run_pattern(get_module("influxdb"), "line-protocol", Narrator(quiet=True))
    assert facts["queried"] == 16000 and facts["sensors_complete"] == 8
    assert facts["batched_points_per_s"] > 0 and facts["single_points_per_s"] > 0
    assert facts["stored_after_retry"] == 17000  # the retried 1,000 lines are kept twice
    assert facts["queried_after_retry"] == 16000  # queries count one sample per timestamp


def test_the_server_stopped_mid_run_is_named_in_one_line(victoriametrics: ManagedServer) -> None:
    """Last in this file: it stops the module's server."""
    narrator = FaultAt("in requests of 1000 lines", lambda: stop_local(victoriametrics, grace=0))
    with pytest.raises(UserError) as caught:
        run_pattern(get_module("influxdb"), "line-protocol", narrator)
    assert narrator.fault_at is not None and time.monotonic() - narrator.fault_at <= 5
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith(
        "VictoriaMetrics (Influx line protocol; not InfluxDB) at 127.0.0.1:"
    )
    assert "stopped answering during 'line-protocol'" in caught.value.message
    assert any(w.startswith("cleanup: could not delete the series") for w in narrator.warnings)
