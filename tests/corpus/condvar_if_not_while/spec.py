import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def two_consumers(program):
    box = program.Mailbox()
    got = []
    consumers = [threading.Thread(target=lambda: got.append(box.take()), name=f"consumer-{i}") for i in range(2)]
    producer = threading.Thread(target=lambda: [box.put(i) for i in range(2)], name="producer")
    for t in (*consumers, producer):
        t.start()
    for t in (*consumers, producer):
        t.join()
    expect(sorted(got) == [0, 1], f"consumers received {got}")


SPEC = ChallengeSpec(
    number=0, slug="condvar-if-not-while", title="Woken for nothing", summary="cond.wait() under if instead of while",
    concepts=("condition",), difficulty=3, intended=FindingKind.RACE,
    checks=(ScheduleCheck("two consumers", two_consumers),), hints=("re-check the condition after waking",),
)
