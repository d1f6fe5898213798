import asyncio

from evaluator.findings import FindingKind
from evaluator.spec import AsyncCheck, ChallengeSpec, expect


async def three_buyers(program):
    shop = program.Shop(5)
    await asyncio.gather(*(shop.buy(2) for _ in range(3)))
    expect(shop.stock >= 0, f"sold more than we had: stock is {shop.stock}")


SPEC = ChallengeSpec(
    number=0, slug="async-oversell", title="Oversold", summary="check stock, await payment, decrement",
    concepts=("asyncio", "check-then-act"), difficulty=2, intended=FindingKind.RACE,
    checks=(AsyncCheck("three buyers", three_buyers),), hints=("reserve before you await",),
)
