"""CockroachDB module: its retry-loop lesson on PostgreSQL (the machine's server), and the real
CockroachDB pattern when COCKROACH_URL points at a cluster."""

from __future__ import annotations

import os

import pytest

from practical import Narrator, get_module, run_practical
from practical._registry import run_pattern
from practical.services import free_port, get_service, probe
from usererror import UserError

pytestmark = pytest.mark.services


def _run(pattern: str) -> dict:
    return run_pattern(get_module("cockroachdb"), pattern, Narrator(quiet=True))


def test_read_committed_loses_serializable_refuses_and_the_retry_loop_loses_nothing() -> None:
    reach = probe(get_service("postgres"))
    if not reach.reachable:
        pytest.skip(f"postgres not reachable at {reach.address}: {reach.reason}")
    facts = _run("postgres-serializable")
    assert facts["read_committed_final"] == 20 and facts["lost_updates"] == 140  # 1 of 8 per round
    assert facts["serializable_final"] == 20 and facts["serializable_refused"] == 140
    assert facts["retry_final"] == 160 and facts["serialization_failures"] >= 140
    assert facts["savepoint_refusals"] == 5 and facts["savepoint_gave_up"] is True


def test_without_cockroach_url_the_real_pattern_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COCKROACH_URL", raising=False)
    import practical.services._catalogue as catalogue

    nowhere = f"postgresql://root@127.0.0.1:{free_port()}/defaultdb"
    monkeypatch.setattr(
        catalogue,
        "SERVICES",
        tuple(
            catalogue.Service(s.name, s.title, s.env_var, nowhere, endpoint_only=True)
            if s.name == "cockroachdb"
            else s
            for s in catalogue.SERVICES
        ),
    )
    with pytest.raises(UserError) as caught:
        run_practical("cockroachdb", "retry-loop", Narrator(quiet=True))
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith("CockroachDB 24 is not configured: set COCKROACH_URL")


@pytest.mark.skipif(
    not os.environ.get("COCKROACH_URL"),
    reason="COCKROACH_URL is not set (no CockroachDB server installs here)",
)
def test_on_cockroachdb_no_retry_refuses_and_the_savepoint_protocol_loses_nothing() -> None:
    facts = _run("retry-loop")
    assert facts["no_retry_final"] + facts["no_retry_refused"] == 80
    assert facts["no_retry_refused"] >= 1
    assert facts["retry_final"] == 80 and facts["retries"] >= 1
