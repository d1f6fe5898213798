from evaluator.findings import FindingKind
from evaluator.spec import *


def workload(mod, round_number):
    mod.serve(100)


SPEC = ChallengeSpec(
    number=0, slug="memory_global_registry", title="corpus: memory_global_registry", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.MEMORY_LEAK,
    checks=(MemoryCheck("memory stays flat", workload),),
    hints=(),
)
