import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def three_jobs(program):
    program.log.clear()
    threads = [threading.Thread(target=job, name=job.__name__)
               for job in (program.job_ab, program.job_bc, program.job_ca)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(len(program.log) == 12, f"log has {len(program.log)} entries")


SPEC = ChallengeSpec(
    number=0, slug="deadlock-rare-three", title="A three-way cycle", summary="three lock pairs form a cycle only in one order",
    concepts=("deadlock",), difficulty=4, intended=FindingKind.DEADLOCK,
    checks=(ScheduleCheck("three jobs", three_jobs),), hints=("a cycle of three",),
)
