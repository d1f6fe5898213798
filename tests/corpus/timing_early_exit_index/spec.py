from evaluator.findings import FindingKind
from evaluator.spec import *


def make_compare(mod, secret):
    return lambda guess: mod.check_token(secret, guess)


SPEC = ChallengeSpec(
    number=0, slug="timing_early_exit_index", title="corpus: timing_early_exit_index", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.TIMING_LEAK,
    checks=(TimingCheck("constant-time compare", make_compare),),
    hints=(),
)
