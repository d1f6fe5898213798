"""Couchbase module: its CAS lesson on memcached (Debian's, started on a free port and stopped),
and the real Couchbase pattern when COUCHBASE_URL points at a cluster."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from practical import Narrator, get_module, run_practical
from practical._registry import run_pattern
from practical.services import ManagedServer, serving_locally

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def memcached(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    if shutil.which("memcached") is None:
        pytest.skip("needs memcached: `apt-get install memcached` (.ci/run installs it)")
    workdir = Path(tmp_path_factory.mktemp("memcached"))
    with serving_locally(
        "memcached", "MEMCACHED_ADDRESS", "127.0.0.1:{port}", workdir=workdir
    ) as server:
        yield server


def test_on_memcached_set_loses_items_and_cas_and_append_lose_none(
    memcached: ManagedServer,
) -> None:
    facts = run_pattern(get_module("couchbase"), "memcached-cas", Narrator(quiet=True))
    assert (
        facts["set_items"] == 10 and facts["lost_items"] == 70
    )  # 1 of 8 writes survives each round
    assert facts["cas_items"] == 80 and facts["cas_refused"] >= 70
    assert facts["append_items"] == 80


def test_a_whole_module_run_skips_the_unconfigured_couchbase_pattern_and_says_why(
    memcached: ManagedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COUCHBASE_URL", raising=False)
    lines: list[str] = []
    narrator = Narrator(quiet=True)
    narrator.warn = lines.append  # type: ignore[method-assign]
    results = run_practical("couchbase", out=narrator)
    assert list(results) == ["memcached-cas"]
    assert any(
        line.startswith("skipped: Couchbase Server 7 is not configured: set COUCHBASE_URL")
        for line in lines
    )


@pytest.mark.skipif(
    not os.environ.get("COUCHBASE_URL"),
    reason="COUCHBASE_URL is not set (no Couchbase server installs here)",
)
def test_on_couchbase_upsert_loses_items_and_cas_and_subdocument_append_lose_none() -> None:
    facts = run_pattern(get_module("couchbase"), "cas", Narrator(quiet=True))
    assert facts["upsert_items"] == 10 and facts["lost_items"] == 70
    assert facts["cas_items"] == 80 and facts["cas_mismatches"] >= 70
    assert facts["subdoc_items"] == 80
