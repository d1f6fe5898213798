import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def two_writers(program):
    log = program.AuditLog()
    threads = [threading.Thread(target=program.worker, args=(log, f"w{i}")) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(len(log.lines) == 4, f"{len(log.lines)} lines written")


SPEC = ChallengeSpec(
    number=0, slug="held-lock-logger", title="Everyone waits for the disk", summary="sleep inside the critical section",
    concepts=("lock granularity",), difficulty=1, intended=FindingKind.LOCK_HELD_DURING_IO,
    checks=(ScheduleCheck("two writers", two_writers, kind=FindingKind.LOCK_HELD_DURING_IO),),
    hints=("keep I/O out of the lock",),
)
