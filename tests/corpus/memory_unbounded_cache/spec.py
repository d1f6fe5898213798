from evaluator.findings import FindingKind
from evaluator.spec import *


def workload(mod, round_number):
    for user in range(round_number * 300, round_number * 300 + 300):
        mod.render(user)


SPEC = ChallengeSpec(
    number=0, slug="memory_unbounded_cache", title="corpus: memory_unbounded_cache", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.MEMORY_LEAK,
    checks=(MemoryCheck("memory stays flat", workload),),
    hints=(),
)
