from evaluator.findings import FindingKind
from evaluator.spec import *


def scenario(mod):
    expect([mod.compute_in_thread(i) for i in range(3)] == [0, 2, 4], "wrong results")


SPEC = ChallengeSpec(
    number=0, slug="fd_leak_pipe_per_call", title="corpus: fd_leak_pipe_per_call", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.FD_LEAK,
    checks=(LeakCheck("pipes closed", scenario),),
    hints=(),
)
