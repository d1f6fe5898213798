import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def reserve_and_cancel(program):
    inventory = program.Inventory()
    orders = program.Orders(inventory)
    inventory.orders = orders
    inventory.reserve("apple")
    t1 = threading.Thread(target=inventory.reserve, args=("apple",), name="shop")
    t2 = threading.Thread(target=orders.cancel_all, name="admin")
    t1.start(); t2.start(); t1.join(); t2.join()
    expect(inventory.items["apple"] + len(orders.placed) == 3, "apples were lost")


SPEC = ChallengeSpec(
    number=0, slug="deadlock-nested-calls", title="Callbacks under a lock", summary="a lock held while calling into another object",
    concepts=("deadlock",), difficulty=3, intended=FindingKind.DEADLOCK,
    checks=(ScheduleCheck("reserve and cancel", reserve_and_cancel),), hints=("do not call out while holding a lock",),
)
