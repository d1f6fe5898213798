import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def restocks(program):
    inv = program.Inventory(10)
    t1 = threading.Thread(target=inv.restock, args=(5,))
    t2 = threading.Thread(target=inv.restock, args=(7,))
    t1.start(); t2.start(); t1.join(); t2.join()
    expect(inv.read() == 22, f"10 + 5 + 7 should be 22, stock is {inv.read()}")


SPEC = ChallengeSpec(
    number=0, slug="race-read-call-write", title="Restock lost", summary="read, call, write back",
    concepts=("race",), difficulty=2, intended=FindingKind.RACE,
    checks=(ScheduleCheck("restocks", restocks),), hints=("the read and the write are far apart",),
)
