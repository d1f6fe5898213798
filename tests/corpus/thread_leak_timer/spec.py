from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    session = mod.Session()
    session.close()


SPEC = ChallengeSpec(
    number=0, slug="thread_leak_timer", title="corpus: thread_leak_timer", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.THREAD_LEAK,
    checks=(LeakCheck("closing cancels the timer", scenario),),
    hints=(),
)
