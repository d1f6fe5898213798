"""Pure tracker rules: XP, levels, achievements, streaks, the daily challenge, spaced repetition."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.tracker_strategies import events
from tracker.achievements import ACHIEVEMENTS, unlocked
from tracker.course import CHALLENGE_COUNT, DIFFICULTY, LESSON_COUNT
from tracker.daily import TWISTS, daily_challenge
from tracker.history import Tally
from tracker.levels import LEVELS, level_for, next_level
from tracker.models import Activity, ActivityKind, QuizRecord
from tracker.spaced import due_questions
from tracker.streaks import best_streak, current_streak
from tracker.xp import challenge_pass_xp

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def attempt(challenge: int, passed: bool, *, at: datetime = T0, **extra: object) -> Activity:
    return Activity(
        ActivityKind.ATTEMPT, at, at.date(), challenge=challenge, passed=passed, **extra
    )  # type: ignore[arg-type]


def hint(challenge: int, at: datetime = T0) -> Activity:
    return Activity(ActivityKind.HINT, at, at.date(), challenge=challenge)


def test_first_pass_on_first_try_without_hints_earns_both_bonuses() -> None:
    history = Tally()
    step = history.apply(attempt(1, True, difficulty=2))
    assert step.first_pass and step.xp == round(200 * 1.5)


def test_hints_and_failed_checks_reduce_the_first_pass_only() -> None:
    history = Tally.replay([attempt(3, False, difficulty=3), hint(3), hint(3)])
    assert history.apply(attempt(3, True, difficulty=3)).xp == round(300 * 0.8)
    assert history.apply(attempt(3, True, difficulty=3)).xp == 0, "a second pass earns nothing"
    assert history.apply(hint(3)).xp == 0


def test_a_revealed_solution_leaves_a_quarter_and_no_bonus() -> None:
    reveal = Activity(ActivityKind.REVEAL, T0, T0.date(), challenge=2)
    history = Tally.replay([reveal])
    assert history.apply(attempt(2, True, difficulty=4, performance_ratio=0.5)).xp == 100
    assert "class-race" not in history.mastered_classes


def test_beating_the_reference_adds_a_bonus() -> None:
    assert (
        challenge_pass_xp(
            difficulty=1, hints=0, revealed=False, first_try=False, performance_ratio=0.9
        )
        == 145
    )
    assert (
        challenge_pass_xp(
            difficulty=1, hints=0, revealed=False, first_try=False, performance_ratio=1.1
        )
        == 125
    )


def test_hint_penalty_is_capped_and_xp_never_below_the_floor() -> None:
    many = challenge_pass_xp(
        difficulty=1, hints=50, revealed=False, first_try=False, performance_ratio=None
    )
    assert many == 50
    assert (
        challenge_pass_xp(
            difficulty=0, hints=9, revealed=True, first_try=False, performance_ratio=None
        )
        >= 10
    )


def test_examples_quiz_and_practical_earn_once_each() -> None:
    def ev(kind: ActivityKind, subject: str, passed: bool | None = None) -> Activity:
        return Activity(kind, T0, T0.date(), subject=subject, passed=passed)

    history = Tally()
    assert history.apply(ev(ActivityKind.EXAMPLE, "3")).xp == 20
    assert history.apply(ev(ActivityKind.EXAMPLE, "3")).xp == 0
    assert history.apply(ev(ActivityKind.QUIZ, "q1", False)).xp == 0
    assert history.apply(ev(ActivityKind.QUIZ, "q1", True)).xp == 10
    assert history.apply(ev(ActivityKind.QUIZ, "q1", True)).xp == 0
    assert history.apply(ev(ActivityKind.PRACTICAL, "redis:queue")).xp == 30
    assert history.apply(ev(ActivityKind.PRACTICAL, "redis")).xp == 30
    assert history.practical_modules == {"redis"}


def test_daily_is_deterministic_in_range_and_varies() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(120)]
    picks = [daily_challenge(day, range(1, 17)) for day in days]
    assert picks == [daily_challenge(day, range(1, 17)) for day in days]
    assert all(1 <= p.challenge <= 16 and p.twist in TWISTS for p in picks)
    assert len({p.challenge for p in picks}) >= 10 and len({p.twist for p in picks}) == len(TWISTS)


def test_daily_on_day_one_is_a_two_star_challenge() -> None:
    # Regression: a new learner's daily was any of the 16, four- and five-star ones included.
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(60)]
    firsts = {daily_challenge(day).challenge for day in days}
    assert firsts == {n for n, stars in DIFFICULTY.items() if stars == 2}
    assert all(Tally().daily(day) == daily_challenge(day) for day in days)


def test_daily_reaches_one_star_above_the_hardest_pass_and_prefers_new_ones() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(120)]
    after_a_two_star = {daily_challenge(day, {1}).challenge for day in days}
    assert {DIFFICULTY[n] for n in after_a_two_star} == {2, 3} and 1 not in after_a_two_star
    after_a_four_star = {daily_challenge(day, {1, 9}).challenge for day in days}
    assert 16 in after_a_four_star and not after_a_four_star & {1, 9}
    assert {daily_challenge(day, range(1, 17)).challenge for day in days} == set(range(1, 17))


def test_daily_is_fixed_by_the_passes_before_the_day() -> None:
    day = next(
        d
        for d in (date(2026, 3, 1) + timedelta(days=i) for i in range(60))
        if daily_challenge(d).challenge != daily_challenge(d, {1, 2, 3, 6}).challenge
    )
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    morning = daily_challenge(day)
    history = Tally()
    for number in (1, 2, 3, 6):
        history.apply(attempt(number, True, at=at, difficulty=2))
    assert history.daily(day) == morning, "passes during the day do not move today's daily"
    assert history.daily(day + timedelta(days=1)) == daily_challenge(
        day + timedelta(days=1), {1, 2, 3, 6}
    )


def test_the_trackers_course_facts_match_the_catalogue() -> None:
    """Stars, challenge and lesson counts the tracker keeps equal the specs and lesson files."""
    from challenges import all_challenges
    from examples import all_examples

    assert {c.number: c.catalogue.difficulty for c in all_challenges()} == DIFFICULTY
    assert [c.number for c in all_challenges()] == list(range(1, CHALLENGE_COUNT + 1))
    assert [e.number for e in all_examples()] == list(range(1, LESSON_COUNT + 1))


def test_daily_bonus_once_per_day_when_the_twist_holds() -> None:
    day = date(2026, 5, 4)
    daily = daily_challenge(day)
    at = datetime(2026, 5, 4, 12, tzinfo=UTC)
    history = Tally()
    step = history.apply(attempt(daily.challenge, True, at=at))
    assert step.daily_bonus == daily.bonus_xp
    assert history.apply(attempt(daily.challenge, True, at=at)).daily_bonus == 0
    other = Tally().apply(attempt(daily.challenge % 16 + 1, True, at=at))
    assert other.daily_bonus == 0


def test_daily_bonus_refused_when_the_twist_is_broken() -> None:
    day = next(
        d
        for d in (date(2026, 5, 1) + timedelta(days=i) for i in range(60))
        if daily_challenge(d).twist == "no-hints"
    )
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    number = daily_challenge(day).challenge
    history = Tally.replay([hint(number, at)])
    assert history.apply(attempt(number, True, at=at)).daily_bonus == 0


def test_streaks_count_local_days_and_survive_until_a_day_is_missed() -> None:
    today = date(2026, 5, 10)
    days = [today - timedelta(days=i) for i in (1, 2, 3, 5)]
    assert current_streak(days, today) == 3
    assert current_streak(days, today + timedelta(days=1)) == 0
    assert current_streak([*days, today], today) == 4
    assert best_streak(days) == 3 and best_streak([]) == 0


def test_leitner_schedule_brings_missed_questions_back_first() -> None:
    now = T0
    history = {
        "missed": QuizRecord("missed", 2, 1, False, now - timedelta(minutes=11), 0),
        "resting": QuizRecord("resting", 1, 1, True, now - timedelta(hours=1), 1),
        "review": QuizRecord("review", 3, 3, True, now - timedelta(days=4), 2),
        "just-missed": QuizRecord("just-missed", 1, 0, False, now - timedelta(minutes=1), 0),
    }
    order = due_questions(["new", "review", "resting", "missed", "just-missed"], history, now)
    assert order == ["missed", "new", "review"]
    later = due_questions(["just-missed"], history, now + timedelta(minutes=10))
    assert later == ["just-missed"]


def test_quiz_boxes_rise_with_correct_answers_and_reset_on_a_miss() -> None:
    def q(correct: bool) -> Activity:
        return Activity(ActivityKind.QUIZ, T0, T0.date(), subject="q", passed=correct)

    history = Tally.replay([q(True), q(True), q(True)])
    assert history.quiz["q"].box == 3
    history.apply(q(False))
    assert history.quiz["q"].box == 0 and history.quiz["q"].attempts == 4


def test_levels_are_named_ordered_and_at_least_twelve() -> None:
    assert len(LEVELS) >= 12 and LEVELS[0].min_xp == 0
    assert [lv.min_xp for lv in LEVELS] == sorted({lv.min_xp for lv in LEVELS})
    assert next_level(LEVELS[-1]) is None and next_level(LEVELS[0]) == LEVELS[1]


def test_at_least_twenty_achievements_with_unique_keys() -> None:
    assert len(ACHIEVEMENTS) >= 20
    assert len({a.key for a in ACHIEVEMENTS}) == len(ACHIEVEMENTS)


@given(st.integers(0, 20_000), st.integers(0, 20_000))
def test_level_is_monotonic_in_xp(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert level_for(low).number <= level_for(high).number


@settings(max_examples=150, deadline=None)
@given(events(max_size=60))
def test_xp_level_and_achievements_never_go_down_as_events_are_added(log: list[Activity]) -> None:
    history = Tally()
    seen: set[str] = set()
    previous_xp = 0
    for event in log:
        step = history.apply(event)
        assert step.xp >= 0 and history.xp == previous_xp + step.xp
        now_unlocked = unlocked(history)
        assert seen <= now_unlocked, f"an achievement was lost after {event.kind}"
        seen, previous_xp = now_unlocked, history.xp
    assert Tally.replay(log).xp == history.xp


@settings(max_examples=100, deadline=None)
@given(events(max_size=40), events(max_size=20))
def test_prefix_xp_is_unaffected_by_what_comes_after(
    prefix: list[Activity], suffix: list[Activity]
) -> None:
    shifted = [
        Activity(
            **{**e.__dict__, "at": e.at + timedelta(days=30), "day": e.day + timedelta(days=30)}
        )
        for e in suffix
    ]
    assert Tally.replay(prefix + shifted).xp >= Tally.replay(prefix).xp


@settings(max_examples=100, deadline=None)
@given(events(max_size=40), events(max_size=20))
def test_a_checkpoint_resumes_the_fold_exactly(
    prefix: list[Activity], suffix: list[Activity]
) -> None:
    from tracker import checkpoint

    shifted = [
        Activity(**{**e.__dict__, "at": e.at + timedelta(days=3), "day": e.day + timedelta(days=3)})
        for e in suffix
    ]
    resumed = checkpoint.loads(checkpoint.dumps(Tally.replay(prefix)))
    assert resumed == Tally.replay(prefix)
    assert resumed is not None
    steps = [resumed.apply(e) for e in shifted]
    full = Tally.replay(prefix)
    assert steps == [full.apply(e) for e in shifted] and resumed == full


def test_a_checkpoint_from_other_rules_or_garbage_is_ignored() -> None:
    from tracker import checkpoint

    current = f'"rules":{checkpoint.RULES_VERSION}'
    text = checkpoint.dumps(Tally.replay([attempt(1, True)]))
    assert current in text and checkpoint.loads(text) == Tally.replay([attempt(1, True)])
    assert checkpoint.loads(text.replace(current, '"rules":0')) is None
    assert checkpoint.loads("{not json") is None and checkpoint.loads("{" + current + "}") is None


def test_bug_class_badges_name_finding_kinds_and_the_tracker_imports_no_grader() -> None:
    import subprocess
    import sys

    from evaluator.findings import FindingKind as GradersKind
    from findingkind import FindingKind
    from tests.conftest import ROOT
    from tracker.achievements import _CLASS_BADGES

    assert GradersKind is FindingKind  # one type, shared by the grader and the tracker
    assert len({kind for kind, _ in _CLASS_BADGES}) == len(_CLASS_BADGES)
    assert {kind for kind, _ in _CLASS_BADGES} <= {k.value for k in FindingKind}
    probe = "import sys, tracker; print(sorted(m for m in sys.modules if m.split('.')[0] == 'evaluator'))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stderr
