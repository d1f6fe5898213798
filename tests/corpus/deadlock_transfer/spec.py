import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def opposite_transfers(program):
    alice, bob = program.Account("alice", 100), program.Account("bob", 100)
    t1 = threading.Thread(target=program.transfer, args=(alice, bob, 10), name="alice->bob")
    t2 = threading.Thread(target=program.transfer, args=(bob, alice, 20), name="bob->alice")
    t1.start(); t2.start(); t1.join(); t2.join()
    expect(alice.balance + bob.balance == 200, "money was created or destroyed")


SPEC = ChallengeSpec(
    number=0, slug="deadlock-transfer", title="The bank that froze", summary="transfers lock in argument order",
    concepts=("deadlock",), difficulty=2, intended=FindingKind.DEADLOCK,
    checks=(ScheduleCheck("opposite transfers", opposite_transfers),), hints=("one global lock order",),
)
