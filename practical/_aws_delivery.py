"""SNS fan-out to SQS queues, and S3 presigned URLs used over plain HTTP (the `aws` module's
``sns-fanout`` and ``presigned-urls`` patterns)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

from practical._faults import cleanup_sync
from practical._narrate import Narrator, unique_name

__all__ = ["presigned_urls", "sns_fanout"]


def _allow_topic(sqs: Any, queue_url: str, queue_arn: str, topic_arn: str) -> None:
    """The queue policy AWS needs before SNS may deliver to a queue (moto does not check it)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})


def sns_fanout(
    out: Narrator,
    client: Any,
    messages: int = 60,
    publishers: int = 4,
    subscribers: tuple[str, ...] = ("billing", "shipping", "audit"),
) -> None:
    """``publishers`` threads publish ``messages`` to one topic; each subscribed queue drains them all."""
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name=unique_name("orders"))["TopicArn"]
    queues: dict[str, str] = {}
    subscriptions: list[str] = []
    try:
        for name in subscribers:
            url = sqs.create_queue(QueueName=unique_name(name))["QueueUrl"]
            queues[name] = url
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            _allow_topic(sqs, url, arn, topic)
            subscriptions.append(
                sns.subscribe(
                    TopicArn=topic,
                    Protocol="sqs",
                    Endpoint=arn,
                    Attributes={"RawMessageDelivery": "true"},
                )["SubscriptionArn"]
            )
        out.step(
            f"{len(subscribers)} queues subscribed to one topic; {publishers} publishers send "
            f"{messages} orders in batches of 10 while the consumers receive"
        )

        def publish(first: int) -> None:
            numbers = range(first, messages, publishers)
            for start in range(0, len(numbers), 10):
                sns.publish_batch(
                    TopicArn=topic,
                    PublishBatchRequestEntries=[
                        {"Id": str(n), "Message": json.dumps({"order": n, "sent": time.time()})}
                        for n in numbers[start : start + 10]
                    ],
                )

        got: dict[str, Counter[int]] = {name: Counter() for name in subscribers}
        by_worker: Counter[str] = Counter()
        latencies: list[float] = []
        lock = threading.Lock()
        give_up = time.monotonic() + 60

        def consume(name: str, worker: str) -> None:
            url = queues[name]
            while len(got[name]) < messages and time.monotonic() < give_up:
                answer = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
                )
                if not answer.get("Messages"):
                    time.sleep(
                        0.05
                    )  # a short poll found nothing: poll again shortly (a pause, not a synchronisation)
                received = answer.get("Messages", [])
                for message in received:
                    body = json.loads(message["Body"])
                    with lock:
                        got[name][body["order"]] += 1
                        by_worker[worker] += 1
                        latencies.append(time.time() - body["sent"])
                if received:  # processed: delete the batch in one request
                    sqs.delete_message_batch(
                        QueueUrl=url,
                        Entries=[
                            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                            for i, m in enumerate(received)
                        ],
                    )

        first = subscribers[0]
        workers = [(name, name) for name in subscribers[1:]] + [
            (first, f"{first}-1"),
            (first, f"{first}-2"),
        ]
        out.step(f"consumers: one per queue, except '{first}' where two compete for its messages")
        start = time.perf_counter()
        with ThreadPoolExecutor(len(workers) + publishers) as pool:
            consumers = [pool.submit(consume, name, worker) for name, worker in workers]
            for future in [pool.submit(publish, i) for i in range(publishers)]:
                future.result()
            out.rate("published_per_s", messages, time.perf_counter() - start, "msg")
            for future in consumers:
                future.result()
        out.rate(
            "delivered_per_s",
            sum(sum(c.values()) for c in got.values()),
            time.perf_counter() - start,
            "msg",
        )
        for name in subscribers:
            out.fact(
                f"{name}_distinct",
                len(got[name]),
                f"'{name}' queue: distinct orders (of {messages})",
            )
        out.fact("every_queue_got_every_message", all(len(got[n]) == messages for n in subscribers))
        out.fact(
            "duplicates",
            sum(n - 1 for c in got.values() for n in c.values() if n > 1),
            "copies beyond the first (SNS and SQS deliver at least once)",
        )
        out.fact(
            f"{first}_split",
            f"{by_worker[f'{first}-1']}+{by_worker[f'{first}-2']}",
            f"how the two '{first}' consumers split its queue",
        )
        out.latencies("publish_to_receive", latencies)
    finally:
        cleanup_sync(
            out,
            *(
                (
                    f"unsubscribe {arn.rsplit(':', 1)[-1]}",
                    lambda arn=arn: sns.unsubscribe(SubscriptionArn=arn),
                )
                for arn in subscriptions
            ),
            ("delete the topic", lambda: sns.delete_topic(TopicArn=topic)),
            *(
                (f"delete queue {name}", lambda url=url: sqs.delete_queue(QueueUrl=url))
                for name, url in queues.items()
            ),
        )
    out.lesson(
        "a topic copies each message to every subscriber; a queue hands each message to one of its "
        "consumers: fan-out for independent services, competing consumers to share one service's work"
    )


