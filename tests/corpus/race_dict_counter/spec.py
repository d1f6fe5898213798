import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def count_words(program):
    wc = program.WordCount()
    threads = [threading.Thread(target=wc.add, args=(["a", "b", "a"],)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(wc.counts == {"a": 4, "b": 2}, f"expected a=4, b=2, got {wc.counts}")


SPEC = ChallengeSpec(
    number=0, slug="race-dict-counter", title="Word counts go missing", summary="dict get-then-set from two threads",
    concepts=("race",), difficulty=1, intended=FindingKind.RACE,
    checks=(ScheduleCheck("count words", count_words),), hints=("get and set are two steps",),
)
