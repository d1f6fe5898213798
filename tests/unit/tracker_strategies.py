"""Hypothesis strategies for the tracker tests: arbitrary learner histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from tracker.models import Activity, ActivityKind

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BUG_CLASSES = ("deadlock", "race", "thread-leak", "distributed", "")


@st.composite
def events(draw: st.DrawFn, max_size: int = 40) -> list[Activity]:
    """A plausible sequence of events over a few days, in recording order."""
    count = draw(st.integers(min_value=0, max_value=max_size))
    moment = START
    out: list[Activity] = []
    for _ in range(count):
        moment += timedelta(minutes=draw(st.sampled_from([1, 30, 60 * 20, 60 * 30])))
        kind = draw(st.sampled_from(list(ActivityKind)))
        common = {"kind": kind, "at": moment, "day": moment.date()}
        challenge = draw(st.integers(min_value=1, max_value=16))
        if kind is ActivityKind.ATTEMPT:
            out.append(
                Activity(
                    **common,
                    challenge=challenge,
                    passed=draw(st.booleans()),
                    difficulty=draw(st.integers(min_value=1, max_value=5)),
                    performance_ratio=draw(st.sampled_from([None, 0.5, 1.0, 2.0])),
                    bug_class=draw(st.sampled_from(BUG_CLASSES)),
                    seed=draw(st.integers(min_value=0, max_value=2**40)),
                    code_hash=draw(st.text(alphabet="0123456789abcdef", max_size=8)),
                    summary=draw(st.text(max_size=20)),
                )
            )
        elif kind in (ActivityKind.HINT, ActivityKind.REVEAL):
            out.append(Activity(**common, challenge=challenge))
        elif kind is ActivityKind.EXAMPLE:
            out.append(
                Activity(**common, subject=str(draw(st.integers(min_value=1, max_value=16))))
            )
        elif kind is ActivityKind.QUIZ:
            out.append(
                Activity(
                    **common, subject=f"q{draw(st.integers(0, 30))}", passed=draw(st.booleans())
                )
            )
        else:
            module = draw(
                st.sampled_from(["redis", "postgres", "kafka", "nats", "mongo", "rabbitmq"])
            )
            pattern = draw(st.sampled_from([None, "queue", "pubsub"]))
            out.append(
                Activity(**common, subject=module if pattern is None else f"{module}:{pattern}")
            )
    return out
