"""memcached module against Debian's memcached, started on a free port and stopped."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from practical import Narrator, get_module
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


def test_get_set_loses_updates_cas_retries_lose_none_incr_is_atomic(
    memcached: ManagedServer,
) -> None:
    facts = run_pattern(get_module("memcached"), "cas", Narrator(quiet=True))
    assert facts["get_set_final"] == 50  # every round, all 8 read n and write n + 1
    assert facts["lost_updates"] == 350
    assert facts["cas_final"] == 400 and facts["cas_refused"] >= 7 * 50
    assert facts["incr_final"] == 400
