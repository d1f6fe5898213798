import threading

from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, ScheduleCheck, expect


def two_withdrawals(program):
    acct = program.Account(100)
    threads = [threading.Thread(target=acct.withdraw, args=(80,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(acct.balance >= 0, f"overdraft: balance is {acct.balance}")


SPEC = ChallengeSpec(
    number=0, slug="cta-withdraw", title="Overdraft", summary="check balance, then withdraw",
    concepts=("check-then-act",), difficulty=1, intended=FindingKind.RACE,
    checks=(ScheduleCheck("two withdrawals", two_withdrawals),), hints=("the check can be stale",),
)
