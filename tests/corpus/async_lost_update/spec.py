import asyncio

from evaluator.findings import FindingKind
from evaluator.spec import AsyncCheck, ChallengeSpec, expect


async def deposits(program):
    wallet = program.Wallet()
    await asyncio.gather(wallet.deposit(10), wallet.deposit(20))
    expect(wallet.balance == 30, f"deposited 10 and 20 but the balance is {wallet.balance}")


SPEC = ChallengeSpec(
    number=0, slug="async-lost-update", title="Await in the middle", summary="read, await, write back",
    concepts=("asyncio",), difficulty=2, intended=FindingKind.RACE,
    checks=(AsyncCheck("concurrent deposits", deposits),), hints=("an await is a switch point",),
)
