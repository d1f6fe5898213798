from evaluator.findings import FindingKind
from evaluator.spec import *


def workload(mod, round_number):
    for request in range(150):
        mod.handle_request(request)


SPEC = ChallengeSpec(
    number=0, slug="memory_listeners_never_removed", title="corpus: memory_listeners_never_removed", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.MEMORY_LEAK,
    checks=(MemoryCheck("memory stays flat", workload),),
    hints=(),
)
