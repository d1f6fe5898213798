"""Cloud APIs under concurrency: S3, SQS, SNS and DynamoDB (boto3, from a pool of threads).

A cloud API has no locks to lend you; it has *conditional writes*. S3's ``If-None-Match: *``
creates an object only if the key is absent, so "create the lock object" is a lock: exactly one
of many racing writers gets 200, the rest get 412 — where "check, then put" lets them all
through. A large object goes up as a *multipart upload*: parts travel in parallel from a
*bounded* pool (memory and connections stay fixed), and an upload that fails is *aborted*, or its
parts linger (and cost). SQS never deletes a message on delivery: it hides it for the *visibility
timeout*; a consumer that dies before ``DeleteMessage`` sees its messages delivered again, so
handlers must be idempotent. DynamoDB's ``ConditionExpression`` on a *version attribute* is
optimistic locking: read, change, write only if the version is still the one read; otherwise
re-read and retry. Without the condition, concurrent read-modify-writes silently lose updates.
SNS *fans out*: every queue subscribed to a topic gets its own copy of every message, where the
consumers of one queue *split* its messages between them. A *presigned URL* lends one request
(PUT or GET of one key, until it expires) to a client that has no credentials: browsers upload
straight to S3, in parallel, and the application server carries none of the bytes.

Locally these APIs are served by moto_server (`learn services up` without Docker) or LocalStack:
the semantics shown here are AWS's, the speeds are a local process's, not the cloud's.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from practical._faults import cleanup_sync
from practical._narrate import Narrator, unique_name
from practical.services import get_service, setting

TITLE = "AWS APIs: S3 conditional writes, multipart and presigned URLs, SQS redelivery, SNS fan-out, DynamoDB locking"
SERVICE = "aws"
PATTERNS = {
    "s3-lock": "If-None-Match: * as a lock: one winner of many, where check-then-put lets all win",
    "multipart": "a multipart upload from a bounded pool of threads, aborted if it fails",
    "sqs-redelivery": "a consumer dies holding messages; the visibility timeout redelivers them",
    "dynamodb-locking": "read-modify-write loses updates; a version condition + retry loses none",
    "sns-fanout": "publishers send to a topic; every subscribed queue gets every message, a queue's consumers split it",
    "presigned-urls": "uploads and downloads by plain HTTP with presigned URLs, in parallel, and what expiry does",
}

MiB = 1024 * 1024


def client(name: str, extra: Any = None) -> Any:
    """A boto3 client for ``name`` at the configured endpoint, failing fast when it is gone.

    ``extra`` (a botocore ``Config``) is merged in, e.g. ``Config(signature_version="s3v4")``.
    """
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=2,
        read_timeout=20,
        retries={"max_attempts": 2, "mode": "standard"},
        max_pool_connections=32,
    )
    if extra is not None:
        config = config.merge(extra)
    return boto3.client(
        name,
        endpoint_url=get_service("aws").url,
        region_name=setting("aws", "AWS_DEFAULT_REGION", "us-east-1"),
        aws_access_key_id=setting("aws", "AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=setting("aws", "AWS_SECRET_ACCESS_KEY", "testing"),
        config=config,
    )


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _bucket(s3: Any) -> str:
    name = unique_name("lab").replace("_", "-")  # bucket names allow no underscores
    s3.create_bucket(Bucket=name)
    return name


def _empty_and_delete(s3: Any, bucket: str) -> None:
    for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


def _race(
    workers: int, attempt: Callable[[int], bool], barrier: threading.Barrier | None = None
) -> int:
    """Run ``attempt(i)`` on ``workers`` threads at once; how many returned True.

    When one attempt fails, ``barrier`` is broken, so the others stop waiting for it and fail too.
    """

    def guarded(i: int) -> bool:
        try:
            return attempt(i)
        except BaseException:
            if barrier is not None:
                barrier.abort()
            raise

    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(guarded, range(workers)))


def pattern_s3_lock(out: Narrator, workers: int = 16) -> None:
    s3 = client("s3")
    bucket = _bucket(s3)
    try:
        checked = threading.Barrier(workers)

        def check_then_put(i: int) -> bool:
            key = "locks/check-then-put"
            try:
                s3.head_object(Bucket=bucket, Key=key)
                free = False
            except Exception as error:
                if _error_code(error) not in ("404", "NoSuchKey", "NotFound"):
                    raise
                free = True
            checked.wait()  # everyone has looked before anyone writes: the race, made certain
            if free:
                s3.put_object(Bucket=bucket, Key=key, Body=f"worker-{i}".encode())
            return free

        out.step(f"{workers} workers: HEAD the lock object, PUT it if absent (check, then put)")
        racy = _race(workers, check_then_put, checked)
        out.fact(
            "check_then_put_winners", racy, "workers that believe they hold the lock (should be 1)"
        )

        refused = 0
        latencies: list[float] = []
        lock = threading.Lock()

        def conditional_put(i: int) -> bool:
            nonlocal refused
            start = time.perf_counter()
            try:
                s3.put_object(
                    Bucket=bucket,
                    Key="locks/conditional",
                    Body=f"worker-{i}".encode(),
                    IfNoneMatch="*",
                )
                won = True
            except Exception as error:
                if _error_code(error) != "PreconditionFailed":
                    raise
                won = False
            with lock:
                latencies.append(time.perf_counter() - start)
                refused += not won
            return won

        out.step(
            f"{workers} workers: PUT with If-None-Match: * (create only if absent), all at once"
        )
        winners = _race(workers, conditional_put)
        holder = s3.get_object(Bucket=bucket, Key="locks/conditional")["Body"].read().decode()
        out.fact("conditional_winners", winners, "workers that got 200 (the lock)")
        out.fact("refused_412", refused, "workers refused with 412 Precondition Failed")
        out.fact("holder", holder, "the lock object names its holder")
        out.latencies("conditional_put", latencies)
        s3.delete_object(Bucket=bucket, Key="locks/conditional")
        out.step("the holder releases: DELETE the object; the next conditional PUT succeeds")
        s3.put_object(Bucket=bucket, Key="locks/conditional", Body=b"next holder", IfNoneMatch="*")
        out.fact("reacquired", True, "acquired again after release")
    finally:
        cleanup_sync(out, ("delete the bucket", lambda: _empty_and_delete(s3, bucket)))
    out.lesson(
        "the server decides who creates the key, atomically; a check in the client is stale by the time it writes"
    )
    out.warn(
        "an S3 lock has no expiry: a holder that dies keeps it; add a lease (a timestamp + a reaper) in real use"
    )


def pattern_multipart(out: Narrator, size_mib: int = 30, part_mib: int = 5, pool: int = 4) -> None:
    s3 = client("s3")
    bucket = _bucket(s3)
    data = os.urandom(size_mib * MiB)
    part_size = part_mib * MiB
    parts = [data[i : i + part_size] for i in range(0, len(data), part_size)]
    try:

        def upload(key: str, workers: int) -> tuple[float, int]:
            """Upload ``data`` in parts from ``workers`` threads; (seconds, most parts in flight)."""
            upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
            in_flight = peak = 0
            lock = threading.Lock()

            def put_part(number: int) -> dict[str, Any]:
                nonlocal in_flight, peak
                with lock:
                    in_flight += 1
                    peak = max(peak, in_flight)
                try:
                    answer = s3.upload_part(
                        Bucket=bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=parts[number - 1],
                    )
                finally:
                    with lock:
                        in_flight -= 1
                return {"PartNumber": number, "ETag": answer["ETag"]}

            start = time.perf_counter()
            try:
                with ThreadPoolExecutor(workers) as threads:
                    done = list(threads.map(put_part, range(1, len(parts) + 1)))
                s3.complete_multipart_upload(
                    Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
                )
            except BaseException:
                s3.abort_multipart_upload(
                    Bucket=bucket, Key=key, UploadId=upload_id
                )  # or the parts linger
                raise
            return time.perf_counter() - start, peak

        out.step(
            f"a {size_mib} MiB object in {len(parts)} parts of {part_mib} MiB, one part at a time"
        )
        sequential, _ = upload("one-by-one", 1)
        out.rate("sequential_mib_per_s", size_mib, sequential, "MiB")
        out.step(f"the same parts from a pool of {pool} threads: at most {pool} parts in flight")
        parallel, peak = upload("parallel", pool)
        out.rate("parallel_mib_per_s", size_mib, parallel, "MiB")
        out.fact("speedup", sequential / parallel, "parallel / sequential throughput")
        out.fact("max_in_flight", peak, f"most parts in flight (pool of {pool})")

        stored = s3.get_object(Bucket=bucket, Key="parallel")
        body = stored["Body"].read()
        out.fact(
            "intact",
            hashlib.sha256(body).digest() == hashlib.sha256(data).digest(),
            "downloaded object equals the upload (SHA-256)",
        )
        out.fact(
            "etag", stored["ETag"].strip('"'), "ETag: MD5 of the parts' MD5s, dash, part count"
        )

        out.step("an upload whose third part is refused (part number 10001; S3 allows 1-10000)")
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key="failed")["UploadId"]
        s3.upload_part(Bucket=bucket, Key="failed", UploadId=upload_id, PartNumber=1, Body=parts[0])
        s3.upload_part(Bucket=bucket, Key="failed", UploadId=upload_id, PartNumber=2, Body=parts[1])
        try:
            s3.upload_part(
                Bucket=bucket, Key="failed", UploadId=upload_id, PartNumber=10_001, Body=parts[2]
            )
            refused = ""
        except Exception as error:
            refused = _error_code(error) or type(error).__name__
        pending = len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))
        s3.abort_multipart_upload(Bucket=bucket, Key="failed", UploadId=upload_id)
        after = len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))
        out.fact("part_refused", refused, "the server's answer to the third part")
        out.fact(
            "uploads_pending_before_abort",
            pending,
            "unfinished uploads holding parts (stored, billed, invisible)",
        )
        out.fact(
            "uploads_pending_after_abort", after, "unfinished uploads after AbortMultipartUpload"
        )
    finally:
        cleanup_sync(out, ("delete the bucket", lambda: _empty_and_delete(s3, bucket)))
    out.lesson(
        "parts are independent requests: a bounded pool overlaps them without unbounded memory; "
        "against real S3 each part's latency dominates, so the speedup is larger than here"
    )


def pattern_sqs_redelivery(out: Narrator, messages: int = 20, visibility: int = 2) -> None:
    sqs = client("sqs")
    url = sqs.create_queue(
        QueueName=unique_name("jobs"), Attributes={"VisibilityTimeout": str(visibility)}
    )["QueueUrl"]
    try:
        for batch in range(0, messages, 10):
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "MessageBody": f"job-{i}"}
                    for i in range(batch, min(batch + 10, messages))
                ],
            )
        out.step(f"{messages} jobs queued, visibility timeout {visibility} s")

        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5, WaitTimeSeconds=1)[
            "Messages"
        ]
        crashed_at = time.monotonic()
        held = {m["Body"] for m in received}
        out.warn(f"consumer A receives {len(held)} jobs and dies before deleting any")

        done: set[str] = set()
        deliveries = 0
        redelivered_after: list[float] = []
        receive_counts: dict[str, int] = {}
        lock = threading.Lock()

        give_up = crashed_at + 3 * visibility + 20

        def consumer() -> None:
            nonlocal deliveries
            while len(done) < messages and time.monotonic() < give_up:
                answer = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=1,
                    MessageSystemAttributeNames=["ApproximateReceiveCount"],
                )
                for message in answer.get("Messages", []):
                    body = message["Body"]
                    with lock:
                        deliveries += 1
                        receive_counts[body] = int(message["Attributes"]["ApproximateReceiveCount"])
                        if body in held and body not in done:
                            redelivered_after.append(time.monotonic() - crashed_at)
                        done.add(
                            body
                        )  # idempotent: a second delivery of a done job changes nothing
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

        out.step("consumers B and C drain the queue: receive, process (idempotently), delete")
        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(consumer) for _ in range(2)]:
                future.result()
        out.fact(
            "drained_after_s",
            time.monotonic() - crashed_at,
            "seconds from A's crash until every job was done (the timeout included)",
        )
        out.fact("deliveries", deliveries, "deliveries to B and C")
        out.fact("processed", len(done), f"distinct jobs processed (of {messages})")
        out.fact("redelivered", len(redelivered_after), "jobs A held, delivered again")
        out.fact(
            "max_receive_count",
            max(receive_counts.values(), default=0),
            "ApproximateReceiveCount of those",
        )
        out.fact(
            "redelivered_after_s",
            min(redelivered_after, default=0.0),
            f"seconds from A's crash to the first redelivery (timeout {visibility} s)",
        )
    finally:
        cleanup_sync(out, ("delete the queue", lambda: sqs.delete_queue(QueueUrl=url)))
    out.lesson(
        "delivery is a lease: delete after the work, make the work idempotent, and size the timeout "
        "above the work's duration (or extend it with ChangeMessageVisibility)"
    )


def pattern_dynamodb_locking(out: Narrator, writers: int = 8, rounds: int = 5) -> None:
    ddb = client("dynamodb")
    table = unique_name("counters")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        ddb.get_waiter("table_exists").wait(
            TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        for key in ("plain", "versioned"):
            ddb.put_item(
                TableName=table, Item={"id": {"S": key}, "n": {"N": "0"}, "version": {"N": "0"}}
            )

        def read(key: str) -> tuple[int, int]:
            item = ddb.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True)[
                "Item"
            ]
            return int(item["n"]["N"]), int(item["version"]["N"])

        everyone_read = threading.Barrier(writers)

        def unconditional(i: int) -> bool:
            for _ in range(rounds):
                n, version = read("plain")
                everyone_read.wait()  # all read the same value before anyone writes
                ddb.put_item(
                    TableName=table,
                    Item={
                        "id": {"S": "plain"},
                        "n": {"N": str(n + 1)},
                        "version": {"N": str(version + 1)},
                    },
                )
                everyone_read.wait()  # the round ends when every write landed
            return True

        out.step(f"{writers} writers x {rounds} rounds: GetItem, add 1, PutItem (no condition)")
        _race(writers, unconditional, everyone_read)
        plain, _ = read("plain")
        out.fact("unconditional_final", plain, f"counter (expected {writers * rounds})")
        out.fact("lost_updates", writers * rounds - plain, "increments silently overwritten")

        conflicts = 0
        lock = threading.Lock()

        def conditional(i: int) -> bool:
            nonlocal conflicts
            for _ in range(rounds):
                first = True
                while True:
                    n, version = read("versioned")
                    if first:
                        everyone_read.wait()  # the same race as above
                        first = False
                    try:
                        ddb.put_item(
                            TableName=table,
                            Item={
                                "id": {"S": "versioned"},
                                "n": {"N": str(n + 1)},
                                "version": {"N": str(version + 1)},
                            },
                            ConditionExpression="version = :read",
                            ExpressionAttributeValues={":read": {"N": str(version)}},
                        )
                        break
                    except ddb.exceptions.ConditionalCheckFailedException:
                        with lock:
                            conflicts += 1  # someone wrote since we read: re-read and retry
            return True

        out.step(
            "the same race, PutItem only if version = the version read; on refusal re-read and retry"
        )
        start = time.perf_counter()
        _race(writers, conditional, everyone_read)
        out.rate(
            "conditional_writes_per_s", writers * rounds, time.perf_counter() - start, "writes"
        )
        versioned, version = read("versioned")
        out.fact("conditional_final", versioned, f"counter (expected {writers * rounds})")
        out.fact(
            "conflicts_retried", conflicts, "writes refused (ConditionalCheckFailed) and retried"
        )
        out.fact("version", version)
    finally:
        cleanup_sync(out, ("delete the table", lambda: ddb.delete_table(TableName=table)))
    out.lesson(
        "no lock is held: a stale writer is refused by the server and retries with fresh data; "
        "for a plain counter, UpdateItem with ADD does it in one atomic request"
    )


def pattern_sns_fanout(out: Narrator, messages: int = 60, publishers: int = 4) -> None:
    from practical._aws_delivery import sns_fanout

    sns_fanout(out, client, messages, publishers)


def pattern_presigned_urls(out: Narrator, uploads: int = 16) -> None:
    from practical._aws_delivery import presigned_urls

    presigned_urls(out, client, _bucket, _empty_and_delete, uploads)
