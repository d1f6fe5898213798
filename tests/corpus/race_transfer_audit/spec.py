import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def audit_during_transfer(program):
    bank = program.Bank()
    seen = []
    mover = threading.Thread(target=bank.transfer, args=("a", "b", 20), name="mover")
    auditor = threading.Thread(target=lambda: seen.append(bank.total()), name="auditor")
    mover.start(); auditor.start(); mover.join(); auditor.join()
    expect(seen == [100], f"the auditor saw a total of {seen[0]} instead of 100")


SPEC = ChallengeSpec(
    number=0, slug="race-transfer-audit", title="Money in flight", summary="a transfer in two critical sections",
    concepts=("atomicity",), difficulty=2, intended=FindingKind.RACE,
    checks=(ScheduleCheck("audit during transfer", audit_during_transfer),), hints=("one critical section per invariant",),
)
