import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def dinner(program):
    table = program.Table(3)
    threads = [threading.Thread(target=table.dine, args=(i,), name=f"philosopher-{i}") for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(table.meals == [1, 1, 1], f"meals: {table.meals}")


SPEC = ChallengeSpec(
    number=0, slug="deadlock-philosophers", title="Three philosophers", summary="everyone takes the left fork first",
    concepts=("deadlock",), difficulty=3, intended=FindingKind.DEADLOCK,
    checks=(ScheduleCheck("dinner", dinner),), hints=("order the forks",),
)
