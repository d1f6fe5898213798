import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def concurrent_lookups(program):
    cache = program.Cache()
    threads = [threading.Thread(target=cache.get, args=(21,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(cache.computed == 1, f"the value for one key was computed {cache.computed} times")


SPEC = ChallengeSpec(
    number=0, slug="cta-dict-cache", title="Computed twice", summary="if key not in dict: dict[key] = ...",
    concepts=("check-then-act",), difficulty=2, intended=FindingKind.RACE,
    checks=(ScheduleCheck("concurrent lookups", concurrent_lookups),), hints=("check and insert atomically",),
)