def _expiry(url: str) -> tuple[str, int]:
    """(signed at, valid for seconds) read from a SigV4 presigned URL's query."""
    query = parse_qs(urlsplit(url).query)
    return query["X-Amz-Date"][0], int(query["X-Amz-Expires"][0])


def presigned_urls(
    out: Narrator,
    client: Any,
    bucket_for: Any,
    empty_and_delete: Any,
    uploads: int = 16,
    size: int = 256 * 1024,
    pool: int = 8,
) -> None:
    """Clients with no credentials PUT and GET objects through presigned URLs, ``pool`` at a time."""
    import os

    import httpx
    from botocore.config import Config

    s3 = client("s3", Config(signature_version="s3v4"))
    bucket = bucket_for(s3)
    try:
        bodies = {f"uploads/photo-{i}.jpg": os.urandom(size) for i in range(uploads)}
        put_urls = {
            key: s3.generate_presigned_url(
                "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300
            )
            for key in bodies
        }
        signed_at, valid_for = _expiry(next(iter(put_urls.values())))
        out.step(
            f"the application signs {uploads} PUT URLs (no request to S3: signing is local) valid for {valid_for} s"
        )
        out.fact("signed_at", signed_at, "X-Amz-Date (UTC)")
        out.fact("expires_in_s", valid_for, "X-Amz-Expires")

        out.step(
            f"{uploads} clients without credentials PUT {size // 1024} KiB each with plain HTTP, {pool} at a time"
        )
        with httpx.Client(timeout=20) as http:
            start = time.perf_counter()
            with ThreadPoolExecutor(pool) as threads:
                statuses = list(
                    threads.map(
                        lambda key: http.put(put_urls[key], content=bodies[key]).status_code, bodies
                    )
                )
            out.rate("presigned_puts_per_s", uploads, time.perf_counter() - start, "uploads")
            out.fact("puts_ok", statuses.count(200), f"uploads answered 200 (of {uploads})")

            get_urls = {
                key: s3.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300
                )
                for key in bodies
            }
            with ThreadPoolExecutor(pool) as threads:
                fetched = dict(
                    zip(
                        bodies,
                        threads.map(lambda key: http.get(get_urls[key]).content, bodies),
                        strict=True,
                    )
                )
            out.fact(
                "gets_intact",
                sum(fetched[key] == body for key, body in bodies.items()),
                f"downloads identical to the upload (of {uploads})",
            )

            short = s3.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": next(iter(bodies))}, ExpiresIn=1
            )
            out.step("a GET URL valid for 1 s, used 2 s later")
            time.sleep(
                2.1
            )  # let the URL's lifetime pass: the point of this step, not a synchronisation
            late = http.get(short)
        out.fact("expired_status", late.status_code, "HTTP status of the expired URL")
        out.fact("expired_refused", late.status_code == 403, "the server refused the expired URL")
        if late.status_code != 403:
            out.warn(
                f"this server answered {late.status_code}: it does not check presigned URLs' expiry "
                "(moto does not); AWS S3 and MinIO answer 403 AccessDenied 'Request has expired'"
            )
    finally:
        cleanup_sync(out, ("delete the bucket", lambda: empty_and_delete(s3, bucket)))
    out.lesson(
        "a presigned URL is a capability for one request until it expires: hand it out, and the "
        "uploads run in parallel from the clients without passing through your server"
    )
