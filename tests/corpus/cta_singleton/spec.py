import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def concurrent_get(program):
    program.reset()
    got = []
    threads = [threading.Thread(target=lambda: got.append(program.get_config())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(got[0] is got[1], f"two different singletons were created ({program.Config.created} instances)")


SPEC = ChallengeSpec(
    number=0, slug="cta-singleton", title="Two singletons", summary="lazy init without a lock",
    concepts=("check-then-act",), difficulty=2, intended=FindingKind.RACE,
    checks=(ScheduleCheck("concurrent get_config", concurrent_get),), hints=("double-checked locking",),
)
