"""Redis pub/sub and Streams module against a redis-server of the test's own (free port, no
persistence), so the machine's Redis is never touched."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from tests.functional._fault_tools import FaultAt, own_server
from usererror import UserError

pytestmark = pytest.mark.services

COMMAND = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--port"]


@pytest.fixture
def redis_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, Callable[[], None]]]:
    """(port, kill) of a redis-server started for this test; REDIS_URL points at it."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server: `apt-get install redis-server`")
    with own_server(lambda port: [*COMMAND, str(port)]) as (port, kill):
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
        yield port, kill


def _keys(port: int) -> list[str]:
    import redis

    with redis.Redis(port=port, decode_responses=True) as r:
        return list(r.keys("*"))


def test_pubsub_loses_what_a_stream_group_keeps(
    redis_server: tuple[int, Callable[[], None]],
) -> None:
    facts = run_pattern(get_module("redis_streams"), "pubsub-vs-stream", Narrator(quiet=True))
    assert facts["pubsub_a_received"] == 100
    assert (facts["pubsub_b_received"], facts["pubsub_b_lost"]) == (
        50,
        50,
    )  # 30 before it joined, 20 while away
    assert facts["receivers_while_b_away"] == 20  # PUBLISH reached A alone
    assert (facts["stream_length"], facts["stream_b_received"], facts["stream_b_in_order"]) == (
        100,
        100,
        True,
    )
    assert _keys(redis_server[0]) == []


def test_a_dead_consumers_jobs_are_claimed_and_applied_once(
    redis_server: tuple[int, Callable[[], None]],
) -> None:
    facts = run_pattern(get_module("redis_streams"), "consumer-group", Narrator(quiet=True))
    assert (facts["pending_after_crash"], facts["processed_before_claim"]) == (5, 57)
    assert facts["claimed_with_a_60s_threshold"] == 0
    assert (facts["claimed"], facts["delivered_twice"]) == (5, 5)
    assert (facts["processed"], facts["processed_twice"], facts["applied"]) == (60, 2, 60)
    assert facts["pending_at_end"] == 0
    assert _keys(redis_server[0]) == []


def test_redis_killed_mid_run_is_one_line_within_5_s(
    redis_server: tuple[int, Callable[[], None]],
) -> None:
    _, kill = redis_server
    narrator = FaultAt("B's connection drops", kill)
    with pytest.raises(UserError) as caught:
        run_pattern(get_module("redis_streams"), "pubsub-vs-stream", narrator)
    assert narrator.fault_at is not None
    elapsed = time.monotonic() - narrator.fault_at
    message = caught.value.message
    assert caught.value.exit_code == 2 and "\n" not in message
    assert message.startswith("Redis 7 at 127.0.0.1:") and "during 'pubsub-vs-stream'" in message, (
        message
    )
    assert "`learn practical run redis_streams`" in message
    assert elapsed <= 5.0, f"{elapsed:.1f} s from the fault to the error"
