from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    expect(mod.increment_all([1, 2, 3]) == [2, 3, 4], "wrong results")


SPEC = ChallengeSpec(
    number=0, slug="process_leak_multiprocessing_worker", title="corpus: process_leak_multiprocessing_worker", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.PROCESS_LEAK,
    checks=(LeakCheck("worker process stopped", scenario, kinds=("processes",)),),
    hints=(),
)
