"""Who observes the event log decides whether instrumentation builds events; call sites format on read."""

from __future__ import annotations

import sys

from evaluator.callsite import CallSite, text
from evaluator.events import EventKind, EventLog


def test_a_log_is_observed_only_while_someone_subscribes_or_records_and_it_is_not_paused() -> None:
    log = EventLog()
    assert not log.observed
    unsubscribe = log.subscribe(lambda _event: None)
    assert log.observed
    with log.paused():
        assert not log.observed
    assert log.observed
    unsubscribe()
    assert not log.observed
    with log.recording():
        with log.recording():
            assert log.observed
        assert log.observed
    assert not log.observed


def test_direct_emits_are_recorded_whoever_observes() -> None:
    """Only the instrumentation skips unobserved events; an explicit emit (a lesson's mark) is kept."""
    log = EventLog()
    assert log.emit(EventKind.MARK, "main", 1, detail="narration") is not None
    assert [e.detail for e in log] == ["narration"]


def test_a_call_site_keeps_the_line_it_was_captured_at_and_formats_like_before() -> None:
    frame = sys._getframe()
    site = CallSite(frame.f_code, frame.f_lineno)
    line = frame.f_lineno
    later = frame.f_lineno  # the frame has moved on; the call site has not
    assert later != site.line
    assert str(site) == f"test_event_observed.py:{line - 1}" == text(site)
    assert site == CallSite(frame.f_code, line - 1) and hash(site) == hash(
        CallSite(frame.f_code, line - 1)
    )
    assert site != CallSite(frame.f_code, line)
    assert text("program.py:3") == "program.py:3" and text(None) is None
