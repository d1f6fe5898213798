from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    expect(mod.run_with_timeout(0.05) is False, "the command should time out")


SPEC = ChallengeSpec(
    number=0, slug="process_leak_popen_timeout", title="corpus: process_leak_popen_timeout", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.PROCESS_LEAK,
    checks=(LeakCheck("child killed on timeout", scenario, kinds=("processes",)),),
    hints=(),
)
