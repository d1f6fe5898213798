"""Distributed tracing with OpenTelemetry across an outbox → NATS JetStream → consumer flow.

A trace is a tree of *spans* (timed operations) sharing one trace id; each span names its
parent. Inside one process the SDK keeps the current span in a context variable, so nesting is
automatic. Across processes nothing is automatic: the producer must *inject* its context into
whatever travels — here the W3C ``traceparent`` (``00-<trace id>-<span id>-<flags>``) goes
into the outbox row (the relay runs later, elsewhere) and into the NATS message headers — and
the consumer must *extract* it and start its span with that parent. Forget the header and
nothing fails: the consumer's spans silently start a new trace each, and the backend shows two
unrelated traces where there was one request.

The three services (order, relay, inventory) each have their own tracer provider and
``service.name``; the spans go to an in-memory exporter and are drawn here as a tree.
"""

from __future__ import annotations

import json
from typing import Any

from practical._faults import cleanup, quiet_loggers
from practical._narrate import Narrator, unique_name
from practical._spans import draw_trace, hop_waits, orphans, traces, write_hops
from practical.services import get_service

quiet_loggers("nats")  # a lost connection is reported once, by us

TITLE = "Tracing: OpenTelemetry spans across outbox → NATS JetStream → consumer"
SERVICE = "nats"
ALSO_NEEDS = ("postgres",)
PATTERNS = {
    "propagation": "traceparent through the outbox row and NATS headers vs a relay that drops the header",
}

PUBLISH_SPAN = "publish orders.placed"
CONSUMER_SPANS = ("process orders.placed",)


def _tracers(exporter: Any) -> dict[str, Any]:
    """One tracer per service, each with its own provider and ``service.name``, one shared exporter."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    tracers = {}
    for service in ("order-service", "outbox-relay", "inventory-service"):
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracers[service] = provider.get_tracer("concurrency-lab.practical.tracing")
    return tracers


async def _flow(out: Narrator, orders: int, propagate: bool) -> list[Any]:
    """Place ``orders`` orders and carry them to the consumer; returns the finished spans."""
    import nats
    from nats.js.api import StreamConfig
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    from practical.postgres import connect

    exporter = InMemorySpanExporter()
    tracer = _tracers(exporter)
    w3c = TraceContextTextMapPropagator()
    prefix = unique_name("traced")
    subject = f"{prefix}.orders.placed"
    broker = await nats.connect(get_service("nats").url)
    jetstream = broker.jetstream()
    created: list[str] = []
    try:
        await jetstream.add_stream(StreamConfig(name=prefix, subjects=[f"{prefix}.>"]))
        created.append("stream")
        async with await connect() as admin:
            await admin.execute(
                f"CREATE TABLE {prefix}_outbox (event_id text PRIMARY KEY, payload jsonb, "
                "traceparent text, sent boolean NOT NULL DEFAULT false)"
            )
            await admin.execute(
                f"CREATE TABLE {prefix}_stock (sku text PRIMARY KEY, qty int NOT NULL)"
            )
            created.append("tables")
            await admin.execute(
                f"INSERT INTO {prefix}_stock VALUES ('apple', 1000), ('pear', 1000)"
            )

        # The order service: one trace per order; its context is saved in the outbox row.
        for n in range(orders):
            with tracer["order-service"].start_as_current_span(
                "POST /orders", kind=SpanKind.SERVER, attributes={"order.id": n}
            ):
                carrier: dict[str, str] = {}
                w3c.inject(carrier)
                with tracer["order-service"].start_as_current_span(
                    "INSERT order + outbox",
                    kind=SpanKind.CLIENT,
                    attributes={"db.system": "postgresql"},
                ):
                    async with await connect(autocommit=False) as conn, conn.transaction():
                        payload = json.dumps(
                            {"order": n, "sku": ("apple", "pear")[n % 2], "qty": 1}
                        )
                        await conn.execute(
                            f"INSERT INTO {prefix}_outbox (event_id, payload, traceparent) "
                            "VALUES (%s, %s, %s)",
                            (f"order-{n}", payload, carrier["traceparent"]),
                        )

        out.step(
            "the relay publishes the outbox rows, each under a span continued from its row's traceparent"
        )
        # The relay: continues each order's trace from the row, publishes with (or without) the header.
        async with await connect(autocommit=False) as conn, conn.transaction():
            cur = await conn.execute(
                f"SELECT event_id, payload, traceparent FROM {prefix}_outbox WHERE NOT sent "
                "ORDER BY event_id FOR UPDATE SKIP LOCKED"
            )
            for event_id, payload, traceparent in await cur.fetchall():
                parent = w3c.extract({"traceparent": traceparent})
                with tracer["outbox-relay"].start_as_current_span(
                    PUBLISH_SPAN,
                    context=parent,
                    kind=SpanKind.PRODUCER,
                    attributes={"messaging.system": "nats", "messaging.destination.name": subject},
                ):
                    headers = {"Nats-Msg-Id": event_id}
                    if propagate:
                        w3c.inject(
                            headers
                        )  # adds "traceparent": the consumer's parent is this span
                    await jetstream.publish(subject, json.dumps(payload).encode(), headers=headers)
                await conn.execute(
                    f"UPDATE {prefix}_outbox SET sent = true WHERE event_id = %s", (event_id,)
                )

        out.step(
            "the inventory service pulls the events and extracts each one's context from its headers"
        )
        # The inventory service: extracts the context from the headers (finds none without propagation).
        subscription = await jetstream.pull_subscribe(
            subject, durable=f"{prefix}_inventory", stream=prefix
        )
        received = 0
        async with await connect() as conn:
            while received < orders:
                for message in await subscription.fetch(min(25, orders - received), timeout=5):
                    parent = w3c.extract(dict(message.headers or {}))
                    with tracer["inventory-service"].start_as_current_span(
                        CONSUMER_SPANS[0],
                        context=parent,
                        kind=SpanKind.CONSUMER,
                        attributes={
                            "messaging.message.id": (message.headers or {}).get("Nats-Msg-Id", "")
                        },
                    ):
                        event = json.loads(message.data)
                        with tracer["inventory-service"].start_as_current_span(
                            "UPDATE stock",
                            kind=SpanKind.CLIENT,
                            attributes={"db.system": "postgresql"},
                        ):
                            await conn.execute(
                                f"UPDATE {prefix}_stock SET qty = qty - %s WHERE sku = %s",
                                (event["qty"], event["sku"]),
                            )
                        await message.ack()
                    received += 1
    finally:

        async def drop_tables() -> None:
            async with await connect() as admin:
                await admin.execute(f"DROP TABLE IF EXISTS {prefix}_outbox, {prefix}_stock")

        steps: list[Any] = []
        if "stream" in created:
            steps.append(
                ("delete the JetStream stream", lambda: jetstream.delete_stream(prefix), "nats")
            )
        steps.append(("close the NATS connection", broker.close, "nats"))
        if "tables" in created:
            steps.append(("drop the tables", drop_tables, "postgres"))
        await cleanup(out, *steps)
    return list(exporter.get_finished_spans())


def _show(out: Narrator, title: str, spans: list[Any]) -> None:
    lines = draw_trace(spans)
    out.step(title + "\n" + "\n".join("      " + line for line in lines))


def _export(out: Narrator, spans: list[Any], label: str) -> None:
    """The hops as arrows in the project's Chrome/Perfetto trace format, under LEARN_HOME/traces."""
    from practical.services._state import learn_home

    path = learn_home() / "traces" / f"tracing-{label}-header.json"
    arrows = write_hops(
        spans,
        [("POST /orders", PUBLISH_SPAN), (PUBLISH_SPAN, CONSUMER_SPANS[0])],
        path,
        f"tracing: relay publishing {label} traceparent",
    )
    out.fact(f"arrows_{label}", arrows, "hops drawn as arrows (order → relay, relay → consumer)")
    out.step(f"the hops as a Perfetto trace: {path} (open it in https://ui.perfetto.dev)")


