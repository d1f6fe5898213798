import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck


def waiter_and_opener(program):
    gate = program.Gate()
    waiter = threading.Thread(target=gate.wait_open, name="waiter")
    opener = threading.Thread(target=gate.open_gate, name="opener")
    waiter.start(); opener.start(); waiter.join(); opener.join()


SPEC = ChallengeSpec(
    number=0, slug="condvar-missed-notify", title="The notify nobody heard", summary="flag checked outside the lock",
    concepts=("condition",), difficulty=3, intended=FindingKind.DEADLOCK,
    checks=(ScheduleCheck("waiter and opener", waiter_and_opener),), hints=("check the flag under the lock, in a loop",),
)
