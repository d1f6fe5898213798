from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    expect(mod.Pipeline().run([1, 2, 3]) == [1, 4, 9], "wrong squares")


SPEC = ChallengeSpec(
    number=0, slug="thread_leak_queue_worker", title="corpus: thread_leak_queue_worker", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.THREAD_LEAK,
    checks=(LeakCheck("pipeline cleans up", scenario),),
    hints=(),
)
