from evaluator.findings import FindingKind
from evaluator.spec import *


def workload(mod, round_number):
    mod.parse_all(["1", "x", "2", "y"] * 50)


SPEC = ChallengeSpec(
    number=0, slug="memory_kept_exceptions", title="corpus: memory_kept_exceptions", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.MEMORY_LEAK,
    checks=(MemoryCheck("memory stays flat", workload),),
    hints=(),
)
