from evaluator.findings import FindingKind
from evaluator.spec import *


def workload(mod):
    mod.fetch_all([f"url{i}" for i in range(8)])


SPEC = ChallengeSpec(
    number=0, slug="serialized_global_lock_pool", title="corpus: serialized_global_lock_pool", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.SERIALIZED,
    checks=(PerformanceCheck("downloads overlap", workload, reference="fixed"),),
    hints=(),
)
