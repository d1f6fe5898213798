from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    watcher = mod.ConfigWatcher()
    watcher.close()


SPEC = ChallengeSpec(
    number=0, slug="thread_leak_event_never_set", title="corpus: thread_leak_event_never_set", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.THREAD_LEAK,
    checks=(LeakCheck("watcher stops", scenario),),
    hints=(),
)
