import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def two_incrementers(program):
    counter = program.Counter()
    threads = [threading.Thread(target=counter.increment, args=(5,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(counter.value == 10, f"two threads incremented 5 times each but value is {counter.value}")


SPEC = ChallengeSpec(
    number=0, slug="race-attr-increment", title="Lost increments", summary="self.value += 1 from two threads",
    concepts=("race",), difficulty=1, intended=FindingKind.RACE,
    checks=(ScheduleCheck("two incrementers", two_incrementers),), hints=("+= is read, add, write",),
)