async def pattern_propagation(out: Narrator, orders: int = 20) -> None:
    for propagate in (False, True):
        label = "with" if propagate else "without"
        out.step(
            f"{orders} orders through outbox → relay → JetStream → inventory, the relay publishing "
            f"{label} the traceparent header"
        )
        spans = await _flow(out, orders, propagate)
        grouped = traces(spans)
        lost = orphans(spans, CONSUMER_SPANS)
        consumer = [s for s in spans if s.name in CONSUMER_SPANS]
        order_traces = {s.context.trace_id for s in spans if s.name == "POST /orders"}
        joined = sum(s.context.trace_id in order_traces for s in consumer)
        out.fact(f"spans_{label}", len(spans), "spans recorded")
        out.fact(f"traces_{label}", len(grouped), f"traces (one per order would be {orders})")
        out.fact(
            f"orphans_{label}", len(lost), "consumer spans with no parent (each began a new trace)"
        )
        out.fact(f"joined_{label}", joined, "consumer spans inside their order's trace")
        broker = hop_waits(spans, PUBLISH_SPAN, CONSUMER_SPANS[0])
        out.fact(
            f"broker_waits_{label}",
            len(broker),
            "messages whose time in JetStream the traces can measure",
        )
        if broker:
            out.latencies("outbox_wait", hop_waits(spans, "POST /orders", PUBLISH_SPAN))
            out.latencies("broker_wait", broker)
        _export(out, spans, label)
        first = min((s for s in spans if s.name == "POST /orders"), key=lambda s: s.start_time)
        _show(out, "order 0's trace:", grouped[first.context.trace_id])
        if lost:
            orphan = min(lost, key=lambda s: s.start_time)
            _show(
                out,
                "and the consumer's work on it, a separate trace (only its message id, searched by hand, ties it to the order):",
                grouped[orphan.context.trace_id],
            )
            out.warn(
                "nothing failed and nothing was logged: the header was simply not there, so extract() "
                "returned an empty context and the consumer span became a root"
            )
    outbox_ms, broker_ms = out.facts.get("outbox_wait_p50_ms"), out.facts.get("broker_wait_p50_ms")
    if isinstance(outbox_ms, float) and isinstance(broker_ms, float):
        longer = "in the outbox" if outbox_ms > broker_ms else "in JetStream"
        out.lesson(
            f"a joined trace times every hop: an event waited {outbox_ms:.0f} ms (p50) in the outbox and "
            f"{broker_ms:.0f} ms in JetStream, longest {longer} (each stage here runs after the previous "
            "one finished); without the header the JetStream wait cannot be read from the traces at all"
        )
    out.lesson(
        "context crosses a process boundary only inside the data: inject traceparent into the outbox "
        "row and the message headers, extract it on the other side; otherwise each hop is its own trace"
    )
