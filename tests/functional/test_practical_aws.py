"""AWS module against moto_server (moto[server] from PyPI), started on a free port and stopped."""

from __future__ import annotations

import time

import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.services import ManagedServer, stop_local
from tests.functional._fault_tools import FaultAt
from tests.functional.practical_servers import aws_server
from usererror import UserError

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("aws_server")]
__all__ = ["aws_server"]


def _run(pattern: str) -> dict:
    return run_pattern(get_module("aws"), pattern, Narrator(quiet=True))


def test_check_then_put_lets_every_worker_win_and_if_none_match_exactly_one() -> None:
    facts = _run("s3-lock")
    assert facts["check_then_put_winners"] == 16
    assert facts["conditional_winners"] == 1 and facts["refused_412"] == 15
    assert str(facts["holder"]).startswith("worker-")
    assert facts["reacquired"] is True


def test_multipart_upload_is_bounded_intact_and_an_abort_leaves_no_parts() -> None:
    facts = _run("multipart")
    assert facts["intact"] is True
    assert 1 <= facts["max_in_flight"] <= 4
    assert str(facts["etag"]).endswith("-6")  # 30 MiB in 5 MiB parts
    assert facts["part_refused"] == "InvalidArgument"
    assert facts["uploads_pending_before_abort"] == 1 and facts["uploads_pending_after_abort"] == 0


def test_a_dead_consumers_messages_come_back_after_the_visibility_timeout() -> None:
    facts = _run("sqs-redelivery")
    assert facts["processed"] == 20
    assert facts["redelivered"] == 5 and facts["max_receive_count"] == 2
    assert facts["deliveries"] == 20  # the 15 never held once each, the 5 held once more
    assert facts["redelivered_after_s"] >= 2 * 0.9  # not before the 2 s timeout (clock granularity)


def test_unconditional_writes_lose_updates_and_version_conditions_lose_none() -> None:
    facts = _run("dynamodb-locking")
    assert facts["unconditional_final"] == 5  # every round, all 8 read n and write n + 1
    assert facts["lost_updates"] == 35
    assert facts["conditional_final"] == 40 and facts["version"] == 40
    assert facts["conflicts_retried"] >= 7 * 5


def test_every_subscribed_queue_gets_every_message_and_competing_consumers_split_one_queue() -> (
    None
):
    facts = _run("sns-fanout")
    assert facts["every_queue_got_every_message"] is True
    assert facts["billing_distinct"] == facts["shipping_distinct"] == facts["audit_distinct"] == 60
    first, second = map(int, str(facts["billing_split"]).split("+"))
    assert first + second >= 60  # each message went to one of the two (at least once)
    assert facts["publish_to_receive_p50_ms"] > 0


def test_presigned_urls_carry_uploads_and_downloads_over_plain_http_and_show_their_expiry() -> None:
    facts = _run("presigned-urls")
    assert facts["puts_ok"] == 16 and facts["gets_intact"] == 16
    assert facts["expires_in_s"] == 300 and len(str(facts["signed_at"])) == 16  # 20261127T234043Z
    assert facts["expired_status"] in (
        200,
        403,
    )  # moto does not check expiry; S3 and MinIO answer 403
    assert facts["expired_refused"] is (facts["expired_status"] == 403)


def test_the_server_stopped_mid_run_is_named_in_one_line(aws_server: ManagedServer) -> None:
    """Last in this file: it stops the module's server."""
    narrator = FaultAt("PutItem only if version", lambda: stop_local(aws_server, grace=0))
    with pytest.raises(UserError) as caught:
        run_pattern(get_module("aws"), "dynamodb-locking", narrator)
    assert narrator.fault_at is not None and time.monotonic() - narrator.fault_at <= 5
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith(
        "AWS APIs: S3, SQS, DynamoDB (LocalStack or moto) at 127.0.0.1:"
    )
    assert "stopped answering during 'dynamodb-locking'" in caught.value.message


def test_services_up_starts_moto_and_carries_on_past_a_server_it_cannot_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`learn services up` without Docker: moto_server on the configured port; Prometheus missing
    (PATH without it) is reported with the command that installs it, not a crash of `up`."""
    import practical.services._manage as manage
    from practical.services import down, free_port, get_service, probe, up

    monkeypatch.setenv("PATH", "")  # neither docker nor prometheus
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("PROMETHEUS_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr(manage, "SERVICES", (get_service("aws"), get_service("prometheus")))
    report = up()
    try:
        assert report.mode == "local" and report.started == ["aws"]
        assert probe(get_service("aws")).reachable
        [(name, why)] = report.unavailable
        assert name == "prometheus" and "apt-get install prometheus" in why
    finally:
        assert down() == ["aws"]
    assert not probe(get_service("aws")).reachable
