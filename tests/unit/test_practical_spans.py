"""Reading finished OpenTelemetry spans back: traces, orphans, hop waits and the drawn tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk", reason="needs the optional 'practical' extra")

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from evaluator.trace import validate_trace
from practical._spans import draw_trace, hop_waits, orphans, traces, write_hops


def _spans(propagate: bool) -> list:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    headers: dict[str, str] = {}
    with tracer.start_as_current_span("send"):
        if propagate:
            TraceContextTextMapPropagator().inject(headers)
    received = TraceContextTextMapPropagator().extract(headers)
    with (
        tracer.start_as_current_span("receive", context=received),
        tracer.start_as_current_span("work"),
    ):
        pass
    return list(exporter.get_finished_spans())


def test_a_propagated_context_makes_one_trace_drawn_as_a_chain() -> None:
    spans = _spans(propagate=True)
    assert len(traces(spans)) == 1 and orphans(spans, ["receive"]) == []
    assert len(hop_waits(spans, "send", "receive")) == 1
    lines = draw_trace(spans)
    assert lines[0].startswith("trace ") and "3 spans" in lines[0]
    assert lines[1].startswith("└─ send (svc) at +0.0 ms")
    assert lines[2].startswith("   └─ receive (svc)") and lines[3].startswith("      └─ work (svc)")


def test_without_the_header_the_receiver_is_an_orphan_and_the_wait_unmeasurable() -> None:
    spans = _spans(propagate=False)
    assert len(traces(spans)) == 2
    assert [s.name for s in orphans(spans, ["receive"])] == ["receive"]
    assert hop_waits(spans, "send", "receive") == []


def test_only_a_joined_hop_becomes_an_arrow_in_a_valid_perfetto_trace(tmp_path: Path) -> None:
    for propagate, arrows in ((True, 1), (False, 0)):
        path = tmp_path / f"{propagate}.json"
        assert write_hops(_spans(propagate), [("send", "receive")], path, "test") == arrows
        trace = json.loads(path.read_text(encoding="utf-8"))
        assert validate_trace(trace) == []
        assert sum(e["ph"] == "s" for e in trace["traceEvents"]) == arrows
