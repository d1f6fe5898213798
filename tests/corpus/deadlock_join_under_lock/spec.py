from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def start_stop(program):
    service = program.Service()
    service.start()
    service.stop()
    expect(service.state == "stopped", f"state is {service.state}")


SPEC = ChallengeSpec(
    number=0, slug="deadlock-join-under-lock", title="Join while holding the lock", summary="stop() joins a worker that needs the lock",
    concepts=("deadlock",), difficulty=2, intended=FindingKind.DEADLOCK,
    checks=(ScheduleCheck("start then stop", start_stop),), hints=("never join while holding a lock the thread needs",),
)
