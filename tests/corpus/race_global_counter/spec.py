import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def hit_counter(program):
    program.reset()
    threads = [threading.Thread(target=program.record_hits, args=(3,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(program.hits == 9, f"3 threads x 3 hits should be 9, got {program.hits}")


SPEC = ChallengeSpec(
    number=0, slug="race-global-counter", title="Global hit counter", summary="global += from three threads",
    concepts=("race",), difficulty=1, intended=FindingKind.RACE,
    checks=(ScheduleCheck("hit counter", hit_counter),), hints=("globals are shared too",),
)
