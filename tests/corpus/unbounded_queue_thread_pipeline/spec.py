from evaluator.findings import FindingKind
from evaluator.spec import *


def produce(mod, n):
    return mod.pipeline(n)


SPEC = ChallengeSpec(
    number=0, slug="unbounded_queue_thread_pipeline", title="corpus: unbounded_queue_thread_pipeline", summary="grader corpus pair", concepts=(), difficulty=1,
    intended=FindingKind.UNBOUNDED_QUEUE,
    checks=(BackpressureCheck("producer slows down", produce),),
    hints=(),
)
