import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck


def refresh_while_reading(program):
    cache = program.PriceCache()
    refresher = threading.Thread(target=cache.refresh, args=("ACME",), name="refresher")
    readers = [threading.Thread(target=cache.get, args=("ACME",), name=f"reader-{i}") for i in range(2)]
    refresher.start()
    for r in readers:
        r.start()
    for t in (refresher, *readers):
        t.join()


SPEC = ChallengeSpec(
    number=0, slug="held-lock-sleep", title="Readers stuck behind the network", summary="lock held across a slow fetch",
    concepts=("lock granularity",), difficulty=2, intended=FindingKind.LOCK_HELD_DURING_IO,
    checks=(ScheduleCheck("refresh while reading", refresh_while_reading, kind=FindingKind.LOCK_HELD_DURING_IO),),
    hints=("fetch first, then lock to store",),
)
