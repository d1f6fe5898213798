from evaluator.findings import FindingKind
from evaluator.spec import *


def workload(mod):
    mod.fetch_all([f"url{i}" for i in range(8)])


SPEC = ChallengeSpec(
    number=0, slug="lock_held_during_io_cache_fill", title="corpus: lock_held_during_io_cache_fill", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.LOCK_HELD_DURING_IO,
    checks=(PerformanceCheck("lookups overlap", workload, reference="fixed", require_concurrency=False, max_ratio=100.0),),
    hints=(),
)
