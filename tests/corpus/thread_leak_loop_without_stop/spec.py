from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    beat = mod.Heartbeat()
    beat.start()
    beat.stop()


SPEC = ChallengeSpec(
    number=0, slug="thread_leak_loop_without_stop", title="corpus: thread_leak_loop_without_stop", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.THREAD_LEAK,
    checks=(LeakCheck("heartbeat stops", scenario),),
    hints=(),
)
